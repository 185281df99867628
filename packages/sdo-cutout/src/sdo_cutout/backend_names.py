"""The built-in cutout backends' names, as plain values (no client, no httpx).

The command line's ``--backend`` choices read them here, so parsing imports no service
client. Each name is also its client's module (``sdo_cutout.ssw`` defines the ``ssw``
client): :data:`sdo_cutout.backend.BACKENDS` imports those modules on its first read and
checks that each registered the backend it is named for, so the names are written once.

Examples
--------
>>> from sdo_cutout.backend_names import BUILTIN_BACKENDS, DEFAULT_BACKEND
>>> BUILTIN_BACKENDS, DEFAULT_BACKEND
(('ssw', 'jsoc'), 'ssw')
"""

from __future__ import annotations

__all__ = ["BUILTIN_BACKENDS", "DEFAULT_BACKEND"]

BUILTIN_BACKENDS: tuple[str, ...] = ("ssw", "jsoc")
"""The built-in backends, in their clients' ``rank`` order (the default first)."""

DEFAULT_BACKEND = BUILTIN_BACKENDS[0]
"""The backend used when none is named."""
