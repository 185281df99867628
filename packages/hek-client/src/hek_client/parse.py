"""HEK answers into :class:`jet_store.HekEvent` records (pure: no I/O).

HEK's JSON is loose: empty values are ``""`` or ``null``, numbers arrive as strings or
numbers, ``boundbox_c2ll`` is often larger than ``boundbox_c2ur``, positions also come
as WKT (``hpc_coord`` ``POINT(x y)``, ``hpc_bbox`` ``POLYGON((x y, ...))``), keys are
missing from some rows, and some bodies hold bytes that are not UTF-8. The functions
here accept all of that. A row that cannot be a record (no ``kb_archivid``, no
readable start or end time, end before start, not an object) is *skipped*: it is left
out, a reason is logged and returned, and parsing goes on.

Examples
--------
>>> from hek_client.parse import parse_answer
>>> body = (b'{"result": [{"kb_archivid": "ivo://x/CJ1", "event_type": "CJ", '
...         b'"event_starttime": "2010-06-20T11:14:44", "event_endtime": "2010-06-20T11:30:00", '
...         b'"event_peaktime": "", "hpc_coord": "POINT(813 -682)", "obs_channelid": "304", '
...         b'"boundbox_c1ll": 693, "boundbox_c1ur": "932", "boundbox_c2ll": -572, '
...         b'"boundbox_c2ur": -793, "frm_name": "Sch\\xf6n"}, {"event_type": "CJ"}], "overmax": false}')
>>> answer = parse_answer(body)
>>> ev = answer.events[0]
>>> ev.hpc_x, ev.hpc_y, ev.channel, ev.peak_time, ev.frm_name
(813.0, -682.0, '304', None, 'Schön')
>>> (ev.bbox_x1, ev.bbox_y1, ev.bbox_x2, ev.bbox_y2)
(693.0, -793.0, 932.0, -572.0)
>>> answer.skipped
['row 1: no kb_archivid']
>>> answer.overmax
False
"""

from __future__ import annotations

import codecs
import json
import logging
import math
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any, NamedTuple

from jet_store import HekEvent

from hek_client.errors import BadAnswer

__all__ = [
    "ParsedAnswer",
    "ParsedEvents",
    "MalformedEvent",
    "decode_body",
    "load_answer",
    "parse_answer",
    "parse_event",
    "parse_events",
    "parse_time",
    "parse_float",
    "parse_point",
    "parse_polygon_bounds",
]

log = logging.getLogger(__name__)

_ERRORS = "hek-client-latin1"


def _latin1_fallback(err: UnicodeError) -> tuple[str, int]:
    # each byte that is not UTF-8 becomes the latin-1 character of that byte
    if not isinstance(err, UnicodeDecodeError):  # pragma: no cover - registered for decoding only
        raise err
    return err.object[err.start : err.end].decode("latin-1"), err.end


codecs.register_error(_ERRORS, _latin1_fallback)


class MalformedEvent(ValueError):
    """A row that cannot be an event; the message says why."""


class ParsedEvents(NamedTuple):
    """The events of some rows, and why the others were skipped."""

    events: list[HekEvent]
    skipped: list[str]


class ParsedAnswer(NamedTuple):
    """One parsed HEK answer (one page)."""

    events: list[HekEvent]
    skipped: list[str]
    overmax: bool | None
    """HEK's ``overmax`` (another page exists), or None when the answer did not say."""
    rows: int
    """How many rows the answer held (parsed and skipped)."""


def decode_body(data: bytes | str) -> str:
    """Text of a response body: UTF-8, with each byte that is not UTF-8 read as latin-1.

    Valid UTF-8 (``"Schön"`` as two bytes) stays intact; a stray latin-1 byte (``0xf6``)
    becomes its character instead of failing the whole answer.

    Examples
    --------
    >>> decode_body("Schön ".encode() + b"Sch\\xf6n")
    'Schön Schön'
    """
    if isinstance(data, str):
        return data
    return data.decode("utf-8", errors=_ERRORS).lstrip("\ufeff")


_UNSTORABLE_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


def load_answer(data: bytes | str | Mapping[str, Any]) -> tuple[list[Any], bool | None]:
    """The rows and ``overmax`` of a HEK answer (bytes, text or an already-decoded dict).

    Raises
    ------
    BadAnswer
        ``kind="html"`` for an HTML page (HEK's outage answer), ``"json"`` for a body
        that is not JSON (truncated, garbled), ``"shape"`` for JSON without a
        ``result`` list.

    Examples
    --------
    >>> load_answer(b'{"result": [{"kb_archivid": "a"}], "overmax": true}')
    ([{'kb_archivid': 'a'}], True)
    >>> load_answer(b"<html><body>Service unavailable</body></html>")
    Traceback (most recent call last):
    ...
    hek_client.errors.BadAnswer: HEK answered HTML instead of JSON: 'Service unavailable'
    """
    rows, overmax, _clean_rows = _load(data)
    return rows, overmax


def _load(data: bytes | str | Mapping[str, Any]) -> tuple[list[Any], bool | None, bool]:
    """Rows, overmax, and whether the rows are known to be storable as they are."""
    constants: list[str] = []
    clean = False
    if isinstance(data, Mapping):
        doc: Any = data
    else:
        text = decode_body(data)
        try:
            doc = json.loads(text, parse_constant=constants.append)
        except RecursionError:
            raise BadAnswer("HEK answered JSON nested too deeply to read", "json") from None
        except ValueError as err:
            head = text.lstrip()[:200].lower()
            if head.startswith("<") or "<html" in head or "<!doctype" in head:
                raise BadAnswer(f"HEK answered HTML instead of JSON: {_html_title(text)!r}", "html") from None
            raise BadAnswer(
                f"HEK answered something that is not JSON ({err}; {len(text)} chars)", "json"
            ) from None
    if not isinstance(doc, Mapping) or not isinstance(doc.get("result"), list):
        keys = sorted(str(k) for k in doc)[:5] if isinstance(doc, Mapping) else type(doc).__name__
        raise BadAnswer(f"HEK answered JSON without a result list ({keys})", "shape")
    if not isinstance(data, Mapping):
        # rows fresh from JSON text hold only str keys and JSON values; with no NaN/Infinity
        # and no escaped NUL or surrogate in the text they need no sanitising (a fast path)
        clean = not constants and _UNSTORABLE_ESCAPE.search(text) is None and _encodable(text)
    return list(doc["result"]), _flag(doc.get("overmax")), clean


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")  # text given as str may hold lone surrogates
    except UnicodeEncodeError:
        return False
    return True


def _html_title(text: str) -> str:
    match = re.search(r"<title[^>]*>(.*?)</title>", text, re.I | re.S) or re.search(
        r"<body[^>]*>(.*?)</body>", text, re.I | re.S
    )
    inner = match.group(1) if match else text
    words = " ".join(re.sub(r"<[^>]*>", " ", inner).split())
    return words[:80]


def _flag(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "t")
    return bool(value)


def parse_answer(data: bytes | str | Mapping[str, Any]) -> ParsedAnswer:
    """Parse one HEK answer into events, skip reasons, ``overmax`` and the row count.

    Raises
    ------
    BadAnswer
        When the answer is not a HEK result (see :func:`load_answer`).
    """
    rows, overmax, clean = _load(data)
    parsed = _parse_rows(rows, clean)
    return ParsedAnswer(parsed.events, parsed.skipped, overmax, len(rows))


def parse_events(rows: Iterable[Any]) -> ParsedEvents:
    """Parse rows into events; rows that cannot be events are skipped with a reason.

    Never raises for any row content.

    Examples
    --------
    >>> parsed = parse_events([{"kb_archivid": "ivo://x/1", "event_type": "CJ",
    ...     "event_starttime": "2010-06-01T10:00:00", "event_endtime": "2010-06-01T09:00:00"}, 42])
    >>> parsed.events, parsed.skipped
    ([], ['row 0 (ivo://x/1): end time 2010-06-01T09:00:00 is before start time 2010-06-01T10:00:00', \
'row 1: not an object but int'])
    """
    return _parse_rows(rows, False)


def _parse_rows(rows: Iterable[Any], clean: bool) -> ParsedEvents:
    events: list[HekEvent] = []
    skipped: list[str] = []
    for index, row in enumerate(rows):
        try:
            events.append(_parse_event(row, clean))
        except Exception as err:  # a bug must not lose a whole answer: skip the row, say why
            ident = _text(row.get("kb_archivid")) if isinstance(row, Mapping) else None
            why = (
                str(err) if isinstance(err, MalformedEvent) else f"cannot parse ({type(err).__name__}: {err})"
            )
            reason = f"row {index}{f' ({ident})' if ident else ''}: {why}"
            log.warning("skipped a malformed HEK event: %s", reason)
            skipped.append(reason)
    return ParsedEvents(events, skipped)


# -- values ------------------------------------------------------------------------


def _clean(text: str) -> str:
    # NUL and lone surrogates cannot be stored (PostgreSQL refuses NUL; UTF-8 refuses surrogates)
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def _text(value: Any) -> str | None:
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

    Examples
    --------
    >>> parse_float("1050.5"), parse_float(789), parse_float(""), parse_float("n/a")
    (1050.5, 789.0, None, None)
    """
    if isinstance(value, bool) or value is None:
        return None
    try:
        if isinstance(value, (int, float)):
            number = float(value)
        elif isinstance(value, str):
            text = value.strip()
            if not text:
                return None
            number = float(text)
        else:
            return None
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


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


def _storable_copy(row: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of ``row`` that any database stores, via a fast JSON round trip when possible."""
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


def _xy(row: Mapping[str, Any], prefix: str) -> tuple[float | None, float | None]:
    x, y = parse_float(row.get(f"{prefix}_x")), parse_float(row.get(f"{prefix}_y"))
    if x is not None and y is not None:
        return x, y
    point = parse_point(row.get(f"{prefix}_coord"))
    return point if point is not None else (None, None)


def _is_hpc(row: Mapping[str, Any]) -> bool:
    # boundbox_* and event_coord* are in event_coordsys; use them only when it is
    # helioprojective (or not given, as in rows trimmed with `return`)
    system = row.get("event_coordsys")
    if not isinstance(system, str) or not system.strip():
        return True
    return "hpc" in system.lower() or "helioprojective" in system.lower()


def _bbox(row: Mapping[str, Any]) -> tuple[float, float, float, float] | None:
    bounds = parse_polygon_bounds(row.get("hpc_bbox"))
    if bounds is not None:
        return bounds
    if not _is_hpc(row):
        return None
    corners = [parse_float(row.get(f"boundbox_{name}")) for name in ("c1ll", "c1ur", "c2ll", "c2ur")]
    if any(c is None for c in corners):
        return None
    c1ll, c1ur, c2ll, c2ur = (float(c) for c in corners)  # type: ignore[arg-type]
    return (min(c1ll, c1ur), min(c2ll, c2ur), max(c1ll, c1ur), max(c2ll, c2ur))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def parse_event(row: Any) -> HekEvent:
    """One HEK row as a :class:`jet_store.HekEvent`.

    ``kb_archivid``, ``event_type`` and readable start and end times are required, and
    the end may not precede the start; everything else is optional. Positions come
    from ``hpc_x``/``hpc_y``, else ``hpc_coord``, else ``event_coord1``/``2`` in a
    helioprojective ``event_coordsys``; the box from ``hpc_bbox``, else the
    ``boundbox_*`` corners, normalised so that ``x1 <= x2`` and ``y1 <= y2``. ``raw``
    holds the row as sent, made storable (NaN, NUL and lone surrogates replaced).

    Raises
    ------
    MalformedEvent
        With the reason, when the row cannot be an event.

    Examples
    --------
    >>> ev = parse_event({"kb_archivid": "ivo://x/1", "event_type": "CJ",
    ...     "event_starttime": "2010-06-04T09:21:47", "event_endtime": "2010-06-04T13:42:11",
    ...     "hpc_bbox": "POLYGON((643 531,936 531,936 856,643 856,643 531))", "hpc_radius": "1050.7"})
    >>> ev.bbox_x1, ev.bbox_y2, ev.duration_s, ev.raw["hpc_radius"]
    (643.0, 856.0, 15624.0, '1050.7')
    """
    return _parse_event(row, False)


def _parse_event(row: Any, clean: bool) -> HekEvent:
    if not isinstance(row, Mapping):
        raise MalformedEvent(f"not an object but {type(row).__name__}")
    kb_archivid = _text(row.get("kb_archivid"))
    if kb_archivid is None or not isinstance(row.get("kb_archivid"), str):
        raise MalformedEvent("no kb_archivid")
    event_type = _text(row.get("event_type"))
    if event_type is None:
        raise MalformedEvent("no event_type")
    start = parse_time(row.get("event_starttime"))
    if start is None:
        raise MalformedEvent(f"unreadable start time {_short(row.get('event_starttime'))}")
    end = parse_time(row.get("event_endtime"))
    if end is None:
        raise MalformedEvent(f"unreadable end time {_short(row.get('event_endtime'))}")
    if end < start:
        raise MalformedEvent(
            f"end time {end.replace(tzinfo=None).isoformat()} is before start time "
            f"{start.replace(tzinfo=None).isoformat()}"
        )
    hpc_x, hpc_y = _xy(row, "hpc")
    if (hpc_x is None or hpc_y is None) and _is_hpc(row):
        c1, c2 = parse_float(row.get("event_coord1")), parse_float(row.get("event_coord2"))
        if c1 is not None and c2 is not None:
            hpc_x, hpc_y = c1, c2
    hgc_x, hgc_y = _xy(row, "hgc")
    hgs_x, hgs_y = _xy(row, "hgs")
    bbox = _bbox(row) or (None, None, None, None)
    try:
        raw = dict(row) if clean else _storable_copy(row)
    except RecursionError:
        raise MalformedEvent("nested too deeply to store") from None
    return HekEvent(
        kb_archivid=kb_archivid,
        event_type=event_type,
        start_time=start,
        end_time=end,
        sol_standard=_text(row.get("SOL_standard")),
        peak_time=parse_time(row.get("event_peaktime")),
        hpc_x=hpc_x,
        hpc_y=hpc_y,
        bbox_x1=bbox[0],
        bbox_y1=bbox[1],
        bbox_x2=bbox[2],
        bbox_y2=bbox[3],
        hgc_x=hgc_x,
        hgc_y=hgc_y,
        hgs_x=hgs_x,
        hgs_y=hgs_y,
        channel=_text(row.get("obs_channelid")),
        instrument=_text(row.get("obs_instrument")),
        frm_name=_text(row.get("frm_name")),
        description=_text(row.get("event_description")),
        raw=raw,
    )
