"""Per-subject jets: box clusters paired with their start and end base-point clusters.

For one subject (its annotations and its metadata contract), following the Solar Jet
Hunter team's rules (ZOONIVERSE.md): clusters pooled over the jet tasks
(:mod:`jet_aggregate.pools`); a box's start point is the
start cluster with the least median distance to its four corners, its end point the
end cluster minimising ``median(|p - corner| * |p - start|)`` (among clusters scoring
nearly as well, the one with most volunteers: the rule alone prefers a stray pair of
marks just inside the box to the crowd on its edge). Then, on the Sun
(:mod:`jet_render.coords`, each mark through its own frame's WCS,
:class:`~jet_aggregate.frames.SubjectFrames`): the jet axis of :mod:`jet_aggregate.axis`
(base edge nearest the start point, width, height, direction). Times are frame times: start where volunteers
marked the base first appearing, end where they marked it last visible, the time of
maximum height from the box's frame; spreads from the volunteers' marks.

Examples
--------
>>> from jet_sandbox.aia import CutoutSpec, make_jet
>>> from jet_sandbox.volunteers import simulate_event
>>> from jet_aggregate.config import AggregationConfig
>>> from jet_aggregate.jets import subject_jets
>>> spec = CutoutSpec(center_x=-300.0, center_y=200.0, start_time="2012-07-08T13:00",
...                   end_time="2012-07-08T13:02:50")
>>> truth = make_jet(-320, 210, 45, "2012-07-08T13:00:30", "2012-07-08T13:02",
...                  "2012-07-08T13:05", max_height=40, width=6)
>>> sim = simulate_event(spec, [truth], seed=2)
>>> subject = sim.subjects[0]
>>> marks = [a for a in sim.annotations if a.subject_id == subject.zooniverse_id]
>>> (jet,) = subject_jets(subject.zooniverse_id, subject.metadata, marks, AggregationConfig()).jets
>>> abs(jet.base_x - truth.base_x) < 0.6, abs(jet.direction - 45) < 5
(True, True)
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from jet_render.coords import box_to_world
from jet_store import JetCluster

from jet_aggregate.axis import edge_geometry
from jet_aggregate.config import AggregationConfig
from jet_aggregate.errors import MetadataError
from jet_aggregate.frames import SubjectFrames
from jet_aggregate.iou import box_corners
from jet_aggregate.pools import PointGroup, box_pool, most_supported, point_pool, user_key

__all__ = ["SubjectFrames", "SubjectJet", "SubjectResult", "subject_jets", "user_key"]

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SubjectJet:
    """One jet seen in one subject, on the Sun (arcsec, degrees, aware UTC times)."""

    subject_id: int
    index: int
    sol_standard: str | None
    event_id: str | None
    base_x: float
    base_y: float
    std_x: float
    std_y: float
    height: float
    width: float
    std_width: float
    direction: float
    sigma: float
    corners_tx: tuple[float, ...]
    corners_ty: tuple[float, ...]
    start_time: datetime
    end_time: datetime
    peak_time: datetime
    start_error_s: float
    end_error_s: float
    subject_start: datetime
    subject_end: datetime
    users: frozenset[str]
    cluster_keys: tuple[str, ...]
    has_end: bool = True
    observer: dict[str, str] = field(default_factory=dict)

    @property
    def gamma(self) -> float:
        """``sqrt(1 - sigma)``, the reference's scale of the +-sigma boxes."""
        return math.sqrt(max(1.0 - self.sigma, 1e-12))


@dataclass(frozen=True)
class SubjectResult:
    """Jets and cluster records of one subject."""

    subject_id: int
    jets: tuple[SubjectJet, ...] = ()
    clusters: tuple[JetCluster, ...] = ()
    answers: dict[str, int] = field(default_factory=dict)


def _median_frame(marks: Iterable[Any], frames: SubjectFrames) -> tuple[int, float]:
    values = np.array([frames.frame(m.frame) for m in marks], dtype=np.float64)
    return int(np.floor(np.median(values) + 0.5)), float(values.std())


def _cluster_record(
    key: str, subject_id: int, task: str, shape: str, marks: Sequence[Any], frame: int, **geometry: Any
) -> JetCluster:
    return JetCluster(
        key=key,
        subject_id=subject_id,
        task=task,
        shape=shape,
        frame=frame,
        n_marks=len(marks),
        n_users=len({user_key(m) for m in marks}),
        members=tuple(f"{m.classification_id}:{m.task}:{m.mark_index}" for m in marks),
        **geometry,
    )


def _world_points(p: PointGroup, frames: SubjectFrames) -> tuple[FloatArray, FloatArray]:
    x = np.array([m.x for m in p.marks], dtype=np.float64)
    y = np.array([m.y for m in p.marks], dtype=np.float64)
    return frames.to_world(x, y, [m.frame for m in p.marks])


def subject_jets(
    subject_id: int, metadata: Mapping[str, Any], annotations: Iterable[Any], config: AggregationConfig
) -> SubjectResult:
    """The jets of one subject, with their cluster records.

    Parameters
    ----------
    subject_id
        The Zooniverse subject id.
    metadata
        The subject's metadata (the contract of ZOONIVERSE.md).
    annotations
        Its ``jet_store.Annotation`` records (points, rotated boxes, answers).
    config
        Parameters.

    Raises
    ------
    MetadataError
        If the metadata cannot map marks to the Sun.
    """
    try:
        frames = SubjectFrames.from_metadata(subject_id, metadata)
    except MetadataError:
        raise
    except Exception as exc:  # zoo_bridge / jet_render data errors carry their own message
        raise MetadataError(f"subject {subject_id}: {exc}") from exc
    marks = list(annotations)
    answers: dict[str, int] = {}
    for m in marks:
        if m.shape == "question" and m.task == config.question_task and m.answer is not None:
            answers[m.answer.strip()] = answers.get(m.answer.strip(), 0) + 1
    drawn = [m for m in marks if m.task in config.jet_tasks and m.x is not None and m.y is not None]
    starts = point_pool([m for m in drawn if m.tool == config.start_tool and m.shape == "point"], config)
    ends = point_pool([m for m in drawn if m.tool == config.end_tool and m.shape == "point"], config)
    boxes = box_pool(
        [m for m in drawn if m.tool == config.box_tool and m.width is not None and m.height is not None],
        config,
    )
    clusters: list[JetCluster] = []
    jets: list[SubjectJet] = []
    for name, pool in (("start", starts), ("end", ends)):
        for index, p in enumerate(pool):
            frame, _ = _median_frame(p.marks, frames)
            key = f"{subject_id}:{name}:{index}"
            clusters.append(
                _cluster_record(
                    key,
                    subject_id,
                    p.marks[0].task,
                    "point",
                    p.marks,
                    frame,
                    x=p.cluster.x,
                    y=p.cluster.y,
                    sigma=p.cluster.spread,
                )
            )
    for b_index, box in enumerate(boxes):
        frame, _ = _median_frame(box.marks, frames)
        x, y, w, h, a = box.cluster.box
        box_key = f"{subject_id}:box:{b_index}"
        clusters.append(
            _cluster_record(
                box_key,
                subject_id,
                box.task,
                "rotateRectangle",
                box.marks,
                frame,
                x=x,
                y=y,
                width=w,
                height=h,
                angle=a,
                sigma=box.cluster.sigma,
            )
        )
        if not starts:
            logger.info("subject %s: box %d has no start point cluster; no jet", subject_id, b_index)
            continue
        cx, cy = box_corners(np.array(box.cluster.box))[0].T
        dist = [float(np.median(np.hypot(cx - p.cluster.x, cy - p.cluster.y))) for p in starts]
        s_best = most_supported(dist, starts, min(dist) + min(w, h) / 2.0)
        start = starts[s_best]
        e_best: int | None = None
        if ends:
            sx, sy = start.cluster.x, start.cluster.y
            score = [
                float(
                    np.median(
                        np.hypot(cx - p.cluster.x, cy - p.cluster.y)
                        * math.hypot(p.cluster.x - sx, p.cluster.y - sy)
                    )
                )
                for p in ends
            ]
            e_best = most_supported(score, ends, 2.0 * min(score))
        btx, bty = _world_points(start, frames)
        base_x, base_y = float(btx.mean()), float(bty.mean())
        world = box_to_world(x, y, w, h, a, frames.geometry[frame], frames.wcs[frame])
        ctx, cty = (
            np.asarray(world.corners_tx, dtype=np.float64),
            np.asarray(world.corners_ty, dtype=np.float64),
        )
        width, height, direction = edge_geometry(ctx, cty, base_x, base_y)
        member_widths = []
        for m in box.marks:
            f = frames.frame(m.frame)
            mw = box_to_world(m.x, m.y, m.width, m.height, m.angle or 0.0, frames.geometry[f], frames.wcs[f])
            member_widths.append(
                edge_geometry(np.asarray(mw.corners_tx), np.asarray(mw.corners_ty), base_x, base_y)[0]
            )
        s_frame, s_spread = _median_frame(start.marks, frames)
        cadence = frames.cadence
        if e_best is not None:
            e_frame, e_spread = _median_frame(ends[e_best].marks, frames)
        else:
            e_frame, e_spread = len(frames.times) - 1, float(len(frames.times))
        e_frame = max(e_frame, s_frame)
        users = {
            user_key(m)
            for m in (*box.marks, *start.marks, *(ends[e_best].marks if e_best is not None else ()))
        }
        keys = (box_key, f"{subject_id}:start:{s_best}") + (
            (f"{subject_id}:end:{e_best}",) if e_best is not None else ()
        )
        jets.append(
            SubjectJet(
                subject_id=subject_id,
                index=len(jets),
                sol_standard=frames.sol_standard,
                event_id=frames.event_id,
                base_x=base_x,
                base_y=base_y,
                std_x=float(btx.std()),
                std_y=float(bty.std()),
                height=height,
                width=width,
                std_width=float(np.std(member_widths)),
                direction=direction,
                sigma=box.cluster.sigma,
                corners_tx=tuple(float(v) for v in ctx),
                corners_ty=tuple(float(v) for v in cty),
                start_time=frames.times[s_frame],
                end_time=frames.times[e_frame],
                peak_time=frames.times[frame],
                start_error_s=s_spread * cadence,
                end_error_s=e_spread * cadence,
                subject_start=frames.times[0],
                subject_end=frames.times[-1],
                users=frozenset(users),
                cluster_keys=keys,
                has_end=e_best is not None,
                observer=frames.observer,
            )
        )
    return SubjectResult(subject_id, tuple(jets), tuple(clusters), answers)
