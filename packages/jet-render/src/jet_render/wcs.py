"""A frame's celestial WCS from any source, and array pixels <-> arcsec through it.

WCS sources (:func:`frame_wcs` accepts them all, once per call; pass its
:class:`FrameWcs` to reuse it): a ``jet_store.FitsFrame``, an astropy ``WCS``, an
astropy FITS ``Header``, or a mapping of FITS keys (``CRPIX1``...) or of Zooniverse
subject metadata (``#crpix1``..., values may be strings, ``#crota2`` and ``#cunit1``
honoured). Rotated frames (``CROTA2`` or ``PCi_j``) are handled by the WCS.

Examples
--------
>>> from jet_render.wcs import frame_wcs
>>> fw = frame_wcs({"CRPIX1": 5.5, "CRPIX2": 5.5, "CRVAL1": 0, "CRVAL2": 0, "CDELT1": 2, "CDELT2": 2})
>>> [round(float(v), 6) + 0.0 for v in fw.array_to_world(5.5, 4.5)]
[2.0, 0.0]
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from jet_render.geometry import FloatArray, WcsError

__all__ = ["FrameWcs", "frame_wcs"]

_ARCSEC_PER_DEG = 3600.0

# FITS keys taken from a mapping (subject metadata or a header dict) to build a WCS.
_FLOAT_KEYS = (
    "CRPIX1", "CRPIX2", "CRVAL1", "CRVAL2", "CDELT1", "CDELT2", "CROTA2",
    "PC1_1", "PC1_2", "PC2_1", "PC2_2", "CD1_1", "CD1_2", "CD2_1", "CD2_2",
    "LONPOLE", "LATPOLE", "DSUN_OBS", "HGLN_OBS", "HGLT_OBS", "CRLN_OBS", "CRLT_OBS",
    "RSUN_REF", "MJD-OBS",
)  # fmt: skip
_INT_KEYS = ("NAXIS1", "NAXIS2")
_TEXT_KEYS = ("CTYPE1", "CTYPE2", "CUNIT1", "CUNIT2", "DATE-OBS", "DATE-AVG", "RADESYS")
_DEFAULTS = {"CTYPE1": "HPLN-TAN", "CTYPE2": "HPLT-TAN", "CUNIT1": "arcsec", "CUNIT2": "arcsec"}
_REQUIRED = ("CRPIX1", "CRPIX2", "CRVAL1", "CRVAL2")


@dataclass(frozen=True, slots=True)
class FrameWcs:
    """A frame's celestial WCS, ready for repeated coordinate maps.

    Build it with :func:`frame_wcs`; every function here accepts it wherever a WCS
    source is asked for, so a caller mapping many marks of one frame resolves the WCS
    once.

    Attributes
    ----------
    wcs
        The celestial astropy ``WCS`` (longitude axis first).
    pixel_shape
        ``(naxis1, naxis2)`` if the source says so, else ``None``.
    lon_to_arcsec, lat_to_arcsec
        Factors from the WCS's world units to arcsec.
    """

    wcs: Any
    pixel_shape: tuple[int, int] | None
    lon_to_arcsec: float
    lat_to_arcsec: float

    def celestial_frame(self) -> Any:
        """The coordinate frame of the WCS (a sunpy ``Helioprojective`` with ``obstime``
        and ``observer`` when the source had ``DATE-OBS`` and observer keys).

        Raises
        ------
        WcsError
            If astropy/sunpy cannot name a frame for the WCS.
        """
        import sunpy.coordinates  # noqa: F401  (registers the solar WCS <-> frame mappings)
        from astropy.wcs.utils import wcs_to_celestial_frame

        try:
            return wcs_to_celestial_frame(self.wcs)
        except ValueError as exc:
            raise WcsError(
                f"no celestial frame for WCS with CTYPE {list(self.wcs.wcs.ctype)}: {exc}"
            ) from exc

    def array_to_world(self, px: FloatArray, py: FloatArray) -> tuple[FloatArray, FloatArray]:
        """0-based array pixel centres -> helioprojective ``(Tx, Ty)`` in arcsec.

        ``Tx`` is wrapped to ``[-648000, 648000)``.

        Examples
        --------
        >>> from jet_render.wcs import frame_wcs
        >>> fw = frame_wcs({"CRPIX1": 1, "CRPIX2": 1, "CRVAL1": 0, "CRVAL2": 0, "CDELT1": 1, "CDELT2": 1})
        >>> [round(float(v), 6) + 0.0 for v in fw.array_to_world(1.0, 0.0)]
        [1.0, 0.0]
        """
        lon, lat = self.wcs.all_pix2world(px, py, 0)
        tx = np.asarray(lon, dtype=np.float64) * self.lon_to_arcsec
        half_turn = 180.0 * _ARCSEC_PER_DEG
        tx = np.mod(tx + half_turn, 2.0 * half_turn) - half_turn
        return tx, np.asarray(lat, dtype=np.float64) * self.lat_to_arcsec

    def world_to_array(self, tx: FloatArray, ty: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Helioprojective ``(Tx, Ty)`` in arcsec -> 0-based array pixels: the inverse of
        :meth:`array_to_world`.

        Examples
        --------
        >>> from jet_render.wcs import frame_wcs
        >>> fw = frame_wcs({"CRPIX1": 1, "CRPIX2": 1, "CRVAL1": 0, "CRVAL2": 0, "CDELT1": 1, "CDELT2": 1})
        >>> [round(float(v), 9) + 0.0 for v in fw.world_to_array(1.0, 0.0)]
        [1.0, 0.0]
        """
        px, py = self.wcs.all_world2pix(tx / self.lon_to_arcsec, ty / self.lat_to_arcsec, 0)
        return np.asarray(px, dtype=np.float64), np.asarray(py, dtype=np.float64)


def _normalise_key(key: str) -> str:
    return key.lstrip("#!").upper()


def _header_from_mapping(source: Mapping[Any, Any]) -> Any:
    from astropy.io import fits

    values: dict[str, Any] = {}
    for raw_key, raw in source.items():
        if not isinstance(raw_key, str):
            continue
        key = _normalise_key(raw_key)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        try:
            if key in _FLOAT_KEYS:
                values[key] = float(raw)
            elif key in _INT_KEYS:
                number = float(raw)
                if number != int(number):
                    raise ValueError("not a whole number")
                values[key] = int(number)
            elif key in _TEXT_KEYS:
                values[key] = str(raw).strip()
        except (TypeError, ValueError):
            raise WcsError(f"WCS key {raw_key!r} has value {raw!r}, which is not a number") from None
        if key in values and isinstance(values[key], float) and not math.isfinite(values[key]):
            raise WcsError(f"WCS key {raw_key!r} is not finite ({raw!r})")
    missing = [key for key in _REQUIRED if key not in values]
    if missing or not ("CDELT1" in values or "CD1_1" in values):
        need = [*missing, *([] if ("CDELT1" in values or "CD1_1" in values) else ["CDELT1/CDELT2"])]
        raise WcsError(
            f"cannot build a WCS: missing {', '.join(need)} (subject metadata needs '#crpix1' etc.)"
        )
    for key, value in _DEFAULTS.items():
        values.setdefault(key, value)
    header = fits.Header()
    header["NAXIS"] = 2
    for key in ("NAXIS1", "NAXIS2"):
        if key in values:
            header[key] = values.pop(key)
    for key, value in values.items():
        header[key] = value
    return header


def frame_wcs(source: Any) -> FrameWcs:
    """Resolve a WCS source into a :class:`FrameWcs`.

    Parameters
    ----------
    source
        A :class:`FrameWcs` (returned as is); a ``jet_store.FitsFrame`` (its header, or
        its WCS fields when the header is empty); an astropy ``WCS`` (its celestial
        part); an astropy ``fits.Header``; or a mapping of FITS keys, with or without a
        ``#``/``!`` prefix and in any case, values numbers or strings (Zooniverse subject
        metadata). From a mapping only the WCS keys are read (``NAXISn CTYPEn CUNITn
        CRPIXn CRVALn CDELTn CROTA2 PCi_j CDi_j DATE-OBS`` and the observer keys
        ``DSUN_OBS HGLN_OBS HGLT_OBS ...``); ``CTYPE`` defaults to ``HPLN-TAN``/``HPLT-TAN``
        and ``CUNIT`` to arcsec.

    Raises
    ------
    WcsError
        If the source has no usable celestial WCS.

    Examples
    --------
    >>> from jet_render.wcs import frame_wcs
    >>> fw = frame_wcs({"#crpix1": "10.5", "#crpix2": "8.5", "#crval1": "0", "#crval2": "0",
    ...                 "#cdelt1": "0.6", "#cdelt2": "0.6", "#naxis1": "20", "#naxis2": "16"})
    >>> fw.pixel_shape, list(fw.wcs.wcs.ctype)
    ((20, 16), ['HPLN-TAN', 'HPLT-TAN'])
    >>> frame_wcs({"#crpix1": "1"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    jet_render.geometry.WcsError: cannot build a WCS: missing CRPIX2, CRVAL1, CRVAL2, CDELT1/CDELT2 ...
    """
    if isinstance(source, FrameWcs):
        return source
    from astropy.io import fits
    from astropy.wcs import WCS

    if isinstance(source, WCS):
        wcs = source
    elif isinstance(source, fits.Header):
        wcs = _wcs_from_header(source)
    elif isinstance(source, Mapping):
        wcs = _wcs_from_header(_header_from_mapping(source))
    elif hasattr(source, "header") and hasattr(source, "crpix1"):  # a jet_store.FitsFrame
        # its WCS fields, overridden by the full header when it has the same keys
        keys = (*_FLOAT_KEYS, *_INT_KEYS, *_TEXT_KEYS)
        values = {key: getattr(source, key.lower().replace("-", "_"), None) for key in keys}
        merged = {key: value for key, value in values.items() if value is not None}
        merged.update({_normalise_key(str(k)): v for k, v in (source.header or {}).items()})
        wcs = _wcs_from_header(_header_from_mapping(merged))
    else:
        raise WcsError(
            f"cannot get a WCS from {type(source).__name__}; pass a FitsFrame, an astropy WCS or Header, "
            "or a mapping of WCS keys"
        )
    try:
        celestial = wcs.celestial if wcs.naxis != 2 or not wcs.has_celestial else wcs
    except Exception as exc:  # astropy raises various errors on broken WCS objects
        raise WcsError(f"unusable WCS: {exc}") from exc
    if celestial.naxis != 2 or not celestial.has_celestial:
        raise WcsError(f"the WCS has no celestial axes (CTYPE {list(wcs.wcs.ctype)})")
    if celestial.wcs.lng != 0 or celestial.wcs.lat != 1:
        raise WcsError(f"expected the longitude axis first, got CTYPE {list(celestial.wcs.ctype)}")
    celestial.wcs.set()
    factors = []
    for unit in celestial.wcs.cunit:
        try:
            factors.append(float(unit.to("arcsec")))
        except Exception as exc:
            raise WcsError(f"WCS world unit {unit!s} is not an angle") from exc
    shape = celestial.pixel_shape
    pixel_shape = (int(shape[0]), int(shape[1])) if shape is not None else None
    return FrameWcs(celestial, pixel_shape, factors[0], factors[1])


def _wcs_from_header(header: Any) -> Any:
    from astropy.wcs import WCS, FITSFixedWarning

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FITSFixedWarning)  # e.g. MJD-OBS derived from DATE-OBS
            return WCS(header)
    except Exception as exc:  # astropy raises ValueError, KeyError, wcslib's own errors...
        raise WcsError(f"cannot build a WCS from the header: {exc}") from exc
