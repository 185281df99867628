"""Opening a store's database: URLs, the SQLite busy timeout and pragmas, the engine.

Examples
--------
>>> normalise_url("postgres://u@db/jets")
'postgresql+psycopg://u@db/jets'
>>> masked_url("postgresql+psycopg://u:secret@db/jets")
'postgresql+psycopg://u:***@db/jets'
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, exc

from jet_store.errors import UserError

__all__ = [
    "DEFAULT_DB_URL",
    "DEFAULT_BUSY_TIMEOUT",
    "BUSY_TIMEOUT_ENV",
    "normalise_url",
    "masked_url",
    "busy_timeout",
    "make_engine",
    "dialect_insert",
]

DEFAULT_DB_URL = "sqlite:///jet-hunter.db"
"""A SQLite file ``jet-hunter.db`` in the current folder."""

DEFAULT_BUSY_TIMEOUT = 15.0
"""Seconds a SQLite writer waits for another process's write lock before
:class:`~jet_store.errors.StoreBusy` (``JET_HUNTER_DB_BUSY_TIMEOUT`` overrides it)."""

BUSY_TIMEOUT_ENV = "JET_HUNTER_DB_BUSY_TIMEOUT"


def normalise_url(url: str | Path) -> str:
    """A SQLAlchemy URL from a URL or a file path; PostgreSQL URLs use psycopg 3.

    Examples
    --------
    >>> normalise_url("runs/jets.db")
    'sqlite:///runs/jets.db'
    >>> normalise_url("postgresql://u@db.example.org/jets")
    'postgresql+psycopg://u@db.example.org/jets'

    A SQLite path starting with ``~`` is expanded to the home folder:

    >>> import os.path
    >>> normalise_url("~/jets.db") == "sqlite:///" + os.path.expanduser("~/jets.db")
    True
    """
    text = str(url)
    if "://" not in text:
        return f"sqlite:///{os.path.expanduser(text)}"
    if text.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + text.split("://", 1)[1]
    if text.startswith("sqlite") and ":///~" in text:
        scheme, path = text.split(":///", 1)
        return f"{scheme}:///{os.path.expanduser(path)}"
    return text


def masked_url(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except exc.ArgumentError:
        return "<unparseable URL>"


#: NaN/inf are not JSON and PostgreSQL refuses them: fail at the record, not later (one
#: encoder for every value: ``json.dumps`` with arguments builds one per call)
_JSON_ENCODER = json.JSONEncoder(allow_nan=False, ensure_ascii=False, separators=(",", ":"))


def _json_dumps(value: Any) -> str:
    return _JSON_ENCODER.encode(value)


def busy_timeout(value: float | None) -> float:
    """The SQLite busy timeout in s: the argument, else the environment, else the default."""
    where = "busy_timeout"
    if value is None:
        text = os.environ.get(BUSY_TIMEOUT_ENV)
        if text is None:
            return DEFAULT_BUSY_TIMEOUT
        where = BUSY_TIMEOUT_ENV
        try:
            value = float(text)
        except ValueError:
            raise UserError(f"{BUSY_TIMEOUT_ENV}={text!r} is not a number of seconds") from None
    if not (0 <= value <= 86400) or math.isnan(value):
        raise UserError(f"{where} must be a number of seconds from 0 to 86400, not {value!r}")
    return float(value)


def _sqlite_pragmas(busy_ms: int) -> Any:
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        # pysqlite's own transaction handling would BEGIN lazily and deadlock writers;
        # we issue BEGIN ourselves (see _sqlite_begin)
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        try:
            cur.execute(f"PRAGMA busy_timeout = {busy_ms}")
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
        finally:
            cur.close()

    return on_connect


def _sqlite_begin(conn: sa.Connection) -> None:
    # writers take the lock up front: a deferred transaction that later needs to write
    # fails at once with SQLITE_BUSY instead of waiting for the busy timeout
    mode = "IMMEDIATE" if conn.get_execution_options().get("jet_store_write") else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str, echo: bool, create: bool, busy_timeout: float) -> sa.Engine:
    sa_url = sa.make_url(url)
    backend = sa_url.get_backend_name()
    kwargs: dict[str, Any] = {"echo": echo, "json_serializer": _json_dumps}
    if backend == "sqlite":
        database = sa_url.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            folder = Path(database).expanduser().parent
            if not create and not Path(database).expanduser().exists():
                raise UserError(f"no database at {database} (pass --db, or run a stage to create one)")
            if not folder.is_dir():
                raise UserError(f"cannot create SQLite database {database}: folder {folder} does not exist")
        if not database or database == ":memory:":
            # one shared in-memory database for every connection of this engine
            kwargs["poolclass"] = sa.StaticPool
            kwargs["connect_args"] = {"check_same_thread": False}
        engine = sa.create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas(round(busy_timeout * 1000)))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if backend == "postgresql":
        kwargs["connect_args"] = {"connect_timeout": 10}
        kwargs["pool_pre_ping"] = True
    return sa.create_engine(url, **kwargs)


def dialect_insert(backend: str) -> Callable[[sa.Table], Any]:
    """The ``insert`` of ``backend``'s dialect (it has ``ON CONFLICT``), imported when first used.

    A SQLite store never imports the PostgreSQL dialect (and its drivers' modules), which
    costs a tenth of a second of every command's start-up.

    Examples
    --------
    >>> dialect_insert("sqlite").__module__, dialect_insert("postgresql").__module__
    ('sqlalchemy.dialects.sqlite.dml', 'sqlalchemy.dialects.postgresql.dml')
    """
    if backend == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert
