"""The kinds of project export Panoptes makes, as plain values (no client, no httpx).

:mod:`zoo_bridge.fetch` fetches them; the command line's parser offers them as choices
from here, so parsing imports neither.

Examples
--------
>>> from zoo_bridge.export_kinds import EXPORT_KINDS
>>> EXPORT_KINDS
('classifications', 'subjects', 'workflows')
"""

from __future__ import annotations

__all__ = ["EXPORT_KINDS"]

EXPORT_KINDS: tuple[str, ...] = ("classifications", "subjects", "workflows")
"""The project exports that can be fetched."""
