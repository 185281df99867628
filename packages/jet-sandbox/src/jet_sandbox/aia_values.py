"""Plain values for the synthetic AIA model: times and Quantities read once, AIA's time grid.

Times given as datetimes (naive means UTC), ISO 8601 strings or astropy ``Time`` become
aware UTC datetimes; astropy ``Quantity`` values become floats in the unit asked for.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
from jet_store import times

from jet_sandbox.errors import SyntheticAiaError

__all__ = [
    "FloatArray",
    "TimeLike",
    "TIME_GRID_EPOCH",
    "MJD_EPOCH",
    "as_utc",
    "round_10ms",
    "fits_time",
    "iso_text",
    "plain_value",
    "microseconds",
]

FloatArray = npt.NDArray[np.float32]


TimeLike = Any
"""A ``datetime`` (naive means UTC), an ISO 8601 string or an astropy ``Time``."""


TIME_GRID_EPOCH = datetime(2010, 1, 1, tzinfo=UTC)


MJD_EPOCH = datetime(1858, 11, 17, tzinfo=UTC)


def as_utc(value: TimeLike) -> datetime:
    """Convert a datetime (naive = UTC), ISO string or astropy Time to an aware UTC datetime.

    Read by :func:`jet_store.times.as_utc`, raising :class:`~jet_sandbox.errors.SyntheticAiaError`.

    Examples
    --------
    >>> as_utc("2012-07-08T13:05:00Z").isoformat()
    '2012-07-08T13:05:00+00:00'
    """
    return times.as_utc(value, SyntheticAiaError)


def round_10ms(moment: datetime) -> datetime:
    """``moment`` rounded to 10 ms, as AIA writes ``DATE-OBS``.

    Examples
    --------
    >>> round_10ms(datetime(2012, 7, 8, 13, 5, 7, 123456)).isoformat()
    '2012-07-08T13:05:07.120000'
    """
    micro = round(moment.microsecond / 10_000) * 10_000
    return moment.replace(microsecond=0) + timedelta(microseconds=micro)


def fits_time(moment: datetime, suffix: str = "") -> str:
    """A FITS header time with 10 ms digits (``T_OBS`` adds the suffix ``"Z"``).

    Examples
    --------
    >>> fits_time(datetime(2012, 7, 8, 13, 5, 7, 123456), "Z")
    '2012-07-08T13:05:07.12Z'
    """
    moment = round_10ms(moment)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 10_000:02d}{suffix}"


def iso_text(moment: datetime) -> str:
    """``moment`` in UTC as ISO 8601 text (the form of truth files).

    Examples
    --------
    >>> iso_text(datetime(2012, 7, 8, 13, 5, tzinfo=UTC))
    '2012-07-08T13:05:00+00:00'
    """
    return moment.astimezone(UTC).isoformat()


def plain_value(value: Any, unit: str) -> float:
    """A plain float from a number or an astropy Quantity (converted to ``unit``)."""
    to_value = getattr(value, "to_value", None)
    if to_value is not None:
        return float(to_value(unit))
    return float(value)


def microseconds(delta: timedelta) -> int:
    """``delta`` as a whole number of microseconds (exact integer arithmetic).

    Examples
    --------
    >>> microseconds(timedelta(days=1, microseconds=5))
    86400000005
    """
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
