"""Exception classes shared by every jet-hunter package.

Every package raises its own base exception (``StoreError``, ``HekError``, ...), and
each concrete error also inherits one of three *categories* defined here, so that a
command-line front end can map any failure to an exit code without knowing every
package: :class:`UserError` (bad input or configuration, exit 1),
:class:`ServiceError` (a remote service or server failed, exit 2) and
:class:`DataError` (data on disk or in the database is wrong, exit 3).

Examples
--------
>>> from jet_store.errors import UnknownField, UserError
>>> isinstance(UnknownField("no field 'x' in events"), UserError)
True
"""

from __future__ import annotations

__all__ = [
    "JetHunterError",
    "UserError",
    "ServiceError",
    "DataError",
    "StoreError",
    "StoreUnavailable",
    "NotADatabase",
    "SchemaOutdated",
    "SchemaTooNew",
    "UnknownKind",
    "UnknownField",
    "BadFilter",
    "InvalidRecord",
    "StoreBusy",
    "ClaimLost",
]


class JetHunterError(Exception):
    """Root of every error raised on purpose by a jet-hunter package."""


class UserError(JetHunterError):
    """The caller asked for something that cannot work (exit code 1)."""


class ServiceError(JetHunterError):
    """A remote service or database server failed or is unreachable (exit code 2)."""


class DataError(JetHunterError):
    """Stored or downloaded data is malformed or inconsistent (exit code 3)."""


class StoreError(JetHunterError):
    """Base class of every error raised by :mod:`jet_store`."""


class StoreUnavailable(StoreError, ServiceError):
    """The database server cannot be reached or refused the connection."""


class NotADatabase(StoreError, DataError):
    """The URL points at something that is not a jet-hunter database."""


class SchemaOutdated(StoreError, UserError):
    """The database was written by an older jet-store; it needs ``jet-hunter db upgrade``."""


class SchemaTooNew(StoreError, UserError):
    """The database was written by a newer jet-store than the one installed."""


class UnknownKind(StoreError, UserError, KeyError):
    """A record kind name that the store does not know."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class UnknownField(StoreError, UserError, KeyError):
    """A field name that the record kind does not have."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class BadFilter(StoreError, UserError, ValueError):
    """A filter whose operator or value cannot be used."""


class InvalidRecord(StoreError, DataError, ValueError):
    """A record whose values cannot be stored (wrong type, NaN in JSON, NUL in text)."""


class StoreBusy(StoreError, ServiceError):
    """Another process holds the SQLite database's write lock for longer than the busy timeout."""


class ClaimLost(StoreError, ServiceError):
    """Claims that the caller does not hold (any more): its lease expired and another owner took
    the items over, or they were never claimed or already released. ``keys`` lists them."""

    def __init__(self, message: str, keys: tuple[object, ...] = ()) -> None:
        super().__init__(message)
        self.keys = keys
