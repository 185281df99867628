"""One cell of an export row: ids, text, times and strict JSON, each refused on its row.

Every problem raises :class:`~zoo_bridge.errors.RowError` with a short reason, so the
importer skips the row, counts it and goes on.

Examples
--------
>>> load_json('{"a": 1}', "metadata", dict)
{'a': 1}
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from zoo_bridge.errors import RowError

__all__ = ["whole_number", "cell_text", "parse_created_at", "load_json", "SubjectDataCache"]


def whole_number(value: Any, reason: str, what: str) -> int:
    """An id cell as an int (``"12.0"`` too: some tools write ids as floats).

    Examples
    --------
    >>> whole_number("12.0", "bad_id", "subject id")
    12
    """
    text = str(value if value is not None else "").strip()
    if text.endswith(".0"):
        text = text[:-2]
    if not text.isdigit() or len(text) > 18:
        raise RowError(reason, f"{what} is not a whole number ({text[:30]!r})")
    return int(text)


def cell_text(row: Mapping[str, Any], name: str) -> str | None:
    """A text cell stripped, None when empty; a NUL character is refused.

    Examples
    --------
    >>> cell_text({"user_name": "  ann "}, "user_name"), cell_text({}, "user_name")
    ('ann', None)
    """
    text = str(row.get(name) or "").strip()
    if "\x00" in text:
        raise RowError("bad_text", f"{name} holds a NUL character")
    return text or None


def parse_created_at(text: str) -> datetime:
    """``2022-03-01 14:02:11 UTC`` (or ISO 8601) as a UTC datetime.

    Examples
    --------
    >>> parse_created_at("2020-07-23 16:10:46 UTC").isoformat()
    '2020-07-23T16:10:46+00:00'
    """
    raw = str(text or "").strip()
    cleaned = raw[:-4] if raw.endswith(" UTC") else raw
    try:
        value = datetime.fromisoformat(cleaned.replace("Z", "+00:00"))
    except ValueError:
        raise RowError("bad_time", f"created_at {raw[:40]!r} is not a time") from None
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def _no_constant(name: str) -> Any:
    raise RowError("not_finite", f"JSON holds {name}, which is not a number")


def load_json(text: Any, name: str, kind: type) -> Any:
    """Strict JSON of one column: no NaN/Infinity, no NUL, no lone surrogate, of ``kind``.

    What the database could not store exactly is refused here, on the row, rather
    than failing a whole batch later.

    Examples
    --------
    >>> load_json('{"a": [1, 2.5]}', "metadata", dict)
    {'a': [1, 2.5]}
    >>> load_json('[NaN]', "annotations", list)
    Traceback (most recent call last):
    ...
    zoo_bridge.errors.RowError: annotations: JSON holds NaN, which is not a number
    """
    if not isinstance(text, str) or not text.strip():
        raise RowError("bad_json", f"{name} is empty")
    if "\\u0000" in text or "\x00" in text:
        raise RowError("bad_text", f"{name} holds a NUL character")
    try:
        value = _DECODER.decode(text)
    except RowError as err:
        raise RowError(err.reason, f"{name}: {err}") from None
    except (json.JSONDecodeError, RecursionError):
        raise RowError("bad_json", f"{name} is not JSON") from None
    if not isinstance(value, kind):
        raise RowError("bad_json", f"{name} is not a JSON {kind.__name__}")
    if "\\ud" in text or "\\uD" in text:  # escaped surrogates: only pairs can be stored
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise RowError("bad_text", f"{name} holds a lone surrogate character") from None
    return value


#: one decoder for every cell (``json.loads`` with an argument builds one per call)
_DECODER = json.JSONDecoder(parse_constant=_no_constant)


class SubjectDataCache:
    """The last ``subject_data`` cell read and its value.

    An export lists a subject's classifications one after another, each carrying the
    same (long) ``subject_data`` cell: it is parsed once, and the rows share the value
    (records never change it).

    Examples
    --------
    >>> cache = SubjectDataCache()
    >>> first = cache.load('{"9": {"#width": "1920"}}')
    >>> cache.load('{"9": {"#width": "1920"}}') is first
    True
    """

    __slots__ = ("_text", "_value")

    def __init__(self) -> None:
        self._text: str | None = None
        self._value: dict[str, Any] = {}

    def load(self, text: Any) -> dict[str, Any]:
        """The cell's JSON object, as :func:`load_json` reads it."""
        if isinstance(text, str) and text == self._text:
            return self._value
        value: dict[str, Any] = load_json(text, "subject_data", dict)
        self._text, self._value = text, value
        return value
