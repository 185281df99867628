"""A jet's flipbook frames with the aggregation drawn on them (:mod:`jet_render.overlay`).

On every frame of every subject of a jet, :func:`jet_overlays` draws the volunteers'
raw marks (thin, translucent: boxes in the box colour, base points of the start and
end tools), the start and end base-point clusters (large markers) and the consensus
box with its +-sigma boxes (:func:`jet_aggregate.boxes.sigma_boxes`). The frame image
is the subject's rendering from the data folder; a subject whose images are not there
(imported from an export elsewhere) is drawn on a blank canvas of the subject's size
with the data area outlined, so the marks are still shown in place.

Examples
--------
>>> from jet_store import JetCluster
>>> from jet_hunter.report.frames import cluster_overlays
>>> box = JetCluster(key="1:box:0", subject_id=1, task="T1", shape="rotateRectangle",
...                  x=10, y=20, width=40, height=10, angle=30, sigma=0.19)
>>> [(type(o).__name__, round(o.width, 2)) for o in cluster_overlays([box])]
[('RotatedRectangle', 44.44), ('RotatedRectangle', 36.0), ('RotatedRectangle', 40.0)]
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from jet_aggregate.boxes import sigma_boxes
from jet_render.geometry import ImageGeometry, rectangle_corners
from jet_render.overlay import Overlay, OverlayStyle, Point, Rectangle, RotatedRectangle, draw_overlays
from jet_store import Annotation, JetCluster
from PIL import Image

from jet_hunter.report.model import BOX_SHAPES, ReportJet, SubjectView

__all__ = [
    "COLORS",
    "FrameImage",
    "cluster_overlays",
    "frames_by_subject",
    "jet_overlays",
    "mark_overlays",
    "report_size",
    "write_jet_frames",
    "write_subject_frames",
    "zoom_window",
]

log = logging.getLogger(__name__)

COLORS = {
    "box": "#00e5ff",
    "start": "#39ff14",
    "end": "#ff4040",
    "raw_box": "#ffffff66",
    "raw_start": "#c6ff8f99",
    "raw_end": "#ffa0a099",
}
"""Colours of what is drawn (also the legend of the jet pages)."""

MAX_WIDTH = 960
"""Frames wider than this are scaled down for the report (the marks are drawn after, at that size)."""

ZOOM_WIDTH = 420
"""Width of the close-up of the jet shown beside each frame (without marks)."""

AXES_INSET = 3
"""Pixels of the data area's edge left out of the close-up (the axes' frame line and ticks)."""


@dataclass(frozen=True, slots=True)
class FrameImage:
    """One written frame: its file (relative to the report folder), subject, index and time."""

    path: str
    subject_id: int
    index: int
    time: str
    has_image: bool
    zoom: str | None = None


def _box(x: float, y: float, w: float, h: float, a: float, style: OverlayStyle) -> RotatedRectangle:
    return RotatedRectangle(x, y, w, h, a, style=style)


def cluster_overlays(clusters: Iterable[JetCluster], *, scale: float = 1.0) -> list[Overlay]:
    """Consensus boxes with their +sigma and -sigma boxes, and the base-point clusters."""
    out: list[Overlay] = []
    thin = OverlayStyle(color=COLORS["box"], line_width=max(1.0, 1.5 * scale))
    for c in clusters:
        if c.shape in BOX_SHAPES and c.width is not None and c.height is not None:
            box = np.array([c.x, c.y, c.width, c.height, c.angle or 0.0])
            plus, minus = sigma_boxes(box, c.sigma or 0.0)
            for b in (plus, minus):
                bx, by, bw, bh, ba = (float(v) for v in b)
                out.append(_box(bx, by, bw, bh, ba, thin))
            out.append(
                _box(
                    c.x,
                    c.y,
                    c.width,
                    c.height,
                    c.angle or 0.0,
                    OverlayStyle(color=COLORS["box"], line_width=3 * scale),
                )
            )
    for c in clusters:
        if c.shape not in BOX_SHAPES:
            end = ":end:" in c.key
            style = OverlayStyle(
                color=COLORS["end" if end else "start"],
                marker="cross" if end else "circle",
                marker_size=7 * scale,
                line_width=3 * scale,
            )
            out.append(Point(c.x, c.y, style=style))
    return out


def mark_overlays(marks: Iterable[Annotation], *, scale: float = 1.0) -> list[Overlay]:
    """The volunteers' raw marks: boxes thin and translucent, start/end points small."""
    out: list[Overlay] = []
    for m in marks:
        if m.x is None or m.y is None:
            continue
        if m.shape in BOX_SHAPES and m.width is not None and m.height is not None:
            style = OverlayStyle(color=COLORS["raw_box"], line_width=max(1.0, scale))
            out.append(_box(m.x, m.y, m.width, m.height, m.angle or 0.0, style))
        elif m.shape not in BOX_SHAPES:
            end = m.tool == 1
            style = OverlayStyle(color=COLORS["raw_end" if end else "raw_start"], marker_size=2.5 * scale)
            out.append(Point(m.x, m.y, style=style))
    return out


def jet_overlays(view: SubjectView, *, scale: float = 1.0) -> list[Overlay]:
    """Everything drawn on a subject's frames: raw marks first, the consensus on top."""
    return [*mark_overlays(view.marks, scale=scale), *cluster_overlays(view.clusters, scale=scale)]


def _geometry(view: SubjectView, index: int) -> ImageGeometry | None:
    if view.frames is None:
        return None
    return view.frames.geometry[view.frames.frame(index)]


@lru_cache(maxsize=4)
def _blank(width: int, height: int, geometry: ImageGeometry | None) -> Any:
    """The dark canvas of a frame whose image is missing, its data area outlined (shared: never drawn on)."""
    blank = Image.new("RGB", (width, height), (24, 24, 28))
    if geometry is None:
        return blank
    area = Rectangle(
        geometry.im_ll_x * width,
        (1.0 - geometry.im_ur_y) * height,
        (geometry.im_ur_x - geometry.im_ll_x) * width,
        (geometry.im_ur_y - geometry.im_ll_y) * height,
        style=OverlayStyle(color="#555560", line_width=2),
    )
    return draw_overlays(blank, [area])


def _canvas(view: SubjectView, index: int) -> tuple[Any, bool]:
    """The frame's rendering as read (any mode; not to be drawn on), or the blank canvas; is it real."""
    if index < len(view.paths) and view.paths[index]:
        path = Path(view.paths[index])
        if path.is_file():
            try:
                with Image.open(path) as img:
                    img.load()
                    return img, True
            except OSError as exc:
                log.warning("subject %s frame %s: %s unreadable (%s)", view.subject_id, index, path, exc)
    geometry = _geometry(view, index)
    width, height = (geometry.width, geometry.height) if geometry is not None else (1920, 1440)
    return _blank(int(width), int(height), geometry), False


def report_size(size: tuple[int, int]) -> tuple[int, int]:
    """The size of a frame of ``size`` in the report: at most :data:`MAX_WIDTH` wide, same aspect.

    Examples
    --------
    >>> report_size((1920, 1440)), report_size((600, 500))
    ((960, 720), (600, 500))
    """
    width, height = size
    if width <= MAX_WIDTH:
        return width, height
    return MAX_WIDTH, max(1, round(height * MAX_WIDTH / width))


@dataclass(frozen=True)
class _Marks:
    """What is drawn on every frame of one size of a subject: its marks layer, cropped, and the close-up."""

    size: tuple[int, int]
    layer: Any
    offset: tuple[int, int]
    window: tuple[int, int, int, int] | None

    @classmethod
    def draw(cls, view: SubjectView, geometry: ImageGeometry | None, image_size: tuple[int, int]) -> _Marks:
        """Draw ``view``'s marks once, anti-aliased, on a transparent layer of the report's frame size."""
        size = report_size(image_size)
        clear = Image.new("RGBA", size, (0, 0, 0, 0))
        layer = draw_overlays(clear, jet_overlays(view), geometry=geometry, supersample=2)
        box = layer.getbbox()
        if box is not None:
            layer = layer.crop(box)
        return cls(
            size, layer if box else None, (box[0], box[1]) if box else (0, 0), zoom_window(view, image_size)
        )

    def frame(self, image: Any) -> Any:
        """``image`` at the report's size (RGB) with the marks on it."""
        out = image.convert("RGB")
        if out.size != self.size:  # box-reduced by whole factors first, then Lanczos: sharp and quick
            out = out.resize(self.size, Image.Resampling.LANCZOS, reducing_gap=1.0)
        if self.layer is not None:
            out.paste(self.layer, self.offset, self.layer)
        return out

    def close_up(self, image: Any) -> Any:
        """The close-up of the jet from the full-size ``image`` (without marks), or None."""
        if self.window is None:
            return None
        crop = image.crop(self.window).convert("RGB")
        return crop.resize((ZOOM_WIDTH, ZOOM_WIDTH), Image.Resampling.LANCZOS, reducing_gap=1.0)


def zoom_window(
    view: SubjectView, size: tuple[int, int], *, pad: float = 1.8
) -> tuple[int, int, int, int] | None:
    """A square ``(left, top, right, bottom)`` around the jet's clusters, in pixels of an image of ``size``.

    The clusters (not the raw marks: random volunteers mark anywhere) are in the
    subject's nominal image pixels; ``size`` may differ (a scaled-down rendering).
    The window stays inside the data area of the subject's geometry (inside the
    axes: not the title above them nor the axis labels), or inside the image when
    the subject has no geometry. None when the subject has no cluster.

    Examples
    --------
    >>> from jet_store import JetCluster
    >>> from jet_hunter.report.model import SubjectView
    >>> start = JetCluster(key="1:start:0", subject_id=1, task="T1", shape="point", x=100, y=100)
    >>> view = SubjectView(1, {}, None, (start,), ())
    >>> zoom_window(view, (400, 300))
    (40, 40, 160, 160)
    """
    xs: list[float] = []
    ys: list[float] = []
    for c in view.clusters:
        if c.shape in BOX_SHAPES and c.width is not None and c.height is not None:
            cx, cy = rectangle_corners(c.x, c.y, c.width, c.height, c.angle or 0.0)
            xs += [float(v) for v in np.ravel(cx)]
            ys += [float(v) for v in np.ravel(cy)]
        else:
            xs.append(c.x)
            ys.append(c.y)
    if not xs:
        return None
    geometry = _geometry(view, 0)
    ratio = size[0] / geometry.width if geometry is not None else 1.0
    # the data area (inside the axes, its frame line left out): never the title or the axis labels
    x0, y0, x1, y1 = 0.0, 0.0, float(size[0]), float(size[1])
    if geometry is not None:
        left, top, right, bottom = geometry.data_area_pixels()
        ry = size[1] / geometry.height
        x0, y0 = math.ceil(left * ratio) + AXES_INSET, math.ceil(top * ry) + AXES_INSET
        x1, y1 = math.floor(right * ratio) - AXES_INSET, math.floor(bottom * ry) - AXES_INSET
    side = max(max(xs) - min(xs), max(ys) - min(ys)) * pad * ratio
    side = min(max(side, 120.0 * ratio), x1 - x0, y1 - y0)
    mx, my = (max(xs) + min(xs)) / 2 * ratio, (max(ys) + min(ys)) / 2 * ratio
    left = math.floor(min(max(mx - side / 2, x0), x1 - side))
    top = math.floor(min(max(my - side / 2, y0), y1 - side))
    side = math.floor(side)
    return left, top, left + side, top + side


def _time(view: SubjectView, index: int) -> str:
    if view.frames is None:
        return ""
    return view.frames.times[view.frames.frame(index)].strftime("%Y-%m-%d %H:%M:%S")


def write_subject_frames(
    view: SubjectView, folder: Path, data_dir: Path | None, *, relative_to: Path
) -> list[FrameImage]:
    """Draw and write every frame of one subject as JPEG (and its close-up) into ``folder``.

    ``data_dir`` is where the subject's rendering paths are (None: blank canvases). The
    marks are drawn once per subject (and image size) on a transparent layer of the
    report's frame size and pasted on each frame, reduced to that size first: per frame
    only the image is read, scaled, composited and encoded. Returns the frames in order,
    paths relative to ``relative_to``. A module-level function, so that an executor's
    workers can draw subjects in parallel.
    """
    folder.mkdir(parents=True, exist_ok=True)
    resolved = tuple(str(data_dir / p) if data_dir is not None and p else "" for p in view.paths)
    local = SubjectView(view.subject_id, view.metadata, view.frames, view.clusters, view.marks, resolved)
    marks: dict[tuple[tuple[int, int], ImageGeometry | None], _Marks] = {}
    written: list[FrameImage] = []
    for index in range(local.n_frames):
        image, real = _canvas(local, index)
        geometry = _geometry(local, index)
        key = (image.size, geometry)
        if key not in marks:
            marks[key] = _Marks.draw(local, geometry, image.size)
        drawn = marks[key]
        zoom = None
        close = drawn.close_up(image)
        if close is not None:
            zoom = folder / f"s{view.subject_id}_f{index:02d}_zoom.jpg"
            close.save(zoom, "JPEG", quality=88)
        target = folder / f"s{view.subject_id}_f{index:02d}.jpg"
        drawn.frame(image).save(target, "JPEG", quality=85)
        written.append(
            FrameImage(
                str(target.relative_to(relative_to).as_posix()),
                view.subject_id,
                index,
                _time(local, index),
                real,
                None if zoom is None else str(zoom.relative_to(relative_to).as_posix()),
            )
        )
    return written


def write_jet_frames(
    item: ReportJet, folder: Path, data_dir: Path | None, *, relative_to: Path
) -> list[FrameImage]:
    """Draw and write every frame of every subject of ``item`` (:func:`write_subject_frames`).

    Returns the frames in subject, then frame order, paths relative to ``relative_to``.
    """
    return [
        f
        for view in item.subjects
        for f in write_subject_frames(view, folder, data_dir, relative_to=relative_to)
    ]


def frames_by_subject(frames: Sequence[FrameImage]) -> dict[int, list[FrameImage]]:
    """Group written frames by subject, keeping their order."""
    out: dict[int, list[FrameImage]] = {}
    for f in frames:
        out.setdefault(f.subject_id, []).append(f)
    return out
