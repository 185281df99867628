"""FITS headers into :class:`jet_store.FitsFrame` fields (pure: no I/O but :func:`read_header`).

:func:`header_to_json` turns a header into a JSON-safe dict that :class:`jet_store.Store`
accepts: ``COMMENT``/``HISTORY`` (and blank-keyword cards) as lists of strings, astropy's
``Undefined`` and NaN/inf as None (real AIA headers hold ``OSCNMEAN = nan``, which
astropy cannot even parse, and the store refuses NaN in JSON), bytes decoded, NUL
characters dropped; bool, int, float and str kept as they are.

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
import os
import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from sdo_cutout.download_errors import HeaderError

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

COMMENTARY_KEYS = frozenset({"COMMENT", "HISTORY", ""})
"""Keywords kept as lists of strings (the blank keyword too)."""

_TIME_KEYS = ("DATE-OBS", "DATE_OBS", "T_OBS", "DATE-BEG")
_TIME = re.compile(
    r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d*))?)?)?"
    r"\s*(Z|UTC?|[+-]00:?00)?\s*$",
    re.IGNORECASE,
)
_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d*))?)?\s*$")
_NONFINITE = re.compile(r"^[+-]?(nan|inf|infinity)$", re.IGNORECASE)
_WAVE_SCALE = {"angstrom": 1.0, "a": 1.0, "nm": 10.0, "um": 1e4, "micron": 1e4, "m": 1e10, "mm": 1e7}


# -- values -----------------------------------------------------------------------------


def json_value(value: Any) -> Any:
    """One header value as a JSON-safe value (None for what JSON or the store cannot hold).

    Examples
    --------
    >>> json_value(float("nan")), json_value(b"AIA\\x00"), json_value(True), json_value(3)
    (None, 'AIA', True, 3)
    >>> json_value(2 + 1j)
    '(2+1j)'
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("latin-1").replace("\x00", "")
    type_name = type(value).__name__
    if type_name == "Undefined":  # astropy.io.fits.card.Undefined, without importing astropy
        return None
    # numpy scalars and the like
    if type_name.startswith("bool"):
        return bool(value)
    if hasattr(value, "dtype") and hasattr(value, "item"):
        return json_value(value.item())
    return str(value).replace("\x00", "")


def _raw_card_value(card: Any) -> Any:
    """The value of a card astropy cannot parse (``OSCNMEAN = nan``): None for NaN/inf,
    the text otherwise."""
    image = getattr(card, "_image", None)  # the raw 80 characters; .image would "fix" and warn
    if not isinstance(image, str):
        return None
    text = image[10:] if image[8:10] == "= " else image[8:]
    text = text.split("/", 1)[0].strip() if not text.lstrip().startswith("'") else text.strip()
    if text.startswith("'"):
        end = text.rfind("'")
        return text[1:end].rstrip() if end > 0 else text[1:].rstrip()
    if _NONFINITE.match(text):
        return None
    return json_value(text) or None


def header_to_json(header: Any) -> dict[str, Any]:
    """A FITS header as a JSON-safe dict (see the module docstring).

    Parameters
    ----------
    header : astropy.io.fits.Header or mapping
        A header, or a mapping of keyword to value (values are made JSON-safe; lists
        under commentary keys are kept as lists of strings).

    Returns
    -------
    dict
        Keyword -> value, in header order. A keyword repeated (other than commentary
        ones) keeps its first value, as astropy's ``header[key]`` does.

    Examples
    --------
    >>> from astropy.io import fits
    >>> h = fits.Header([("SIMPLE", True), ("BLANK1", fits.card.UNDEFINED), ("COMMENT", "a"),
    ...                  ("COMMENT", "b")])
    >>> header_to_json(h)
    {'SIMPLE': True, 'BLANK1': None, 'COMMENT': ['a', 'b']}
    >>> header_to_json({"X": float("inf"), "HISTORY": "one line"})
    {'X': None, 'HISTORY': ['one line']}
    """
    out: dict[str, Any] = {}
    cards = getattr(header, "cards", None)
    if cards is None:
        if not isinstance(header, Mapping):
            raise TypeError(f"not a FITS header or a mapping: {type(header).__name__}")
        for key, value in header.items():
            name = str(key)
            if name.strip().upper() in COMMENTARY_KEYS:
                name = name.strip().upper()
            if name in COMMENTARY_KEYS:
                items = value if isinstance(value, (list, tuple)) else [value]
                out.setdefault(name, []).extend(str(json_value(v) or "") for v in items)
            elif name not in out:
                out[name] = json_value(value)
        return out
    for card in cards:
        try:
            keyword = str(card.keyword)
        except Exception:
            continue
        try:
            value = card.value
        except Exception:
            value = _raw_card_value(card)
        if keyword in COMMENTARY_KEYS:
            text = str(json_value(value) or "")
            if keyword == "" and not text.strip():
                continue
            out.setdefault(keyword, []).append(text)
        elif keyword not in out:
            out[keyword] = json_value(value)
    return out


# -- typed fields -------------------------------------------------------------------------


def _float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _int(value: Any) -> int | None:
    number = _float(value)
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
    wave = _float(h.get("WAVELNTH"))
    if wave is None:
        return None
    unit = str(h.get("WAVEUNIT") or "angstrom").strip().lower()
    return wave * _WAVE_SCALE.get(unit, 1.0)


def _rotation(h: Mapping[str, Any], cdelt1: float | None, cdelt2: float | None) -> float | None:
    crota = _float(h.get("CROTA2"))
    if crota is None:
        crota = _float(h.get("CROTA"))
    if crota is not None:
        return crota
    pc11, pc21 = _float(h.get("PC1_1")), _float(h.get("PC2_1"))
    if pc11 is not None and pc21 is not None:
        # PC = [[cos r, -sin r * cd2/cd1], [sin r * cd1/cd2, cos r]]
        ratio = cdelt2 / cdelt1 if cdelt1 and cdelt2 else 1.0
        return _angle(math.degrees(math.atan2(pc21 * ratio, pc11)))
    cd11, cd21 = _float(h.get("CD1_1")), _float(h.get("CD2_1"))
    if cd11 is not None and cd21 is not None and (cd11 or cd21):
        # CD = [[cd1 cos r, -cd2 sin r], [cd1 sin r, cd2 cos r]]
        return _angle(math.degrees(math.atan2(cd21, cd11)))
    return None


def _angle(degrees: float) -> float:
    value = round(degrees, 12)
    return 0.0 if value == 0 else value


def _cdelt(h: Mapping[str, Any], axis: int) -> float | None:
    value = _float(h.get(f"CDELT{axis}"))
    if value is not None:
        return value
    if axis == 1:
        a, b = _float(h.get("CD1_1")), _float(h.get("CD2_1"))
    else:
        a, b = _float(h.get("CD1_2")), _float(h.get("CD2_2"))
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
    exptime = _float(h.get("EXPTIME"))
    return {
        "obs_time": obs_time,
        "wavelength": _wavelength(h),
        "exptime": exptime if exptime is not None else _float(h.get("XPOSURE")),
        "naxis1": _int(h.get("ZNAXIS1", h.get("NAXIS1"))),
        "naxis2": _int(h.get("ZNAXIS2", h.get("NAXIS2"))),
        "ctype1": _text(h.get("CTYPE1")),
        "ctype2": _text(h.get("CTYPE2")),
        "cunit1": _text(h.get("CUNIT1")),
        "cunit2": _text(h.get("CUNIT2")),
        "crpix1": _float(h.get("CRPIX1")),
        "crpix2": _float(h.get("CRPIX2")),
        "crval1": _float(h.get("CRVAL1")),
        "crval2": _float(h.get("CRVAL2")),
        "cdelt1": cdelt1,
        "cdelt2": cdelt2,
        "crota2": _rotation(h, cdelt1, cdelt2),
        "dsun_obs": _float(h.get("DSUN_OBS")),
        "hgln_obs": _float(h.get("HGLN_OBS")),
        "hglt_obs": _float(h.get("HGLT_OBS")),
        "rsun_obs": _float(h.get("RSUN_OBS")),
        "header": h,
    }


_BLOCK = 2880
_GZIP_MAGIC = b"\x1f\x8b"


def _card_int(block: bytes, keyword: str) -> int | None:
    """The integer value of ``keyword`` among the 80-byte cards of ``block``."""
    key = keyword.encode("ascii").ljust(8)
    for start in range(0, len(block), 80):
        card = block[start : start + 80]
        if card[:8] == key and card[8:10] == b"= ":
            text = card[10:].split(b"/", 1)[0].strip()
            try:
                return int(text)
            except ValueError:
                return None
    return None


def fits_layout_size(path: str | os.PathLike[str]) -> int:
    """Bytes a plain FITS file must have for every HDU its headers announce (0-padded blocks).

    Reads only the header blocks. A file shorter than this is truncated; astropy would
    read it with warnings and fail later, this says so at once.

    Raises
    ------
    InvalidFits
        When the file does not start like FITS or a header is cut or malformed.

    Examples
    --------
    >>> import io, tempfile, numpy as np
    >>> from astropy.io import fits
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = f"{tmp}/a.fits"
    ...     fits.PrimaryHDU(np.zeros((10, 30), dtype=np.float32)).writeto(path)
    ...     fits_layout_size(path)
    5760
    """
    from sdo_cutout.download_errors import InvalidFits

    offset = 0
    hdus = 0
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        while offset < size:
            f.seek(offset)
            first = f.read(80)
            expected = b"SIMPLE  =" if hdus == 0 else b"XTENSION="
            if not first.startswith(expected):
                if hdus == 0:
                    what = "an HTML page" if first.lstrip()[:1] == b"<" else "FITS"
                    raise InvalidFits(f"{os.fspath(path)} is not FITS (starts {first[:20]!r}; {what})")
                break  # special records after the last HDU: allowed by the standard
            f.seek(offset)
            header = b""
            while True:
                block = f.read(_BLOCK)
                if len(block) < _BLOCK:
                    raise InvalidFits(f"{os.fspath(path)} is truncated inside the header of HDU {hdus}")
                header += block
                if any(block[i : i + 8] == b"END     " for i in range(0, _BLOCK, 80)):
                    break
                if len(header) > 1000 * _BLOCK:
                    raise InvalidFits(f"{os.fspath(path)}: HDU {hdus} has no END card")
            bitpix, naxis = _card_int(header, "BITPIX"), _card_int(header, "NAXIS")
            if bitpix not in (8, 16, 32, 64, -32, -64) or naxis is None or not 0 <= naxis <= 999:
                raise InvalidFits(f"{os.fspath(path)}: HDU {hdus} has no valid BITPIX/NAXIS")
            axes = [_card_int(header, f"NAXIS{i}") for i in range(1, naxis + 1)]
            if any(a is None or a < 0 for a in axes):
                raise InvalidFits(f"{os.fspath(path)}: HDU {hdus} has a missing or negative NAXISn")
            groups = naxis > 0 and axes[0] == 0
            count = 0
            if naxis > 0:
                count = math.prod(int(a or 0) for a in (axes[1:] if groups else axes))
            pcount = _card_int(header, "PCOUNT") or 0
            gcount = _card_int(header, "GCOUNT") or 1
            data = abs(bitpix) // 8 * gcount * (pcount + count) if (naxis or pcount) else 0
            offset += len(header) + -(-data // _BLOCK) * _BLOCK
            hdus += 1
    if hdus == 0:
        raise InvalidFits(f"{os.fspath(path)} is empty")
    return offset


def check_fits(path: str | os.PathLike[str]) -> Any:
    """Check that a file is a complete, readable FITS image; return its image header.

    The file must start as FITS, be as long as its headers say (:func:`fits_layout_size`,
    for files that are not gzip-compressed), open with astropy, hold an image HDU whose
    data read back with the shape its header announces, and pass its ``CHECKSUM`` and
    ``DATASUM`` where the file has them. A gzip-compressed file (``.fts.gz``) is checked
    by decompressing it.

    Returns
    -------
    astropy.io.fits.Header
        A copy of the image HDU's header.

    Raises
    ------
    InvalidFits
        With the reason.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from astropy.io import fits
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = f"{tmp}/a.fits"
    ...     fits.PrimaryHDU(np.ones((4, 6), dtype=np.int16)).writeto(path, checksum=True)
    ...     check_fits(path)["NAXIS1"]
    6
    """
    from astropy.io import fits

    from sdo_cutout.download_errors import InvalidFits

    where = os.fspath(path)
    try:
        with open(path, "rb") as f:
            magic = f.read(2)
        if magic != _GZIP_MAGIC:
            need, have = fits_layout_size(path), os.path.getsize(path)
            if have < need:
                raise InvalidFits(f"{where} is truncated: {have} bytes, its headers announce {need}")
        with fits.open(path, memmap=False, checksum=False) as hdul:
            image = None
            for index, hdu in enumerate(hdul):
                if "CHECKSUM" in hdu.header and hdu.verify_checksum() == 0:
                    raise InvalidFits(f"{where}: HDU {index} fails its CHECKSUM")
                if "DATASUM" in hdu.header and hdu.verify_datasum() == 0:
                    raise InvalidFits(f"{where}: HDU {index} fails its DATASUM")
                if image is None and hdu.is_image and int(hdu.header.get("NAXIS", 0) or 0) > 0:
                    image = hdu
            if image is None:
                raise InvalidFits(f"{where} holds no image HDU with data")
            naxis = int(image.header["NAXIS"])
            shape = tuple(int(image.header[f"NAXIS{i}"]) for i in range(naxis, 0, -1))
            data = image.data
            if data is None or tuple(data.shape) != shape:
                got = None if data is None else tuple(data.shape)
                raise InvalidFits(f"{where}: image data shape {got} is not the announced {shape}")
            return image.header.copy()
    except InvalidFits:
        raise
    except (OSError, EOFError, ValueError, IndexError, TypeError, KeyError) as err:
        raise InvalidFits(f"{where} is not a readable FITS file ({type(err).__name__}: {err})") from None


def read_header(path: str | os.PathLike[str]) -> Any:
    """The header of the first image HDU with data in a FITS file (an astropy ``Header``).

    For a tile-compressed file (JSOC's Rice-compressed exports) that is the image header
    of the compressed HDU; for a plain file, the primary header. Only headers are read.

    Raises
    ------
    InvalidFits
        When the file is not FITS or holds no image.
    """
    from astropy.io import fits

    from sdo_cutout.download_errors import InvalidFits

    try:
        with fits.open(path, memmap=False, lazy_load_hdus=True) as hdul:
            for hdu in hdul:
                if getattr(hdu, "is_image", False) and int(hdu.header.get("NAXIS", 0) or 0) > 0:
                    return hdu.header.copy()
    except (OSError, ValueError, IndexError, TypeError) as err:
        raise InvalidFits(f"{path} is not a readable FITS file ({err})") from None
    raise InvalidFits(f"{path} holds no image HDU with data")
