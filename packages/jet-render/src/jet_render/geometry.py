"""Where the data sit inside a rendered image: the pure pixel geometry (no WCS).

An :class:`ImageGeometry` holds what the design's RENDERING.md records with every image: the
image size ``width`` x ``height`` (pixels), the data area ``im_ll_x, im_ll_y, im_ur_x,
im_ur_y`` (fractions of the image, origin **bottom-left**), and the size of the FITS
array drawn into it, ``naxis1`` x ``naxis2``. It maps image positions to array positions
and back with plain numpy, exactly invertibly.

Conventions:

* **Image pixels** ``(x, y)``: x right, y **down**, origin at the image's top-left
  *corner*, as Zooniverse reports marks; continuous, so the centre of the top-left
  image pixel is ``(0.5, 0.5)`` and the image spans ``0..width`` x ``0..height``.
* **Array pixels** ``(px, py)``: 0-based FITS/numpy ``(column, row)`` pixel *centres*
  with ``py`` growing up the displayed image (row 0 at the bottom, as sunpy and
  matplotlib's ``origin="lower"`` draw it), so that they can go straight into astropy's
  ``WCS.pixel_to_world_values``. The data area's edges are array ``-0.5`` and
  ``naxis - 0.5`` (the outer edges of the outer pixels), its centre ``(naxis - 1) / 2``.

Formulae (RENDERING.md)::

    fx = x / width                 fy = 1 - y / height
    u  = (fx - im_ll_x) / (im_ur_x - im_ll_x)        v = (fy - im_ll_y) / (im_ur_y - im_ll_y)
    px = u * naxis1 - 0.5          py = v * naxis2 - 0.5

and exactly the inverse.

Examples
--------
>>> from jet_render.geometry import ImageGeometry
>>> g = ImageGeometry(width=1000, height=800, im_ll_x=0.1, im_ll_y=0.1, im_ur_x=0.9,
...                   im_ur_y=0.9, naxis1=400, naxis2=320)
>>> px, py = g.image_to_array([100.0, 500.0], [720.0, 400.0])
>>> px.round(9).tolist(), py.round(9).tolist()    # data-area corner, data-area centre
([-0.5, 199.5], [-0.5, 159.5])
>>> [v.round(9).tolist() for v in g.array_to_image(px, py)]
[[100.0, 500.0], [720.0, 400.0]]
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from jet_store.errors import DataError, JetHunterError, UserError

__all__ = [
    "CoordinateError",
    "CoordinateInputError",
    "GeometryError",
    "WcsError",
    "FloatArray",
    "ImageGeometry",
    "rectangle_corners",
]

FloatArray = npt.NDArray[np.float64]


class CoordinateError(JetHunterError):
    """Base class of the errors raised by :mod:`jet_render.coords` and :mod:`jet_render.geometry`."""


class GeometryError(CoordinateError, DataError, ValueError):
    """An image geometry (record or subject metadata) that cannot map pixels: missing,
    non-numeric or inconsistent values (data area outside the image, ``ur <= ll``,
    non-positive sizes)."""


class WcsError(CoordinateError, DataError, ValueError):
    """A WCS source that gives no usable celestial WCS (missing keys, wrong axes)."""


class CoordinateInputError(CoordinateError, UserError, ValueError):
    """Coordinates or options passed by the caller that cannot be used (NaN marks, an
    unknown ``units``, shapes that do not broadcast, a bad ``scale``)."""


_FRACTION_FIELDS = ("im_ll_x", "im_ll_y", "im_ur_x", "im_ur_y")


def _metadata_value(metadata: Mapping[str, Any], name: str) -> Any:
    for key in (f"#{name}", f"!{name}", name, f"#{name.upper()}", name.upper()):
        if key in metadata:
            return metadata[key]
    raise GeometryError(f"subject metadata has no '#{name}' (needed for the image geometry)")


@dataclass(frozen=True, slots=True)
class ImageGeometry:
    """How a FITS array of ``naxis1`` x ``naxis2`` pixels sits in a ``width`` x ``height`` image.

    Parameters
    ----------
    width, height
        Image size in pixels (the subject's nominal ``#width``/``#height``).
    im_ll_x, im_ll_y, im_ur_x, im_ur_y
        Lower-left and upper-right corners of the data area, fractions of the image with
        the origin at the **bottom-left** (matplotlib figure fractions).
    naxis1, naxis2
        Size of the FITS array drawn in the data area (columns, rows).

    Raises
    ------
    GeometryError
        If a value is not finite, a size is not positive, a fraction lies outside
        ``0..1`` or the upper-right corner is not above and right of the lower-left one.

    Examples
    --------
    >>> from jet_render.geometry import ImageGeometry
    >>> g = ImageGeometry(width=1920, height=1440, im_ll_x=0.2003, im_ll_y=0.11, im_ur_x=0.8247,
    ...                   im_ur_y=0.88, naxis1=600, naxis2=500)
    >>> [round(v, 6) for v in g.data_area_pixels()]       # left, top, right, bottom
    [384.576, 172.8, 1583.424, 1281.6]
    >>> ImageGeometry(width=100, height=100, im_ll_x=0.5, im_ll_y=0.1, im_ur_x=0.5,
    ...               im_ur_y=0.9, naxis1=10, naxis2=10)
    Traceback (most recent call last):
    ...
    jet_render.geometry.GeometryError: data area has im_ur_x=0.5 <= im_ll_x=0.5; it must have a positive width
    """

    width: float
    height: float
    im_ll_x: float
    im_ll_y: float
    im_ur_x: float
    im_ur_y: float
    naxis1: int
    naxis2: int

    def __post_init__(self) -> None:
        for name in ("width", "height", *_FRACTION_FIELDS, "naxis1", "naxis2"):
            raw = getattr(self, name)
            try:
                value = float(raw)
            except (TypeError, ValueError):
                raise GeometryError(f"{name} must be a number, not {raw!r}") from None
            if not math.isfinite(value):
                raise GeometryError(f"{name} must be finite, not {raw!r}")
            if name in ("naxis1", "naxis2"):
                if value != int(value) or value < 1:
                    raise GeometryError(f"{name} must be a positive whole number of pixels, not {raw!r}")
                object.__setattr__(self, name, int(value))
            else:
                object.__setattr__(self, name, value)
        if not (self.width > 0 and self.height > 0):
            raise GeometryError(f"image size must be positive, not {self.width!r} x {self.height!r}")
        for name in _FRACTION_FIELDS:
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise GeometryError(
                    f"{name}={value!r} is outside 0..1; the data area is given in fractions of the image"
                )
        for axis, extent in (("x", "width"), ("y", "height")):
            low, high = getattr(self, f"im_ll_{axis}"), getattr(self, f"im_ur_{axis}")
            if not high > low:
                raise GeometryError(
                    f"data area has im_ur_{axis}={high!r} <= im_ll_{axis}={low!r}; "
                    f"it must have a positive {extent}"
                )

    # ------------------------------------------------------------------ constructors

    @classmethod
    def from_rendering(cls, rendering: Any, frame: Any) -> ImageGeometry:
        """The geometry of a ``jet_store.Rendering`` of a ``jet_store.FitsFrame``.

        The image size and data area come from the rendering, the array size from the
        frame (``naxis1``/``naxis2``, else its header's ``NAXIS1``/``NAXIS2``).

        Examples
        --------
        >>> from jet_store.records import FitsFrame, Rendering
        >>> frame = FitsFrame(url="file:a.fits", naxis1=600, naxis2=500)
        >>> rendering = Rendering(path="a.png", frame_url="file:a.fits", format="png", width=1920,
        ...                       height=1440, im_ll_x=0.2003, im_ll_y=0.11, im_ur_x=0.8247,
        ...                       im_ur_y=0.88, renderer="framed")
        >>> ImageGeometry.from_rendering(rendering, frame).naxis1
        600
        """
        header = getattr(frame, "header", None) or {}
        naxis: list[Any] = []
        for index in (1, 2):
            value = getattr(frame, f"naxis{index}", None)
            if value is None:
                value = header.get(f"NAXIS{index}")
            if value is None:
                raise GeometryError(f"frame {getattr(frame, 'url', frame)!r} has no NAXIS{index}")
            naxis.append(value)
        return cls(
            width=rendering.width,
            height=rendering.height,
            im_ll_x=rendering.im_ll_x,
            im_ll_y=rendering.im_ll_y,
            im_ur_x=rendering.im_ur_x,
            im_ur_y=rendering.im_ur_y,
            naxis1=naxis[0],
            naxis2=naxis[1],
        )

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, Any]) -> ImageGeometry:
        """The geometry from Zooniverse subject metadata (values may be strings).

        Reads ``#width #height #im_ll_x #im_ll_y #im_ur_x #im_ur_y #naxis1 #naxis2``
        (a ``!`` prefix or none is accepted too).

        Examples
        --------
        >>> meta = {"#width": "1920", "#height": "1440", "#im_ll_x": "0.2003", "#im_ll_y": "0.11",
        ...         "#im_ur_x": "0.8247", "#im_ur_y": "0.88", "#naxis1": "600", "#naxis2": "500"}
        >>> ImageGeometry.from_metadata(meta).naxis2
        500
        """
        values = {
            name: _metadata_value(metadata, name)
            for name in ("width", "height", *_FRACTION_FIELDS, "naxis1", "naxis2")
        }
        return cls(**values)

    # ------------------------------------------------------------------ maps

    def data_area_pixels(self) -> tuple[float, float, float, float]:
        """The data area in image pixels: ``(left, top, right, bottom)`` (y down)."""
        return (
            self.im_ll_x * self.width,
            (1.0 - self.im_ur_y) * self.height,
            self.im_ur_x * self.width,
            (1.0 - self.im_ll_y) * self.height,
        )

    def image_to_array(self, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Image pixels ``(x right, y down)`` -> 0-based array pixel centres ``(px, py)``.

        Vectorised (inputs broadcast); positions outside the data area map outside
        ``-0.5..naxis-0.5`` rather than failing.
        """
        xa, ya = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
        u = (xa / self.width - self.im_ll_x) / (self.im_ur_x - self.im_ll_x)
        v = ((1.0 - ya / self.height) - self.im_ll_y) / (self.im_ur_y - self.im_ll_y)
        return u * self.naxis1 - 0.5, v * self.naxis2 - 0.5

    def array_to_image(self, px: npt.ArrayLike, py: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """0-based array pixel centres ``(px, py)`` -> image pixels ``(x right, y down)``.

        The exact inverse of :meth:`image_to_array`.
        """
        pxa, pya = np.broadcast_arrays(np.asarray(px, dtype=np.float64), np.asarray(py, dtype=np.float64))
        u = (pxa + 0.5) / self.naxis1
        v = (pya + 0.5) / self.naxis2
        fx = self.im_ll_x + u * (self.im_ur_x - self.im_ll_x)
        fy = self.im_ll_y + v * (self.im_ur_y - self.im_ll_y)
        return fx * self.width, (1.0 - fy) * self.height


def rectangle_corners(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    width: npt.ArrayLike,
    height: npt.ArrayLike,
    angle: npt.ArrayLike = 0.0,
) -> tuple[FloatArray, FloatArray]:
    """Corners of Zooniverse (rotated) rectangles, in image pixels.

    ``x, y`` is the *unrotated* top-left corner, ``width``/``height`` the sides, and the
    box is turned about its centre by ``angle`` degrees in the image's y-down pixel frame
    (SVG ``rotate(angle, cx, cy)``: positive turns clockwise on screen). A plain
    ``rectangle`` mark is ``angle = 0``. Vectorised over boxes (arguments broadcast).

    Returns
    -------
    cx, cy : ndarray
        Shape ``(..., 4)``: the images of the unrotated top-left, top-right,
        bottom-right and bottom-left corners, in that order.

    Examples
    --------
    >>> from jet_render.geometry import rectangle_corners
    >>> cx, cy = rectangle_corners(10, 20, 40, 10)
    >>> cx.tolist(), cy.tolist()
    ([10.0, 50.0, 50.0, 10.0], [20.0, 20.0, 30.0, 30.0])
    >>> cx, cy = rectangle_corners(10, 20, 40, 10, angle=90)   # clockwise on screen
    >>> cx.round(9).tolist(), cy.round(9).tolist()
    ([35.0, 35.0, 25.0, 25.0], [5.0, 45.0, 45.0, 5.0])
    """
    xa, ya, wa, ha, aa = np.broadcast_arrays(
        *(np.asarray(v, dtype=np.float64) for v in (x, y, width, height, angle))
    )
    centre_x = xa + wa / 2.0
    centre_y = ya + ha / 2.0
    half_w = (wa / 2.0)[..., None] * np.array([-1.0, 1.0, 1.0, -1.0])
    half_h = (ha / 2.0)[..., None] * np.array([-1.0, -1.0, 1.0, 1.0])
    theta = np.deg2rad(aa)[..., None]
    cos, sin = np.cos(theta), np.sin(theta)
    return (
        centre_x[..., None] + half_w * cos - half_h * sin,
        centre_y[..., None] + half_w * sin + half_h * cos,
    )
