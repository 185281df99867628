"""Hypothesis strategies for every jet_store record, derived from the field types.

Values stay within what both SQLite and PostgreSQL store exactly: any float in float
fields (NaN and the infinities included), finite floats inside JSON, 64-bit ints, text
without NUL or lone surrogates, UTC datetimes with microseconds. NaN is not equal to
itself, so compare records with :func:`same_record`.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from datetime import datetime, timezone
from typing import Any

from hypothesis import strategies as st
from jet_store.records import RECORD_TYPES, Record
from jet_store.schema import _unwrap

text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=40)
int64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
finite = st.floats(allow_nan=False, allow_infinity=False)
any_float = st.floats()  # NaN, inf and -inf too
utc_times = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(timezone.utc)
)
json_scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | finite | text
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)
json_dicts = st.dictionaries(text, json_values, max_size=6)


def _for_hint(hint: Any) -> st.SearchStrategy[Any]:
    base, nullable = _unwrap(hint)
    origin = typing.get_origin(base) or base
    if origin is tuple:
        (element, _ellipsis) = typing.get_args(base)
        inner = json_values if element is Any else _for_hint(element)
        strategy: st.SearchStrategy[Any] = st.lists(inner, max_size=5).map(tuple)
    elif origin is dict:
        strategy = json_dicts
    elif base is bool:
        strategy = st.booleans()
    elif base is int:
        strategy = int64
    elif base is float:
        strategy = any_float
    elif base is str:
        strategy = text
    elif base is datetime:
        strategy = utc_times
    else:  # pragma: no cover - a new field type needs a strategy here
        raise TypeError(hint)
    return st.none() | strategy if nullable else strategy


def records(cls: type[Record]) -> st.SearchStrategy[Record]:
    """Any valid record of ``cls``."""
    hints = typing.get_type_hints(cls)
    fields = {f.name: _for_hint(hints[f.name]) for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return st.builds(cls, **fields)


any_record = st.sampled_from(sorted(RECORD_TYPES.values(), key=lambda c: c.kind)).flatmap(records)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


def same_record(a: Record | None, b: Record | None) -> bool:
    """Records equal field by field, NaN equal to NaN."""
    if a is None or b is None or type(a) is not type(b):
        return a is b
    return all(_same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))  # type: ignore[arg-type]
