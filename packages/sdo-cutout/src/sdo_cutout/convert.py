"""Times, angles, durations and AIA wavelengths given by a user, converted once (pure).

Times may be ISO strings, ``datetime``/``date`` or astropy ``Time``; angles numbers in
arcsec or angle ``Quantity``; durations numbers in s, ``timedelta`` or time
``Quantity``; wavelengths ints, strings (``"171,304"``) or ``Quantity``. Everything
unreadable raises :class:`~sdo_cutout.errors.CutoutRequestError`.

Examples
--------
>>> import astropy.units as u
>>> from sdo_cutout.convert import arcsec_pair, as_waves
>>> arcsec_pair(2 * u.arcmin, "fov"), as_waves("171, 304")
((120.0, 120.0), (171, 304))
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from typing import Any

from jet_store import times

from sdo_cutout.aia import AIA_WAVELENGTHS
from sdo_cutout.errors import CutoutRequestError

__all__ = ["as_utc", "as_arcsec", "as_seconds", "as_waves", "arcsec_pair", "center_arcsec", "number_text"]


def as_utc(value: str | datetime | date | Any) -> datetime:
    """A timezone-aware UTC datetime from a string, datetime, date or astropy ``Time``.

    Naive datetimes and strings without a zone are taken as UTC; read by
    :func:`jet_store.times.as_utc`, raising :class:`~sdo_cutout.errors.CutoutRequestError`.

    Examples
    --------
    >>> as_utc("2010-06-20T11:14:44")
    datetime.datetime(2010, 6, 20, 11, 14, 44, tzinfo=datetime.timezone.utc)
    >>> from astropy.time import Time
    >>> as_utc(Time("2010-06-20 11:14:44", scale="utc")).isoformat()
    '2010-06-20T11:14:44+00:00'
    """
    return times.as_utc(value, CutoutRequestError)


def _quantity_value(value: Any, unit: str, what: str) -> float | None:
    if not hasattr(value, "unit"):
        return None
    import astropy.units as u

    try:
        return float(value.to_value(u.Unit(unit)))
    except (u.UnitsError, TypeError, ValueError) as err:
        raise CutoutRequestError(f"{what} must be in units of {unit}, not {value!r} ({err})") from None


def _finite_number(value: Any, unit: str, what: str, expected: str) -> float:
    """A finite float from a ``Quantity`` in ``unit``'s dimension or a plain number."""
    number = _quantity_value(value, unit, what)
    if number is None:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise CutoutRequestError(f"{what} must be {expected}, not {value!r}") from None
    if not math.isfinite(number):
        raise CutoutRequestError(f"{what} must be finite, not {number}")
    return number


def as_arcsec(value: float | Any, what: str = "angle") -> float:
    """A float in arcsec from a number (taken as arcsec) or an angular astropy ``Quantity``.

    Examples
    --------
    >>> import astropy.units as u
    >>> as_arcsec(2 * u.arcmin), as_arcsec(120)
    (120.0, 120.0)
    """
    return _finite_number(value, "arcsec", what, "a number of arcsec or an angle")


def as_seconds(value: float | timedelta | Any, what: str = "duration") -> float:
    """A float in s from a number (taken as s), a ``timedelta`` or a time ``Quantity``.

    Examples
    --------
    >>> import astropy.units as u
    >>> from datetime import timedelta
    >>> as_seconds(2 * u.min), as_seconds(timedelta(minutes=1)), as_seconds(12)
    (120.0, 60.0, 12.0)
    """
    if isinstance(value, timedelta):
        return value.total_seconds()
    return _finite_number(value, "s", what, "a number of seconds or a duration")


def as_waves(waves: Any) -> tuple[int, ...]:
    """Sorted distinct AIA wavelengths in Angstrom from ints, strings (``"171,304"``) or Quantities.

    Raises
    ------
    CutoutRequestError
        For an empty list, a value that is not a finite number, or a wavelength AIA
        does not have.

    Examples
    --------
    >>> import astropy.units as u
    >>> as_waves(["304", 171, "171,193"]), as_waves(30.4 * u.nm)
    ((171, 193, 304), (304,))
    >>> as_waves("inf")
    Traceback (most recent call last):
    ...
    sdo_cutout.errors.CutoutRequestError: not a wavelength: 'inf' (a wavelength must be finite)
    """
    single = isinstance(waves, (str, int, float)) or hasattr(waves, "unit")
    items: list[Any] = [waves] if single else list(waves)
    found: set[int] = set()
    for item in items:
        if hasattr(item, "unit"):
            value = _quantity_value(item, "Angstrom", "wavelength")
            assert value is not None
            parts: list[Any] = [value]
        elif isinstance(item, str):
            parts = [p for p in re.split(r"[,\s]+", item.strip()) if p]
        else:
            parts = [item]
        for part in parts:
            try:
                number = float(part)
            except (TypeError, ValueError):
                raise CutoutRequestError(f"not a wavelength: {part!r}") from None
            if not math.isfinite(number):  # round() would raise OverflowError / ValueError
                raise CutoutRequestError(f"not a wavelength: {part!r} (a wavelength must be finite)")
            wave = round(number)
            if abs(number - wave) > 1e-6 or wave not in AIA_WAVELENGTHS:
                raise CutoutRequestError(
                    f"AIA has no {part} Angstrom channel; use one of {', '.join(map(str, AIA_WAVELENGTHS))}"
                )
            found.add(wave)
    if not found:
        raise CutoutRequestError("no wavelength given; e.g. --wave 304")
    return tuple(sorted(found))


def arcsec_pair(value: Any, what: str) -> tuple[float, float]:
    """``(x, y)`` in arcsec from a scalar (both axes), a pair, or a 2-element Quantity.

    Examples
    --------
    >>> import astropy.units as u
    >>> arcsec_pair(120, "fov"), arcsec_pair((1 * u.arcmin, 30), "fov")
    ((120.0, 120.0), (60.0, 30.0))
    """
    if hasattr(value, "unit") and getattr(value, "shape", ()) == ():
        v = as_arcsec(value, what)
        return v, v
    if isinstance(value, (int, float)):
        v = as_arcsec(value, what)
        return v, v
    try:
        x, y = value
    except (TypeError, ValueError):
        raise CutoutRequestError(f"{what} must be a number or an (x, y) pair, not {value!r}") from None
    return as_arcsec(x, what), as_arcsec(y, what)


def center_arcsec(value: Any) -> tuple[float, float]:
    """A centre in arcsec from an ``(x, y)`` pair or a helioprojective ``SkyCoord``.

    Examples
    --------
    >>> center_arcsec((813, -683))
    (813.0, -683.0)
    """
    if hasattr(value, "Tx") and hasattr(value, "Ty"):
        return as_arcsec(value.Tx, "centre x"), as_arcsec(value.Ty, "centre y")
    return arcsec_pair(value, "centre")


def number_text(value: float) -> str:
    """A compact number for a service's query: ``813`` rather than ``813.0``, else 3 decimals.

    Examples
    --------
    >>> number_text(813.0), number_text(-350.5), number_text(0.12345)
    ('813', '-350.5', '0.123')
    """
    return str(int(value)) if float(value).is_integer() else repr(round(float(value), 3))
