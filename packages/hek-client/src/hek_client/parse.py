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

import logging
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from jet_store import HekEvent

from hek_client.answer import decode_body, load_answer, read_rows
from hek_client.values import (
    parse_float,
    parse_point,
    parse_polygon_bounds,
    parse_time,
    storable_copy,
    text_value,
)

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


def parse_answer(data: bytes | str | Mapping[str, Any]) -> ParsedAnswer:
    """Parse one HEK answer into events, skip reasons, ``overmax`` and the row count.

    Raises
    ------
    BadAnswer
        When the answer is not a HEK result (see :func:`load_answer`).
    """
    rows, overmax, clean = read_rows(data)
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
            ident = text_value(row.get("kb_archivid")) if isinstance(row, Mapping) else None
            why = (
                str(err) if isinstance(err, MalformedEvent) else f"cannot parse ({type(err).__name__}: {err})"
            )
            reason = f"row {index}{f' ({ident})' if ident else ''}: {why}"
            log.warning("skipped a malformed HEK event: %s", reason)
            skipped.append(reason)
    return ParsedEvents(events, skipped)


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
    kb_archivid = text_value(row.get("kb_archivid"))
    if kb_archivid is None or not isinstance(row.get("kb_archivid"), str):
        raise MalformedEvent("no kb_archivid")
    event_type = text_value(row.get("event_type"))
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
        raw = dict(row) if clean else storable_copy(row)
    except RecursionError:
        raise MalformedEvent("nested too deeply to store") from None
    return HekEvent(
        kb_archivid=kb_archivid,
        event_type=event_type,
        start_time=start,
        end_time=end,
        sol_standard=text_value(row.get("SOL_standard")),
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
        channel=text_value(row.get("obs_channelid")),
        instrument=text_value(row.get("obs_instrument")),
        frm_name=text_value(row.get("frm_name")),
        description=text_value(row.get("event_description")),
        raw=raw,
    )
