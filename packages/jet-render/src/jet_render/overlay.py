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
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal, TypeAlias

import numpy as np
import numpy.typing as npt

from jet_render.coords import frame_wcs, world_to_pixel
from jet_render.encode import RenderedImage
from jet_render.geometry import CoordinateInputError, ImageGeometry, rectangle_corners

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

OverlayUnits: TypeAlias = Literal["pixels", "arcsec"]
"""Units of an overlay's position and size: image pixels (y down) or helioprojective arcsec."""

Color: TypeAlias = str | tuple[int, int, int] | tuple[int, int, int, int]
"""A Pillow colour: a name or ``#rrggbb[aa]`` string, or an RGB/RGBA tuple of 0..255."""

DEFAULT_TOOL_COLORS: tuple[str, ...] = (
    "#ffd700",  # tool 0 (jet start point in "Box the jets"): gold
    "#00e5ff",  # tool 1 (jet end point): cyan
    "#ff3df5",  # tool 2 (jet box): magenta
    "#7cff3d",
    "#ff8c1a",
    "#ffffff",
)
"""Colours of drawing tools ``0, 1, 2, ...`` (cycled); marks without a tool take the first."""

_UNITS = ("pixels", "arcsec")
_MARKERS = ("circle", "cross", "plus")
_CIRCLE_VERTICES = 96


class OverlayInputError(CoordinateInputError):
    """An overlay, style or image that cannot be drawn: non-finite or negative sizes, an
    unknown unit, colour or marker, a mark without its shape parameters, or ``arcsec``
    overlays drawn without the ``geometry`` and ``wcs`` that place them."""


def _check_color(name: str, value: Any) -> None:
    from PIL import ImageColor

    if isinstance(value, str):
        try:
            ImageColor.getrgb(value)
        except ValueError:
            raise OverlayInputError(f"{name}={value!r} is not a colour Pillow knows") from None
        return
    if (
        isinstance(value, tuple)
        and len(value) in (3, 4)
        and all(isinstance(c, int) and not isinstance(c, bool) and 0 <= c <= 255 for c in value)
    ):
        return
    raise OverlayInputError(
        f"{name} must be a colour name, '#rrggbb' or an RGB(A) tuple of 0..255, not {value!r}"
    )


def _check_number(name: str, value: Any, *, minimum: float | None = None, strict: bool = False) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise OverlayInputError(f"{name} must be a number, not {value!r}") from None
    if not math.isfinite(number):
        raise OverlayInputError(f"{name} must be finite, not {value!r}")
    if minimum is not None and (number <= minimum if strict else number < minimum):
        relation = ">" if strict else ">="
        raise OverlayInputError(f"{name} must be {relation} {minimum:g}, not {value!r}")
    return number


@dataclass(frozen=True, slots=True)
class OverlayStyle:
    """How an overlay is drawn.

    Parameters
    ----------
    color
        Outline, marker and text colour (see :data:`Color`).
    line_width
        Outline width in image pixels (centred on the shape's edge).
    marker_size
        A :class:`Point`'s marker radius (half the arm length for crosses), image pixels.
    marker
        A :class:`Point`'s marker: ``"circle"`` (filled disc), ``"cross"`` or ``"plus"``.
    fill
        Fill colour of boxes and circles, or ``None`` for outlines only.
    label
        Text drawn beside the shape (right of a point, above a box or circle), or ``None``.
    font_size
        Size of the label (and of a :class:`Text`) in image pixels.

    Raises
    ------
    OverlayInputError
        On an unknown colour or marker, or a negative/non-finite size.

    Examples
    --------
    >>> from jet_render.overlay import OverlayStyle
    >>> OverlayStyle(color="red", line_width=3).line_width
    3.0
    >>> OverlayStyle(color="no-such-colour")
    Traceback (most recent call last):
    ...
    jet_render.overlay.OverlayInputError: color='no-such-colour' is not a colour Pillow knows
    """

    color: Color = "#ffd700"
    line_width: float = 2.0
    marker_size: float = 4.0
    marker: Literal["circle", "cross", "plus"] = "circle"
    fill: Color | None = None
    label: str | None = None
    font_size: float = 14.0

    def __post_init__(self) -> None:
        _check_color("color", self.color)
        if self.fill is not None:
            _check_color("fill", self.fill)
        object.__setattr__(self, "line_width", _check_number("line_width", self.line_width, minimum=0.0))
        object.__setattr__(self, "marker_size", _check_number("marker_size", self.marker_size, minimum=0.0))
        object.__setattr__(
            self, "font_size", _check_number("font_size", self.font_size, minimum=0.0, strict=True)
        )
        if self.marker not in _MARKERS:
            raise OverlayInputError(f"marker must be one of {', '.join(_MARKERS)}, not {self.marker!r}")
        if self.label is not None and not isinstance(self.label, str):
            raise OverlayInputError(f"label must be a string or None, not {type(self.label).__name__}")


def _check_common(overlay: Any, numbers: dict[str, float | None]) -> None:
    kind = type(overlay).__name__
    if overlay.units not in _UNITS:
        raise OverlayInputError(f"{kind} units must be 'pixels' or 'arcsec', not {overlay.units!r}")
    if not isinstance(overlay.style, OverlayStyle):
        raise OverlayInputError(f"{kind} style must be an OverlayStyle, not {type(overlay.style).__name__}")
    for name, minimum in numbers.items():
        value = _check_number(f"{kind} {name}", getattr(overlay, name), minimum=minimum)
        object.__setattr__(overlay, name, value)


@dataclass(frozen=True, slots=True)
class Point:
    """A point mark at ``(x, y)`` (image pixels, or ``(Tx, Ty)`` in arcsec).

    Examples
    --------
    >>> from jet_render.overlay import Point
    >>> Point(10, 20).units
    'pixels'
    """

    x: float
    y: float
    units: OverlayUnits = "pixels"
    style: OverlayStyle = field(default_factory=OverlayStyle)

    def __post_init__(self) -> None:
        _check_common(self, {"x": None, "y": None})


@dataclass(frozen=True, slots=True)
class Rectangle:
    """An axis-aligned box: Zooniverse ``rectangle`` (``x, y`` top-left corner) in pixels,
    or ``[x, x + width] x [y, y + height]`` in arcsec.

    Examples
    --------
    >>> from jet_render.overlay import Rectangle
    >>> Rectangle(10, 20, 40, -1)
    Traceback (most recent call last):
    ...
    jet_render.overlay.OverlayInputError: Rectangle height must be >= 0, not -1
    """

    x: float
    y: float
    width: float
    height: float
    units: OverlayUnits = "pixels"
    style: OverlayStyle = field(default_factory=OverlayStyle)

    def __post_init__(self) -> None:
        _check_common(self, {"x": None, "y": None, "width": 0.0, "height": 0.0})


@dataclass(frozen=True, slots=True)
class RotatedRectangle:
    """A Zooniverse ``rotateRectangle``: ``x, y`` the unrotated top-left corner, turned about
    its centre by ``angle`` degrees clockwise on screen (pixels); in arcsec see the module
    docstring (corner of smallest ``Tx, Ty``, ``angle`` counter-clockwise from solar west).

    Examples
    --------
    >>> from jet_render.overlay import RotatedRectangle
    >>> RotatedRectangle(10, 20, 40, 10, 30).angle
    30.0
    """

    x: float
    y: float
    width: float
    height: float
    angle: float = 0.0
    units: OverlayUnits = "pixels"
    style: OverlayStyle = field(default_factory=OverlayStyle)

    def __post_init__(self) -> None:
        _check_common(self, {"x": None, "y": None, "width": 0.0, "height": 0.0, "angle": None})


@dataclass(frozen=True, slots=True)
class Circle:
    """A circle of ``radius`` about ``(x, y)`` (radius in the overlay's units).

    Examples
    --------
    >>> from jet_render.overlay import Circle
    >>> Circle(0, 0, 30, units="arcsec").radius
    30.0
    """

    x: float
    y: float
    radius: float
    units: OverlayUnits = "pixels"
    style: OverlayStyle = field(default_factory=OverlayStyle)

    def __post_init__(self) -> None:
        _check_common(self, {"x": None, "y": None, "radius": 0.0})


@dataclass(frozen=True, slots=True)
class Text:
    """``text`` anchored at ``(x, y)``; ``anchor`` is a Pillow text anchor (default
    ``"la"``: the left end of the first line's ascender line at ``(x, y)``).

    Examples
    --------
    >>> from jet_render.overlay import Text
    >>> Text(5, 5, "SOL2012-07-08").text
    'SOL2012-07-08'
    """

    x: float
    y: float
    text: str
    units: OverlayUnits = "pixels"
    style: OverlayStyle = field(default_factory=OverlayStyle)
    anchor: str = "la"

    def __post_init__(self) -> None:
        _check_common(self, {"x": None, "y": None})
        if not isinstance(self.text, str):
            raise OverlayInputError(f"Text text must be a string, not {type(self.text).__name__}")
        if not (isinstance(self.anchor, str) and len(self.anchor) == 2):
            raise OverlayInputError(f"Text anchor must be a two-letter Pillow anchor, not {self.anchor!r}")


Overlay: TypeAlias = Point | Rectangle | RotatedRectangle | Circle | Text
"""Any one overlay."""

_OVERLAY_TYPES = (Point, Rectangle, RotatedRectangle, Circle, Text)


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
    jet_render.overlay.OverlayInputError: 1 overlay(s) are in arcsec, so draw_overlays needs geometry= ...
    """
    from PIL import Image, ImageDraw

    items: list[Overlay] = [overlays] if isinstance(overlays, _OVERLAY_TYPES) else list(overlays)
    for item in items:
        if not isinstance(item, _OVERLAY_TYPES):
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


# --------------------------------------------------------------------------- annotations


def annotations_overlay(
    annotations: Iterable[Any],
    *,
    colors: Sequence[Color] = DEFAULT_TOOL_COLORS,
    frame: int | None = None,
    labels: bool = False,
    line_width: float = 2.0,
    marker_size: float = 4.0,
) -> list[Overlay]:
    """Overlays for volunteers' marks (``jet_store.Annotation``) or clusters (``JetCluster``).

    Points become :class:`Point`, ``rectangle`` marks :class:`Rectangle`, and
    ``rotateRectangle`` marks :class:`RotatedRectangle` (the ``temporal`` variants
    likewise), all in image pixels; question answers are skipped.

    Parameters
    ----------
    annotations
        Records with ``shape``, ``x``, ``y`` (and ``width``, ``height``, ``angle``); a
        ``tool`` and ``tool_label`` are used when present.
    colors
        Colour of tool ``i`` is ``colors[i % len(colors)]``; marks without a tool
        take ``colors[0]``.
    frame
        Keep only marks made on this 0-based flipbook frame (``None``: all marks).
    labels
        Label each mark with its ``tool_label`` (stripped) when it has one.
    line_width, marker_size
        Style of the overlays, image pixels.

    Raises
    ------
    OverlayInputError
        On a mark of an unknown shape or without the parameters of its shape.

    Examples
    --------
    >>> from jet_store.records import Annotation
    >>> from jet_render.overlay import annotations_overlay
    >>> marks = [
    ...     Annotation(classification_id=1, task="T0", mark_index=0, subject_id=7, workflow_id=1,
    ...                shape="question", answer="Yes"),
    ...     Annotation(classification_id=1, task="T1", mark_index=0, subject_id=7, workflow_id=1,
    ...                shape="point", tool=0, x=10.0, y=20.0),
    ...     Annotation(classification_id=1, task="T1", mark_index=1, subject_id=7, workflow_id=1,
    ...                shape="rotateRectangle", tool=2, x=5.0, y=6.0, width=40.0, height=10.0, angle=30.0),
    ... ]
    >>> [(type(o).__name__, o.style.color) for o in annotations_overlay(marks)]
    [('Point', '#ffd700'), ('RotatedRectangle', '#ff3df5')]
    """
    palette = tuple(colors)
    if not palette:
        raise OverlayInputError("colors must hold at least one colour")
    for i, color in enumerate(palette):
        _check_color(f"colors[{i}]", color)
    out: list[Overlay] = []
    for record in annotations:
        shape = getattr(record, "shape", None)
        if shape == "question":
            continue
        if frame is not None and getattr(record, "frame", None) != frame:
            continue
        tool = getattr(record, "tool", None)
        color = palette[0] if tool is None else palette[int(tool) % len(palette)]
        label = getattr(record, "tool_label", None) if labels else None
        style = OverlayStyle(
            color=color,
            line_width=line_width,
            marker_size=marker_size,
            label=label.strip() if isinstance(label, str) and label.strip() else None,
        )
        key = getattr(record, "key", None)
        values: dict[str, Any] = {
            name: getattr(record, name, None) for name in ("x", "y", "width", "height", "angle")
        }
        needed: tuple[str, ...]
        if shape in ("point", "temporalPoint"):
            needed = ("x", "y")
        elif shape in ("rectangle", "rotateRectangle", "temporalRotateRectangle"):
            needed = ("x", "y", "width", "height")
        else:
            raise OverlayInputError(f"mark {key!r} has shape {shape!r}, which has no overlay")
        missing = [name for name in needed if values[name] is None]
        if missing:
            raise OverlayInputError(f"{shape} mark {key!r} has no {', '.join(missing)}")
        x, y = values["x"], values["y"]
        if shape in ("point", "temporalPoint"):
            out.append(Point(x, y, style=style))
        elif shape == "rectangle":
            out.append(Rectangle(x, y, values["width"], values["height"], style=style))
        else:
            angle = values["angle"] if values["angle"] is not None else 0.0
            out.append(RotatedRectangle(x, y, values["width"], values["height"], angle, style=style))
    return out
