"""Writing records into the :class:`~jet_store.Store`: bulk idempotent adds, updates, states, deletes.

Examples
--------
>>> from jet_store import Store, Workflow
>>> store = Store("sqlite://")
>>> store.add([Workflow(workflow_id=n, version="1.0") for n in range(3)])
AddResult(added=3, updated=0, unchanged=0)
>>> store.add([Workflow(workflow_id=0, version="1.0", display_name="new")], update=False)
AddResult(added=0, updated=0, unchanged=1)
>>> store.delete("workflows", [(1, "1.0"), (2, "1.0"), (9, "1.0")])
2
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, cast

import sqlalchemy as sa

from jet_store.claim_terms import Kind
from jet_store.codec import to_row
from jet_store.engine import dialect_insert
from jet_store.errors import InvalidRecord, UserError
from jet_store.filters import key_clause
from jet_store.insert_plan import insert_plan
from jet_store.pg_arrays import insert_rows
from jet_store.reading import ReadingMixin
from jet_store.records import Record, record_type
from jet_store.schema import table_for

__all__ = ["AddResult", "WritingMixin"]

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


def _differs(column: sa.Column[Any], new: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    if isinstance(column.type, sa.JSON):
        # PostgreSQL's json has no equality operator; the serialised text is canonical
        return sa.cast(column, sa.Text).is_distinct_from(sa.cast(new, sa.Text))
    return column.is_distinct_from(new)


class WritingMixin(ReadingMixin):
    """The writing methods of :class:`~jet_store.Store` (``update`` reads the record it changes)."""

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
        insert = dialect_insert(self.backend)
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
                stmt = sa.update(table).where(key_clause(cls, chunk)).values({cls.state_field: str(state)})
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
                deleted += conn.execute(sa.delete(table).where(key_clause(cls, chunk))).rowcount
        return deleted
