"""What to ask HEK: :class:`HekQuery`, a pure description turned into GET parameters.

A query holds a time range, event types, a helioprojective box, attribute filters
``(param, op, value)``, an optional channel (wavelength) filter and the fields to return.
It does no I/O: :meth:`HekQuery.params` gives the parameters of one page request,
:meth:`HekQuery.windows` splits a long range into shorter queries, and
:attr:`HekQuery.fingerprint` identifies the query apart from its time range (what
:class:`jet_store.HekSearch` records, so a re-run can skip windows already searched).

Examples
--------
>>> from hek_client.query import HekQuery
>>> q = HekQuery("2010-06-01", "2010-07-01", channel=304)
>>> p = q.params(page=1, result_limit=100)
>>> p["event_type"], p["event_starttime"], p["event_endtime"]
('cj', '2010-06-01T00:00:00', '2010-07-01T00:00:00')
>>> p["param0"], p["op0"], p["value0"]
('obs_channelid', '=', '304')
>>> "obs_channelid" in p  # a bare obs_channelid is ignored by HEK: never sent
False
>>> len(q.windows(days=7))
5
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, NamedTuple

from hek_client.errors import HekQueryError

__all__ = [
    "HekQuery",
    "AttrFilter",
    "OPERATORS",
    "DEFAULT_BOX",
    "REQUIRED_FIELDS",
    "TIME_FORMAT",
    "LATEST_END",
    "as_utc",
    "split_range",
    "parse_event_types",
    "window_count",
]

OPERATORS: tuple[str, ...] = ("=", "!=", "<", "<=", ">", ">=", "like")
"""The comparison operators HEK accepts in ``opN``."""

DEFAULT_BOX: tuple[float, float, float, float] = (-5000.0, -5000.0, 5000.0, 5000.0)
"""Default box ``(x1, y1, x2, y2)`` in arcsec: the whole disk (radius about 960-1000
arcsec) and far off-limb. Events are matched on their reported position, and off-limb
jets and eruptions are reported well beyond +-1200 arcsec, so a tighter default would
silently lose some."""

REQUIRED_FIELDS: tuple[str, ...] = ("kb_archivid", "event_type", "event_starttime", "event_endtime")
"""Fields always requested when ``fields`` restricts the answer: parsing needs them."""

LATEST_END = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc)
"""The latest end a query can have (its end is sent rounded up to the second)."""

TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
"""How times are sent to HEK (UTC, whole seconds)."""

_PARAM_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_EVENT_TYPE = re.compile(r"^([a-z]{2}|\*\*)$")
_SLASH_DATE = re.compile(r"^\d{4}/\d{1,2}/\d{1,2}")


class AttrFilter(NamedTuple):
    """One attribute filter, sent as ``paramN=param&opN=op&valueN=value``.

    Examples
    --------
    >>> AttrFilter("obs_channelid", "=", "304")
    AttrFilter(param='obs_channelid', op='=', value='304')
    """

    param: str
    op: str
    value: str


def as_utc(value: str | datetime | date | Any) -> datetime:
    """A timezone-aware UTC datetime from a string, datetime, date or astropy ``Time``.

    Naive datetimes and strings without a zone are taken as UTC.

    Parameters
    ----------
    value : str, datetime, date or astropy.time.Time
        An ISO 8601 string (``2010-06-01``, ``2010-06-01T12:00:00Z``, ...), any string
        astropy's ``Time`` parses, a datetime, a date (midnight) or a scalar ``Time``.

    Raises
    ------
    HekQueryError
        When the value is not a time.

    Examples
    --------
    >>> as_utc("2010-06-01")
    datetime.datetime(2010, 6, 1, 0, 0, tzinfo=datetime.timezone.utc)
    >>> from astropy.time import Time
    >>> as_utc(Time("2010-06-01T12:30:00", scale="tai"))
    datetime.datetime(2010, 6, 1, 12, 29, 26, tzinfo=datetime.timezone.utc)
    """
    if isinstance(value, datetime):
        try:
            return (
                value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
            )
        except OverflowError:
            raise HekQueryError(f"{value.isoformat()} is outside the years 1..9999 in UTC") from None
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    if isinstance(value, str):
        text = value.strip()
        if _SLASH_DATE.match(text):  # 2010/06/01 12:00, as sunpy and HEK write it
            text = text.replace("/", "-", 2)
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None:
            return as_utc(parsed)
    return _astropy_to_utc(value)


def _astropy_to_utc(value: Any) -> datetime:
    from astropy.time import Time

    try:
        with warnings.catch_warnings():  # ERFA's "dubious year" notes: the range is checked below
            warnings.simplefilter("ignore")
            time = value if isinstance(value, Time) else Time(value)
            result = time.utc.to_datetime(timezone=timezone.utc) if time.isscalar else None
        if result is None:
            raise HekQueryError(f"expected one time, got an array of {time.size}")
    except HekQueryError:
        raise
    except (ValueError, TypeError, OverflowError):
        raise HekQueryError(f"not a time: {value!r} (use ISO 8601 such as 2010-06-01T12:00:00)") from None
    if not isinstance(result, datetime):  # pragma: no cover - astropy returns datetime for scalars
        raise HekQueryError(f"not a time: {value!r}")
    return result


def _floor_second(t: datetime) -> datetime:
    return t.replace(microsecond=0)


def _ceil_second(t: datetime) -> datetime:
    return t if t.microsecond == 0 else t.replace(microsecond=0) + timedelta(seconds=1)


def split_range(start: datetime, end: datetime, size: timedelta) -> list[tuple[datetime, datetime]]:
    """Consecutive windows of ``size`` from ``start`` to ``end`` (the last one may be shorter).

    Windows share their boundaries; HEK returns events that *overlap* a window, so an
    event crossing a boundary comes back from both sides and is deduplicated later.

    Examples
    --------
    >>> from datetime import datetime, timedelta, timezone
    >>> t0 = datetime(2010, 6, 1, tzinfo=timezone.utc)
    >>> [(a.day, b.day) for a, b in split_range(t0, t0 + timedelta(days=10), timedelta(days=4))]
    [(1, 5), (5, 9), (9, 11)]
    """
    if size <= timedelta(0):
        raise HekQueryError(f"window size must be positive, not {size}")
    if end <= start:
        raise HekQueryError(f"the end ({end.isoformat()}) must be after the start ({start.isoformat()})")
    windows = []
    lo = start
    while lo < end:
        hi = end if end - lo <= size else lo + size  # never past `end`: no overflow near year 9999
        windows.append((lo, hi))
        lo = hi
    return windows


def window_count(start: datetime, end: datetime, size: timedelta) -> int:
    """How many windows :func:`split_range` makes, without making them.

    Examples
    --------
    >>> from datetime import datetime, timedelta, timezone
    >>> t0 = datetime(2010, 6, 1, tzinfo=timezone.utc)
    >>> window_count(t0, t0 + timedelta(days=10), timedelta(days=4))
    3
    """
    if size <= timedelta(0):
        raise HekQueryError(f"window size must be positive, not {size}")
    return max(1, -(-(end - start) // size))


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise HekQueryError(f"filter value must be finite, not {value!r}")
        return _number_text(value)
    if isinstance(value, (datetime, date)):
        return as_utc(value).strftime(TIME_FORMAT)
    text = str(value)
    if not text:
        raise HekQueryError("filter value must not be empty")
    return text


def _filter(item: Any) -> AttrFilter:
    try:
        param, op, value = item
    except (TypeError, ValueError):
        raise HekQueryError(f"a filter is (param, op, value), not {item!r}") from None
    param = str(param).strip()
    op = str(op).strip().lower()
    if op == "==":
        op = "="
    if not _PARAM_NAME.match(param):
        raise HekQueryError(f"not a HEK parameter name: {param!r}")
    if op not in OPERATORS:
        raise HekQueryError(f"unknown operator {op!r} in filter on {param}; HEK knows {' '.join(OPERATORS)}")
    return AttrFilter(param, op, _value_text(value))


def parse_event_types(value: str | Iterable[str]) -> tuple[str, ...]:
    """HEK event type codes from ``"cj,fl"`` or ``["cj", "fl"]``: lower case, no repeats.

    Raises
    ------
    HekQueryError
        When a code is not two letters (or ``**``) or none is given.

    Examples
    --------
    >>> parse_event_types("CJ, fl,cj")
    ('cj', 'fl')
    """
    items = value.split(",") if isinstance(value, str) else list(value)
    types: list[str] = []
    for item in items:
        code = str(item).strip().lower()
        if not _EVENT_TYPE.match(code):
            raise HekQueryError(
                f"not a HEK event type: {item!r} (two letters such as cj, fl, ar; ** for all)"
            )
        if code not in types:
            types.append(code)
    if not types:
        raise HekQueryError("no event type given")
    return tuple(types)


def _box(value: Sequence[Any]) -> tuple[float, float, float, float]:
    try:
        x1, y1, x2, y2 = (float(v) for v in value)
    except (TypeError, ValueError):
        raise HekQueryError(f"a box is four numbers (x1, y1, x2, y2) in arcsec, not {value!r}") from None
    if not all(math.isfinite(v) for v in (x1, y1, x2, y2)):
        raise HekQueryError(f"box corners must be finite, not {value!r}")
    x1, x2 = min(x1, x2), max(x1, x2)
    y1, y2 = min(y1, y2), max(y1, y2)
    if x1 == x2 or y1 == y2:
        raise HekQueryError(f"the box ({x1}, {y1}, {x2}, {y2}) has no area")
    return (x1, y1, x2, y2)


def _channel(value: Any) -> str | None:
    if value is None:
        return None
    if hasattr(value, "unit") and hasattr(value, "to_value"):  # an astropy Quantity
        import astropy.units as u

        try:
            value = round(float(value.to_value(u.AA, equivalencies=u.spectral())), 6)
        except u.UnitConversionError as err:
            raise HekQueryError(f"a channel is a wavelength, not {value!r} ({err})") from None
    text = _value_text(value).strip()
    if not text:
        raise HekQueryError("channel must not be empty")
    return text


def _fields(value: str | Iterable[str] | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else list(value)
    names: list[str] = []
    for item in [*items, *REQUIRED_FIELDS]:
        name = str(item).strip()
        if not _PARAM_NAME.match(name):
            raise HekQueryError(f"not a HEK field name: {item!r}")
        if name not in names:
            names.append(name)
    return tuple(names)


@dataclass(frozen=True, init=False)
class HekQuery:
    """A HEK search: time range, event types, box, filters, channel and returned fields.

    Parameters
    ----------
    start, end : str, datetime or astropy.time.Time
        The time range (UTC); HEK returns events that overlap it.
    event_types : str or iterable of str
        HEK event type codes, ``"cj"`` (coronal jet) by default; ``"cj,fl"`` or
        ``["cj", "fl"]`` for several; ``"**"`` for all.
    box : sequence of four floats
        ``(x1, y1, x2, y2)`` in helioprojective arcsec; corners in any order.
        Default :data:`DEFAULT_BOX` (+-5000 arcsec: the disk and far off-limb).
    filters : iterable of (param, op, value)
        Attribute filters, ANDed by HEK; ops are :data:`OPERATORS`.
    channel : str, int or astropy Quantity, optional
        Keep only reports made in this channel (``304``, ``"304"``, ``304 * u.AA``),
        sent as a real filter ``obs_channelid = 304``.
    fields : str or iterable of str, optional
        Return only these fields (HEK's ``return``); :data:`REQUIRED_FIELDS` are added.

    Raises
    ------
    HekQueryError
        When a value cannot be sent to HEK (end before start, unknown operator, ...).

    Examples
    --------
    >>> q = HekQuery("2010-06-01", "2010-06-02", event_types="cj,fl",
    ...              box=(1200, 1200, -1200, -1200), filters=[("frm_name", "like", "%schryver%")])
    >>> q.box
    (-1200.0, -1200.0, 1200.0, 1200.0)
    >>> q.params()["event_type"], q.params()["param0"], q.params()["op0"]
    ('cj,fl', 'frm_name', 'like')
    >>> q.fingerprint == q.with_range("2011-01-01", "2011-02-01").fingerprint
    True
    """

    start: datetime
    end: datetime
    event_types: tuple[str, ...]
    box: tuple[float, float, float, float]
    filters: tuple[AttrFilter, ...]
    channel: str | None
    fields: tuple[str, ...] | None

    def __init__(
        self,
        start: str | datetime | Any,
        end: str | datetime | Any,
        *,
        event_types: str | Iterable[str] = "cj",
        box: Sequence[float] = DEFAULT_BOX,
        filters: Iterable[tuple[str, str, Any]] = (),
        channel: str | int | Any | None = None,
        fields: str | Iterable[str] | None = None,
    ) -> None:
        start_utc, end_utc = as_utc(start), as_utc(end)
        if end_utc <= start_utc:
            raise HekQueryError(
                f"the end ({end_utc.isoformat()}) must be after the start ({start_utc.isoformat()})"
            )
        if end_utc > LATEST_END:  # whole seconds are sent: the end is rounded up
            raise HekQueryError(f"the end ({end_utc.isoformat()}) must be at most {LATEST_END.isoformat()}")
        object.__setattr__(self, "start", start_utc)
        object.__setattr__(self, "end", end_utc)
        object.__setattr__(self, "event_types", parse_event_types(event_types))
        object.__setattr__(self, "box", _box(box))
        object.__setattr__(self, "filters", tuple(_filter(f) for f in filters))
        object.__setattr__(self, "channel", _channel(channel))
        object.__setattr__(self, "fields", _fields(fields))

    def with_range(self, start: str | datetime | Any, end: str | datetime | Any) -> HekQuery:
        """The same query over another time range."""
        return HekQuery(
            start,
            end,
            event_types=self.event_types,
            box=self.box,
            filters=self.filters,
            channel=self.channel,
            fields=self.fields,
        )

    def windows(self, size: timedelta | None = None, *, days: float | None = None) -> list[HekQuery]:
        """This query split into consecutive windows of ``size`` (or ``days``).

        Without a size, the whole range is one window.
        """
        if size is None and days is None:
            return [self]
        step = size if size is not None else timedelta(days=float(days or 0))
        return [self.with_range(lo, hi) for lo, hi in split_range(self.start, self.end, step)]

    @property
    def all_filters(self) -> tuple[AttrFilter, ...]:
        """The filters as sent: the channel filter first, then the others."""
        channel = () if self.channel is None else (AttrFilter("obs_channelid", "=", self.channel),)
        return channel + self.filters

    def params(self, *, page: int | None = None, result_limit: int | None = None) -> dict[str, str]:
        """The GET parameters of a search over this query's whole range.

        Parameters
        ----------
        page : int, optional
            The 1-based page number.
        result_limit : int, optional
            Events per page.

        Examples
        --------
        >>> p = HekQuery("2010-06-01T00:00:00.5", "2010-06-01T12:00:00.2").params(page=2, result_limit=50)
        >>> p["event_starttime"], p["event_endtime"], p["page"], p["result_limit"]
        ('2010-06-01T00:00:00', '2010-06-01T12:00:01', '2', '50')
        >>> p["x1"], p["y2"], p["event_coordsys"]
        ('-5000', '5000', 'helioprojective')
        """
        params = {
            "cmd": "search",
            "type": "column",
            "cosec": "2",
            "event_type": ",".join(self.event_types),
            # whole seconds, widened outwards so nothing at the edges is lost
            "event_starttime": _floor_second(self.start).strftime(TIME_FORMAT),
            "event_endtime": _ceil_second(self.end).strftime(TIME_FORMAT),
            "event_coordsys": "helioprojective",
            "x1": _number_text(self.box[0]),
            "y1": _number_text(self.box[1]),
            "x2": _number_text(self.box[2]),
            "y2": _number_text(self.box[3]),
        }
        for n, flt in enumerate(self.all_filters):
            params[f"param{n}"] = flt.param
            params[f"op{n}"] = flt.op
            params[f"value{n}"] = flt.value
        if self.fields is not None:
            params["return"] = ",".join(self.fields)
        if result_limit is not None:
            if result_limit < 1:
                raise HekQueryError(f"result_limit must be >= 1, not {result_limit}")
            params["result_limit"] = str(result_limit)
        if page is not None:
            if page < 1:
                raise HekQueryError(f"pages are numbered from 1, not {page}")
            params["page"] = str(page)
        return params

    def describe(self) -> dict[str, Any]:
        """Everything but the time range, as a JSON-compatible dict (what the fingerprint hashes).

        Examples
        --------
        >>> HekQuery("2010-06-01", "2010-06-02", channel="304").describe()["filters"]
        [['obs_channelid', '=', '304']]
        """
        return {
            "event_types": sorted(self.event_types),
            "box": list(self.box),
            # HEK ANDs the filters: their order does not change the answer
            "filters": sorted([list(f) for f in self.all_filters]),
            "fields": None if self.fields is None else sorted(self.fields),
            "coordsys": "helioprojective",
        }

    @property
    def fingerprint(self) -> str:
        """A stable hash of everything but the time range (16 hex digits).

        Two queries that differ only in their time range share it; any other change
        (type, box, filter, channel, fields) gives another one.

        Examples
        --------
        >>> a = HekQuery("2010-06-01", "2010-06-02", filters=[("a", "=", 1), ("b", "=", 2)])
        >>> b = HekQuery("2012-01-01", "2012-06-02", filters=[("b", "=", 2), ("a", "=", 1)])
        >>> a.fingerprint == b.fingerprint, a.fingerprint == HekQuery("2010-06-01", "2010-06-02").fingerprint
        (True, False)
        """
        text = json.dumps(self.describe(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
