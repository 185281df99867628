"""What to ask HEK: :class:`HekQuery`, a pure description turned into GET parameters.

A query holds a time range, event types, a helioprojective box, attribute filters
``(param, op, value)``, an optional channel (wavelength) filter and the fields to return.
It does no I/O: :meth:`HekQuery.params` gives the parameters of one page request,
:meth:`HekQuery.windows` splits a long range into shorter queries, and
:attr:`HekQuery.fingerprint` identifies the query apart from its time range (what
:class:`jet_store.HekSearch` records, so a re-run can skip windows already searched).

The terms a query is made of are read and checked by :mod:`hek_client.terms`, its
times by :mod:`hek_client.times` (their public names are re-exported here).

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hek_client.errors import HekQueryError
from hek_client.terms import (
    DEFAULT_BOX,
    OPERATORS,
    REQUIRED_FIELDS,
    AttrFilter,
    attr_filter,
    number_text,
    parse_box,
    parse_channel,
    parse_event_types,
    parse_fields,
)
from hek_client.times import (
    LATEST_END,
    TIME_FORMAT,
    as_utc,
    ceil_second,
    floor_second,
    split_range,
    window_count,
)

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
        object.__setattr__(self, "box", parse_box(box))
        object.__setattr__(self, "filters", tuple(attr_filter(f) for f in filters))
        object.__setattr__(self, "channel", parse_channel(channel))
        object.__setattr__(self, "fields", parse_fields(fields))

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
            "event_starttime": floor_second(self.start).strftime(TIME_FORMAT),
            "event_endtime": ceil_second(self.end).strftime(TIME_FORMAT),
            "event_coordsys": "helioprojective",
            "x1": number_text(self.box[0]),
            "y1": number_text(self.box[1]),
            "x2": number_text(self.box[2]),
            "y2": number_text(self.box[3]),
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
