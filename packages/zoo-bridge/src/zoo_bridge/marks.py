"""Drawing marks of a classification export, validated and rescaled (pure).

Both Panoptes front ends are read: the classic one names a mark's tool by its index
``tool`` (and writes ``tool_label``), the newer one (FEM) by ``toolIndex`` and
``toolType``, and writes rectangles by their centre (``x_center``, ``y_center``). The
shape always comes from the workflow's tool; a ``toolType`` that disagrees is an error.

Shapes and their parameters (Zooniverse pixels of the image the volunteer saw):

==========================  ===============================================
point, temporalPoint        ``x y`` (temporal: ``displayTime``)
rectangle                   ``x y width height`` (top-left corner)
rotateRectangle             ``x y width height angle`` (unrotated top-left)
temporalRotateRectangle     as rotateRectangle, plus ``displayTime``
circle                      ``x y r``
ellipse                     ``x y rx ry angle``
line                        ``x1 y1 x2 y2``
==========================  ===============================================

Examples
--------
>>> from zoo_bridge.marks import parse_mark
>>> from zoo_bridge.workflows import TaskSpec, ToolSpec
>>> task = TaskSpec("T1", "drawing", tools=(ToolSpec(0, "point", "Base"), ToolSpec(1, "circle", "Blob")))
>>> mark = parse_mark({"tool": 0, "frame": 3, "x": 10.0, "y": 20.0}, task, n_frames=15, scale=(2, 2))
>>> mark.shape, mark.tool_label, mark.frame, mark.x, mark.y, mark.width
('point', 'Base', 3, 20.0, 40.0, None)
>>> fem = {"toolIndex": 1, "toolType": "circle", "frame": 0, "x": 5, "y": 6, "r": 2}
>>> parse_mark(fem, task, n_frames=1).width
4.0
>>> parse_mark({"tool": 0, "frame": 15, "x": 1, "y": 1}, task, n_frames=15)
Traceback (most recent call last):
...
zoo_bridge.errors.RowError: T1 mark frame 15 is outside the subject's 15 frames
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from zoo_bridge.errors import RowError
from zoo_bridge.workflows import TaskSpec

__all__ = ["Mark", "SHAPE_PARAMS", "parse_mark", "number"]

SHAPE_PARAMS: dict[str, tuple[str, ...]] = {
    "point": ("x", "y"),
    "temporalPoint": ("x", "y", "displayTime"),
    "rectangle": ("x", "y", "width", "height"),
    "rotateRectangle": ("x", "y", "width", "height", "angle"),
    "temporalRotateRectangle": ("x", "y", "width", "height", "angle", "displayTime"),
    "circle": ("x", "y", "r"),
    "ellipse": ("x", "y", "rx", "ry", "angle"),
    "line": ("x1", "y1", "x2", "y2"),
}
"""The parameters each supported shape must have."""

#: a pixel coordinate beyond this is not a mark on an image
_LIMIT = 1e7
_SIZES = frozenset({"width", "height", "r", "rx", "ry"})


@dataclass(frozen=True, slots=True)
class Mark:
    """One drawing mark in the nominal image's pixels (x right, y down), see
    :class:`jet_store.Annotation` for what each field holds per shape."""

    shape: str
    tool: int
    tool_label: str | None
    frame: int
    x: float | None = None
    y: float | None = None
    width: float | None = None
    height: float | None = None
    angle: float | None = None
    x2: float | None = None
    y2: float | None = None
    display_time: float | None = None
    details: tuple[Any, ...] = ()


def number(value: Any, what: str) -> float:
    """A finite float from a JSON number (not a bool); else :class:`RowError`.

    Examples
    --------
    >>> number(3, "x")
    3.0
    >>> number(float("nan"), "x")
    Traceback (most recent call last):
    ...
    zoo_bridge.errors.RowError: x is not finite (nan)
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RowError("bad_number", f"{what} is not a number ({_short(value)})")
    try:
        result = float(value)
    except OverflowError:
        raise RowError("bad_number", f"{what} is too large ({_short(value)})") from None
    if not math.isfinite(result):
        raise RowError("not_finite", f"{what} is not finite ({result})")
    return result


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _index(value: Any, what: str) -> int:
    if type(value) is int and -(10**9) < value < 10**9:  # the common case, first
        return value
    if isinstance(value, bool):
        raise RowError("bad_number", f"{what} is not a whole number ({_short(value)})")
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) < 12:
        return int(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e9:
        return int(value)
    if isinstance(value, int) and abs(value) < 10**9:
        return value
    raise RowError("bad_number", f"{what} is not a whole number ({_short(value)})")


def _display_time(value: Any, what: str) -> float:
    if isinstance(value, str):  # "m:ss.s" or seconds as text
        try:
            minutes, _, seconds = value.strip().rpartition(":")
            value = float(minutes or 0) * 60.0 + float(seconds)
        except ValueError:
            raise RowError("bad_number", f"{what} is not a time ({_short(value)})") from None
    return number(value, what)


def _params(raw: Mapping[str, Any], shape: str, where: str) -> dict[str, float]:
    values: dict[str, float] = {}
    given = raw
    if "x" not in given and "x_center" in given and shape in ("rectangle", "rotateRectangle"):
        # the newer front end writes rectangles by their centre
        moved = dict(raw)
        w, h = number(moved.get("width"), f"{where} width"), number(moved.get("height"), f"{where} height")
        moved["x"] = number(moved["x_center"], f"{where} x_center") - w / 2.0
        moved["y"] = number(moved.get("y_center"), f"{where} y_center") - h / 2.0
        given = moved
    for name in SHAPE_PARAMS[shape]:
        if name not in given or given[name] is None:
            if name == "angle":
                values[name] = 0.0
                continue
            raise RowError("missing_parameter", f"{where} {shape} has no {name}")
        if name == "displayTime":
            values[name] = _display_time(given[name], f"{where} displayTime")
            continue
        value = given[name]
        if type(value) is not float or not math.isfinite(value):  # else number() gives it as it is
            value = number(value, f"{where} {name}")
        if name != "angle" and abs(value) > _LIMIT:
            raise RowError("bad_number", f"{where} {name} = {value:g} is not a pixel position")
        if name in _SIZES and value < 0:
            raise RowError("bad_number", f"{where} {name} = {value:g} is negative")
        values[name] = value
    return values


def parse_mark(
    raw: Any,
    task: TaskSpec,
    *,
    n_frames: int | None,
    scale: tuple[float, float] = (1.0, 1.0),
) -> Mark:
    """One mark of a drawing task -> :class:`Mark`, rescaled to the nominal image.

    Parameters
    ----------
    raw
        The mark as the export has it (a JSON object).
    task
        The drawing task it belongs to (its tools give the shape).
    n_frames
        Frames of the subject (``frame`` must be below it); None when unknown.
    scale
        ``(sx, sy)`` from the pixels the volunteer saw to the nominal image's
        (``#width / naturalWidth``, ``#height / naturalHeight``).

    Raises
    ------
    RowError
        Not an object, an unknown tool, a ``toolType`` other than the tool's shape, a
        missing, non-numeric, non-finite or absurd parameter, a frame out of range.
    """
    if type(raw) is not dict and not isinstance(raw, Mapping):
        raise RowError("bad_mark", f"{task.key} mark is not an object ({_short(raw)})")
    tool_value = raw.get("tool", raw.get("toolIndex"))
    if tool_value is None:
        raise RowError("unknown_tool", f"{task.key} mark has neither tool nor toolIndex")
    tool_index = _index(tool_value, f"{task.key} tool")
    if not 0 <= tool_index < len(task.tools):
        raise RowError("unknown_tool", f"{task.key} has no tool {tool_index} (it has {len(task.tools)})")
    tool = task.tools[tool_index]
    shape = tool.type
    given_type = raw.get("toolType")
    if given_type is not None and given_type != shape:
        raise RowError(
            "unknown_tool", f"{task.key} tool {tool_index} is a {shape}, the mark says {_short(given_type)}"
        )
    if shape not in SHAPE_PARAMS:
        raise RowError("unknown_shape", f"{task.key} tool {tool_index} has unsupported shape {shape!r}")
    frame = _index(raw.get("frame", 0) if raw.get("frame") is not None else 0, f"{task.key} frame")
    if frame < 0 or (n_frames is not None and frame >= n_frames):
        raise RowError(
            "frame_out_of_range",
            f"{task.key} mark frame {frame} is outside the subject's {n_frames} frames",
        )
    where = f"{task.key} tool {tool_index}"
    p = _params(raw, shape, where)
    sx, sy = scale
    details = raw.get("details")
    label = raw.get("tool_label")
    common: dict[str, Any] = {
        "shape": shape,
        "tool": tool_index,
        "tool_label": label if isinstance(label, str) else tool.label,
        "frame": frame,
        "details": tuple(details) if isinstance(details, list) else (),
        "display_time": p.get("displayTime"),
    }
    if shape == "line":
        return Mark(**common, x=p["x1"] * sx, y=p["y1"] * sy, x2=p["x2"] * sx, y2=p["y2"] * sy)
    if shape == "circle":
        return Mark(**common, x=p["x"] * sx, y=p["y"] * sy, width=2 * p["r"] * sx, height=2 * p["r"] * sy)
    if shape == "ellipse":
        return Mark(
            **common,
            x=p["x"] * sx,
            y=p["y"] * sy,
            width=2 * p["rx"] * sx,
            height=2 * p["ry"] * sy,
            angle=p["angle"],
        )
    if "width" in p:
        return Mark(
            **common,
            x=p["x"] * sx,
            y=p["y"] * sy,
            width=p["width"] * sx,
            height=p["height"] * sy,
            angle=p.get("angle") if "angle" in SHAPE_PARAMS[shape] else None,
        )
    return Mark(**common, x=p["x"] * sx, y=p["y"] * sy)
