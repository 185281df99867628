"""The errors of :mod:`zoo_bridge`: one base class, each also a jet_store category.

Examples
--------
>>> from jet_store import UserError
>>> from zoo_bridge.errors import ExportFileError
>>> isinstance(ExportFileError("no such file"), UserError)
True
"""

from __future__ import annotations

from jet_store.errors import DataError, JetHunterError, ServiceError, UserError

__all__ = ["ZooBridgeError", "ExportFileError", "RowError", "FetchError"]


class ZooBridgeError(JetHunterError):
    """Base class of every error raised by :mod:`zoo_bridge`."""


class ExportFileError(ZooBridgeError, UserError):
    """An export file cannot be read at all (missing, not CSV, wrong columns)."""


class RowError(ZooBridgeError, DataError, ValueError):
    """One malformed export row; ``reason`` is a short code counted in the import report.

    Examples
    --------
    >>> err = RowError("bad_json", "annotations is not JSON")
    >>> err.reason, str(err)
    ('bad_json', 'annotations is not JSON')
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class FetchError(ZooBridgeError, ServiceError):
    """Panoptes did not give an export (not found, not ready in time, download failed)."""
