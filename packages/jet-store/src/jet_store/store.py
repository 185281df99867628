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

import logging
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar, cast, overload

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.dialects import postgresql, sqlite

from jet_store.claims import ClaimsMixin
from jet_store.codec import from_row, to_row
from jet_store.engine import (
    BUSY_TIMEOUT_ENV,
    DEFAULT_BUSY_TIMEOUT,
    DEFAULT_DB_URL,
    make_engine,
    masked_url,
    normalise_url,
)
from jet_store.engine import busy_timeout as _busy_timeout
from jet_store.errors import (
    InvalidRecord,
    NotADatabase,
    StoreBusy,
    StoreError,
    StoreUnavailable,
    UserError,
)
from jet_store.filters import Condition, build_conditions, build_select
from jet_store.insert_plan import insert_plan
from jet_store.locks import describe_lock_holders
from jet_store.migrate import current_revision, ensure_schema, head_revision
from jet_store.pg_arrays import insert_rows
from jet_store.records import RECORD_TYPES, Record, record_type
from jet_store.schema import table_for

__all__ = ["Store", "AddResult", "DEFAULT_DB_URL", "DEFAULT_BUSY_TIMEOUT", "normalise_url", "masked_url"]

log = logging.getLogger(__name__)

R = TypeVar("R", bound=Record)
Kind = str | type[Record]

#: rows per INSERT statement; a whole ``add`` call is still one transaction
_BATCH = 2000


@dataclass(frozen=True, slots=True)
class AddResult:
    """What :meth:`Store.add` did: rows added, rows changed, rows already identical."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: AddResult) -> AddResult:
        return AddResult(
            self.added + other.added, self.updated + other.updated, self.unchanged + other.unchanged
        )


def _first_line(err: BaseException) -> str:
    orig = getattr(err, "orig", None) or err
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__


def _differs(column: sa.Column[Any], new: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    if isinstance(column.type, sa.JSON):
        # PostgreSQL's json has no equality operator; the serialised text is canonical
        return sa.cast(column, sa.Text).is_distinct_from(sa.cast(new, sa.Text))
    return column.is_distinct_from(new)


class Store(ClaimsMixin):
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
        # the common case (schema current) only reads, so opening never waits for writers
        with self._connection(write=False) as conn:
            revision = current_revision(conn)
        if revision != head_revision():
            with self._connection(write=True) as conn:
                if self.backend == "postgresql":  # serialise schema changes between processes
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(7452019)"))
                revision = ensure_schema(conn, upgrade=upgrade, create=create)
        self.revision: str = revision

    # -- connections ---------------------------------------------------------------

    def __repr__(self) -> str:
        return f"Store({masked_url(self.url)!r})"

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql`` (or another SQLAlchemy backend name)."""
        return self.engine.dialect.name

    @contextmanager
    def _connection(self, *, write: bool) -> Iterator[sa.Connection]:
        current: sa.Connection | None = getattr(self._local, "conn", None)
        if current is not None:
            yield current
            return
        with self._translating(), self.engine.connect() as conn:
            if write:
                conn.execution_options(jet_store_write=True)
            with conn.begin():
                self._local.conn = conn
                try:
                    yield conn
                finally:
                    self._local.conn = None

    @contextmanager
    def _private_reader(self) -> Iterator[sa.Connection]:
        """A read transaction on a connection of its own: writes made meanwhile by this
        thread go through another connection and commit on their own."""
        with self._translating(), self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def _translating(self) -> Iterator[None]:
        try:
            yield
        except StoreError:
            raise
        except exc.StatementError as err:
            if isinstance(err.orig, StoreError):
                raise err.orig from None
            raise self._translate(err) from err
        except exc.SQLAlchemyError as err:
            raise self._translate(err) from err

    def _translate(self, err: exc.SQLAlchemyError) -> StoreError:
        where = masked_url(self.url)
        message = _first_line(err)
        if "file is not a database" in message or "file is encrypted" in message:
            return NotADatabase(f"{where} is not a SQLite database ({message})")
        if self.backend == "sqlite" and isinstance(err, exc.OperationalError) and "locked" in message:
            path = sa.make_url(self.url).database or ""
            return StoreBusy(
                f"the SQLite database {path} is locked by another writer"
                f" ({describe_lock_holders(path)}); gave up after {self.busy_timeout:g} s."
                f" Wait for it to finish, or raise {BUSY_TIMEOUT_ENV}"
            )
        if isinstance(err, exc.StatementError) and isinstance(err.orig, (ValueError, TypeError)):
            return InvalidRecord(f"cannot store a value: {message}")
        if isinstance(err, (exc.DataError, exc.IntegrityError)):
            return InvalidRecord(f"the database refused a value: {message}")
        if isinstance(err, exc.OperationalError) and self.backend != "sqlite":
            return StoreUnavailable(f"cannot reach the database at {where}: {message}")
        if isinstance(err, exc.InterfaceError):
            return StoreUnavailable(f"cannot reach the database at {where}: {message}")
        return StoreError(f"database error on {where}: {message}")

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """Group several store calls into one transaction (all or nothing).

        Examples
        --------
        >>> from jet_store import Store, Workflow
        >>> store = Store("sqlite://")
        >>> with store.transaction():
        ...     _ = store.add([Workflow(workflow_id=1, version="1.1")])
        ...     _ = store.add([Workflow(workflow_id=1, version="1.2")])
        >>> store.count("workflows")
        2
        """
        with self._connection(write=True):
            yield self

    # -- writing -------------------------------------------------------------------

    def add(self, records: Iterable[Record], *, update: bool = True) -> AddResult:
        """Add records in bulk, idempotently on their natural keys.

        A record whose key is new is inserted. One whose key exists replaces the stored
        row when ``update`` is true (and counts as unchanged when every value is
        already equal), and is left alone when it is false. Records of several kinds may
        be mixed; within one call a later record with the same key wins. The whole call
        is one transaction: it is stored completely or not at all.
        """
        by_type: dict[type[Record], dict[Any, Record]] = {}
        for record in records:
            if not isinstance(record, Record):
                raise InvalidRecord(f"not a jet_store record: {record!r}")
            by_type.setdefault(type(record), {})[record.key] = record
        result = AddResult()
        if not by_type:
            return result
        with self._connection(write=True) as conn:
            for cls, keyed in by_type.items():
                if not update:  # new keys only: no comparison, straight to the driver
                    try:
                        result += self._insert_new(conn, cls, list(keyed.values()))
                    except (ValueError, TypeError, OverflowError) as err:
                        raise InvalidRecord(f"cannot store {cls.kind}: {err}") from err
                    continue
                rows = [to_row(r) for r in keyed.values()]
                for start in range(0, len(rows), _BATCH):
                    try:
                        result += self._add_rows(conn, cls, rows[start : start + _BATCH], update)
                    except (ValueError, TypeError, OverflowError) as err:  # a value the driver cannot send
                        raise InvalidRecord(f"cannot store {cls.kind}: {err}") from err
        return result

    def _add_rows(
        self, conn: sa.Connection, cls: type[Record], rows: list[dict[str, Any]], update: bool
    ) -> AddResult:
        table = table_for(cls)
        keys = [table.c[name] for name in cls.key_fields]
        insert = postgresql.insert if self.backend == "postgresql" else sqlite.insert
        fresh = insert(table).on_conflict_do_nothing(index_elements=keys).returning(*keys)
        added = {tuple(row) for row in self._insert(conn, fresh, table, rows)}
        rest = [row for row in rows if tuple(row[name] for name in cls.key_fields) not in added]
        if not rest:
            return AddResult(added=len(added))
        if not update:
            return AddResult(added=len(added), unchanged=len(rest))
        stmt = insert(table)
        others = [col for col in table.columns if col.name not in cls.key_fields]
        changed_any = sa.or_(*(_differs(col, stmt.excluded[col.name]) for col in others))
        upsert = stmt.on_conflict_do_update(
            index_elements=keys,
            set_={col.name: stmt.excluded[col.name] for col in others},
            where=changed_any,
        ).returning(*keys)
        updated = len(self._insert(conn, upsert, table, rest))
        return AddResult(added=len(added), updated=updated, unchanged=len(rest) - updated)

    def _insert_new(self, conn: sa.Connection, cls: type[Record], records: list[Record]) -> AddResult:
        """``INSERT ... ON CONFLICT DO NOTHING`` of the records through the driver's
        ``executemany``, the values converted by the columns' own bind processors (so
        stored exactly as through SQLAlchemy); the driver's summed row count says how
        many were new."""
        sql, make_row = insert_plan(cls, conn.dialect)
        added = 0
        for start in range(0, len(records), _BATCH):
            texts: dict[int, Any] = {}
            params = [make_row(r, texts) for r in records[start : start + _BATCH]]
            added += max(conn.exec_driver_sql(sql, params).rowcount, 0)
        return AddResult(added=added, unchanged=len(records) - added)

    def _insert(
        self, conn: sa.Connection, stmt: Any, table: sa.Table, rows: list[dict[str, Any]]
    ) -> list[Any]:
        """Run an ``INSERT`` over these rows: one array per column on PostgreSQL
        (:mod:`jet_store.pg_arrays`), an executemany elsewhere; the rows it returns."""
        if self.backend == "postgresql":
            return list(conn.execute(insert_rows(stmt, table, rows)).all())
        return list(conn.execute(stmt, rows).all())

    def update(self, kind: Kind, key: Any, **changes: Any) -> Record:
        """Change some fields of one stored record and return the new record.

        Examples
        --------
        >>> from jet_store import Store, Workflow
        >>> store = Store("sqlite://")
        >>> _ = store.add([Workflow(workflow_id=7, version="1.0")])
        >>> store.update("workflows", (7, "1.0"), display_name="Box the jets").display_name
        'Box the jets'
        """
        cls = record_type(kind)
        with self._connection(write=True):
            current = self.get(cls, key)
            if current is None:
                raise KeyError(f"no {cls.kind} record with key {key!r}")
            try:
                new: Record = replace(cast(Any, current), **changes)
            except TypeError as err:
                raise InvalidRecord(f"cannot change {cls.kind} {key!r}: {err}") from None
            self.add([new])
        return new

    def set_state(self, kind: Kind, keys: Iterable[Any], state: str) -> int:
        """Set the stage state of the records with these keys; return how many changed."""
        cls = record_type(kind)
        if cls.state_field is None:
            raise UserError(f"{cls.kind} have no stage state")
        table = table_for(cls)
        key_list = list(keys)
        changed = 0
        with self._connection(write=True) as conn:
            for start in range(0, len(key_list), _BATCH):
                chunk = key_list[start : start + _BATCH]
                stmt = (
                    sa.update(table).where(self._key_clause(cls, chunk)).values({cls.state_field: str(state)})
                )
                changed += conn.execute(stmt).rowcount
        return changed

    def delete(self, kind: Kind, keys: Iterable[Any]) -> int:
        """Delete the records with these keys; return how many were deleted."""
        cls = record_type(kind)
        table = table_for(cls)
        key_list = list(keys)
        deleted = 0
        with self._connection(write=True) as conn:
            for start in range(0, len(key_list), _BATCH):
                chunk = key_list[start : start + _BATCH]
                deleted += conn.execute(sa.delete(table).where(self._key_clause(cls, chunk))).rowcount
        return deleted

    @staticmethod
    def _key_clause(cls: type[Record], keys: Sequence[Any]) -> sa.ColumnElement[bool]:
        table = table_for(cls)
        if len(cls.key_fields) == 1:
            return table.c[cls.key_fields[0]].in_(keys)
        # a row-value IN, not OR-ed ANDs: SQLite limits expression trees to depth 1000
        columns = [table.c[name] for name in cls.key_fields]
        return sa.tuple_(*columns).in_([tuple(key) for key in keys])

    # -- reading -------------------------------------------------------------------

    @overload
    def get(self, kind: type[R], key: Any) -> R | None: ...
    @overload
    def get(self, kind: str, key: Any) -> Record | None: ...

    def get(self, kind: Kind, key: Any) -> Record | None:
        """The record with this natural key (a tuple for composite keys), or None."""
        cls = record_type(kind)
        values = key if len(cls.key_fields) > 1 else (key,)
        if len(values) != len(cls.key_fields):
            raise UserError(f"{cls.kind} keys have {len(cls.key_fields)} parts: {', '.join(cls.key_fields)}")
        table = table_for(cls)
        where = [table.c[name] == value for name, value in zip(cls.key_fields, values, strict=True)]
        with self._connection(write=False) as conn:
            row = conn.execute(sa.select(table).where(*where)).mappings().first()
        return None if row is None else from_row(cls, row)

    @overload
    def filter(
        self,
        kind: type[R],
        *,
        where: Iterable[Condition] = (),
        order_by: str | Sequence[str] | None = None,
        limit: int | None = None,
        **equal: Any,
    ) -> list[R]: ...
    @overload
    def filter(
        self,
        kind: str,
        *,
        where: Iterable[Condition] = (),
        order_by: str | Sequence[str] | None = None,
        limit: int | None = None,
        **equal: Any,
    ) -> list[Record]: ...

    def filter(
        self,
        kind: Kind,
        *,
        where: Iterable[Condition] = (),
        order_by: str | Sequence[str] | None = None,
        limit: int | None = None,
        **equal: Any,
    ) -> list[Any]:
        """Records matching every condition, as a list.

        ``where`` takes ``(field, op, value)`` triples (ops ``= != < <= > >= like``);
        keyword arguments are equality tests. ``order_by`` names fields (``-field`` for
        descending); the natural key by default.
        """
        return list(self.stream(kind, where=where, order_by=order_by, limit=limit, **equal))

    def stream(
        self,
        kind: Kind,
        *,
        where: Iterable[Condition] = (),
        order_by: str | Sequence[str] | None = None,
        limit: int | None = None,
        batch_size: int = 1000,
        **equal: Any,
    ) -> Iterator[Any]:
        """Like :meth:`filter`, but yields records while reading in batches.

        The query runs at the first ``next()``; bad field names raise there. Outside
        :meth:`transaction` it reads on a connection of its own, so store calls made
        inside the loop are transactions of their own, committed at once whatever the
        loop does next; inside :meth:`transaction` it reads what the transaction sees.
        """
        cls = record_type(kind)
        stmt = build_select(cls, where, equal, order_by, limit)
        if getattr(self._local, "conn", None) is not None or isinstance(self.engine.pool, sa.StaticPool):
            # in a transaction, or one shared connection (in-memory SQLite): read it all first
            with self._connection(write=False) as conn:
                rows = [from_row(cls, row) for row in conn.execute(stmt).mappings()]
            yield from rows
            return
        with self._private_reader() as conn:
            result = conn.execution_options(yield_per=batch_size).execute(stmt).mappings()
            for row in result:
                yield from_row(cls, row)

    def count(self, kind: Kind, *, where: Iterable[Condition] = (), **equal: Any) -> int:
        """How many records match (all of them without conditions)."""
        cls = record_type(kind)
        table = table_for(cls)
        conditions = list(where) + [(name, "=", value) for name, value in equal.items()]
        stmt = sa.select(sa.func.count()).select_from(table).where(*build_conditions(cls, conditions))
        with self._connection(write=False) as conn:
            return int(conn.execute(stmt).scalar_one())

    def counts(self) -> dict[str, dict[str, Any]]:
        """Counts per record kind, and per stage state for kinds that have one.

        Examples
        --------
        >>> from jet_store import Store
        >>> Store("sqlite://").counts()["frames"]
        {'total': 0, 'states': {}}
        """
        summary: dict[str, dict[str, Any]] = {}
        with self._connection(write=False) as conn:
            for kind, cls in RECORD_TYPES.items():
                table = table_for(cls)
                total = int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
                entry: dict[str, Any] = {"total": total}
                if cls.state_field is not None:
                    column = table.c[cls.state_field]
                    rows = conn.execute(sa.select(column, sa.func.count()).group_by(column).order_by(column))
                    entry["states"] = {str(state): int(n) for state, n in rows}
                summary[kind] = entry
        return summary
