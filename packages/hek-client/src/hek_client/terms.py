"""The terms of a HEK query (pure): event types, box, attribute filters, channel, fields.

Each reader checks what a user gives and returns it as :class:`~hek_client.query.HekQuery`
holds and sends it, or raises :class:`~hek_client.errors.HekQueryError` saying what is wrong.

Examples
--------
>>> from hek_client.terms import attr_filter, parse_event_types
>>> parse_event_types(["CJ", "fl"]), attr_filter(("obs_channelid", "=", 304))
(('cj', 'fl'), AttrFilter(param='obs_channelid', op='=', value='304'))
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from hek_client.errors import HekQueryError
from hek_client.times import TIME_FORMAT, as_utc

__all__ = [
    "AttrFilter",
    "DEFAULT_BOX",
    "OPERATORS",
    "REQUIRED_FIELDS",
    "attr_filter",
    "number_text",
    "parse_box",
    "parse_channel",
    "parse_event_types",
    "parse_fields",
    "value_text",
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

_PARAM_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_EVENT_TYPE = re.compile(r"^([a-z]{2}|\*\*)$")


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


def number_text(value: float) -> str:
    """A number as HEK is sent it: whole numbers without a decimal point.

    Examples
    --------
    >>> number_text(304.0), number_text(-1200), number_text(0.5)
    ('304', '-1200', '0.5')
    """
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def value_text(value: Any) -> str:
    """A filter value as sent: booleans in lower case, numbers by :func:`number_text`, times in UTC.

    Examples
    --------
    >>> from datetime import date
    >>> value_text(True), value_text(304.0), value_text(date(2010, 6, 1)), value_text("%jet%")
    ('true', '304', '2010-06-01T00:00:00', '%jet%')
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise HekQueryError(f"filter value must be finite, not {value!r}")
        return number_text(value)
    if isinstance(value, (datetime, date)):
        return as_utc(value).strftime(TIME_FORMAT)
    text = str(value)
    if not text:
        raise HekQueryError("filter value must not be empty")
    return text


def attr_filter(item: Any) -> AttrFilter:
    """One ``(param, op, value)`` checked and normalised (``==`` is ``=``, ops in lower case).

    Raises
    ------
    HekQueryError
        For a name HEK cannot have, an operator not in :data:`OPERATORS` or a bad value.

    Examples
    --------
    >>> attr_filter(("frm_name", "LIKE", "%schryver%"))
    AttrFilter(param='frm_name', op='like', value='%schryver%')
    >>> attr_filter(("event_score", "==", 2.0))
    AttrFilter(param='event_score', op='=', value='2')
    """
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
    return AttrFilter(param, op, value_text(value))


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


def parse_box(value: Sequence[Any]) -> tuple[float, float, float, float]:
    """A box ``(x1, y1, x2, y2)`` in arcsec with ``x1 < x2`` and ``y1 < y2``.

    Raises
    ------
    HekQueryError
        For anything but four finite numbers, or a box without area.

    Examples
    --------
    >>> parse_box(("1200", 1200, -1200, -1200))
    (-1200.0, -1200.0, 1200.0, 1200.0)
    """
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


def parse_channel(value: Any) -> str | None:
    """A channel filter value from a number, a string or a wavelength ``Quantity`` (in Angstrom).

    Examples
    --------
    >>> import astropy.units as u
    >>> parse_channel(304), parse_channel(30.4 * u.nm), parse_channel(None)
    ('304', '304', None)
    """
    if value is None:
        return None
    if hasattr(value, "unit") and hasattr(value, "to_value"):  # an astropy Quantity
        import astropy.units as u

        try:
            value = round(float(value.to_value(u.AA, equivalencies=u.spectral())), 6)
        except u.UnitConversionError as err:
            raise HekQueryError(f"a channel is a wavelength, not {value!r} ({err})") from None
    text = value_text(value).strip()
    if not text:
        raise HekQueryError("channel must not be empty")
    return text


def parse_fields(value: str | Iterable[str] | None) -> tuple[str, ...] | None:
    """Names of the fields to return, with :data:`REQUIRED_FIELDS` added; None for all fields.

    Examples
    --------
    >>> parse_fields("hpc_x, hpc_y")
    ('hpc_x', 'hpc_y', 'kb_archivid', 'event_type', 'event_starttime', 'event_endtime')
    """
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
