"""Field filters ``(field, op, value)`` turned into SQL, with values typed by the field.

The operators are those of HEK and of the CLI: ``= != < <= > >= like``. A value may be
given as text (from a command line) and is converted to the field's type; ``None`` (or
the text ``null``) with ``=``/``!=`` tests for a missing value.

Examples
--------
>>> from jet_store.filters import parse_where
>>> parse_where("state = pending")
('state', '=', 'pending')
>>> parse_where("start_time>=2010-06-01")
('start_time', '>=', '2010-06-01')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from jet_store.codec import parse_datetime
from jet_store.errors import BadFilter, InvalidRecord, UnknownField, UserError
from jet_store.records import Record
from jet_store.schema import FieldSpec, field_specs, table_for

__all__ = [
    "OPERATORS",
    "Condition",
    "parse_where",
    "coerce_value",
    "build_conditions",
    "build_select",
    "key_clause",
]

OPERATORS = ("=", "!=", "<", "<=", ">", ">=", "like")
Condition = tuple[str, str, Any]

_WHERE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(!=|<=|>=|=|<|>|\s[Ll][Ii][Kk][Ee]\s)\s*(.*?)\s*$", re.S)


def parse_where(text: str) -> Condition:
    """Split ``"FIELD OP VALUE"`` (spaces optional around symbols) into a condition."""
    match = _WHERE.match(text)
    if not match or match.group(3) == "":
        raise BadFilter(
            f"cannot read filter {text!r}: expected FIELD OP VALUE with OP one of {' '.join(OPERATORS)}"
        )
    return match.group(1), match.group(2).strip().lower(), match.group(3)


_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


def coerce_value(spec: FieldSpec, op: str, value: Any) -> Any:
    """Convert ``value`` to the type of the field ``spec`` describes."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("null", "none")):
        return None
    if op == "like":
        if spec.python_type is not str:
            raise BadFilter(f"'like' works on text fields; {spec.name} is not text")
        return str(value)
    kind = spec.python_type
    try:
        if kind is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
            raise ValueError(value)
        if kind is int:
            if isinstance(value, bool):
                raise ValueError(value)
            if isinstance(value, float) and not value.is_integer():
                raise ValueError(value)
            return int(value)
        if kind is float:
            return float(value)  # NaN too: both backends store it and find it with "="
        if kind is datetime:
            if isinstance(value, datetime):
                return value
            return parse_datetime(str(value))
        if kind is str:
            return str(value)
    except (ValueError, TypeError, InvalidRecord):
        raise BadFilter(
            f"{spec.name} holds {kind.__name__} values; cannot compare it with {value!r}"
        ) from None
    raise BadFilter(f"{spec.name} holds JSON; it cannot be filtered on")


def build_conditions(cls: type[Record], conditions: Iterable[Condition]) -> list[sa.ColumnElement[bool]]:
    """SQL expressions for ``conditions`` on the table of ``cls``."""
    table = table_for(cls)
    specs = {spec.name: spec for spec in field_specs(cls)}
    clauses: list[sa.ColumnElement[bool]] = []
    for condition in conditions:
        try:
            name, op, raw = condition
        except (TypeError, ValueError):
            raise BadFilter(f"a filter is (field, op, value), not {condition!r}") from None
        op = str(op).lower()
        if op == "==":
            op = "="
        if op not in OPERATORS:
            raise BadFilter(f"unknown operator {op!r}; use one of {' '.join(OPERATORS)}")
        spec = specs.get(name)
        if spec is None:
            raise UnknownField(f"{cls.kind} have no field {name!r}; fields: {', '.join(specs)}")
        if spec.is_json:
            raise BadFilter(f"{cls.kind}.{name} holds JSON; it cannot be filtered on")
        value = coerce_value(spec, op, raw)
        column = table.c[name]
        if value is None:
            if op == "=":
                clauses.append(column.is_(None))
            elif op == "!=":
                clauses.append(column.is_not(None))
            else:
                raise BadFilter(f"only = and != can compare {name} with null")
            continue
        if op == "=":
            clauses.append(column == value)
        elif op == "!=":
            clauses.append(sa.or_(column != value, column.is_(None)))
        elif op == "<":
            clauses.append(column < value)
        elif op == "<=":
            clauses.append(column <= value)
        elif op == ">":
            clauses.append(column > value)
        elif op == ">=":
            clauses.append(column >= value)
        else:
            clauses.append(column.like(value))
    return clauses


def build_select(
    cls: type[Record],
    where: Iterable[Condition] = (),
    equal: Mapping[str, Any] | None = None,
    order_by: str | Sequence[str] | None = None,
    limit: int | None = None,
) -> sa.Select[Any]:
    """The SELECT of the records of ``cls`` matching ``where`` and the ``equal`` tests.

    ``order_by`` names fields (``-field`` for descending), the natural key by default.

    Examples
    --------
    >>> from jet_store import FitsFrame
    >>> stmt = build_select(FitsFrame, [("state", "=", "pending")], order_by="-obs_time", limit=5)
    >>> print(stmt.with_only_columns(stmt.selected_columns.url))  # doctest: +NORMALIZE_WHITESPACE
    SELECT frames.url FROM frames WHERE frames.state = :state_1
    ORDER BY frames.obs_time DESC LIMIT :param_1
    """
    table = table_for(cls)
    conditions = list(where) + [(name, "=", value) for name, value in (equal or {}).items()]
    stmt = sa.select(table).where(*build_conditions(cls, conditions))
    names = [order_by] if isinstance(order_by, str) else list(order_by or cls.key_fields)
    columns = {spec.name for spec in field_specs(cls)}
    for name in names:
        descending = name.startswith("-")
        bare = name.lstrip("-")
        if bare not in columns:
            raise UnknownField(f"{cls.kind} have no field {bare!r} to order by")
        stmt = stmt.order_by(table.c[bare].desc() if descending else table.c[bare])
    if limit is not None:
        if limit < 0:
            raise UserError(f"limit must be >= 0, not {limit}")
        stmt = stmt.limit(limit)
    return stmt


def key_clause(cls: type[Record], keys: Sequence[Any]) -> sa.ColumnElement[bool]:
    """The test that a row of ``cls`` has one of these natural keys (tuples for composite keys).

    Examples
    --------
    >>> from jet_store import Workflow
    >>> print(key_clause(Workflow, [(1, "1.0"), (2, "1.0")]))
    (workflows.workflow_id, workflows.version) IN (__[POSTCOMPILE_param_1])
    """
    table = table_for(cls)
    if len(cls.key_fields) == 1:
        return table.c[cls.key_fields[0]].in_(keys)
    # a row-value IN, not OR-ed ANDs: SQLite limits expression trees to depth 1000
    columns = [table.c[name] for name in cls.key_fields]
    return sa.tuple_(*columns).in_([tuple(key) for key in keys])
