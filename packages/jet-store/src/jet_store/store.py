"""The Store: records in and out of a SQL database (SQLite by default, PostgreSQL for teams).

Examples
--------
>>> from datetime import datetime, timezone
>>> from jet_store import Store, HekEvent
>>> store = Store("sqlite://")  # in memory
>>> t0 = datetime(2010, 6, 20, 11, 14, 44, tzinfo=timezone.utc)
>>> ev = HekEvent(kb_archivid="ivo://x/1", event_type="CJ", start_time=t0, end_time=t0)
>>> store.add([ev])
AddResult(added=1, updated=0, unchanged=0)
>>> store.add([ev])  # idempotent on the natural key
AddResult(added=0, updated=0, unchanged=1)
>>> store.get(HekEvent, "ivo://x/1") == ev
True
>>> [e.kb_archivid for e in store.filter("events", where=[("event_type", "=", "CJ")])]
['ivo://x/1']
"""

from __future__ import annotations

import threading
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import exc

from jet_store.claims import ClaimsMixin
from jet_store.engine import (
    DEFAULT_BUSY_TIMEOUT,
    DEFAULT_DB_URL,
    make_engine,
    masked_url,
    normalise_url,
)
from jet_store.engine import busy_timeout as _busy_timeout
from jet_store.errors import UserError
from jet_store.revisions import head_revision, stored_revision
from jet_store.writing import AddResult, WritingMixin

__all__ = ["Store", "AddResult", "DEFAULT_DB_URL", "DEFAULT_BUSY_TIMEOUT", "normalise_url", "masked_url"]


# The methods live by concern: connections.py (connections, transactions, errors),
# reading.py, writing.py (which reads what it updates) and claims.py; this class opens the
# database and brings its schema up to date.
class Store(WritingMixin, ClaimsMixin):
    """Typed records in a SQL database, and claims on work items (:mod:`jet_store.claims`).

    Parameters
    ----------
    url : str or Path
        A SQLAlchemy URL (``sqlite:///path.db``, ``postgresql://user@host/db``) or a file
        path for SQLite. Defaults to ``jet-hunter.db`` in the current folder.
    upgrade : bool
        Upgrade a database written by an older jet-store. Without it such a database
        raises :class:`~jet_store.errors.SchemaOutdated`.
    create : bool
        Create the database (SQLite file) and its schema when missing. With False, a
        missing database raises :class:`~jet_store.errors.UserError`.
    echo : bool
        Log every SQL statement.
    busy_timeout : float, optional
        SQLite only: seconds a write waits for another process holding the file's write
        lock, then :class:`~jet_store.errors.StoreBusy` names the holder. Defaults to
        ``JET_HUNTER_DB_BUSY_TIMEOUT`` from the environment, else
        :data:`DEFAULT_BUSY_TIMEOUT`.

    Notes
    -----
    Every method is one transaction unless called inside :meth:`transaction`, which
    groups several calls into one. SQLite runs in WAL mode with a busy timeout, so
    several processes can write to one file; writers take the lock at the start of their
    transaction, and readers never wait for writers.

    Floats keep NaN and the infinities on both backends: PostgreSQL stores them natively,
    and on SQLite (whose REAL type turns NaN into NULL) NaN is stored as the text ``NaN``,
    which SQLite, like PostgreSQL, sorts after every number and compares equal to itself.
    JSON fields (dicts, tuples) refuse NaN and the infinities: JSON has no such values.
    """

    def __init__(
        self,
        url: str | Path = DEFAULT_DB_URL,
        *,
        upgrade: bool = False,
        create: bool = True,
        echo: bool = False,
        busy_timeout: float | None = None,
    ) -> None:
        self.url = normalise_url(url)
        self.busy_timeout = _busy_timeout(busy_timeout)
        try:
            self.engine = make_engine(self.url, echo, create, self.busy_timeout)
        except exc.ArgumentError as err:
            raise UserError(f"not a database URL: {masked_url(str(url))} ({err})") from None
        except ModuleNotFoundError as err:
            raise UserError(f"no driver for {masked_url(self.url)}: {err}") from None
        self._local = threading.local()
        # the common case (schema current) only reads, so opening never waits for writers,
        # and it needs no Alembic: that is imported only to create, upgrade or refuse
        with self._connection(write=False) as conn:
            revision = stored_revision(conn)
        if revision != head_revision():
            from jet_store.migrate import ensure_schema

            with self._connection(write=True) as conn:
                if self.backend == "postgresql":  # serialise schema changes between processes
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(7452019)"))
                revision = ensure_schema(conn, upgrade=upgrade, create=create)
        self.revision: str = revision

    def __repr__(self) -> str:
        return f"Store({masked_url(self.url)!r})"
