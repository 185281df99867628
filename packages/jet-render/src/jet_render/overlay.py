"""Annotation overlays: points, boxes, rotated boxes, circles and text drawn on an image.

A small declarative API for reports and visual checks. Each overlay is a frozen
dataclass (:class:`Point`, :class:`Rectangle`, :class:`RotatedRectangle`,
:class:`Circle`, :class:`Text`) with an :class:`OverlayStyle`, and
:func:`draw_overlays` draws a list of them onto a copy of an image with Pillow.
:func:`annotations_overlay` turns ``jet_store.Annotation`` marks (or ``JetCluster``
records) into overlays, one colour per drawing tool.

Positions are given in one of two ``units``:

* ``"pixels"`` (default): image pixels as Zooniverse reports marks, x right, y **down**,
  origin at the image's top-left *corner* (the centre of the top-left pixel is
  ``(0.5, 0.5)``). Boxes follow Zooniverse: ``x, y`` is the *unrotated* top-left corner
  and a :class:`RotatedRectangle` turns about its centre by ``angle`` degrees,
  clockwise on screen (SVG ``rotate``), exactly as
  :func:`~jet_render.geometry.rectangle_corners`.
* ``"arcsec"``: helioprojective ``(Tx, Ty)``, mapped to the image with
  :func:`jet_render.coords.world_to_pixel` through the ``geometry`` and ``wcs`` given to
  :func:`draw_overlays`. A box's ``x, y`` is then its unrotated corner of smallest
  ``Tx`` and ``Ty``, ``width`` runs along ``+Tx``, ``height`` along ``+Ty``, and
  ``angle`` turns it about its centre counter-clockwise from solar west (``+Tx``
  towards ``+Ty``, the convention of :class:`~jet_render.coords.WorldBox`). Boxes and
  circles are mapped vertex by vertex, so they are drawn as the exact image of the
  shape on the Sun (a rotated WCS turns them, a circle stays a circle only for
  square pixels). Sizes (``width``, ``height``, ``radius``) are in the overlay's units;
  line widths, marker sizes and font sizes are always image pixels.

Drawing is crisp by default: each vertex goes to the pixel that holds it (``floor``), so
an edge at ``x = 10`` is drawn on pixel column 10, and lines are centred on the edges;
``supersample=`` gives anti-aliased edges instead.

Examples
--------
>>> import numpy as np
>>> from jet_render.overlay import OverlayStyle, Point, RotatedRectangle, draw_overlays
>>> blank = np.zeros((60, 80, 3), np.uint8)
>>> out = draw_overlays(blank, [
...     Point(20.5, 30.5, style=OverlayStyle(color="red", marker_size=3)),
...     RotatedRectangle(40, 20, 30, 10, 90, style=OverlayStyle(color="#00ff00", line_width=1)),
... ])
>>> out.size, out.mode, out.getpixel((20, 30)), out.getpixel((0, 0))
((80, 60), 'RGB', (255, 0, 0), (0, 0, 0))
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from jet_render.annotations import DEFAULT_TOOL_COLORS, annotations_overlay
from jet_render.encode import RenderedImage
from jet_render.geometry import ImageGeometry, rectangle_corners
from jet_render.points import world_to_pixel
from jet_render.shapes import (
    OVERLAY_TYPES,
    Circle,
    Color,
    Overlay,
    OverlayInputError,
    OverlayStyle,
    OverlayUnits,
    Point,
    Rectangle,
    RotatedRectangle,
    Text,
)
from jet_render.wcs import frame_wcs

__all__ = [
    "Circle",
    "Color",
    "DEFAULT_TOOL_COLORS",
    "Overlay",
    "OverlayInputError",
    "OverlayStyle",
    "OverlayUnits",
    "Point",
    "Rectangle",
    "RotatedRectangle",
    "Text",
    "annotations_overlay",
    "draw_overlays",
]

_CIRCLE_VERTICES = 96


# --------------------------------------------------------------------------- geometry


def _outline(overlay: Overlay) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The shape's vertices (or its anchor point) in the overlay's own units."""
    if isinstance(overlay, Rectangle | RotatedRectangle):
        angle = overlay.angle if isinstance(overlay, RotatedRectangle) else 0.0
        # The same corner construction serves both frames: it turns "from +x towards +y",
        # clockwise on screen in the y-down image and counter-clockwise on the y-up Sun.
        return rectangle_corners(overlay.x, overlay.y, overlay.width, overlay.height, angle)
    if isinstance(overlay, Circle):
        theta = np.linspace(0.0, 2.0 * np.pi, _CIRCLE_VERTICES, endpoint=False)
        return overlay.x + overlay.radius * np.cos(theta), overlay.y + overlay.radius * np.sin(theta)
    return np.array([overlay.x], dtype=np.float64), np.array([overlay.y], dtype=np.float64)


def _image_positions(
    overlays: Sequence[Overlay], geometry: ImageGeometry | None, wcs: Any
) -> list[tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]]:
    """Each overlay's vertices in nominal image pixels (continuous, y down)."""
    shapes = [_outline(overlay) for overlay in overlays]
    world = [i for i, overlay in enumerate(overlays) if overlay.units == "arcsec"]
    if not world:
        return shapes
    if geometry is None or wcs is None:
        missing = " and ".join(f"{n}=" for n, v in (("geometry", geometry), ("wcs", wcs)) if v is None)
        raise OverlayInputError(
            f"{len(world)} overlay(s) are in arcsec, so draw_overlays needs {missing} (an ImageGeometry "
            "and a WCS source) to place them; give positions in pixels otherwise"
        )
    fw = frame_wcs(wcs)
    tx = np.concatenate([shapes[i][0] for i in world])
    ty = np.concatenate([shapes[i][1] for i in world])
    x, y = world_to_pixel(tx, ty, geometry, fw)
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise OverlayInputError("some arcsec overlays have no position in the image (outside the projection)")
    start = 0
    for i in world:
        n = shapes[i][0].size
        shapes[i] = (x[start : start + n], y[start : start + n])
        start += n
    return shapes


# --------------------------------------------------------------------------- drawing


def _open_image(image: Any) -> Any:
    from PIL import Image

    if isinstance(image, Image.Image):
        return image.copy()
    if isinstance(image, str | os.PathLike):
        with Image.open(image) as opened:
            opened.load()
            return opened.copy()
    if isinstance(image, RenderedImage):
        return Image.fromarray(np.ascontiguousarray(image.rgb()), "RGB")
    if isinstance(image, np.ndarray):
        if image.dtype != np.uint8 or not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] in (3, 4))):
            raise OverlayInputError(
                f"an image array must be uint8 of shape (h, w), (h, w, 3) or (h, w, 4), "
                f"not {image.dtype} {image.shape}"
            )
        mode = "L" if image.ndim == 2 else ("RGB" if image.shape[2] == 3 else "RGBA")
        return Image.fromarray(np.ascontiguousarray(image), mode)
    raise OverlayInputError(
        "image must be a PIL image, a path, a uint8 numpy array or a RenderedImage, "
        f"not {type(image).__name__}"
    )


@lru_cache(maxsize=16)
def _font(size: float) -> Any:
    from PIL import ImageFont

    return ImageFont.load_default(size=size)


def _rgba(color: Color) -> tuple[int, int, int, int]:
    from PIL import ImageColor

    value = ImageColor.getrgb(color) if isinstance(color, str) else color
    return (value[0], value[1], value[2], value[3] if len(value) == 4 else 255)


def _draw_one(
    draw: Any,
    overlay: Overlay,
    xs: npt.NDArray[np.float64],
    ys: npt.NDArray[np.float64],
    k: float,
) -> None:
    style = overlay.style
    color = _rgba(style.color)
    width = max(1, round(style.line_width * k)) if style.line_width > 0 else 0
    # Continuous image position X (pixel i spans [i, i + 1)) -> the index of the pixel holding
    # it; Pillow truncates float coordinates, which would shift marks by up to a pixel.
    px = [math.floor(float(v) * k) for v in xs]
    py = [math.floor(float(v) * k) for v in ys]
    font = _font(style.font_size * k) if isinstance(overlay, Text) or style.label else None
    if isinstance(overlay, Text):
        draw.text((px[0], py[0]), overlay.text, fill=color, font=font, anchor=overlay.anchor)
        return
    if isinstance(overlay, Point):
        cx, cy, r = px[0], py[0], style.marker_size * k
        if style.marker == "circle":
            draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=color)
        elif style.marker == "cross":
            draw.line([(cx - r, cy - r), (cx + r, cy + r)], fill=color, width=max(width, 1))
            draw.line([(cx - r, cy + r), (cx + r, cy - r)], fill=color, width=max(width, 1))
        else:
            draw.line([(cx - r, cy), (cx + r, cy)], fill=color, width=max(width, 1))
            draw.line([(cx, cy - r), (cx, cy + r)], fill=color, width=max(width, 1))
        if style.label:
            draw.text((cx + r + 2 * k, cy), style.label, fill=color, font=font, anchor="lm")
        return
    points = list(zip(px, py, strict=True))
    if style.fill is not None:
        draw.polygon(points, fill=_rgba(style.fill))
    if width:
        draw.line([*points, points[0]], fill=color, width=width, joint="curve")
    if style.label:
        draw.text((min(px), min(py) - width / 2 - 2 * k), style.label, fill=color, font=font, anchor="ld")


def draw_overlays(
    image: Any,
    overlays: Iterable[Overlay] | Overlay,
    *,
    geometry: ImageGeometry | None = None,
    wcs: Any = None,
    supersample: int = 1,
) -> Any:
    """Draw overlays on a copy of an image.

    Parameters
    ----------
    image
        A PIL image, a path to an image file, a ``uint8`` numpy array (``(h, w)``,
        ``(h, w, 3)`` or ``(h, w, 4)``) or a :class:`~jet_render.encode.RenderedImage`.
        It is not modified.
    overlays
        :class:`Point`, :class:`Rectangle`, :class:`RotatedRectangle`, :class:`Circle`
        and :class:`Text` instances, drawn in order (later ones on top), or one overlay.
        Semi-transparent colours blend with the image, not with each other.
    geometry, wcs
        An :class:`~jet_render.geometry.ImageGeometry` and a WCS source (anything
        :func:`~jet_render.coords.frame_wcs` accepts); needed only for ``arcsec``
        overlays. When ``geometry`` is given, all positions are in its nominal
        ``width`` x ``height`` frame and are scaled to the image if its size differs (an
        image scaled down by :func:`~jet_render.encode.encode`).
    supersample
        Draw at this many times the resolution and average down, for anti-aliased
        edges (``1``: crisp, exact pixels; ``3`` or ``4`` look smooth).

    Returns
    -------
    PIL.Image.Image
        ``RGBA`` if the input had an alpha channel, else ``RGB``.

    Raises
    ------
    OverlayInputError
        On an object that is not an overlay, an unusable image or ``supersample``, or
        arcsec overlays without ``geometry``/``wcs``.
    jet_render.geometry.CoordinateError
        From the coordinate maps (a bad geometry or WCS source, or sizes that disagree).

    Examples
    --------
    >>> import numpy as np
    >>> from jet_render.geometry import ImageGeometry
    >>> from jet_render.overlay import Circle, OverlayStyle, draw_overlays
    >>> g = ImageGeometry(width=60, height=50, im_ll_x=0, im_ll_y=0, im_ur_x=1, im_ur_y=1,
    ...                   naxis1=60, naxis2=50)
    >>> wcs = {"CRPIX1": 30.5, "CRPIX2": 25.5, "CRVAL1": 0, "CRVAL2": 0, "CDELT1": 1, "CDELT2": 1}
    >>> disc = OverlayStyle(color="white", fill="white", line_width=0)
    >>> out = draw_overlays(np.zeros((50, 60, 3), np.uint8), [Circle(0, 0, 5, units="arcsec", style=disc)],
    ...                     geometry=g, wcs=wcs)
    >>> out.getpixel((30, 25)), out.getpixel((30, 35))   # the disc at Sun centre = image centre
    ((255, 255, 255), (0, 0, 0))
    >>> draw_overlays(np.zeros((50, 60, 3), np.uint8), [Circle(0, 0, 5, units="arcsec")])
    Traceback (most recent call last):
    ...
    jet_render.shapes.OverlayInputError: 1 overlay(s) are in arcsec, so draw_overlays needs geometry= ...
    """
    from PIL import Image, ImageDraw

    items: list[Overlay] = [overlays] if isinstance(overlays, OVERLAY_TYPES) else list(overlays)
    for item in items:
        if not isinstance(item, OVERLAY_TYPES):
            raise OverlayInputError(
                "overlays must be Point, Rectangle, RotatedRectangle, Circle or Text, "
                f"not {type(item).__name__}"
            )
    if isinstance(supersample, bool) or not isinstance(supersample, int) or not 1 <= supersample <= 8:
        raise OverlayInputError(f"supersample must be a whole number 1..8, not {supersample!r}")
    if geometry is not None and not isinstance(geometry, ImageGeometry):
        raise OverlayInputError(f"geometry must be an ImageGeometry, not {type(geometry).__name__}")
    base = _open_image(image)
    keep_alpha = "A" in base.getbands()
    base = base.convert("RGBA")
    shapes = _image_positions(items, geometry, wcs)
    sx = sy = 1.0
    if geometry is not None:
        sx, sy = base.width / geometry.width, base.height / geometry.height
    k = supersample
    layer = Image.new("RGBA", (base.width * k, base.height * k), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for item, (xs, ys) in zip(items, shapes, strict=True):
        _draw_one(draw, item, xs * sx, ys * sy, float(k))
    if k > 1:
        layer = layer.resize(base.size, Image.Resampling.BOX)
    out = Image.alpha_composite(base, layer)
    return out if keep_alpha else out.convert("RGB")
