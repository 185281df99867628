"""What the report shows, read from the store: each jet with its subjects, clusters and marks.

:func:`load_report_jets` joins the stored :class:`~jet_store.Jet` rows (the catalogue)
with the :class:`~jet_store.JetCluster` records that made them, the volunteers'
:class:`~jet_store.Annotation` marks that are the clusters' members, and each subject's
metadata (frames, times, WCS). Pure reading: nothing is written. The heights shown on
a jet's height-time plot are computed here with :func:`axis_extent` (a box's extent
along the jet's axis, on the Sun, through each mark's own frame).

Examples
--------
>>> import numpy as np
>>> from jet_hunter.report.model import axis_extent
>>> tx = np.array([0.0, 40.0, 40.0, 0.0]); ty = np.array([0.0, 0.0, 6.0, 6.0])
>>> float(axis_extent(tx, ty, 0.0)), round(float(axis_extent(tx, ty, 90.0)), 6)
(40.0, 6.0)
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
from jet_aggregate.catalogue import catalogue_rows
from jet_aggregate.errors import AggregateError
from jet_aggregate.jets import SubjectFrames
from jet_aggregate.stage import subject_metadata_from_store
from jet_render.geometry import rectangle_corners
from jet_store import Annotation, Jet, JetCluster, JetHunterError, Store, Subject

__all__ = [
    "BOX_SHAPES",
    "HeightSample",
    "ReportJet",
    "SubjectView",
    "axis_extent",
    "load_report_jets",
    "member_key",
]

log = logging.getLogger(__name__)

BOX_SHAPES = frozenset({"rotateRectangle", "temporalRotateRectangle", "rectangle"})
"""Cluster and mark shapes that are boxes (the rest of the marks are points)."""


def member_key(annotation: Annotation) -> str:
    """The key a :class:`~jet_store.JetCluster` uses for one of its member marks."""
    return f"{annotation.classification_id}:{annotation.task}:{annotation.mark_index}"


def axis_extent(tx: npt.ArrayLike, ty: npt.ArrayLike, direction_deg: float) -> float:
    """Extent (arcsec) of a polygon's corners along ``direction_deg`` (counter-clockwise from west)."""
    angle = math.radians(direction_deg)
    along = np.asarray(tx, dtype=np.float64) * math.cos(angle) + np.asarray(ty, dtype=np.float64) * math.sin(
        angle
    )
    return float(along.max() - along.min())


@dataclass(frozen=True, slots=True)
class HeightSample:
    """One height of a jet at one frame time: a volunteer's box or a subject's consensus box.

    ``lower``/``upper`` are the consensus' -sigma/+sigma heights (None for a single mark).
    """

    time: datetime
    height: float
    subject_id: int
    lower: float | None = None
    upper: float | None = None


@dataclass(frozen=True)
class SubjectView:
    """One subject of a jet: its metadata, the jet's clusters in it and their member marks."""

    subject_id: int
    metadata: Mapping[str, Any]
    frames: SubjectFrames | None
    clusters: tuple[JetCluster, ...]
    marks: tuple[Annotation, ...]
    paths: tuple[str, ...] = ()

    @property
    def n_frames(self) -> int:
        """Frames in the flipbook."""
        if self.frames is not None:
            return len(self.frames.times)
        return len(self.paths)

    def boxes(self) -> list[JetCluster]:
        """The consensus boxes (box clusters)."""
        return [c for c in self.clusters if c.shape in BOX_SHAPES]

    def points(self) -> list[JetCluster]:
        """The start and end base-point clusters."""
        return [c for c in self.clusters if c.shape not in BOX_SHAPES]


@dataclass(frozen=True)
class ReportJet:
    """A jet, its catalogue row and its subjects."""

    jet: Jet
    row: Mapping[str, Any]
    subjects: tuple[SubjectView, ...] = ()
    classified_by: int = 0
    """Distinct volunteers who classified any of the jet's subjects."""
    heights: tuple[HeightSample, ...] = field(default=())
    consensus: tuple[HeightSample, ...] = field(default=())

    @property
    def slug(self) -> str:
        """The jet's page name (its catalogue id, safe as a file name)."""
        return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in str(self.row["#sjh_ID"]))

    @property
    def agreement(self) -> float:
        """Fraction of the subjects' volunteers who marked this jet (NaN if nobody classified)."""
        if not self.classified_by:
            return math.nan
        return min(1.0, (self.jet.n_volunteers or 0) / self.classified_by)


def _box_world(mark: Any, frames: SubjectFrames) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    cx, cy = rectangle_corners(mark.x, mark.y, mark.width, mark.height, mark.angle or 0.0)
    return frames.to_world(np.asarray(cx, np.float64), np.asarray(cy, np.float64), [mark.frame] * 4)


def _heights(
    jet: Jet, views: Sequence[SubjectView]
) -> tuple[tuple[HeightSample, ...], tuple[HeightSample, ...]]:
    direction = 90.0 if jet.direction is None else jet.direction
    raw: list[HeightSample] = []
    consensus: list[HeightSample] = []
    for view in views:
        frames = view.frames
        if frames is None:
            continue
        for mark in view.marks:
            if mark.shape in BOX_SHAPES and mark.width is not None and mark.height is not None:
                tx, ty = _box_world(mark, frames)
                time = frames.times[frames.frame(mark.frame)]
                raw.append(HeightSample(time, axis_extent(tx, ty, direction), view.subject_id))
        for box in view.boxes():
            tx, ty = _box_world(box, frames)
            height = axis_extent(tx, ty, direction)
            gamma = math.sqrt(max(1.0 - (box.sigma or 0.0), 1e-12))
            time = frames.times[frames.frame(box.frame)]
            consensus.append(HeightSample(time, height, view.subject_id, height * gamma, height / gamma))
    raw.sort(key=lambda s: s.time)
    consensus.sort(key=lambda s: s.time)
    return tuple(raw), tuple(consensus)


def _subject_frames(subject_id: int, metadata: Mapping[str, Any]) -> SubjectFrames | None:
    try:
        return SubjectFrames.from_metadata(subject_id, metadata)
    except (AggregateError, JetHunterError, ValueError) as exc:  # jet-render's WcsError among them
        log.warning("subject %s: %s; its marks are shown without coordinates", subject_id, exc)
        return None


def load_report_jets(store: Store, jets: Iterable[Jet] | None = None) -> list[ReportJet]:
    """Every stored jet (or ``jets``) in catalogue order, with everything its page shows.

    Parameters
    ----------
    store : jet_store.Store
        Where the jets, clusters, annotations and subjects are.
    jets : iterable of Jet, optional
        Only these jets (default: all stored jets).
    """
    chosen = list(store.filter(Jet) if jets is None else jets)
    rows = catalogue_rows(chosen)  # sorted as `ordered` below: the catalogue's own order
    ordered = sorted(chosen, key=lambda j: (j.start_time, j.sol_standard or "", j.jet_id))
    subject_ids = {int(s) for j in chosen for s in j.subject_ids}
    keys = {k for j in chosen for k in j.cluster_keys}
    jet_ids = {j.jet_id for j in chosen}
    clusters = [c for c in store.stream(JetCluster) if c.key in keys or c.jet_id in jet_ids]
    members = {str(m) for c in clusters for m in c.members}
    marks: dict[int, list[Annotation]] = {}
    users: dict[int, set[str]] = {}
    for a in store.stream(Annotation):
        if a.subject_id not in subject_ids:
            continue
        users.setdefault(a.subject_id, set()).add(a.user or f"classification:{a.classification_id}")
        if member_key(a) in members:
            marks.setdefault(a.subject_id, []).append(a)
    metadata = subject_metadata_from_store(store, subject_ids)
    paths = _rendering_paths(store, subject_ids)
    out: list[ReportJet] = []
    for jet, row in zip(ordered, rows, strict=True):
        views = []
        for sid in sorted({int(s) for s in jet.subject_ids}):
            mine = tuple(
                c
                for c in clusters
                if c.subject_id == sid and (c.jet_id == jet.jet_id or c.key in jet.cluster_keys)
            )
            wanted = {str(m) for c in mine for m in c.members}
            meta = metadata.get(sid, {})
            views.append(
                SubjectView(
                    subject_id=sid,
                    metadata=meta,
                    frames=_subject_frames(sid, meta) if meta else None,
                    clusters=mine,
                    marks=tuple(a for a in marks.get(sid, []) if member_key(a) in wanted),
                    paths=paths.get(sid, ()),
                )
            )
        classified = set().union(*(users.get(v.subject_id, set()) for v in views)) if views else set()
        raw, consensus = _heights(jet, views)
        out.append(ReportJet(jet, row, tuple(views), len(classified), raw, consensus))
    return out


def _rendering_paths(store: Store, subject_ids: set[int]) -> dict[int, tuple[str, ...]]:
    out: dict[int, tuple[str, ...]] = {}
    for subject in store.stream(Subject):
        if subject.zooniverse_id is not None and int(subject.zooniverse_id) in subject_ids:
            out[int(subject.zooniverse_id)] = tuple(subject.rendering_paths)
    return out
