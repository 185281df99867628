"""Per-subject jets: box clusters paired with their start and end base-point clusters.

For one subject (its annotations and its metadata contract), following the Solar Jet
Hunter team's rules (ZOONIVERSE.md): box clusters of the jet tasks (T1, T5) with a
mean member IoU above 0 are pooled, weighted by mean IoU x size, and merged when they
overlap by more than ``box_merge_iou_max`` (the best kept); point clusters of one tool
closer than ``point_merge_factor`` x the larger spread merge, closest first (the spread
of the merged cluster counts too, which undoes HDBSCAN's splitting of one volunteers'
cluster into pairs at ``min_cluster_size = 2``); a box's start point is the
start cluster with the least median distance to its four corners, its end point the
end cluster minimising ``median(|p - corner| * |p - start|)`` (among clusters scoring
nearly as well, the one with most volunteers: the rule alone prefers a stray pair of
marks just inside the box to the crowd on its edge). Then, on the Sun
(:mod:`jet_render.coords`, each mark through its own frame's WCS from
:func:`zoo_bridge.metadata.frame_metadata`): the base edge is the box edge joining the
two corners nearest the start point (width = its length), the height is the adjacent
edge, the direction points from the base edge to the opposite one (degrees
counter-clockwise from solar west). Times are frame times: start where volunteers
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
from jet_render.coords import ImageGeometry, box_to_world, frame_wcs, pixel_to_world
from jet_store import JetCluster
from zoo_bridge.metadata import frame_count, frame_metadata

from jet_aggregate.boxes import BoxCluster, cluster_boxes
from jet_aggregate.config import AggregationConfig
from jet_aggregate.errors import MetadataError
from jet_aggregate.iou import box_corners, iou_matrix
from jet_aggregate.points import PointCluster, cluster_points

__all__ = ["SubjectFrames", "SubjectJet", "SubjectResult", "subject_jets", "user_key"]

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]


def user_key(annotation: Any) -> str:
    """The volunteer of a mark: its user name, else its classification."""
    return str(annotation.user) if annotation.user else f"classification:{annotation.classification_id}"


@dataclass(frozen=True)
class SubjectFrames:
    """The frames of one subject as the metadata contract describes them."""

    subject_id: int
    geometry: tuple[ImageGeometry, ...]
    wcs: tuple[Any, ...]
    times: tuple[datetime, ...]
    sol_standard: str | None
    event_id: str | None
    observer: dict[str, str]

    @classmethod
    def from_metadata(cls, subject_id: int, metadata: Mapping[str, Any]) -> SubjectFrames:
        """Read every frame (geometry, WCS, time) of a subject's metadata."""
        n = frame_count(metadata)
        if n == 0:
            raise MetadataError(f"subject {subject_id}: metadata has no '#date-obs_<i>' frames")
        frames = [frame_metadata(metadata, i) for i in range(n)]
        return cls(
            subject_id,
            tuple(f.geometry for f in frames),
            tuple(frame_wcs(f.wcs) for f in frames),
            tuple(f.obs_time for f in frames),
            metadata.get("#sol_standard") or None,
            metadata.get("#event_id") or None,
            {
                k: str(v)
                for k, v in frames[0].wcs.items()
                if k in ("#dsun_obs", "#hgln_obs", "#hglt_obs", "#rsun_obs")
            },
        )

    def frame(self, index: int | None) -> int:
        """A mark's frame clipped to the subject (marks without a frame are frame 0)."""
        return min(max(int(index or 0), 0), len(self.times) - 1)

    def to_world(self, x: FloatArray, y: FloatArray, frames: Sequence[int]) -> tuple[FloatArray, FloatArray]:
        """Image pixels -> helioprojective arcsec, each mark through its own frame."""
        tx = np.empty(len(x))
        ty = np.empty(len(x))
        fr = np.asarray([self.frame(f) for f in frames])
        for f in np.unique(fr):
            idx = fr == f
            tx[idx], ty[idx] = pixel_to_world(x[idx], y[idx], self.geometry[f], self.wcs[f])
        return tx, ty

    @property
    def cadence(self) -> float:
        """Median seconds between frames."""
        if len(self.times) < 2:
            return 12.0
        return float(np.median(np.diff([t.timestamp() for t in self.times])))


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


@dataclass(frozen=True)
class _Points:
    cluster: PointCluster
    marks: tuple[Any, ...]


def _point_pool(marks: Sequence[Any], config: AggregationConfig) -> list[_Points]:
    """Cluster one tool's points per task, pool over tasks, merge close clusters."""
    pool: list[_Points] = []
    for task in config.jet_tasks:
        sel = [m for m in marks if m.task == task]
        if not sel:
            continue
        result = cluster_points([m.x for m in sel], [m.y for m in sel], [user_key(m) for m in sel], config)
        pool.extend(_Points(c, tuple(sel[i] for i in c.members)) for c in result.clusters)
    while len(pool) > 1:
        best: tuple[float, int, int] | None = None
        for i in range(len(pool)):
            for j in range(i + 1, len(pool)):
                a, b = pool[i].cluster, pool[j].cluster
                d = math.hypot(a.x - b.x, a.y - b.y)
                union = _merge_points(pool[i], pool[j]).cluster.spread
                if d < config.point_merge_factor * max(a.spread, b.spread, union) and (
                    best is None or d < best[0]
                ):
                    best = (d, i, j)
        if best is None:
            break
        _, i, j = best
        pool[i] = _merge_points(pool[i], pool[j])
        del pool[j]
    return pool


def _merge_points(a: _Points, b: _Points) -> _Points:
    by_user: dict[str, Any] = {}
    for m in (*a.marks, *b.marks):
        by_user.setdefault(user_key(m), m)
    marks = tuple(by_user.values())
    xy = np.array([[m.x, m.y] for m in marks])
    c = PointCluster(
        float(xy[:, 0].mean()),
        float(xy[:, 1].mean()),
        float(xy[:, 0].std()),
        float(xy[:, 1].std()),
        tuple(range(len(marks))),
        len(marks),
    )
    return _Points(c, marks)


@dataclass(frozen=True)
class _Box:
    cluster: BoxCluster
    marks: tuple[Any, ...]
    task: str

    @property
    def weight(self) -> float:
        return self.cluster.mean_iou * self.cluster.n_users


def _box_pool(marks: Sequence[Any], config: AggregationConfig) -> list[_Box]:
    pool: list[_Box] = []
    for task in config.jet_tasks:
        sel = [m for m in marks if m.task == task]
        if not sel:
            continue
        boxes = np.array([[m.x, m.y, m.width, m.height, m.angle or 0.0] for m in sel], dtype=np.float64)
        result = cluster_boxes(boxes, [user_key(m) for m in sel], config)
        pool.extend(
            _Box(c, tuple(sel[i] for i in c.members), task) for c in result.clusters if c.mean_iou > 0
        )
    pool.sort(key=lambda b: -b.weight)
    kept: list[_Box] = []
    for cand in pool:
        if kept:
            overlap = iou_matrix(np.array(cand.cluster.box), np.array([k.cluster.box for k in kept]))[0]
            if np.any(overlap > config.box_merge_iou_max):
                continue
        kept.append(cand)
    return kept


def _most_supported(score: Sequence[float], pool: Sequence[_Points], limit: float) -> int:
    """The reference picks the least score; among the clusters scoring within ``limit``
    (the noise of that rule: a stray pair just inside the box scores better than the
    crowd on its edge) take the one most volunteers marked, then the least score."""
    near = [i for i, v in enumerate(score) if v <= limit]
    return min(near, key=lambda i: (-pool[i].cluster.n_users, score[i]))


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


def _world_points(p: _Points, frames: SubjectFrames) -> tuple[FloatArray, FloatArray]:
    x = np.array([m.x for m in p.marks], dtype=np.float64)
    y = np.array([m.y for m in p.marks], dtype=np.float64)
    return frames.to_world(x, y, [m.frame for m in p.marks])


def _base_edge(ctx: FloatArray, cty: FloatArray, bx: float, by: float) -> tuple[int, int]:
    d = np.hypot(ctx - bx, cty - by)
    i, j = sorted(np.argsort(d)[:2].tolist())
    if (i, j) == (0, 2) or (i, j) == (1, 3):  # diagonal (a degenerate tie): take the nearest corner's edge
        i = int(np.argmin(d))
        j = (i + 1) % 4 if d[(i + 1) % 4] < d[(i + 3) % 4] else (i + 3) % 4
    return i, j


def _edge_geometry(ctx: FloatArray, cty: FloatArray, bx: float, by: float) -> tuple[float, float, float]:
    """(width, height, direction) of a world quadrilateral with its base edge nearest (bx, by)."""
    i, j = _base_edge(ctx, cty, bx, by)
    base = ((ctx[i] + ctx[j]) / 2.0, (cty[i] + cty[j]) / 2.0)
    others = [n for n in range(4) if n not in (i, j)]
    top = (float(np.mean(ctx[others])), float(np.mean(cty[others])))
    width = float(np.hypot(ctx[i] - ctx[j], cty[i] - cty[j]))
    height = float(np.hypot(top[0] - base[0], top[1] - base[1]))
    direction = float(np.degrees(np.arctan2(top[1] - base[1], top[0] - base[0])) % 360.0)
    return width, height, direction


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
    starts = _point_pool([m for m in drawn if m.tool == config.start_tool and m.shape == "point"], config)
    ends = _point_pool([m for m in drawn if m.tool == config.end_tool and m.shape == "point"], config)
    boxes = _box_pool(
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
        s_best = _most_supported(dist, starts, min(dist) + min(w, h) / 2.0)
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
            e_best = _most_supported(score, ends, 2.0 * min(score))
        btx, bty = _world_points(start, frames)
        base_x, base_y = float(btx.mean()), float(bty.mean())
        world = box_to_world(x, y, w, h, a, frames.geometry[frame], frames.wcs[frame])
        ctx, cty = (
            np.asarray(world.corners_tx, dtype=np.float64),
            np.asarray(world.corners_ty, dtype=np.float64),
        )
        width, height, direction = _edge_geometry(ctx, cty, base_x, base_y)
        member_widths = []
        for m in box.marks:
            f = frames.frame(m.frame)
            mw = box_to_world(m.x, m.y, m.width, m.height, m.angle or 0.0, frames.geometry[f], frames.wcs[f])
            member_widths.append(
                _edge_geometry(np.asarray(mw.corners_tx), np.asarray(mw.corners_ty), base_x, base_y)[0]
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
