"""What a database error means for the user: SQLAlchemy errors as :class:`StoreError` subclasses.

Pure logic: the error, the (masked) URL and the backend in, one store error out.

Examples
--------
>>> from sqlalchemy import exc
>>> err = exc.OperationalError("SELECT 1", {}, Exception("could not connect to server"))
>>> translate_error(err, "postgresql://u:***@db/x", "postgresql", 5.0)
StoreUnavailable('cannot reach the database at postgresql://u:***@db/x: could not connect to server')
>>> first_line(ValueError("bad\\nvalue"))
'bad'
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import exc

from jet_store.engine import BUSY_TIMEOUT_ENV, masked_url
from jet_store.errors import InvalidRecord, NotADatabase, StoreBusy, StoreError, StoreUnavailable
from jet_store.locks import describe_lock_holders

__all__ = ["first_line", "translate_error"]


def first_line(err: BaseException) -> str:
    """The first line of what the driver said (or of the error itself)."""
    orig = getattr(err, "orig", None) or err
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__


def translate_error(err: exc.SQLAlchemyError, url: str, backend: str, busy_timeout: float) -> StoreError:
    """The :class:`StoreError` subclass that says what went wrong with the database at ``url``.

    ``busy_timeout`` (seconds) is the SQLite lock wait that a :class:`StoreBusy` names.
    """
    where = masked_url(url)
    message = first_line(err)
    if "file is not a database" in message or "file is encrypted" in message:
        return NotADatabase(f"{where} is not a SQLite database ({message})")
    if backend == "sqlite" and isinstance(err, exc.OperationalError) and "locked" in message:
        path = sa.make_url(url).database or ""
        return StoreBusy(
            f"the SQLite database {path} is locked by another writer"
            f" ({describe_lock_holders(path)}); gave up after {busy_timeout:g} s."
            f" Wait for it to finish, or raise {BUSY_TIMEOUT_ENV}"
        )
    if isinstance(err, exc.StatementError) and isinstance(err.orig, (ValueError, TypeError)):
        return InvalidRecord(f"cannot store a value: {message}")
    if isinstance(err, (exc.DataError, exc.IntegrityError)):
        return InvalidRecord(f"the database refused a value: {message}")
    if isinstance(err, exc.OperationalError) and backend != "sqlite":
        return StoreUnavailable(f"cannot reach the database at {where}: {message}")
    if isinstance(err, exc.InterfaceError):
        return StoreUnavailable(f"cannot reach the database at {where}: {message}")
    return StoreError(f"database error on {where}: {message}")
