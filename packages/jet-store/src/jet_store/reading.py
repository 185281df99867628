"""Reading records out of the :class:`~jet_store.Store`: by key, by filter, streamed, counted.

Examples
--------
>>> from jet_store import Store, Workflow
>>> store = Store("sqlite://")
>>> _ = store.add([Workflow(workflow_id=n, version="1.0") for n in (3, 1, 2)])
>>> [w.workflow_id for w in store.stream("workflows", order_by="-workflow_id", limit=2)]
[3, 2]
>>> store.count(Workflow, where=[("workflow_id", ">", 1)])
2
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar, overload

import sqlalchemy as sa

from jet_store.claim_terms import Kind
from jet_store.codec import from_row
from jet_store.connections import ConnectionsMixin
from jet_store.errors import UserError
from jet_store.filters import Condition, build_conditions, build_select
from jet_store.records import RECORD_TYPES, Record, record_type
from jet_store.schema import table_for

__all__ = ["ReadingMixin"]

R = TypeVar("R", bound=Record)


class ReadingMixin(ConnectionsMixin):
    """The reading methods of :class:`~jet_store.Store`."""

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
