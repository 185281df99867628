"""Plain values for the synthetic AIA model: times and Quantities read once, AIA's time grid.

Times given as datetimes (naive means UTC), ISO 8601 strings or astropy ``Time`` become
aware UTC datetimes; astropy ``Quantity`` values become floats in the unit asked for.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from jet_sandbox.errors import SyntheticAiaError

__all__ = ["FloatArray", "TimeLike"]

FloatArray = npt.NDArray[np.float32]


TimeLike = Any
"""A ``datetime`` (naive means UTC), an ISO 8601 string or an astropy ``Time``."""


_TIME_GRID_EPOCH = datetime(2010, 1, 1, tzinfo=UTC)


_MJD_EPOCH = datetime(1858, 11, 17, tzinfo=UTC)


def _utc(value: TimeLike) -> datetime:
    """Convert a datetime (naive = UTC), ISO string or astropy Time to an aware UTC datetime."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1]
        try:
            return _utc(datetime.fromisoformat(text))
        except ValueError:
            raise SyntheticAiaError(f"cannot read {value!r} as an ISO 8601 time") from None
    to_datetime = getattr(value, "to_datetime", None)
    if to_datetime is not None:  # astropy Time
        return _utc(value.utc.to_datetime(timezone=UTC))
    raise SyntheticAiaError(f"cannot read {value!r} as a time")


def _round_10ms(moment: datetime) -> datetime:
    micro = round(moment.microsecond / 10_000) * 10_000
    return moment.replace(microsecond=0) + timedelta(microseconds=micro)


def _fits_time(moment: datetime, suffix: str = "") -> str:
    moment = _round_10ms(moment)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 10_000:02d}{suffix}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _value(value: Any, unit: str) -> float:
    """A plain float from a number or an astropy Quantity (converted to ``unit``)."""
    to_value = getattr(value, "to_value", None)
    if to_value is not None:
        return float(to_value(unit))
    return float(value)


def _micro(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
