"""Image pixels <-> helioprojective arcsec for every rendered image (RENDERING.md).

A volunteer's mark is in **image pixels** (x right, y down, origin at the image's
top-left corner, as Zooniverse reports it). :class:`~jet_render.geometry.ImageGeometry`
turns it into a 0-based array pixel centre of the FITS frame, and the frame's WCS turns
that into helioprojective ``(Tx, Ty)`` in arcsec; :func:`world_to_pixel` is the exact
inverse (a round trip is good to about 1e-9 pixel).

Nothing is guessed from the values: the caller says whether marks are absolute image
pixels (``units="pixels"``) or fractions of the image (``units="fraction"``, x right and
y down, ``0..1``), and gives ``scale`` when marks were made on an image whose natural
size differs from the subject's nominal ``#width`` x ``#height``.

WCS sources (:func:`frame_wcs` accepts them all, once per call; pass its
:class:`FrameWcs` to reuse it): a ``jet_store.FitsFrame``, an astropy ``WCS``, an
astropy FITS ``Header``, or a mapping of FITS keys (``CRPIX1``...) or of Zooniverse
subject metadata (``#crpix1``..., values may be strings, ``#crota2`` and ``#cunit1``
honoured). Rotated frames (``CROTA2`` or ``PCi_j``) are handled by the WCS.

Boxes: :func:`box_to_world` maps a Zooniverse ``rotateRectangle`` corner by corner
(a rectangle in the image is a quadrilateral on the Sun) and summarises it as centre,
side lengths and axis angle; :func:`world_box_to_image` is its inverse.

Angles on the Sun are in degrees **counter-clockwise from solar west** (``+Tx``,
towards ``+Ty``), in ``[0, 360)``, the convention of ``jet_sandbox.aia``'s jet
``direction``.

Examples
--------
>>> from jet_render.coords import ImageGeometry, pixel_to_world, world_to_pixel
>>> geometry = ImageGeometry(width=1920, height=1440, im_ll_x=0.2, im_ll_y=0.1, im_ur_x=0.8,
...                          im_ur_y=0.9, naxis1=600, naxis2=500)
>>> wcs = {"#crpix1": "300.5", "#crpix2": "250.5", "#crval1": "-300", "#crval2": "200",
...        "#cdelt1": "0.6", "#cdelt2": "0.6", "#cunit1": "arcsec", "#cunit2": "arcsec",
...        "#crota2": "0", "#naxis1": "600", "#naxis2": "500"}
>>> tx, ty = pixel_to_world([960.0, 384.0], [720.0, 1296.0], geometry, wcs)
>>> tx.round(3).tolist(), ty.round(3).tolist()   # data-area centre, lower-left data corner
([-300.0, -480.0], [200.0, 50.0])
>>> x, y = world_to_pixel(tx, ty, geometry, wcs)
>>> x.round(9).tolist(), y.round(9).tolist()
([960.0, 384.0], [720.0, 1296.0])
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, overload

import numpy as np
import numpy.typing as npt

from jet_render.geometry import (
    CoordinateError,
    CoordinateInputError,
    FloatArray,
    GeometryError,
    ImageGeometry,
    WcsError,
    rectangle_corners,
)

__all__ = [
    "CoordinateError",
    "CoordinateInputError",
    "GeometryError",
    "WcsError",
    "ImageBox",
    "ImageGeometry",
    "FrameWcs",
    "Units",
    "WorldBox",
    "box_to_world",
    "display_scale",
    "frame_wcs",
    "pixel_to_world",
    "rectangle_corners",
    "world_box_to_image",
    "world_to_pixel",
]

Units = Literal["pixels", "fraction"]
"""How marks are given: absolute image pixels, or fractions ``0..1`` of the image (y down)."""

_UNITS = ("pixels", "fraction")
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


# --------------------------------------------------------------------------- WCS sources


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
    >>> from jet_render.coords import frame_wcs
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


# --------------------------------------------------------------------------- inputs


def _finite(name: str, values: FloatArray) -> FloatArray:
    bad = ~np.isfinite(values)
    if bad.any():
        where = np.argwhere(bad)
        first = tuple(int(i) for i in where[0]) if values.ndim else ()
        raise CoordinateInputError(
            f"{name} has {int(bad.sum())} non-finite value(s) (first at index {first})"
        )
    return values


def _pair(name_x: str, x: npt.ArrayLike, name_y: str, y: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    try:
        xa = np.asarray(x, dtype=np.float64)
        ya = np.asarray(y, dtype=np.float64)
        xb, yb = np.broadcast_arrays(xa, ya)
    except (TypeError, ValueError) as exc:
        raise CoordinateInputError(
            f"{name_x}/{name_y} must be numbers or arrays that broadcast: {exc}"
        ) from exc
    return _finite(name_x, np.array(xb)), _finite(name_y, np.array(yb))


def _check_units(units: str) -> None:
    if units not in _UNITS:
        raise CoordinateInputError(f"units must be 'pixels' or 'fraction', not {units!r}")


def _scale_pair(scale: float | tuple[float, float] | None) -> tuple[float, float]:
    if scale is None:
        return 1.0, 1.0
    given: Any = scale
    pair: tuple[Any, ...] = (given, given) if np.ndim(given) == 0 else tuple(given)
    if len(pair) != 2:
        raise CoordinateInputError(f"scale must be a number or (sx, sy), not {scale!r}")
    sx, sy = float(pair[0]), float(pair[1])
    if not (math.isfinite(sx) and math.isfinite(sy) and sx > 0 and sy > 0):
        raise CoordinateInputError(f"scale must be positive and finite, not {scale!r}")
    return sx, sy


def _to_nominal(
    x: FloatArray, y: FloatArray, geometry: ImageGeometry, units: str, scale: Any
) -> tuple[FloatArray, FloatArray]:
    _check_units(units)
    if units == "fraction":
        if scale is not None:
            raise CoordinateInputError("scale applies to units='pixels' only; fractions need no rescaling")
        return x * geometry.width, y * geometry.height
    sx, sy = _scale_pair(scale)
    return (x * sx, y * sy) if (sx, sy) != (1.0, 1.0) else (x, y)


def _from_nominal(
    x: FloatArray, y: FloatArray, geometry: ImageGeometry, units: str, scale: Any
) -> tuple[FloatArray, FloatArray]:
    _check_units(units)
    if units == "fraction":
        if scale is not None:
            raise CoordinateInputError("scale applies to units='pixels' only; fractions need no rescaling")
        return x / geometry.width, y / geometry.height
    sx, sy = _scale_pair(scale)
    return (x / sx, y / sy) if (sx, sy) != (1.0, 1.0) else (x, y)


def _check_shape(geometry: ImageGeometry, fw: FrameWcs) -> None:
    if not isinstance(geometry, ImageGeometry):
        raise CoordinateInputError(
            f"geometry must be an ImageGeometry (use ImageGeometry.from_rendering / from_metadata), "
            f"not {type(geometry).__name__}"
        )
    if fw.pixel_shape is not None and fw.pixel_shape != (geometry.naxis1, geometry.naxis2):
        raise GeometryError(
            f"the geometry says the array is {geometry.naxis1}x{geometry.naxis2} pixels but the WCS says "
            f"{fw.pixel_shape[0]}x{fw.pixel_shape[1]}; they must describe the same frame"
        )


def display_scale(
    geometry: ImageGeometry, natural_width: float | None, natural_height: float | None
) -> tuple[float, float]:
    """The ``scale`` for marks made on an image of another natural size.

    Zooniverse reports marks in the pixel frame of the image file the browser loaded,
    whose size is ``naturalWidth`` x ``naturalHeight`` in the classification's
    ``metadata.subject_dimensions`` (``clientWidth``/``clientHeight``, the on-screen
    size, do **not** matter: the front end already undoes the display zoom). When that
    file is not the subject's nominal ``#width`` x ``#height`` (e.g. resized on upload),
    marks must be multiplied by ``width / naturalWidth`` and ``height / naturalHeight``,
    which this returns (``(1.0, 1.0)`` when the dimensions are unknown).

    Examples
    --------
    >>> from jet_render.coords import ImageGeometry, display_scale
    >>> g = ImageGeometry(width=1920, height=1440, im_ll_x=0.2, im_ll_y=0.1, im_ur_x=0.8,
    ...                   im_ur_y=0.9, naxis1=600, naxis2=500)
    >>> display_scale(g, 960, 720), display_scale(g, None, None)
    ((2.0, 2.0), (1.0, 1.0))
    """
    if natural_width is None or natural_height is None:
        return 1.0, 1.0
    width, height = float(natural_width), float(natural_height)
    if not (math.isfinite(width) and math.isfinite(height) and width > 0 and height > 0):
        raise CoordinateInputError(
            f"natural size must be positive, not {natural_width!r} x {natural_height!r}"
        )
    return geometry.width / width, geometry.height / height


# --------------------------------------------------------------------------- points


def _array_to_world(fw: FrameWcs, px: FloatArray, py: FloatArray) -> tuple[FloatArray, FloatArray]:
    lon, lat = fw.wcs.all_pix2world(px, py, 0)
    tx = np.asarray(lon, dtype=np.float64) * fw.lon_to_arcsec
    half_turn = 180.0 * _ARCSEC_PER_DEG
    tx = np.mod(tx + half_turn, 2.0 * half_turn) - half_turn
    return tx, np.asarray(lat, dtype=np.float64) * fw.lat_to_arcsec


def _world_to_array(fw: FrameWcs, tx: FloatArray, ty: FloatArray) -> tuple[FloatArray, FloatArray]:
    px, py = fw.wcs.all_world2pix(tx / fw.lon_to_arcsec, ty / fw.lat_to_arcsec, 0)
    return np.asarray(px, dtype=np.float64), np.asarray(py, dtype=np.float64)


@overload
def pixel_to_world(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    geometry: ImageGeometry,
    wcs: Any,
    *,
    units: Units = ...,
    scale: float | tuple[float, float] | None = ...,
    as_skycoord: Literal[False] = ...,
) -> tuple[FloatArray, FloatArray]: ...


@overload
def pixel_to_world(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    geometry: ImageGeometry,
    wcs: Any,
    *,
    units: Units = ...,
    scale: float | tuple[float, float] | None = ...,
    as_skycoord: Literal[True],
) -> Any: ...


def pixel_to_world(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    geometry: ImageGeometry,
    wcs: Any,
    *,
    units: Units = "pixels",
    scale: float | tuple[float, float] | None = None,
    as_skycoord: bool = False,
) -> Any:
    """Image positions -> helioprojective ``(Tx, Ty)`` in arcsec.

    Parameters
    ----------
    x, y
        Positions in the image, x right and y **down** from the top-left corner
        (scalars or arrays that broadcast); must be finite.
    geometry
        The image's :class:`ImageGeometry`.
    wcs
        The frame's WCS source (see :func:`frame_wcs`).
    units
        ``"pixels"``: image pixels of the nominal ``width`` x ``height`` image (a pixel's
        centre is at ``i + 0.5``); ``"fraction"``: fractions ``0..1`` of the image
        (``x / width``, ``y / height``, y down). Never guessed from the values.
    scale
        Only with ``units="pixels"``: factor (or ``(sx, sy)``) from the marks' pixel
        frame to the nominal one, see :func:`display_scale`.
    as_skycoord
        Return an astropy ``SkyCoord`` in the WCS's frame (sunpy ``Helioprojective``
        with obstime and observer when the source has them) instead of two arrays.

    Returns
    -------
    (tx, ty) : tuple of ndarray
        Arcsec, with the broadcast shape of ``x`` and ``y`` (0-d for scalars);
        ``tx`` is wrapped to ``[-648000, 648000)``.

    Raises
    ------
    CoordinateInputError
        Non-finite coordinates, unknown ``units``, a bad ``scale``.
    GeometryError
        The geometry's ``naxis1``/``naxis2`` disagree with the WCS's.
    WcsError
        The source has no usable WCS.

    Examples
    --------
    >>> from jet_render.coords import ImageGeometry, pixel_to_world
    >>> g = ImageGeometry(width=100, height=100, im_ll_x=0.0, im_ll_y=0.0, im_ur_x=1.0,
    ...                   im_ur_y=1.0, naxis1=10, naxis2=10)
    >>> header = {"CRPIX1": 5.5, "CRPIX2": 5.5, "CRVAL1": 0, "CRVAL2": 0, "CDELT1": 2, "CDELT2": 2}
    >>> [float(v) for v in pixel_to_world(0.5, 0.5, g, header, units="fraction")]
    [0.0, 0.0]
    >>> pixel_to_world(5, 95, g, header, units="percent")
    Traceback (most recent call last):
    ...
    jet_render.geometry.CoordinateInputError: units must be 'pixels' or 'fraction', not 'percent'
    """
    fw = frame_wcs(wcs)
    _check_shape(geometry, fw)
    xa, ya = _pair("x", x, "y", y)
    xn, yn = _to_nominal(xa, ya, geometry, units, scale)
    px, py = geometry.image_to_array(xn, yn)
    tx, ty = _array_to_world(fw, px, py)
    if as_skycoord:
        import astropy.units as u
        from astropy.coordinates import SkyCoord

        frame = fw.celestial_frame()
        return SkyCoord(tx * u.arcsec, ty * u.arcsec, frame=frame)
    return tx, ty


def _world_inputs(tx: Any, ty: Any, fw: FrameWcs) -> tuple[FloatArray, FloatArray]:
    from astropy.coordinates import BaseCoordinateFrame, SkyCoord

    if isinstance(tx, (SkyCoord, BaseCoordinateFrame)):
        if ty is not None:
            raise CoordinateInputError("pass a SkyCoord alone (ty=None), not with a second coordinate")
        return _skycoord_to_arcsec(tx, fw)
    if ty is None:
        raise CoordinateInputError("ty is missing (only a SkyCoord may be passed alone)")
    return _pair("tx", _arcsec(tx, "tx"), "ty", _arcsec(ty, "ty"))


def _arcsec(value: Any, name: str) -> Any:
    import astropy.units as u

    if isinstance(value, u.Quantity):
        try:
            return value.to_value(u.arcsec)
        except u.UnitConversionError as exc:
            raise CoordinateInputError(f"{name} must be an angle, not in {value.unit}") from exc
    return value


def _skycoord_to_arcsec(coord: Any, fw: FrameWcs) -> tuple[FloatArray, FloatArray]:
    import astropy.units as u
    from sunpy.coordinates import Helioprojective

    frame = coord.frame if hasattr(coord, "frame") else coord
    target = fw.celestial_frame()
    convertible = getattr(target, "observer", None) is not None and (
        not isinstance(frame, Helioprojective) or getattr(frame, "observer", None) is not None
    )
    if convertible:
        try:
            converted = coord.transform_to(target)
        except Exception as exc:
            raise CoordinateInputError(
                f"cannot transform the coordinate into the frame's {target}: {exc}"
            ) from exc
        lon, lat = converted.spherical.lon, converted.spherical.lat
    elif isinstance(frame, Helioprojective):
        lon, lat = frame.Tx, frame.Ty  # no observer on one side: take Tx/Ty as given
    else:
        raise CoordinateInputError(
            f"a {type(frame).__name__} coordinate needs a WCS with DATE-OBS and observer keys "
            "(DSUN_OBS, HGLN_OBS, HGLT_OBS) to be mapped into the frame"
        )
    tx = lon.wrap_at(180 * u.deg).to_value(u.arcsec)
    return _pair("tx", tx, "ty", lat.to_value(u.arcsec))


def world_to_pixel(
    tx: Any,
    ty: Any,
    geometry: ImageGeometry,
    wcs: Any,
    *,
    units: Units = "pixels",
    scale: float | tuple[float, float] | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Helioprojective ``(Tx, Ty)`` -> image positions (x right, y down): the exact inverse
    of :func:`pixel_to_world`.

    Parameters
    ----------
    tx, ty
        Arcsec as numbers/arrays or angle ``Quantity``; or ``tx`` a ``SkyCoord`` and
        ``ty=None``. A coordinate with an observer (or in another solar frame) is first
        transformed into the frame's helioprojective frame when the WCS source has
        ``DATE-OBS`` and observer keys; a helioprojective coordinate without observer
        (or a source without them) is taken as given.
    geometry, wcs, units, scale
        As for :func:`pixel_to_world`; ``units``/``scale`` say in which frame the
        image positions are returned.

    Returns
    -------
    (x, y) : tuple of ndarray
        Image positions with the broadcast shape of the inputs; positions outside the
        data area are returned too (outside ``im_ll..im_ur``).

    Examples
    --------
    >>> import astropy.units as u
    >>> from jet_render.coords import ImageGeometry, world_to_pixel
    >>> g = ImageGeometry(width=100, height=100, im_ll_x=0.0, im_ll_y=0.0, im_ur_x=1.0,
    ...                   im_ur_y=1.0, naxis1=10, naxis2=10)
    >>> header = {"CRPIX1": 5.5, "CRPIX2": 5.5, "CRVAL1": 0, "CRVAL2": 0, "CDELT1": 2, "CDELT2": 2}
    >>> [round(float(v), 9) for v in world_to_pixel(2 * u.arcsec, 0 * u.arcsec, g, header)]
    [60.0, 50.0]
    """
    fw = frame_wcs(wcs)
    _check_shape(geometry, fw)
    txa, tya = _world_inputs(tx, ty, fw)
    px, py = _world_to_array(fw, txa, tya)
    xn, yn = geometry.array_to_image(px, py)
    return _from_nominal(xn, yn, geometry, units, scale)


# --------------------------------------------------------------------------- boxes


@dataclass(frozen=True, slots=True)
class WorldBox:
    """An image rectangle mapped onto the Sun (helioprojective arcsec).

    Shapes are those of the boxes (0-d for one box); corner arrays have a trailing
    axis of 4.

    Attributes
    ----------
    corners_tx, corners_ty
        The four corners: images of the unrotated box's top-left, top-right,
        bottom-right, bottom-left corners (:func:`~jet_render.geometry.rectangle_corners`).
    center_tx, center_ty
        The image of the box's centre.
    width, height
        Side lengths in arcsec: mean length of the two sides that were the box's
        ``width`` sides (top and bottom) and ``height`` sides (left and right).
    angle
        Direction of the box's width axis (from the middle of its left side to the
        middle of its right side), degrees counter-clockwise from solar west, ``[0, 360)``.
    height_angle
        Direction of its height axis, from the middle of the bottom side to the middle
        of the top side (the image's "up" turned with the box), same convention; about
        ``angle + 90`` for an unmirrored WCS.
    """

    corners_tx: FloatArray
    corners_ty: FloatArray
    center_tx: FloatArray
    center_ty: FloatArray
    width: FloatArray
    height: FloatArray
    angle: FloatArray
    height_angle: FloatArray


@dataclass(frozen=True, slots=True)
class ImageBox:
    """A Zooniverse ``rotateRectangle`` in image positions (``x, y`` the unrotated top-left
    corner; ``angle`` degrees, clockwise on screen, in ``[-180, 180)``)."""

    x: FloatArray
    y: FloatArray
    width: FloatArray
    height: FloatArray
    angle: FloatArray


def _direction(dx: FloatArray, dy: FloatArray) -> FloatArray:
    angle = np.rad2deg(np.arctan2(dy, dx))
    return np.asarray(np.mod(angle, 360.0), dtype=np.float64)


def _summarise(
    corners_tx: FloatArray, corners_ty: FloatArray, center_tx: FloatArray, center_ty: FloatArray
) -> WorldBox:
    def side(i: int, j: int) -> FloatArray:
        return np.asarray(
            np.hypot(corners_tx[..., j] - corners_tx[..., i], corners_ty[..., j] - corners_ty[..., i]),
            dtype=np.float64,
        )

    width = (side(0, 1) + side(3, 2)) / 2.0
    height = (side(1, 2) + side(0, 3)) / 2.0
    mid = {
        name: (
            (corners_tx[..., i] + corners_tx[..., j]) / 2.0,
            (corners_ty[..., i] + corners_ty[..., j]) / 2.0,
        )
        for name, (i, j) in {"left": (0, 3), "right": (1, 2), "top": (0, 1), "bottom": (3, 2)}.items()
    }
    angle = _direction(mid["right"][0] - mid["left"][0], mid["right"][1] - mid["left"][1])
    height_angle = _direction(mid["top"][0] - mid["bottom"][0], mid["top"][1] - mid["bottom"][1])
    return WorldBox(corners_tx, corners_ty, center_tx, center_ty, width, height, angle, height_angle)


def box_to_world(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    width: npt.ArrayLike,
    height: npt.ArrayLike,
    angle: npt.ArrayLike,
    geometry: ImageGeometry,
    wcs: Any,
    *,
    units: Units = "pixels",
    scale: float | tuple[float, float] | None = None,
) -> WorldBox:
    """Zooniverse (rotated) rectangles -> quadrilaterals on the Sun, corner by corner.

    Parameters
    ----------
    x, y, width, height, angle
        The marks' parameters (``angle = 0`` for a plain ``rectangle``); vectorised.
        With ``units="fraction"`` the positions and sides are fractions of the image
        width/height; with ``scale`` all are rescaled before the box is built.
    geometry, wcs, units, scale
        As for :func:`pixel_to_world`. ``angle`` is always in the pixel frame; a
        per-axis ``scale`` should keep the aspect ratio (as Zooniverse does) for the
        box to stay a rectangle.

    Returns
    -------
    WorldBox
        Corners, centre, side lengths (arcsec) and axis angles (degrees
        counter-clockwise from solar west).

    Examples
    --------
    >>> from jet_render.coords import ImageGeometry, box_to_world
    >>> g = ImageGeometry(width=100, height=100, im_ll_x=0.0, im_ll_y=0.0, im_ur_x=1.0,
    ...                   im_ur_y=1.0, naxis1=100, naxis2=100)
    >>> header = {"CRPIX1": 50.5, "CRPIX2": 50.5, "CRVAL1": 0, "CRVAL2": 0, "CDELT1": 1, "CDELT2": 1}
    >>> box = box_to_world(40, 45, 20, 10, 0, g, header)
    >>> [round(float(v), 4) for v in (box.center_tx, box.center_ty, box.width, box.height, box.angle)]
    [0.0, 0.0, 20.0, 10.0, 0.0]
    >>> box = box_to_world(40, 45, 20, 10, 90, g, header)   # clockwise on screen: width axis points south
    >>> [round(float(v), 4) for v in (box.width, box.height, box.angle, box.height_angle)]
    [20.0, 10.0, 270.0, 0.0]
    """
    fw = frame_wcs(wcs)
    _check_shape(geometry, fw)
    _check_units(units)
    params = [np.asarray(v, dtype=np.float64) for v in (x, y, width, height, angle)]
    try:
        xa, ya, wa, ha, aa = np.broadcast_arrays(*params)
    except ValueError as exc:
        raise CoordinateInputError(f"box parameters do not broadcast: {exc}") from exc
    for name, value in zip(("x", "y", "width", "height", "angle"), (xa, ya, wa, ha, aa), strict=True):
        _finite(name, value)
    if units == "fraction":
        if scale is not None:
            raise CoordinateInputError("scale applies to units='pixels' only; fractions need no rescaling")
        sx, sy = geometry.width, geometry.height
    else:
        sx, sy = _scale_pair(scale)
    # The box is a rectangle in the nominal pixel frame (scaling a rotated box per axis
    # only keeps it a rectangle when sx == sy; Zooniverse keeps the aspect ratio).
    cx, cy = rectangle_corners(xa * sx, ya * sy, wa * sx, ha * sy, aa)
    centre_x, centre_y = xa * sx + wa * sx / 2.0, ya * sy + ha * sy / 2.0
    corners = _array_to_world(fw, *geometry.image_to_array(cx, cy))
    centre = _array_to_world(fw, *geometry.image_to_array(centre_x, centre_y))
    return _summarise(corners[0], corners[1], centre[0], centre[1])


def world_box_to_image(
    center_tx: npt.ArrayLike,
    center_ty: npt.ArrayLike,
    width: npt.ArrayLike,
    height: npt.ArrayLike,
    angle: npt.ArrayLike,
    geometry: ImageGeometry,
    wcs: Any,
    *,
    units: Units = "pixels",
    scale: float | tuple[float, float] | None = None,
    tolerance: float = 1e-9,
    max_iterations: int = 20,
) -> ImageBox:
    """Boxes on the Sun (centre, sides, width-axis angle as in :class:`WorldBox`) -> image
    rectangles: the inverse of :func:`box_to_world`.

    The centre maps exactly; sides and angle are solved by Newton iterations so that
    :func:`box_to_world` of the result gives back ``width``, ``height`` and ``angle``
    (to ``tolerance`` in pixels), since a rectangle on the image is only approximately
    a rectangle on the Sun.

    Examples
    --------
    >>> from jet_render.coords import ImageGeometry, world_box_to_image
    >>> g = ImageGeometry(width=100, height=100, im_ll_x=0.0, im_ll_y=0.0, im_ur_x=1.0,
    ...                   im_ur_y=1.0, naxis1=100, naxis2=100)
    >>> header = {"CRPIX1": 50.5, "CRPIX2": 50.5, "CRVAL1": 0, "CRVAL2": 0, "CDELT1": 1, "CDELT2": 1}
    >>> box = world_box_to_image(0, 0, 20, 10, 270, g, header)
    >>> [round(float(v), 6) + 0.0 for v in (box.x, box.y, box.width, box.height, box.angle)]
    [40.0, 45.0, 20.0, 10.0, 90.0]
    """
    fw = frame_wcs(wcs)
    _check_shape(geometry, fw)
    _check_units(units)
    params = [np.asarray(v, dtype=np.float64) for v in (center_tx, center_ty, width, height, angle)]
    try:
        ctx, cty, wt, ht, at = np.broadcast_arrays(*params)
    except ValueError as exc:
        raise CoordinateInputError(f"box parameters do not broadcast: {exc}") from exc
    for name, value in zip(
        ("center_tx", "center_ty", "width", "height", "angle"), (ctx, cty, wt, ht, at), strict=True
    ):
        _finite(name, value)
    if np.any(wt <= 0) or np.any(ht <= 0):
        raise CoordinateInputError("box width and height must be positive")

    # Centre: exact.
    px, py = _world_to_array(fw, ctx, cty)
    cx, cy = geometry.array_to_image(px, py)

    # Local linear map image -> world at the centre, by central differences.
    step = 0.5
    ex = [_array_to_world(fw, *geometry.image_to_array(cx + d, cy)) for d in (step, -step)]
    ey = [_array_to_world(fw, *geometry.image_to_array(cx, cy + d)) for d in (step, -step)]
    jac = np.empty((*cx.shape, 2, 2))
    jac[..., 0, 0] = (ex[0][0] - ex[1][0]) / (2 * step)
    jac[..., 1, 0] = (ex[0][1] - ex[1][1]) / (2 * step)
    jac[..., 0, 1] = (ey[0][0] - ey[1][0]) / (2 * step)
    jac[..., 1, 1] = (ey[0][1] - ey[1][1]) / (2 * step)
    inv = np.linalg.inv(jac)

    def to_image_vector(length: FloatArray, direction: FloatArray) -> tuple[FloatArray, FloatArray]:
        theta = np.deg2rad(direction)
        vx, vy = length * np.cos(theta), length * np.sin(theta)
        return inv[..., 0, 0] * vx + inv[..., 0, 1] * vy, inv[..., 1, 0] * vx + inv[..., 1, 1] * vy

    def solve_start(w: FloatArray, h: FloatArray, a: FloatArray) -> FloatArray:
        wx, wy = to_image_vector(w, a)  # the width axis in the image
        # rotateRectangle's width axis is (cos, sin)(angle) in the y-down frame.
        image_angle = np.rad2deg(np.arctan2(wy, wx))
        hx, hy = to_image_vector(h, a + 90.0)
        image_height = np.abs(-hx * np.sin(np.deg2rad(image_angle)) + hy * np.cos(np.deg2rad(image_angle)))
        return np.stack([np.hypot(wx, wy), image_height, image_angle], axis=-1)

    state = solve_start(wt, ht, at)

    def forward(s: FloatArray) -> FloatArray:
        w, h, a = s[..., 0], s[..., 1], s[..., 2]
        box = box_to_world(cx - w / 2.0, cy - h / 2.0, w, h, a, geometry, fw)
        turn = np.mod(box.angle - at + 180.0, 360.0) - 180.0
        return np.stack([box.width - wt, box.height - ht, turn], axis=-1)

    for _ in range(max_iterations):
        residual = forward(state)
        jac_s = np.empty((*state.shape, 3))
        for k, delta in enumerate((1e-3, 1e-3, 1e-4)):
            shifted = state.copy()
            shifted[..., k] += delta
            jac_s[..., k] = (forward(shifted) - residual) / delta
        update = np.linalg.solve(jac_s, residual[..., None])[..., 0]
        state = state - update
        if np.all(np.abs(update[..., :2]) < tolerance) and np.all(
            np.abs(np.deg2rad(update[..., 2])) * np.maximum(state[..., 0], state[..., 1]) < tolerance
        ):
            break
    w, h = state[..., 0], state[..., 1]
    a = np.mod(state[..., 2] + 180.0, 360.0) - 180.0
    xn, yn = _from_nominal(cx - w / 2.0, cy - h / 2.0, geometry, units, scale)
    wn, hn = _from_nominal(w, h, geometry, units, scale)
    return ImageBox(xn, yn, wn, hn, np.asarray(a, dtype=np.float64))
