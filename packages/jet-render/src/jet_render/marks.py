"""Volunteers' marks checked and brought to the nominal image frame (no WCS, no I/O).

Nothing is guessed from the values: the caller says whether marks are absolute image
pixels (``units="pixels"``) or fractions of the image (``units="fraction"``, x right and
y down, ``0..1``), and gives ``scale`` when marks were made on an image whose natural
size differs from the subject's nominal ``#width`` x ``#height`` (:func:`display_scale`).
The helpers here are shared by :mod:`jet_render.points` and :mod:`jet_render.boxes`.

Examples
--------
>>> from jet_render.geometry import ImageGeometry
>>> from jet_render.marks import to_nominal
>>> g = ImageGeometry(width=1920, height=1440, im_ll_x=0.2, im_ll_y=0.1, im_ur_x=0.8,
...                   im_ur_y=0.9, naxis1=600, naxis2=500)
>>> [float(v) for v in to_nominal(0.5, 0.25, g, "fraction", None)]
[960.0, 360.0]
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from jet_render.geometry import CoordinateInputError, FloatArray, GeometryError, ImageGeometry
from jet_render.wcs import FrameWcs

__all__ = [
    "Units",
    "as_arcsec",
    "box_params",
    "check_finite",
    "check_shape",
    "check_units",
    "display_scale",
    "finite_pair",
    "from_nominal",
    "nominal_factors",
    "to_nominal",
]

Units = Literal["pixels", "fraction"]
"""How marks are given: absolute image pixels, or fractions ``0..1`` of the image (y down)."""

_UNITS = ("pixels", "fraction")


def check_finite(name: str, values: FloatArray) -> FloatArray:
    """``values`` unchanged if all are finite.

    Raises
    ------
    CoordinateInputError
        Naming ``name``, how many values are not finite and where the first is.

    Examples
    --------
    >>> import numpy as np
    >>> from jet_render.marks import check_finite
    >>> check_finite("x", np.array([1.0, np.nan]))
    Traceback (most recent call last):
    ...
    jet_render.geometry.CoordinateInputError: x has 1 non-finite value(s) (first at index (1,))
    """
    bad = ~np.isfinite(values)
    if bad.any():
        where = np.argwhere(bad)
        first = tuple(int(i) for i in where[0]) if values.ndim else ()
        raise CoordinateInputError(
            f"{name} has {int(bad.sum())} non-finite value(s) (first at index {first})"
        )
    return values


def finite_pair(
    name_x: str, x: npt.ArrayLike, name_y: str, y: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Two coordinates as float arrays of their broadcast shape, all finite.

    Examples
    --------
    >>> from jet_render.marks import finite_pair
    >>> [v.tolist() for v in finite_pair("x", [1, 2], "y", 3)]
    [[1.0, 2.0], [3.0, 3.0]]
    """
    try:
        xa = np.asarray(x, dtype=np.float64)
        ya = np.asarray(y, dtype=np.float64)
        xb, yb = np.broadcast_arrays(xa, ya)
    except (TypeError, ValueError) as exc:
        raise CoordinateInputError(
            f"{name_x}/{name_y} must be numbers or arrays that broadcast: {exc}"
        ) from exc
    return check_finite(name_x, np.array(xb)), check_finite(name_y, np.array(yb))


def box_params(**params: npt.ArrayLike) -> list[FloatArray]:
    """Box parameters as float arrays of their broadcast shape, all finite, in the order given.

    Examples
    --------
    >>> from jet_render.marks import box_params
    >>> [v.tolist() for v in box_params(x=[1, 2], width=3)]
    [[1.0, 2.0], [3.0, 3.0]]
    """
    arrays = [np.asarray(v, dtype=np.float64) for v in params.values()]
    try:
        broadcast = np.broadcast_arrays(*arrays)
    except ValueError as exc:
        raise CoordinateInputError(f"box parameters do not broadcast: {exc}") from exc
    for name, value in zip(params, broadcast, strict=True):
        check_finite(name, value)
    return list(broadcast)


def check_units(units: str) -> None:
    """Refuse ``units`` other than ``"pixels"`` and ``"fraction"``.

    Examples
    --------
    >>> from jet_render.marks import check_units
    >>> check_units("percent")
    Traceback (most recent call last):
    ...
    jet_render.geometry.CoordinateInputError: units must be 'pixels' or 'fraction', not 'percent'
    """
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


def nominal_factors(geometry: ImageGeometry, units: str, scale: Any) -> tuple[float, float]:
    """Factors ``(sx, sy)`` from the marks' frame to nominal image pixels.

    ``(width, height)`` for ``units="fraction"`` (which takes no ``scale``), else the
    ``scale`` pair (``(1.0, 1.0)`` without one).

    Raises
    ------
    CoordinateInputError
        Unknown ``units``, a bad ``scale`` or a ``scale`` with fractions.

    Examples
    --------
    >>> from jet_render.geometry import ImageGeometry
    >>> from jet_render.marks import nominal_factors
    >>> g = ImageGeometry(width=100, height=80, im_ll_x=0.0, im_ll_y=0.0, im_ur_x=1.0,
    ...                   im_ur_y=1.0, naxis1=10, naxis2=8)
    >>> nominal_factors(g, "fraction", None), nominal_factors(g, "pixels", 2)
    ((100.0, 80.0), (2.0, 2.0))
    """
    check_units(units)
    if units == "fraction":
        if scale is not None:
            raise CoordinateInputError("scale applies to units='pixels' only; fractions need no rescaling")
        return geometry.width, geometry.height
    return _scale_pair(scale)


def to_nominal(
    x: FloatArray, y: FloatArray, geometry: ImageGeometry, units: str, scale: Any
) -> tuple[FloatArray, FloatArray]:
    """Marks in ``units`` (and ``scale``) -> nominal image pixels (see :func:`nominal_factors`)."""
    sx, sy = nominal_factors(geometry, units, scale)
    return (x * sx, y * sy) if (sx, sy) != (1.0, 1.0) else (x, y)


def from_nominal(
    x: FloatArray, y: FloatArray, geometry: ImageGeometry, units: str, scale: Any
) -> tuple[FloatArray, FloatArray]:
    """Nominal image pixels -> positions in ``units`` (and ``scale``): the inverse of :func:`to_nominal`."""
    sx, sy = nominal_factors(geometry, units, scale)
    return (x / sx, y / sy) if (sx, sy) != (1.0, 1.0) else (x, y)


def check_shape(geometry: ImageGeometry, fw: FrameWcs) -> None:
    """Refuse a ``geometry`` that is no :class:`ImageGeometry` or disagrees with the WCS's array size.

    Raises
    ------
    CoordinateInputError
        ``geometry`` is not an :class:`ImageGeometry`.
    GeometryError
        Its ``naxis1``/``naxis2`` differ from the WCS's.
    """
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
    >>> from jet_render.geometry import ImageGeometry
    >>> from jet_render.marks import display_scale
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


def as_arcsec(value: Any, name: str) -> Any:
    """An angle ``Quantity`` as plain arcsec; anything else unchanged.

    Examples
    --------
    >>> import astropy.units as u
    >>> from jet_render.marks import as_arcsec
    >>> float(as_arcsec(1 * u.arcmin, "tx")), as_arcsec(5.0, "tx")
    (60.0, 5.0)
    """
    import astropy.units as u

    if isinstance(value, u.Quantity):
        try:
            return value.to_value(u.arcsec)
        except u.UnitConversionError as exc:
            raise CoordinateInputError(f"{name} must be an angle, not in {value.unit}") from exc
    return value
