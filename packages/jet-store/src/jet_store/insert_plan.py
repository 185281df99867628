"""The driver-level ``INSERT ... ON CONFLICT DO NOTHING`` of a record kind, and its bind values.

:meth:`jet_store.Store.add` with ``update=False`` sends new records straight to the
driver's ``executemany`` with these: the values go through each column's own
SQLAlchemy bind processor, so they are stored exactly as through SQLAlchemy.

Examples
--------
>>> import sqlalchemy as sa
>>> from jet_store import HekEvent
>>> sql, row = insert_plan(HekEvent, sa.create_engine("sqlite://").dialect)
>>> sql.startswith("INSERT INTO events") and "ON CONFLICT" in sql
True
"""

from __future__ import annotations

import enum
import operator
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from jet_store.engine import dialect_insert
from jet_store.records import Record
from jet_store.schema import Float64, field_specs, table_for

__all__ = ["insert_plan", "RowMaker"]


#: types that are never an enum member: a column's value of one of these goes as it is
_BUILTIN = frozenset({str, int, float, bool, bytes, type(None)})


def _as_is(value: Any) -> Any:
    return value


RowMaker = Callable[[Record, dict[int, Any]], Any]
_PLANS: dict[tuple[type[Record], str, int], tuple[str, RowMaker]] = {}


def insert_plan(cls: type[Record], dialect: sa.Dialect) -> tuple[str, RowMaker]:
    """The driver-level SQL of ``INSERT ... ON CONFLICT (key) DO NOTHING`` for ``cls`` and a
    function from a record (and a memo of JSON texts by object id, one per call) to its
    bind parameters (a tuple for positional paramstyles, a dict for named ones), cached
    per dialect."""
    cache_key = (cls, dialect.name, id(dialect))
    plan = _PLANS.get(cache_key)
    if plan is not None:
        return plan
    table = table_for(cls)
    insert = dialect_insert(dialect.name)
    stmt = insert(table).on_conflict_do_nothing(index_elements=[table.c[k] for k in cls.key_fields])
    compiled = stmt.compile(dialect=dialect)
    order = list(compiled.positiontup) if compiled.positional and compiled.positiontup else None
    names = order or [col.name for col in table.columns]
    specs = {spec.name: spec for spec in field_specs(cls)}
    fetch = operator.attrgetter(*names)
    # columns with a bind processor or held as JSON: (position, processor, tuple -> list,
    # JSON); floats whose processor changes only NaN (SQLite) get it for NaN alone; the
    # others go to the driver as they are, but for enums (their plain value)
    steps: list[tuple[int, Callable[[Any], Any], bool, bool]] = []
    nan_only: list[tuple[int, Callable[[Any], Any]]] = []
    plain: list[int] = []
    for i, name in enumerate(names):
        column_type = table.c[name].type
        process = column_type.dialect_impl(dialect).bind_processor(dialect)
        spec = specs[name]
        if process is None and not spec.is_json and not spec.is_tuple:
            plain.append(i)
        elif isinstance(column_type, Float64) and column_type.changes_only_nan(dialect) and process:
            nan_only.append((i, process))
        else:
            steps.append((i, process or _as_is, spec.is_tuple, spec.is_json))

    def values(record: Record, texts: dict[int, Any]) -> list[Any]:
        out = list(fetch(record)) if len(names) > 1 else [fetch(record)]
        for i in plain:
            value = out[i]
            if type(value) not in _BUILTIN and isinstance(value, enum.Enum):
                out[i] = value.value
        for i, process in nan_only:
            value = out[i]
            if value != value:  # NaN (None, numbers and the rest equal themselves)
                out[i] = process(value)
        for i, process, is_tuple, is_json in steps:
            value = out[i]
            if is_json:
                # one object shared by many records (a subject's metadata) is serialised
                # once per call; the records hold it, so its id is not reused meanwhile
                text = texts.get(id(value))
                if text is None:
                    whole = list(value) if is_tuple and value is not None else value
                    text = texts[id(value)] = process(whole)
                out[i] = text
            elif value is not None:
                if isinstance(value, enum.Enum):
                    value = value.value
                elif is_tuple:
                    value = list(value)
                out[i] = process(value)
        return out

    def positional(record: Record, texts: dict[int, Any]) -> tuple[Any, ...]:
        return tuple(values(record, texts))

    def named(record: Record, texts: dict[int, Any]) -> dict[str, Any]:
        return dict(zip(names, values(record, texts), strict=True))

    plan = (compiled.string, positional if order else named)
    _PLANS[cache_key] = plan
    return plan
