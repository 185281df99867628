"""Overlays for volunteers' marks and aggregated clusters, one colour per drawing tool.

Examples
--------
>>> from jet_store.records import Annotation
>>> from jet_render.annotations import annotations_overlay
>>> mark = Annotation(classification_id=1, task="T1", mark_index=0, subject_id=7, workflow_id=1,
...                   shape="rectangle", tool=1, x=5.0, y=6.0, width=40.0, height=10.0)
>>> [(type(o).__name__, o.style.color) for o in annotations_overlay([mark])]
[('Rectangle', '#00e5ff')]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from jet_render.shapes import (
    Color,
    Overlay,
    OverlayInputError,
    OverlayStyle,
    Point,
    Rectangle,
    RotatedRectangle,
    check_color,
)

__all__ = ["DEFAULT_TOOL_COLORS", "annotations_overlay"]

DEFAULT_TOOL_COLORS: tuple[str, ...] = (
    "#ffd700",  # tool 0 (jet start point in "Box the jets"): gold
    "#00e5ff",  # tool 1 (jet end point): cyan
    "#ff3df5",  # tool 2 (jet box): magenta
    "#7cff3d",
    "#ff8c1a",
    "#ffffff",
)
"""Colours of drawing tools ``0, 1, 2, ...`` (cycled); marks without a tool take the first."""


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
    >>> from jet_render.annotations import annotations_overlay
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
        check_color(f"colors[{i}]", color)
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
