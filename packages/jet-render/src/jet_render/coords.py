"""Image pixels <-> helioprojective arcsec for every rendered image (RENDERING.md).

The one place to import the coordinate maps from; each concern has its module:

- :mod:`jet_render.geometry`: :class:`ImageGeometry` (image pixels <-> array pixels)
  and the errors;
- :mod:`jet_render.wcs`: :func:`frame_wcs` and :class:`FrameWcs` (a frame's WCS from a
  ``FitsFrame``, astropy ``WCS``/``Header`` or subject metadata; array pixels <-> arcsec);
- :mod:`jet_render.marks`: units (``"pixels"``/``"fraction"``), :func:`display_scale`
  and the checks of volunteers' marks;
- :mod:`jet_render.points`: :func:`pixel_to_world` / :func:`world_to_pixel`;
- :mod:`jet_render.boxes`: :func:`box_to_world` / :func:`world_box_to_image` and
  :class:`WorldBox` / :class:`ImageBox` (angles counter-clockwise from solar west).

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

from jet_render.boxes import ImageBox, WorldBox, box_to_world, world_box_to_image
from jet_render.geometry import (
    CoordinateError,
    CoordinateInputError,
    GeometryError,
    ImageGeometry,
    WcsError,
    rectangle_corners,
)
from jet_render.marks import Units, display_scale
from jet_render.points import pixel_to_world, world_to_pixel
from jet_render.wcs import FrameWcs, frame_wcs

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
