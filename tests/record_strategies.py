"""Hypothesis strategies for every jet_store record, derived from the field types.

Values stay within what both SQLite and PostgreSQL store exactly: finite floats,
64-bit ints, text without NUL or lone surrogates, UTC datetimes with microseconds.
"""

from __future__ import annotations

import dataclasses
import typing
from datetime import datetime, timezone
from typing import Any

from hypothesis import strategies as st
from jet_store.records import RECORD_TYPES, Record
from jet_store.schema import _unwrap

text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=40)
int64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
finite = st.floats(allow_nan=False, allow_infinity=False)
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
        strategy = finite
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
