"""FITS headers into :class:`jet_store.FitsFrame` fields (pure).

:func:`~sdo_cutout.headerjson.header_to_json` (re-exported here) turns a header into a
JSON-safe dict; files are checked and read by :mod:`sdo_cutout.fitsfile` (also re-exported).

:func:`frame_fields_from_header` pulls out what a frame record keeps in columns:
``obs_time`` (``DATE-OBS``, else ``DATE_OBS``, ``T_OBS``, ``DATE-BEG``; a UTC datetime),
``wavelength`` (``WAVELNTH``, in Angstrom whatever ``WAVEUNIT`` says), ``exptime``
(``EXPTIME`` or ``XPOSURE``, s), ``naxis1/2``, the WCS keys ``ctype/cunit/crpix/crval/
cdelt 1,2`` (``CDELT`` from a ``CD`` matrix when missing), ``crota2`` (``CROTA2``, or
from the ``PC``/``CD`` matrix), ``dsun_obs`` (m), ``hgln_obs``/``hglt_obs`` (deg) and
``rsun_obs`` (arcsec), and ``header`` (the JSON dict). A value that is missing or
garbage becomes None; nothing here raises on a malformed header, except
``strict=True`` without an observation time (:class:`~sdo_cutout.download_errors.HeaderError`).

Examples
--------
>>> from astropy.io import fits
>>> from sdo_cutout.fitsmeta import frame_fields_from_header
>>> header = fits.Header({"DATE-OBS": "2012-07-08T13:05:07.12", "WAVELNTH": 304, "EXPTIME": 2.9,
...                       "CTYPE1": "HPLN-TAN", "CDELT1": 0.6, "PC1_1": 0.0, "PC2_1": 1.0})
>>> header["HISTORY"] = "made for a doctest"
>>> fields = frame_fields_from_header(header)
>>> fields["obs_time"].isoformat(), fields["wavelength"], fields["crota2"]
('2012-07-08T13:05:07.120000+00:00', 304.0, 90.0)
>>> fields["header"]["HISTORY"], fields["naxis1"]
(['made for a doctest'], None)
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from jet_store.numbers import finite_float

from sdo_cutout.download_errors import HeaderError
from sdo_cutout.fitsfile import check_fits, fits_layout_size, read_header
from sdo_cutout.headerjson import COMMENTARY_KEYS, header_to_json, json_value

__all__ = [
    "FRAME_FIELDS",
    "COMMENTARY_KEYS",
    "header_to_json",
    "json_value",
    "parse_obs_time",
    "frame_fields_from_header",
    "read_header",
    "check_fits",
    "fits_layout_size",
]

log = logging.getLogger(__name__)

FRAME_FIELDS: tuple[str, ...] = (
    "obs_time",
    "wavelength",
    "exptime",
    "naxis1",
    "naxis2",
    "ctype1",
    "ctype2",
    "cunit1",
    "cunit2",
    "crpix1",
    "crpix2",
    "crval1",
    "crval2",
    "cdelt1",
    "cdelt2",
    "crota2",
    "dsun_obs",
    "hgln_obs",
    "hglt_obs",
    "rsun_obs",
    "header",
)
"""The :class:`jet_store.FitsFrame` fields :func:`frame_fields_from_header` returns."""
_TIME_KEYS = ("DATE-OBS", "DATE_OBS", "T_OBS", "DATE-BEG")
_TIME = re.compile(
    r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d*))?)?)?"
    r"\s*(Z|UTC?|[+-]00:?00)?\s*$",
    re.IGNORECASE,
)
_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d*))?)?\s*$")
_WAVE_SCALE = {"angstrom": 1.0, "a": 1.0, "nm": 10.0, "um": 1e4, "micron": 1e4, "m": 1e10, "mm": 1e7}


# -- typed fields -------------------------------------------------------------------------


def _int(value: Any) -> int | None:
    number = finite_float(value)
    if number is None or not number.is_integer() or not 0 <= number < 2**31:
        return None
    return int(number)


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = value.strip()
    return text or None


def _clock(moment: datetime, hh: str, mm: str, ss: str | None, frac: str | None) -> datetime | None:
    hour, minute, second = int(hh), int(mm), int(ss or 0)
    micro = int((frac or "0")[:6].ljust(6, "0"))
    if hour > 24 or minute > 59 or second > 60:
        return None
    extra = timedelta(0)
    if second == 60:  # a leap second: 23:59:60.5 is half a second after 23:59:59.999...
        second, extra = 59, timedelta(seconds=1)
    if hour == 24:  # 24:00:00 is the next midnight
        if minute or second or micro:
            return None
        hour, extra = 0, extra + timedelta(days=1)
    return moment.replace(hour=hour, minute=minute, second=second, microsecond=micro) + extra


def parse_obs_time(value: Any, time_of_day: Any = None) -> datetime | None:
    """A FITS date(-time) string as a timezone-aware UTC datetime, or None if it is not one.

    ISO forms with ``T`` or a space, any number of second decimals (cut to µs), a
    trailing ``Z``; a leap second (``23:59:60.x``) becomes the next second. An old-style
    date without a time takes the time from ``time_of_day`` (``TIME-OBS``).

    Examples
    --------
    >>> parse_obs_time("2010-06-20T11:14:44.1234567Z").isoformat()
    '2010-06-20T11:14:44.123456+00:00'
    >>> parse_obs_time("2016-12-31T23:59:60.50").isoformat()
    '2017-01-01T00:00:00.500000+00:00'
    >>> parse_obs_time("2010-06-20", "11:14:44").isoformat()
    '2010-06-20T11:14:44+00:00'
    >>> parse_obs_time("garbage"), parse_obs_time(42), parse_obs_time("2010-13-01T00:00:00")
    (None, None, None)
    """
    if not isinstance(value, str):
        return None
    match = _TIME.match(value)
    if match is None:
        return None
    year, month, day, hh, mm, ss, frac, _zone = match.groups()
    try:
        moment = datetime(int(year), int(month), int(day), tzinfo=timezone.utc)
    except ValueError:
        return None
    if hh is not None:
        return _clock(moment, hh, mm, ss, frac)
    if isinstance(time_of_day, str) and (clock := _CLOCK.match(time_of_day)) is not None:
        return _clock(moment, *clock.groups())
    return moment


def _obs_time(h: Mapping[str, Any]) -> datetime | None:
    for key in _TIME_KEYS:
        moment = parse_obs_time(h.get(key), h.get("TIME-OBS") if key == "DATE-OBS" else None)
        if moment is None:
            continue
        scale = str(h.get("TIMESYS") or "UTC").strip().upper()
        if scale not in ("UTC", "UT", ""):
            try:
                from astropy.time import Time

                moment = Time(moment.replace(tzinfo=None), scale=scale.lower()).utc.to_datetime(
                    timezone=timezone.utc
                )
            except Exception:
                log.debug("unknown TIMESYS %r; reading %s as UTC", scale, key)
        return moment
    return None


def _wavelength(h: Mapping[str, Any]) -> float | None:
    wave = finite_float(h.get("WAVELNTH"))
    if wave is None:
        return None
    unit = str(h.get("WAVEUNIT") or "angstrom").strip().lower()
    return wave * _WAVE_SCALE.get(unit, 1.0)


def _rotation(h: Mapping[str, Any], cdelt1: float | None, cdelt2: float | None) -> float | None:
    crota = finite_float(h.get("CROTA2"))
    if crota is None:
        crota = finite_float(h.get("CROTA"))
    if crota is not None:
        return crota
    pc11, pc21 = finite_float(h.get("PC1_1")), finite_float(h.get("PC2_1"))
    if pc11 is not None and pc21 is not None:
        # PC = [[cos r, -sin r * cd2/cd1], [sin r * cd1/cd2, cos r]]
        ratio = cdelt2 / cdelt1 if cdelt1 and cdelt2 else 1.0
        return _angle(math.degrees(math.atan2(pc21 * ratio, pc11)))
    cd11, cd21 = finite_float(h.get("CD1_1")), finite_float(h.get("CD2_1"))
    if cd11 is not None and cd21 is not None and (cd11 or cd21):
        # CD = [[cd1 cos r, -cd2 sin r], [cd1 sin r, cd2 cos r]]
        return _angle(math.degrees(math.atan2(cd21, cd11)))
    return None


def _angle(degrees: float) -> float:
    value = round(degrees, 12)
    return 0.0 if value == 0 else value


def _cdelt(h: Mapping[str, Any], axis: int) -> float | None:
    value = finite_float(h.get(f"CDELT{axis}"))
    if value is not None:
        return value
    if axis == 1:
        a, b = finite_float(h.get("CD1_1")), finite_float(h.get("CD2_1"))
    else:
        a, b = finite_float(h.get("CD1_2")), finite_float(h.get("CD2_2"))
    if a is None or b is None:
        return None
    scale = math.hypot(a, b)
    return scale or None


def frame_fields_from_header(header: Any, *, strict: bool = False) -> dict[str, Any]:
    """The :class:`jet_store.FitsFrame` fields of a header (see the module docstring).

    Parameters
    ----------
    header : astropy.io.fits.Header or mapping
        The image HDU's header (for a compressed file, the image header astropy gives).
    strict : bool
        Raise :class:`~sdo_cutout.download_errors.HeaderError` when no observation time
        can be read; by default ``obs_time`` is then None.

    Returns
    -------
    dict
        Exactly the names of :data:`FRAME_FIELDS`, ready for ``dataclasses.replace(frame,
        **fields)``.

    Examples
    --------
    >>> fields = frame_fields_from_header({"DATE-OBS": "not a date", "NAXIS1": "wide", "CDELT1": "0.6"})
    >>> fields["obs_time"], fields["naxis1"], fields["cdelt1"]
    (None, None, 0.6)
    >>> frame_fields_from_header({"WAVELNTH": 304}, strict=True)
    Traceback (most recent call last):
    ...
    sdo_cutout.download_errors.HeaderError: no readable observation time (DATE-OBS/DATE_OBS/T_OBS/DATE-BEG)
    """
    h = header_to_json(header)
    obs_time = _obs_time(h)
    if obs_time is None and strict:
        raise HeaderError(f"no readable observation time ({'/'.join(_TIME_KEYS)})")
    cdelt1, cdelt2 = _cdelt(h, 1), _cdelt(h, 2)
    exptime = finite_float(h.get("EXPTIME"))
    return {
        "obs_time": obs_time,
        "wavelength": _wavelength(h),
        "exptime": exptime if exptime is not None else finite_float(h.get("XPOSURE")),
        "naxis1": _int(h.get("ZNAXIS1", h.get("NAXIS1"))),
        "naxis2": _int(h.get("ZNAXIS2", h.get("NAXIS2"))),
        "ctype1": _text(h.get("CTYPE1")),
        "ctype2": _text(h.get("CTYPE2")),
        "cunit1": _text(h.get("CUNIT1")),
        "cunit2": _text(h.get("CUNIT2")),
        "crpix1": finite_float(h.get("CRPIX1")),
        "crpix2": finite_float(h.get("CRPIX2")),
        "crval1": finite_float(h.get("CRVAL1")),
        "crval2": finite_float(h.get("CRVAL2")),
        "cdelt1": cdelt1,
        "cdelt2": cdelt2,
        "crota2": _rotation(h, cdelt1, cdelt2),
        "dsun_obs": finite_float(h.get("DSUN_OBS")),
        "hgln_obs": finite_float(h.get("HGLN_OBS")),
        "hglt_obs": finite_float(h.get("HGLT_OBS")),
        "rsun_obs": finite_float(h.get("RSUN_OBS")),
        "header": h,
    }
