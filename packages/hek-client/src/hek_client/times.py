"""Times of a HEK query (pure): any time a user gives, as UTC, and a range cut into windows.

Examples
--------
>>> from datetime import timedelta
>>> from hek_client.times import as_utc, split_range
>>> start, end = as_utc("2010/06/01 00:00"), as_utc("2010-06-02T12:00:00Z")
>>> [(a.isoformat(), b.isoformat()) for a, b in split_range(start, end, timedelta(days=1))]
[('2010-06-01T00:00:00+00:00', '2010-06-02T00:00:00+00:00'), \
('2010-06-02T00:00:00+00:00', '2010-06-02T12:00:00+00:00')]
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from jet_store import times

from hek_client.errors import HekQueryError

__all__ = [
    "LATEST_END",
    "TIME_FORMAT",
    "as_utc",
    "ceil_second",
    "floor_second",
    "split_range",
    "window_count",
]

LATEST_END = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc)
"""The latest end a query can have (its end is sent rounded up to the second)."""

TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
"""How times are sent to HEK (UTC, whole seconds)."""


def as_utc(value: str | datetime | date | Any) -> datetime:
    """A timezone-aware UTC datetime from a string, datetime, date or astropy ``Time``.

    Naive datetimes and strings without a zone are taken as UTC; read by
    :func:`jet_store.times.as_utc`.

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
    """
    return times.as_utc(value, HekQueryError)


def floor_second(t: datetime) -> datetime:
    """``t`` rounded down to the whole second (where a query's start is sent).

    Examples
    --------
    >>> from datetime import datetime
    >>> floor_second(datetime(2010, 6, 1, 12, 0, 0, 999999)).isoformat()
    '2010-06-01T12:00:00'
    """
    return t.replace(microsecond=0)


def ceil_second(t: datetime) -> datetime:
    """``t`` rounded up to the whole second (where a query's end is sent).

    Examples
    --------
    >>> from datetime import datetime
    >>> ceil_second(datetime(2010, 6, 1, 12, 0, 0, 1)).isoformat()
    '2010-06-01T12:00:01'
    """
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
