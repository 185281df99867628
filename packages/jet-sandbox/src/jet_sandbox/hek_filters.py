"""HEK attribute filters (``paramN``/``opN``/``valueN``): one condition on a report's field."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from jet_store.numbers import finite_float

from jet_sandbox.errors import BadQuery

__all__ = ["AttributeFilter", "OPS", "filters_from"]

OPS: tuple[str, ...] = ("=", "!=", "<", "<=", ">", ">=", "like")
"""The attribute-filter operators HEK accepts."""


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@lru_cache(maxsize=256)
def _like(pattern: str) -> re.Pattern[str]:
    parts = ("." if ch == "_" else ".*" if ch == "%" else re.escape(ch) for ch in pattern)
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


@dataclasses.dataclass(frozen=True, slots=True)
class AttributeFilter:
    """One ``paramN/opN/valueN`` condition.

    Numbers compare as numbers when both sides are numeric (``"304"`` equals ``304``);
    otherwise text compares case-insensitively. ``like`` is SQL LIKE (``%`` any run,
    ``_`` one character), case-insensitive. A missing or null field never matches.

    Examples
    --------
    >>> AttributeFilter("obs_channelid", "=", "304").matches({"obs_channelid": "304"})
    True
    >>> AttributeFilter("hpc_x", ">=", "900").matches({"hpc_x": 933})
    True
    >>> AttributeFilter("frm_name", "like", "%SAINZ%").matches({"frm_name": "asainz"})
    True
    >>> AttributeFilter("event_peaktime", "!=", "x").matches({"event_peaktime": None})
    False
    """

    param: str
    op: str
    value: str

    def __post_init__(self) -> None:
        op = self.op.strip().lower()
        if op not in OPS:
            raise BadQuery(f"unknown operator {self.op!r} for {self.param}; use one of {' '.join(OPS)}")
        object.__setattr__(self, "op", op)

    def matches(self, event: Mapping[str, Any]) -> bool:
        """Whether ``event`` satisfies the condition."""
        actual = event.get(self.param)
        if actual is None or isinstance(actual, list | dict):
            return False
        if self.op == "like":
            return _like(self.value).fullmatch(_text(actual)) is not None
        left: Any = finite_float(actual)
        right: Any = finite_float(self.value)
        if left is None or right is None:
            left, right = _text(actual).casefold(), self.value.casefold()
        match self.op:
            case "=":
                return bool(left == right)
            case "!=":
                return bool(left != right)
            case "<":
                return bool(left < right)
            case "<=":
                return bool(left <= right)
            case ">":
                return bool(left > right)
            case _:
                return bool(left >= right)


def filters_from(items: Iterable[AttributeFilter | Sequence[str]]) -> tuple[AttributeFilter, ...]:
    """Attribute filters from filters or ``(param, op, value)`` triples.

    Examples
    --------
    >>> filters_from([("obs_channelid", "=", "304")])
    (AttributeFilter(param='obs_channelid', op='=', value='304'),)
    """
    out = []
    for item in items:
        if isinstance(item, AttributeFilter):
            out.append(item)
        else:
            param, op, value = item
            out.append(AttributeFilter(str(param), str(op), str(value)))
    return tuple(out)
