"""HEK search parameters and how an event matches them (pure, no I/O).

:class:`HekQuery` is what one ``GET /hek/her`` asks, read from its parameters the way
HEK reads them: ``cmd=search``, ``type=column`` and ``cosec=2`` are required; events
*overlapping* ``event_starttime..event_endtime`` match; ``event_type`` is a comma list
(``**`` = all); ``event_coordsys=helioprojective`` with ``x1,y1,x2,y2`` keeps events
whose hpc point is inside the box; ``paramN/opN/valueN`` filter on any field; bare
field names (``obs_channelid=304``) and other unknown parameters are ignored.

Examples
--------
>>> from jet_sandbox.hek_query import HekQuery
>>> q = HekQuery.from_params({
...     "cmd": "search", "type": "column", "cosec": "2", "event_type": "cj",
...     "event_starttime": "2010-06-01T00:00:00", "event_endtime": "2010-07-01T00:00:00",
...     "param0": "obs_channelid", "op0": "=", "value0": "304", "obs_channelid": "171"})
>>> q.filters
(AttributeFilter(param='obs_channelid', op='=', value='304'),)
>>> event = {"event_type": "CJ", "event_starttime": "2010-06-30T03:31:46",
...          "event_endtime": "2010-06-30T04:14:19", "hpc_x": -122, "hpc_y": 1005, "obs_channelid": 304}
>>> q.matches(event)
True
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from jet_store.numbers import finite_float

from jet_sandbox.errors import BadQuery
from jet_sandbox.hek_filters import OPS, AttributeFilter, filters_from
from jet_sandbox.hek_times import event_times, format_time, to_utc

__all__ = [
    "HekQuery",
    "AttributeFilter",
    "OPS",
    "DEFAULT_LIMIT",
    "filters_from",
    "to_utc",
    "format_time",
    "event_times",
]

DEFAULT_LIMIT = 100
"""Page size when a query gives no ``result_limit``."""


_PARAM_RE = re.compile(r"^param(\d+)$")


def _required(params: Mapping[str, str], name: str) -> str:
    value = params.get(name)
    if value is None or not value.strip():
        raise BadQuery(f"missing required parameter {name}")
    return value.strip()


def _int_param(params: Mapping[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadQuery(f"{name} must be a positive integer, not {raw!r}") from None
    if value < 1:
        raise BadQuery(f"{name} must be a positive integer, not {raw!r}")
    return value


def _time_param(params: Mapping[str, str], name: str) -> datetime:
    raw = _required(params, name)
    try:
        return to_utc(raw)
    except ValueError:
        raise BadQuery(f"{name} must look like 2010-06-01T00:00:00, not {raw!r}") from None


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


@dataclasses.dataclass(frozen=True, slots=True)
class HekQuery:
    """One HEK search: time window, event types, box, attribute filters, page.

    Parameters
    ----------
    start, end
        The window (UTC); events overlapping it match (both ends inclusive).
    event_types
        Lower-case event type codes (``("cj",)``), or None for all (``**``).
    box
        ``(x1, y1, x2, y2)`` in helioprojective arcsec, or None for the whole sky.
    filters
        Attribute conditions, all of which must hold.
    limit, page
        Page size and 1-based page number.
    fields
        The ``return`` list: only these fields (and ``kb_archivid``) are answered.

    Examples
    --------
    >>> q = HekQuery(to_utc("2010-06-01"), to_utc("2010-06-02"), box=(100, 50, -100, -50))
    >>> q.box
    (-100.0, -50.0, 100.0, 50.0)
    >>> q.to_params()["event_type"]
    '**'
    """

    start: datetime
    end: datetime
    event_types: tuple[str, ...] | None = None
    box: tuple[float, float, float, float] | None = None
    filters: tuple[AttributeFilter, ...] = ()
    limit: int = DEFAULT_LIMIT
    page: int = 1
    fields: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", to_utc(self.start))
        object.__setattr__(self, "end", to_utc(self.end))
        if self.end < self.start:
            raise BadQuery(
                f"event_endtime {format_time(self.end)} is before event_starttime {format_time(self.start)}"
            )
        if self.event_types is not None:
            types = tuple(t.lower() for t in self.event_types)
            object.__setattr__(self, "event_types", None if "**" in types else types)
        if self.box is not None:
            x1, y1, x2, y2 = (float(v) for v in self.box)
            object.__setattr__(self, "box", (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)))
        object.__setattr__(self, "filters", tuple(self.filters))
        if self.limit < 1 or self.page < 1:
            raise BadQuery("result_limit and page must be positive")

    @classmethod
    def from_params(
        cls, params: Mapping[str, str], *, default_limit: int = DEFAULT_LIMIT, max_limit: int | None = None
    ) -> HekQuery:
        """Read a query from HEK request parameters (first value of each).

        Parameters
        ----------
        params
            The request's query parameters.
        default_limit
            Page size when ``result_limit`` is absent.
        max_limit
            Larger ``result_limit`` values are silently reduced to this.

        Raises
        ------
        BadQuery
            For a missing or invalid required parameter (HTTP 400).

        Examples
        --------
        >>> HekQuery.from_params({"cmd": "search"})
        Traceback (most recent call last):
        ...
        jet_sandbox.errors.BadQuery: missing required parameter type
        """
        if _required(params, "cmd").lower() != "search":
            raise BadQuery(f"unknown cmd {params['cmd']!r}; the replica answers cmd=search")
        if _required(params, "type").lower() != "column":
            raise BadQuery(f"unknown type {params['type']!r}; the replica answers type=column")
        if _required(params, "cosec") != "2":
            raise BadQuery(f"cosec={params['cosec']} is not replicated; use cosec=2 (JSON)")
        event_types = _split(_required(params, "event_type"))
        if not event_types:
            raise BadQuery("missing required parameter event_type")
        start = _time_param(params, "event_starttime")
        end = _time_param(params, "event_endtime")
        box = None
        coordsys = (params.get("event_coordsys") or "").strip().lower()
        if coordsys:
            if coordsys != "helioprojective":
                raise BadQuery(f"event_coordsys={coordsys} is not replicated; use helioprojective")
            try:
                x1, y1, x2, y2 = (float(_required(params, k)) for k in ("x1", "y1", "x2", "y2"))
            except ValueError:
                raise BadQuery("x1, y1, x2, y2 must be numbers (arcsec)") from None
            box = (x1, y1, x2, y2)
        filters = []
        numbers = sorted(int(m.group(1)) for name in params if (m := _PARAM_RE.match(name)))
        for n in numbers:
            param = params[f"param{n}"].strip()
            if not param:
                continue
            op = params.get(f"op{n}")
            value = params.get(f"value{n}")
            if op is None or value is None:
                raise BadQuery(f"param{n}={param} needs op{n} and value{n}")
            filters.append(AttributeFilter(param, op, value))
        limit = _int_param(params, "result_limit", default_limit)
        if max_limit is not None:
            limit = min(limit, max_limit)
        page = _int_param(params, "page", 1)
        fields = _split(params["return"]) if params.get("return", "").strip() else None
        return cls(start, end, event_types, box, tuple(filters), limit, page, fields)

    def to_params(self) -> dict[str, str]:
        """The request parameters a client would send for this query.

        Examples
        --------
        >>> q = HekQuery.from_params(HekQuery(to_utc("2011-01-01"), to_utc("2011-02-01"),
        ...                          ("cj",), limit=50).to_params())
        >>> (q.event_types, q.limit, q.page)
        (('cj',), 50, 1)
        """
        params = {
            "cmd": "search",
            "type": "column",
            "cosec": "2",
            "event_type": ",".join(self.event_types) if self.event_types else "**",
            "event_starttime": format_time(self.start),
            "event_endtime": format_time(self.end),
            "result_limit": str(self.limit),
            "page": str(self.page),
        }
        if self.box is not None:
            params["event_coordsys"] = "helioprojective"
            params.update(zip(("x1", "y1", "x2", "y2"), (f"{v:g}" for v in self.box), strict=True))
        for n, f in enumerate(self.filters):
            params.update({f"param{n}": f.param, f"op{n}": f.op, f"value{n}": f.value})
        if self.fields:
            params["return"] = ",".join(self.fields)
        return params

    def with_page(self, page: int) -> HekQuery:
        """The same query asking for another page."""
        return dataclasses.replace(self, page=page)

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """Whether an event spanning ``start..end`` overlaps the window."""
        return start <= self.end and end >= self.start

    def wants_type(self, event_type: Any) -> bool:
        """Whether the event type code is asked for."""
        return self.event_types is None or str(event_type).lower() in self.event_types

    def in_box(self, hpc_x: Any, hpc_y: Any) -> bool:
        """Whether the hpc point is inside the box (always true without a box)."""
        if self.box is None:
            return True
        x, y = finite_float(hpc_x), finite_float(hpc_y)
        if x is None or y is None:
            return False
        x1, y1, x2, y2 = self.box
        return x1 <= x <= x2 and y1 <= y <= y2

    def matches_filters(self, event: Mapping[str, Any]) -> bool:
        """Whether every attribute filter holds."""
        return all(f.matches(event) for f in self.filters)

    def matches(self, event: Mapping[str, Any]) -> bool:
        """Whether ``event`` is an answer to this query (ignoring paging)."""
        times = event_times(event)
        return (
            times is not None
            and self.overlaps(*times)
            and self.wants_type(event.get("event_type"))
            and self.in_box(event.get("hpc_x"), event.get("hpc_y"))
            and self.matches_filters(event)
        )

    def project(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """The event as answered: only the ``return`` fields (plus ``kb_archivid``)."""
        if self.fields is None:
            return dict(event)
        keep = set(self.fields) | {"kb_archivid"}
        return {k: v for k, v in event.items() if k in keep}
