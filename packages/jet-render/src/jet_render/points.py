"""Points: image positions <-> helioprojective arcsec (RENDERING.md).

A volunteer's mark is in **image pixels** (x right, y down, origin at the image's
top-left corner, as Zooniverse reports it). :class:`~jet_render.geometry.ImageGeometry`
turns it into a 0-based array pixel centre of the FITS frame, and the frame's WCS
(:func:`~jet_render.wcs.frame_wcs`) turns that into helioprojective ``(Tx, Ty)`` in
arcsec; :func:`world_to_pixel` is the exact inverse (a round trip is good to about 1e-9
pixel). Units and scale of the marks: :mod:`jet_render.marks`.

Examples
--------
>>> from jet_render.geometry import ImageGeometry
>>> from jet_render.points import pixel_to_world, world_to_pixel
>>> g = ImageGeometry(width=100, height=100, im_ll_x=0.0, im_ll_y=0.0, im_ur_x=1.0,
...                   im_ur_y=1.0, naxis1=10, naxis2=10)
>>> header = {"CRPIX1": 5.5, "CRPIX2": 5.5, "CRVAL1": 0, "CRVAL2": 0, "CDELT1": 2, "CDELT2": 2}
>>> tx, ty = pixel_to_world(60.0, 50.0, g, header)
>>> [round(float(tx), 6), round(float(ty), 6) + 0.0]
[2.0, 0.0]
>>> [round(float(v), 9) for v in world_to_pixel(tx, ty, g, header)]
[60.0, 50.0]
"""

from __future__ import annotations

from typing import Any, Literal, overload

import numpy.typing as npt

from jet_render.geometry import CoordinateInputError, FloatArray, ImageGeometry
from jet_render.marks import Units, as_arcsec, check_shape, finite_pair, from_nominal, to_nominal
from jet_render.wcs import FrameWcs, frame_wcs

__all__ = ["pixel_to_world", "world_to_pixel"]


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
        The frame's WCS source (see :func:`~jet_render.wcs.frame_wcs`).
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
    >>> from jet_render.points import ImageGeometry, pixel_to_world
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
    check_shape(geometry, fw)
    xa, ya = finite_pair("x", x, "y", y)
    xn, yn = to_nominal(xa, ya, geometry, units, scale)
    px, py = geometry.image_to_array(xn, yn)
    tx, ty = fw.array_to_world(px, py)
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
    return finite_pair("tx", as_arcsec(tx, "tx"), "ty", as_arcsec(ty, "ty"))


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
    return finite_pair("tx", tx, "ty", lat.to_value(u.arcsec))


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
    >>> from jet_render.points import ImageGeometry, world_to_pixel
    >>> g = ImageGeometry(width=100, height=100, im_ll_x=0.0, im_ll_y=0.0, im_ur_x=1.0,
    ...                   im_ur_y=1.0, naxis1=10, naxis2=10)
    >>> header = {"CRPIX1": 5.5, "CRPIX2": 5.5, "CRVAL1": 0, "CRVAL2": 0, "CDELT1": 2, "CDELT2": 2}
    >>> [round(float(v), 9) for v in world_to_pixel(2 * u.arcsec, 0 * u.arcsec, g, header)]
    [60.0, 50.0]
    """
    fw = frame_wcs(wcs)
    check_shape(geometry, fw)
    txa, tya = _world_inputs(tx, ty, fw)
    px, py = fw.world_to_array(txa, tya)
    xn, yn = geometry.array_to_image(px, py)
    return from_nominal(xn, yn, geometry, units, scale)
