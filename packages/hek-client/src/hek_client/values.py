"""HEK's loose values read into plain ones (pure): text, numbers, times, WKT positions.

Empty values are ``""`` or ``null``, numbers arrive as strings or numbers, positions as
WKT; every reader here returns None for what it cannot read instead of raising.
:func:`storable_copy` makes a row storable in any database (no NaN, NUL or lone
surrogates).

Examples
--------
>>> from hek_client.values import parse_float, parse_point, text_value
>>> parse_float(" 12.5 "), parse_point("POINT(813 -682)"), text_value(""), text_value(304)
(12.5, (813.0, -682.0), None, '304')
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from jet_store.numbers import finite_float

__all__ = [
    "parse_float",
    "parse_point",
    "parse_polygon_bounds",
    "parse_time",
    "storable_copy",
    "text_value",
]


def _clean(text: str) -> str:
    # NUL and lone surrogates cannot be stored (PostgreSQL refuses NUL; UTF-8 refuses surrogates)
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def text_value(value: Any) -> str | None:
    """Stripped, storable text of a string or whole number; None for empty, null, bool or junk.

    Examples
    --------
    >>> text_value("  CJ "), text_value(304.0), text_value(True), text_value("a\\x00b") == "a\\ufffdb"
    ('CJ', '304', None, True)
    """
    if isinstance(value, str):
        text = _clean(value.strip())
        return text or None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return str(int(value)) if value.is_integer() else repr(value)
    return None


def parse_float(value: Any) -> float | None:
    """A finite float from a number or a numeric string; None for ``""``, null or junk.

    Read by :func:`jet_store.numbers.finite_float`.

    Examples
    --------
    >>> parse_float("1050.5"), parse_float(789), parse_float(""), parse_float("n/a")
    (1050.5, 789.0, None, None)
    """
    return finite_float(value)


_TIME_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%dT%H:%M:%S", "%Y/%m/%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(value: Any) -> datetime | None:
    """A UTC datetime from HEK's time text (``2010-06-04T09:21:47``); None if not a time.

    Examples
    --------
    >>> parse_time("2010-06-04T09:21:47")
    datetime.datetime(2010, 6, 4, 9, 21, 47, tzinfo=datetime.timezone.utc)
    >>> parse_time(""), parse_time(None), parse_time("yesterday")
    (None, None, None)
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    result: datetime | None = None
    try:
        result = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        for fmt in _TIME_FORMATS:
            try:
                result = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if result is None:
        return None
    if result.tzinfo is None:
        return result.replace(tzinfo=timezone.utc)
    try:
        return result.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        return None


_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_POINT = re.compile(rf"^\s*POINT\s*\(\s*({_NUM})\s+({_NUM})(?:\s+{_NUM})?\s*\)\s*$", re.I)
_POLYGON = re.compile(r"^\s*POLYGON\s*\(\s*\(([^()]*)\)", re.I)


def parse_point(value: Any) -> tuple[float, float] | None:
    """``(x, y)`` from WKT ``POINT(x y)``; None when it is not one.

    Examples
    --------
    >>> parse_point("POINT(789 694)"), parse_point("POINT()")
    ((789.0, 694.0), None)
    """
    if not isinstance(value, str):
        return None
    match = _POINT.match(value)
    if not match:
        return None
    x, y = parse_float(match.group(1)), parse_float(match.group(2))
    return None if x is None or y is None else (x, y)


def parse_polygon_bounds(value: Any) -> tuple[float, float, float, float] | None:
    """``(xmin, ymin, xmax, ymax)`` of the outer ring of a WKT ``POLYGON``; None if not one.

    Examples
    --------
    >>> parse_polygon_bounds("POLYGON((693 -793,932 -793,932 -572,693 -572,693 -793))")
    (693.0, -793.0, 932.0, -572.0)
    """
    if not isinstance(value, str):
        return None
    match = _POLYGON.match(value)
    if not match:
        return None
    xs: list[float] = []
    ys: list[float] = []
    for pair in match.group(1).split(","):
        parts = pair.split()
        if len(parts) < 2:
            return None
        x, y = parse_float(parts[0]), parse_float(parts[1])
        if x is None or y is None:
            return None
        xs.append(x)
        ys.append(y)
    if not xs:
        return None
    return (min(xs), min(ys), max(xs), max(ys))


def _sanitise(value: Any) -> Any:
    """A JSON value any database stores: no NaN/inf, NUL or lone surrogates; str keys."""
    if isinstance(value, str):
        return _clean(value)
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {_clean(str(k)): _sanitise(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_sanitise(v) for v in value]
    return _clean(str(value))


def storable_copy(row: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of ``row`` that any database stores, via a fast JSON round trip when possible.

    Examples
    --------
    >>> storable_copy({"a": float("nan"), "b": ["x\\x00"], 3: 1}) == {"a": None, "b": ["x\\ufffd"], "3": 1}
    True
    """
    try:
        text = json.dumps(row, allow_nan=False, ensure_ascii=False)
        if "\x00" not in text:
            text.encode("utf-8")  # lone surrogates fail here
            copy = json.loads(text)
            if copy == row:  # keys were all str, no tuples or other types
                return dict(copy)
    except (TypeError, ValueError):  # NaN, odd types, surrogates (UnicodeEncodeError)
        pass
    result: dict[str, Any] = _sanitise(row)
    return result
