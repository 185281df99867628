"""The overlays themselves: frozen, validated records of what to draw and how (pure).

:class:`Point`, :class:`Rectangle`, :class:`RotatedRectangle`, :class:`Circle` and
:class:`Text`, each with an :class:`OverlayStyle`; positions in ``units`` ``"pixels"``
(image pixels, y down) or ``"arcsec"`` (helioprojective), as :mod:`jet_render.overlay`
explains. Every value is checked when the record is made, so drawing never meets a
bad one.

Examples
--------
>>> from jet_render.shapes import OverlayStyle, Rectangle
>>> Rectangle(10, 20, 30, 5, units="arcsec", style=OverlayStyle(color="red")).width
30.0
>>> Rectangle(10, 20, 30, float("nan"))
Traceback (most recent call last):
...
jet_render.shapes.OverlayInputError: Rectangle height must be finite, not nan
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

from jet_render.geometry import CoordinateInputError

__all__ = [
    "Circle",
    "Color",
    "Overlay",
    "OverlayInputError",
    "OverlayStyle",
    "OverlayUnits",
    "OVERLAY_TYPES",
    "Point",
    "Rectangle",
    "RotatedRectangle",
    "Text",
    "check_color",
]

OverlayUnits: TypeAlias = Literal["pixels", "arcsec"]
"""Units of an overlay's position and size: image pixels (y down) or helioprojective arcsec."""

Color: TypeAlias = str | tuple[int, int, int] | tuple[int, int, int, int]
"""A Pillow colour: a name or ``#rrggbb[aa]`` string, or an RGB/RGBA tuple of 0..255."""

_UNITS = ("pixels", "arcsec")
_MARKERS = ("circle", "cross", "plus")


class OverlayInputError(CoordinateInputError):
    """An overlay, style or image that cannot be drawn: non-finite or negative sizes, an
    unknown unit, colour or marker, a mark without its shape parameters, or ``arcsec``
    overlays drawn without the ``geometry`` and ``wcs`` that place them."""


def check_color(name: str, value: Any) -> None:
    """Refuse a value Pillow cannot take as a colour (a name, ``#rrggbb[aa]`` or RGB(A) tuple).

    Examples
    --------
    >>> from jet_render.shapes import check_color
    >>> check_color("fill", (255, 0, 0)), check_color("fill", "#00ff00")
    (None, None)
    >>> check_color("fill", (256, 0, 0))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    jet_render.shapes.OverlayInputError: fill must be a colour name, '#rrggbb' or an RGB(A) tuple ...
    """
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
    >>> from jet_render.shapes import OverlayStyle
    >>> OverlayStyle(color="red", line_width=3).line_width
    3.0
    >>> OverlayStyle(color="no-such-colour")
    Traceback (most recent call last):
    ...
    jet_render.shapes.OverlayInputError: color='no-such-colour' is not a colour Pillow knows
    """

    color: Color = "#ffd700"
    line_width: float = 2.0
    marker_size: float = 4.0
    marker: Literal["circle", "cross", "plus"] = "circle"
    fill: Color | None = None
    label: str | None = None
    font_size: float = 14.0

    def __post_init__(self) -> None:
        check_color("color", self.color)
        if self.fill is not None:
            check_color("fill", self.fill)
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
    >>> from jet_render.shapes import Point
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
    >>> from jet_render.shapes import Rectangle
    >>> Rectangle(10, 20, 40, -1)
    Traceback (most recent call last):
    ...
    jet_render.shapes.OverlayInputError: Rectangle height must be >= 0, not -1
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
    >>> from jet_render.shapes import RotatedRectangle
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
    >>> from jet_render.shapes import Circle
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
    >>> from jet_render.shapes import Text
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

OVERLAY_TYPES = (Point, Rectangle, RotatedRectangle, Circle, Text)
