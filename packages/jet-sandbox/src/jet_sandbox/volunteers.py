"""Simulated Solar Jet Hunter volunteers marking synthetic jets of known truth.

:func:`simulate_event` splits a synthetic cutout's frames (:mod:`jet_sandbox.aia`)
into overlapping flipbook subjects and lets a crowd classify each subject the way the
"Box the jets" workflow asks: T3 "is there a jet" (and T4 "a second one"), then for
each jet (T1 the first, T5 the second) a point where its base first appears (tool 0),
a point where it is last visible (tool 1) and a rotated box in the frame of maximum
length (tool 2). Marks are image pixels of a framed 1920x1440 rendering (x right,
y down), built from the truth through the frame's WCS and the rendering's data area.

Volunteer kinds (:data:`KINDS`): ``careful`` (sub-pixel base, a few per cent on the
box), ``sloppy`` (pixels off, frames off by one, tools skipped), ``random`` (marks
anywhere, answers at random), ``anonymous`` (a careful volunteer not logged in:
``not-logged-in-<hash>``, no user id) and ``repeat`` (a careful volunteer who
classifies every subject twice). Output: ``jet_store`` records (Subject,
Classification, Annotation) and classification-export-shaped rows.

Pure numpy and astropy; deterministic for a seed.

Examples
--------
>>> from jet_sandbox.aia import CutoutSpec, make_jet
>>> from jet_sandbox.volunteers import simulate_event
>>> spec = CutoutSpec(center_x=-300.0, center_y=200.0, start_time="2012-07-08T13:00",
...                   end_time="2012-07-08T13:06")
>>> jet = make_jet(-320, 210, 45, "2012-07-08T13:01", "2012-07-08T13:03", "2012-07-08T13:05",
...                max_height=40, width=6)
>>> sim = simulate_event(spec, [jet], seed=1)
>>> len(sim.subjects), sim.subjects[1].metadata["#date-obs_0"] == sim.subjects[0].metadata["#date-obs_13"]
(3, True)
>>> sorted({a.shape for a in sim.annotations})
['point', 'question', 'rotateRectangle']
>>> sorted(sim.export_rows[0])[:3]
['annotations', 'classification_id', 'created_at']
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import numpy as np
from jet_store import Annotation, Classification, Subject

from jet_sandbox.aia import CutoutSpec, JetTruth, observer_at
from jet_sandbox.panoptes_exports import CLASSIFICATION_COLUMNS

__all__ = [
    "EXPORT_COLUMNS",
    "FrameView",
    "Marker",
    "box_the_jets_marks",
    "KINDS",
    "DEFAULT_CROWD",
    "RenderedGeometry",
    "SimulatedEvent",
    "VolunteerKind",
    "simulate_event",
    "subject_windows",
]

EXPORT_COLUMNS = CLASSIFICATION_COLUMNS
"""The columns of a Panoptes classification export, in order (the replica's own list)."""


@dataclass(frozen=True, slots=True)
class VolunteerKind:
    """How one kind of volunteer marks (sigmas are 1-sigma Gaussian errors).

    ``base_px`` in AIA pixels; ``length``/``width`` relative; ``angle`` degrees;
    ``frame_slip`` the probability of marking one frame off; ``skip`` the probability
    of leaving out a tool; ``random`` marks anywhere.
    """

    name: str
    base_px: float = 0.3
    length: float = 0.03
    width: float = 0.1
    angle: float = 1.5
    frame_slip: float = 0.0
    skip: float = 0.0
    random: bool = False
    anonymous: bool = False
    repeats: int = 1


KINDS: dict[str, VolunteerKind] = {
    "careful": VolunteerKind("careful"),
    "sloppy": VolunteerKind(
        "sloppy", base_px=1.2, length=0.08, width=0.25, angle=5.0, frame_slip=0.3, skip=0.15
    ),
    "random": VolunteerKind("random", random=True),
    "anonymous": VolunteerKind("anonymous", anonymous=True),
    "repeat": VolunteerKind("repeat", repeats=2),
}
"""The volunteer kinds by name."""

DEFAULT_CROWD: tuple[str, ...] = (
    ("careful",) * 8 + ("sloppy",) * 3 + ("random",) * 2 + ("anonymous",) * 2 + ("repeat",)
)
"""16 volunteers: 8 careful, 3 sloppy, 2 random, 2 anonymous, 1 repeat classifier."""


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


@dataclass(frozen=True, slots=True)
class SimulatedEvent:
    """Everything a simulation made: records, export rows and the truth."""

    spec: CutoutSpec
    jets: tuple[JetTruth, ...]
    subjects: tuple[Subject, ...]
    classifications: tuple[Classification, ...]
    annotations: tuple[Annotation, ...]
    export_rows: tuple[dict[str, str], ...]
    volunteers: tuple[str, ...] = field(default=())


def subject_windows(n_frames: int, per_subject: int, overlap: int) -> list[range]:
    """Windows of ``per_subject`` frames sharing ``overlap``; a short tail becomes the last full window.

    Examples
    --------
    >>> from jet_sandbox.volunteers import subject_windows
    >>> [(w.start, w.stop) for w in subject_windows(30, 15, 2)]
    [(0, 15), (13, 28), (15, 30)]
    """
    if n_frames <= per_subject:
        return [range(n_frames)]
    step = per_subject - overlap
    windows = [range(s, s + per_subject) for s in range(0, n_frames - per_subject + 1, step)]
    if windows[-1].stop < n_frames:
        windows.append(range(n_frames - per_subject, n_frames))
    return windows


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


def _metadata(
    spec: CutoutSpec, times: Sequence[datetime], key: str, geometry: RenderedGeometry, sol: str
) -> dict[str, str]:
    wcs = spec.wcs().to_header()
    obs = observer_at(times[0])
    meta = {
        "#subject_key": key,
        "#sol_standard": sol,
        "#event_id": f"ivo://sandbox/{sol}",
        "#frame_per_sub": str(len(times)),
        "#wavelength": str(spec.waves[0]),
        "#width": str(geometry.width),
        "#height": str(geometry.height),
        "#im_ll_x": repr(geometry.im_ll_x),
        "#im_ll_y": repr(geometry.im_ll_y),
        "#im_ur_x": repr(geometry.im_ur_x),
        "#im_ur_y": repr(geometry.im_ur_y),
        "#naxis1": str(spec.nx),
        "#naxis2": str(spec.ny),
        "#dsun_obs": repr(obs.dsun_obs),
        "#hgln_obs": repr(obs.hgln_obs),
        "#hglt_obs": repr(obs.hglt_obs),
        "#rsun_obs": repr(obs.rsun_obs),
        "#crota2": repr(float(spec.crota2)),
    }
    for name in ("CRPIX1", "CRPIX2", "CRVAL1", "CRVAL2", "CDELT1", "CDELT2"):
        meta[f"#{name.lower()}"] = repr(float(wcs[name]))
    for name in ("CUNIT1", "CUNIT2", "CTYPE1", "CTYPE2"):
        meta[f"#{name.lower()}"] = str(wcs.get(name, "arcsec" if "UNIT" in name else "HPLN-TAN")).strip()
    for i, moment in enumerate(times):
        meta[f"#file_name_{i}"] = f"ssw_cutout_{moment:%Y%m%d_%H%M%S}_aia_{spec.waves[0]}_.png"
        meta[f"#date-obs_{i}"] = _iso(moment)
    meta["!SOL"] = sol
    return meta


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


def _visible_frames(jet: JetTruth, times: Sequence[datetime]) -> list[int]:
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
    visible = _visible_frames(jet, times)
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


def _user(index: int, kind: VolunteerKind) -> tuple[str, int | None]:
    if kind.anonymous:
        return f"not-logged-in-{hashlib.sha1(str(index).encode()).hexdigest()[:20]}", None
    return f"sim-{kind.name}-{index:02d}", 100_000 + index


def _export_value(mark: dict[str, Any]) -> dict[str, Any]:
    out = {"tool": mark["tool"], "frame": mark["frame"], "details": []}
    out.update({k: mark[k] for k in ("x", "y", "width", "height", "angle") if k in mark})
    out["tool_label"] = ("base first", "base last", "box")[mark["tool"]]
    return out


def simulate_event(
    spec: CutoutSpec,
    jets: Sequence[JetTruth],
    *,
    crowd: Sequence[str] = DEFAULT_CROWD,
    frames_per_subject: int = 15,
    overlap: int = 2,
    seed: int = 0,
    geometry: RenderedGeometry | None = None,
    workflow_id: int = 19650,
    workflow_version: str = "4.52",
    first_subject_id: int = 90_000_000,
    first_classification_id: int = 500_000_000,
    sol_standard: str | None = None,
) -> SimulatedEvent:
    """Simulate a crowd classifying every subject of one synthetic event.

    Parameters
    ----------
    spec, jets
        The synthetic cutout and its jets (at most two: the first is marked in T1,
        the second in T5); no jets simulates an event with nothing to see.
    crowd
        One :data:`KINDS` name per volunteer.
    frames_per_subject, overlap
        The flipbook grouping (Solar Jet Hunter: 15 frames, 2 shared).
    seed
        Seeds every volunteer's errors.
    geometry
        Where the data sit in the rendered images (default: the seed's framed layout).

    Returns
    -------
    SimulatedEvent
        Subjects (with the metadata contract), classifications, annotations and the
        export rows, in a stable order.
    """
    if len(jets) > 2:
        raise ValueError("the Box the jets workflow marks at most two jets per subject")
    geometry = geometry or RenderedGeometry()
    kinds = [KINDS[name] for name in crowd]
    rng = np.random.default_rng(seed)
    times = spec.frame_times()
    sol = sol_standard or f"SOL{spec.start_time:%Y-%m-%dT%H:%M:%S}L000C000"
    marker = Marker(spec, geometry)
    subjects: list[Subject] = []
    classifications: list[Classification] = []
    annotations: list[Annotation] = []
    rows: list[dict[str, str]] = []
    cid = first_classification_id
    for s, window in enumerate(subject_windows(len(times), frames_per_subject, overlap)):
        sub_times = [times[i] for i in window]
        sid = first_subject_id + s
        key = f"{sol}:{s}"
        meta = _metadata(spec, sub_times, key, geometry, sol)
        subjects.append(
            Subject(
                key=key,
                rendering_paths=tuple(meta[f"#file_name_{i}"] for i in range(len(sub_times))),
                event_id=meta["#event_id"],
                sol_standard=sol,
                index=s,
                zooniverse_id=sid,
                metadata=meta,
            )
        )
        present = [jet for jet in jets if _visible_frames(jet, sub_times)]
        for v, kind in enumerate(kinds):
            user, user_id = _user(v, kind)
            for repeat in range(kind.repeats):
                created = sub_times[-1] + timedelta(days=400, minutes=v, seconds=repeat)
                answers, tasks = box_the_jets_marks(marker, jets, present, sub_times, rng, kind)
                value: list[dict[str, Any]] = [{"task": t, "task_label": t, "value": a} for t, a in answers]
                for task, marks in tasks:
                    value.append(
                        {"task": task, "task_label": task, "value": [_export_value(m) for m in marks]}
                    )
                for task, answer in answers:
                    annotations.append(
                        Annotation(
                            classification_id=cid,
                            task=task,
                            mark_index=0,
                            subject_id=sid,
                            workflow_id=workflow_id,
                            shape="question",
                            user=user,
                            answer=answer,
                        )
                    )
                for task, marks in tasks:
                    for m_index, mark in enumerate(marks):
                        shape = "rotateRectangle" if mark["tool"] == 2 else "point"
                        annotations.append(
                            Annotation(
                                classification_id=cid,
                                task=task,
                                mark_index=m_index,
                                subject_id=sid,
                                workflow_id=workflow_id,
                                shape=shape,
                                user=user,
                                tool=mark["tool"],
                                frame=mark["frame"],
                                x=mark["x"],
                                y=mark["y"],
                                width=mark.get("width"),
                                height=mark.get("height"),
                                angle=mark.get("angle"),
                            )
                        )
                classifications.append(
                    Classification(
                        classification_id=cid,
                        subject_id=sid,
                        workflow_id=workflow_id,
                        workflow_version=workflow_version,
                        created_at=created,
                        user_name=user,
                        user_id=user_id,
                        workflow_name="Box the jets",
                        annotations=tuple(value),
                        subject_data={str(sid): {"retired": None, **meta}},
                    )
                )
                dims = [
                    {
                        "clientWidth": 960,
                        "clientHeight": 720,
                        "naturalWidth": geometry.width,
                        "naturalHeight": geometry.height,
                    }
                ] * len(sub_times)
                rows.append(
                    {
                        "classification_id": str(cid),
                        "user_name": user,
                        "user_id": "" if user_id is None else str(user_id),
                        "user_ip": f"sim{v:02d}",
                        "workflow_id": str(workflow_id),
                        "workflow_name": "Box the jets",
                        "workflow_version": workflow_version,
                        "created_at": created.strftime("%Y-%m-%d %H:%M:%S UTC"),
                        "gold_standard": "",
                        "expert": "",
                        "metadata": json.dumps({"subject_dimensions": dims}),
                        "annotations": json.dumps(value),
                        "subject_data": json.dumps({str(sid): {"retired": None, **meta}}),
                        "subject_ids": str(sid),
                    }
                )
                cid += 1
    return SimulatedEvent(
        spec,
        tuple(jets),
        tuple(subjects),
        tuple(classifications),
        tuple(annotations),
        tuple(rows),
        tuple(crowd),
    )
