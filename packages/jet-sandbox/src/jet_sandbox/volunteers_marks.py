"""How simulated volunteers mark a jet: points and boxes in a rendered subject's image pixels.

Marks follow the "Box the jets" workflow: a point where the base first appears, a point
where it is last visible, and a rotated box in the frame of maximum length, built from
the truth through the frame's WCS and the rendering's data area.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import numpy as np

from jet_sandbox.aia import JetTruth
from jet_sandbox.volunteers_crowd import VolunteerKind

__all__ = ["FrameView", "Marker", "box_the_jets_marks", "RenderedGeometry", "visible_frames"]


@dataclass(frozen=True, slots=True)
class RenderedGeometry:
    """Where the FITS array sits in the rendered image (figure fractions, origin bottom-left)."""

    width: int = 1920
    height: int = 1440
    im_ll_x: float = 0.2003
    im_ll_y: float = 0.11
    im_ur_x: float = 0.8247
    im_ur_y: float = 0.88

    def to_image(self, px: Any, py: Any, nx: int, ny: int) -> tuple[Any, Any]:
        """0-based array pixel centres -> image pixels (x right, y down)."""
        fx = self.im_ll_x + (np.asarray(px) + 0.5) / nx * (self.im_ur_x - self.im_ll_x)
        fy = self.im_ll_y + (np.asarray(py) + 0.5) / ny * (self.im_ur_y - self.im_ll_y)
        return fx * self.width, (1.0 - fy) * self.height


class FrameView(Protocol):
    """What a marker needs of a frame: its size, pixel scale, centre and world -> pixel."""

    @property
    def nx(self) -> int: ...
    @property
    def ny(self) -> int: ...
    @property
    def cdelt(self) -> float: ...
    @property
    def center_x(self) -> float: ...
    @property
    def center_y(self) -> float: ...
    def world_to_pixel(self, x: Any, y: Any) -> tuple[Any, Any]: ...


class Marker:
    """Turns truth into image marks for one subject (a :class:`CutoutSpec` or any :class:`FrameView`)."""

    def __init__(self, spec: FrameView, geometry: RenderedGeometry) -> None:
        self.spec = spec
        self.geometry = geometry

    def image(self, tx: Any, ty: Any) -> tuple[Any, Any]:
        px, py = self.spec.world_to_pixel(tx, ty)
        return self.geometry.to_image(px, py, self.spec.nx, self.spec.ny)

    def image_scale(self) -> float:
        """Image pixels per AIA pixel (mean of the two axes)."""
        g = self.geometry
        sx = (g.im_ur_x - g.im_ll_x) * g.width / self.spec.nx
        sy = (g.im_ur_y - g.im_ll_y) * g.height / self.spec.ny
        return 0.5 * (sx + sy)

    def box(
        self, jet: JetTruth, height: float, rng: np.random.Generator, kind: VolunteerKind
    ) -> dict[str, float]:
        """A rotateRectangle from the base point along the jet, ``height`` long (arcsec)."""
        angle = math.radians(jet.direction + rng.normal(0.0, kind.angle))
        length = height * (1.0 + rng.normal(0.0, kind.length))
        width = jet.width * 2.0 * (1.0 + rng.normal(0.0, kind.width))
        bx, by = self.image(jet.base_x, jet.base_y)
        tx, ty = self.image(jet.base_x + length * math.cos(angle), jet.base_y + length * math.sin(angle))
        shift = rng.normal(0.0, kind.base_px * self.image_scale(), size=2)
        bx, by, tx, ty = bx + shift[0], by + shift[1], tx + shift[0], ty + shift[1]
        along = math.hypot(tx - bx, ty - by)
        across = width / self.spec.cdelt * self.image_scale()
        theta = math.degrees(math.atan2(ty - by, tx - bx))  # the length axis, y-down image frame
        cx, cy = (bx + tx) / 2.0, (by + ty) / 2.0
        if rng.random() < 0.5:  # draw the length as the box's width ...
            w, h, a = along, across, theta
        else:  # ... or as its height: the same rectangle, (h, w, a + 90)
            w, h, a = across, along, theta - 90.0
        a = (a + 180.0) % 360.0 - 180.0
        return {"x": cx - w / 2.0, "y": cy - h / 2.0, "width": w, "height": h, "angle": a}

    def point(self, jet: JetTruth, rng: np.random.Generator, kind: VolunteerKind) -> dict[str, float]:
        x, y = self.image(jet.base_x, jet.base_y)
        dx, dy = rng.normal(0.0, kind.base_px * self.image_scale(), size=2)
        return {"x": float(x + dx), "y": float(y + dy)}

    def anywhere(self, rng: np.random.Generator) -> tuple[float, float]:
        g = self.geometry
        return (
            float(rng.uniform(g.im_ll_x, g.im_ur_x) * g.width),
            float(rng.uniform(1.0 - g.im_ur_y, 1.0 - g.im_ll_y) * g.height),
        )


def visible_frames(jet: JetTruth, times: Sequence[datetime]) -> list[int]:
    """Indices of the frames at ``times`` in which the jet is active and above its base."""
    return [i for i, t in enumerate(times) if jet.active_at(t) and jet.height_at(t) > 0]


def _jet_marks(
    marker: Marker, jet: JetTruth, times: Sequence[datetime], rng: np.random.Generator, kind: VolunteerKind
) -> list[dict[str, Any]]:
    last = len(times) - 1
    if kind.random:
        marks = []
        for tool in (0, 1):
            x, y = marker.anywhere(rng)
            marks.append({"tool": tool, "frame": int(rng.integers(0, last + 1)), "x": x, "y": y})
        x, y = marker.anywhere(rng)
        w, h = rng.uniform(20, 300, size=2)
        marks.append(
            {
                "tool": 2,
                "frame": int(rng.integers(0, last + 1)),
                "x": x,
                "y": y,
                "width": float(w),
                "height": float(h),
                "angle": float(rng.uniform(-180, 180)),
            }
        )
        return marks
    visible = visible_frames(jet, times)
    heights = [jet.height_at(times[i]) for i in visible]
    peak = visible[int(np.argmax(heights))]

    def slip(i: int) -> int:
        if rng.random() < kind.frame_slip:
            i += int(rng.choice([-1, 1]))
        return min(max(i, 0), last)

    marks = []
    for tool, frame in ((0, visible[0]), (1, visible[-1])):
        if rng.random() >= kind.skip:
            marks.append({"tool": tool, "frame": slip(frame), **marker.point(jet, rng, kind)})
    # the box is what the task is about: always drawn
    marks.append({"tool": 2, "frame": peak, **marker.box(jet, jet.height_at(times[peak]), rng, kind)})
    return marks


def box_the_jets_marks(
    marker: Marker,
    jets: Sequence[JetTruth],
    present: Sequence[JetTruth],
    times: Sequence[datetime],
    rng: np.random.Generator,
    kind: VolunteerKind,
) -> tuple[list[tuple[str, str]], list[tuple[str, list[dict[str, Any]]]]]:
    """One volunteer's "Box the jets" answers (T3, T4: ``Yes``/``No``) and marks (T1, T5).

    ``present`` are the jets visible in the subject's frames ``times``; a random
    volunteer answers at random and marks anywhere. Marks are dicts of ``tool``,
    ``frame``, ``x``, ``y`` (and ``width``, ``height``, ``angle`` for the box), image
    pixels of ``marker``'s rendering.
    """
    if kind.random:
        n_jets = int(rng.integers(0, 3))
        drawn: list[JetTruth | None] = [jets[0] if jets else None] * n_jets
    else:
        n_jets = len(present)
        drawn = list(present)
    answers = [("T3", "Yes" if n_jets else "No")]
    if n_jets:
        answers.append(("T4", "Yes" if n_jets > 1 else "No"))
    tasks: list[tuple[str, list[dict[str, Any]]]] = []
    for task, jet in zip(("T1", "T5"), drawn, strict=False):
        if jet is None:
            jet = JetTruth(
                base_x=marker.spec.center_x,
                base_y=marker.spec.center_y,
                direction=0,
                start_time=times[0],
                peak_time=times[-1],
                end_time=times[-1],
                max_height=10,
                width=5,
            )
        tasks.append((task, _jet_marks(marker, jet, times, rng, kind)))
    return answers, tasks
