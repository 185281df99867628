"""The database schema, derived from the record dataclasses.

One table per record kind, named after it; one column per field, typed from the
field's annotation; the natural key is the primary key. Dicts and tuples are stored as
JSON text, never as one row per key. Datetimes are stored as naive UTC
and come back timezone-aware.

The migration scripts in :mod:`jet_store.migrations` create exactly these tables; a
test compares the two so they cannot drift apart.

Examples
--------
>>> from jet_store.schema import metadata
>>> [name for name in sorted(metadata.tables) if name.startswith("c")]
['claims', 'classifications', 'clusters', 'cutouts']
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa

from jet_store.errors import InvalidRecord
from jet_store.records import RECORD_TYPES, Record

__all__ = [
    "metadata",
    "table_for",
    "claims_table",
    "FieldSpec",
    "field_specs",
    "UTCDateTime",
    "Float64",
    "JSONValue",
]


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes stored as naive UTC (same on SQLite and PostgreSQL)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise InvalidRecord(f"expected a datetime, got {value!r}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidRecord(f"naive datetime {value.isoformat()}: records hold UTC-aware datetimes")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


class Float64(sa.TypeDecorator[float]):
    """64-bit floats that keep NaN and the infinities on SQLite as on PostgreSQL.

    SQLite's REAL turns NaN into NULL; NaN is stored there as the text ``NaN``, which
    SQLite sorts after every number and which equals itself, as PostgreSQL's NaN does.
    """

    impl = sa.Double
    cache_ok = True

    def changes_only_nan(self, dialect: sa.Dialect) -> bool:
        """Whether :meth:`bind_processor` returns every value but NaN as it is (SQLite,
        whose float binding needs no conversion): a bulk insert may then call it only
        for values that are not equal to themselves."""
        return dialect.name == "sqlite" and self.impl_instance.bind_processor(dialect) is None

    def bind_processor(self, dialect: sa.Dialect) -> Any:
        # replaces the whole chain: the Double processor would turn "NaN" back into a float
        convert = self.impl_instance.bind_processor(dialect)
        if dialect.name != "sqlite":
            return convert

        def process(value: Any) -> Any:
            if isinstance(value, float) and math.isnan(value):
                return "NaN"
            return value if convert is None or value is None else convert(value)

        return process

    def process_result_value(self, value: float | str | None, dialect: sa.Dialect) -> float | None:
        return float(value) if isinstance(value, str) else value


JSONValue = sa.JSON()
"""JSON column type. On PostgreSQL this is ``json``, not ``jsonb``: jsonb rewrites numbers
(a float 6.2e16 comes back as an int), and records must come back unchanged."""


@dataclasses.dataclass(frozen=True, slots=True)
class FieldSpec:
    """How one record field maps to a column."""

    name: str
    python_type: type
    nullable: bool
    is_tuple: bool
    is_json: bool
    column_type: Any


def _unwrap(hint: Any) -> tuple[Any, bool]:
    """Strip ``X | None`` to ``(X, True)``."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) != 1:
            raise TypeError(f"unsupported union {hint!r}")
        return args[0], True
    return hint, False


def _spec(name: str, hint: Any) -> FieldSpec:
    base, nullable = _unwrap(hint)
    origin = typing.get_origin(base) or base
    if origin is tuple:
        return FieldSpec(name, tuple, nullable, True, True, JSONValue)
    if origin is dict or origin is list:
        return FieldSpec(name, dict, nullable, False, True, JSONValue)
    column: Any
    if base is bool:
        column = sa.Boolean()
    elif base is int:
        column = sa.BigInteger()
    elif base is float:
        column = Float64()
    elif base is str:
        column = sa.Text()
    elif base is datetime:
        column = UTCDateTime()
    else:
        raise TypeError(f"field {name}: unsupported type {hint!r}")
    return FieldSpec(name, base, nullable, False, False, column)


_SPECS: dict[type[Record], tuple[FieldSpec, ...]] = {}


def field_specs(cls: type[Record]) -> tuple[FieldSpec, ...]:
    """The column specs of a record type, in field order (cached)."""
    specs = _SPECS.get(cls)
    if specs is None:
        hints = typing.get_type_hints(cls)
        specs = tuple(_spec(f.name, hints[f.name]) for f in dataclasses.fields(cls))  # type: ignore[arg-type]
        _SPECS[cls] = specs
    return specs


metadata = sa.MetaData()
"""The SQLAlchemy metadata of every record table."""

_TABLES: dict[type[Record], sa.Table] = {}


def _build_table(cls: type[Record]) -> sa.Table:
    columns = []
    for spec in field_specs(cls):
        primary = spec.name in cls.key_fields
        columns.append(
            sa.Column(
                spec.name,
                spec.column_type,
                primary_key=primary,
                autoincrement=False,
                nullable=spec.nullable and not primary,
            )
        )
    indexes = [sa.Index(f"ix_{cls.kind}_{name}", name) for name in cls.index_fields]
    indexes += [sa.Index(f"ix_{cls.kind}_{'_'.join(names)}", *names) for names in cls.compound_indexes]
    return sa.Table(cls.kind, metadata, *columns, *indexes)


for _cls in RECORD_TYPES.values():
    _TABLES[_cls] = _build_table(_cls)


def table_for(cls: type[Record]) -> sa.Table:
    """The table holding records of ``cls``."""
    return _TABLES[cls]


claims_table = sa.Table(
    "claims",
    metadata,
    sa.Column("kind", sa.Text(), primary_key=True, autoincrement=False),
    sa.Column("key", sa.Text(), primary_key=True, autoincrement=False),
    sa.Column("owner", sa.Text(), nullable=False),
    sa.Column("claimed_at", UTCDateTime(), nullable=False),
    sa.Column("expires_at", UTCDateTime(), nullable=False),
    sa.Index("ix_claims_owner", "owner"),
)
"""Leases on work items (see :mod:`jet_store.claims`): one row per claimed item, keyed by
the item's kind (or namespace) and its key as canonical JSON text."""
