"""Times a user gives, read once as timezone-aware UTC datetimes (pure).

Every package that takes times at its boundary (HEK queries, cutout requests, the
synthetic AIA model) reads them here and names its own exception class for bad input.

Examples
--------
>>> from jet_store.times import as_utc
>>> as_utc("2010/06/01 12:00").isoformat()
'2010-06-01T12:00:00+00:00'
>>> as_utc("not a time", error=KeyError)
Traceback (most recent call last):
...
KeyError: "not a time: 'not a time' (use ISO 8601 such as 2010-06-01T12:00:00)"
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from datetime import date, datetime, timezone
from typing import Any

__all__ = ["TimeError", "as_utc"]

TimeError = Callable[[str], Exception]
"""What makes the exception raised for a value that is not a time (an exception class)."""

_SLASH_DATE = re.compile(r"^\d{4}/\d{1,2}/\d{1,2}")


def as_utc(value: str | datetime | date | Any, error: TimeError = ValueError) -> datetime:
    """A timezone-aware UTC datetime from a string, datetime, date or astropy ``Time``.

    Naive datetimes and strings without a zone are taken as UTC.

    Parameters
    ----------
    value : str, datetime, date or astropy.time.Time
        An ISO 8601 string (``2010-06-01``, ``2010-06-01T12:00:00Z``, ``2010/06/01 12:00``),
        any string astropy's ``Time`` parses, a datetime, a date (midnight) or a scalar ``Time``.
    error : callable, optional
        The exception class (called with a message) raised when ``value`` is not one time.

    Raises
    ------
    Exception
        ``error(message)`` when the value is not a time, is an array of times, or lies
        outside the years 1..9999 in UTC.

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
            raise error(f"{value.isoformat()} is outside the years 1..9999 in UTC") from None
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
            return as_utc(parsed, error)
    return _astropy_to_utc(value, error)


def _astropy_to_utc(value: Any, error: TimeError) -> datetime:
    try:
        from astropy.time import Time
    except ImportError:  # jet-store[astro] not installed: only ISO text and datetimes are read
        raise error(f"not a time: {value!r} (use ISO 8601 such as 2010-06-01T12:00:00)") from None
    try:
        with warnings.catch_warnings():  # ERFA's "dubious year" notes: the range is checked below
            warnings.simplefilter("ignore")
            time = value if isinstance(value, Time) else Time(value)
            result = time.utc.to_datetime(timezone=timezone.utc) if time.isscalar else None
    except (ValueError, TypeError, OverflowError):
        raise error(f"not a time: {value!r} (use ISO 8601 such as 2010-06-01T12:00:00)") from None
    if result is None:
        raise error(f"expected one time, got an array of {time.size}")
    if not isinstance(result, datetime):  # pragma: no cover - astropy returns datetime for scalars
        raise error(f"not a time: {value!r}")
    return result
