"""Clusters of one subject pooled over the jet tasks, as the team's scripts pool them.

Point clusters of one tool are found per task (T1, T5), pooled, and merged when closer
than ``point_merge_factor`` x the larger spread, closest first (the spread of the merged
cluster counts too, which undoes HDBSCAN's splitting of one crowd into pairs at
``min_cluster_size = 2``). Box clusters with a mean member IoU above 0 are pooled,
weighted by mean IoU x size, and merged when they overlap by more than
``box_merge_iou_max`` (the best kept). :func:`most_supported` is the choice among
clusters that score nearly as well under the reference's pairing rules.

Examples
--------
>>> from types import SimpleNamespace
>>> from jet_aggregate.config import AggregationConfig
>>> from jet_aggregate.pools import point_pool, user_key
>>> marks = [SimpleNamespace(task="T1", x=100.0 + i % 3, y=50.0 + i % 2, user=f"u{i}",
...                          classification_id=i) for i in range(6)]
>>> (group,) = point_pool(marks, AggregationConfig.preset("joined-points"))
>>> group.cluster.n_users, round(group.cluster.x, 1)
(6, 101.0)
>>> user_key(SimpleNamespace(user=None, classification_id=7))
'classification:7'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from jet_aggregate.boxes import BoxCluster, cluster_boxes
from jet_aggregate.config import AggregationConfig
from jet_aggregate.iou import iou_matrix
from jet_aggregate.points import PointCluster, cluster_points

__all__ = ["BoxGroup", "PointGroup", "box_pool", "merge_points", "most_supported", "point_pool", "user_key"]


def user_key(annotation: Any) -> str:
    """The volunteer of a mark: its user name, else its classification."""
    return str(annotation.user) if annotation.user else f"classification:{annotation.classification_id}"


@dataclass(frozen=True)
class PointGroup:
    """A point cluster of one subject and the marks (annotations) it holds."""

    cluster: PointCluster
    marks: tuple[Any, ...]


def point_pool(marks: Sequence[Any], config: AggregationConfig) -> list[PointGroup]:
    """Cluster one tool's points per task, pool over tasks, merge close clusters."""
    pool: list[PointGroup] = []
    for task in config.jet_tasks:
        sel = [m for m in marks if m.task == task]
        if not sel:
            continue
        result = cluster_points([m.x for m in sel], [m.y for m in sel], [user_key(m) for m in sel], config)
        pool.extend(PointGroup(c, tuple(sel[i] for i in c.members)) for c in result.clusters)
    while len(pool) > 1:
        best: tuple[float, int, int] | None = None
        for i in range(len(pool)):
            for j in range(i + 1, len(pool)):
                a, b = pool[i].cluster, pool[j].cluster
                d = math.hypot(a.x - b.x, a.y - b.y)
                union = merge_points(pool[i], pool[j]).cluster.spread
                if d < config.point_merge_factor * max(a.spread, b.spread, union) and (
                    best is None or d < best[0]
                ):
                    best = (d, i, j)
        if best is None:
            break
        _, i, j = best
        pool[i] = merge_points(pool[i], pool[j])
        del pool[j]
    return pool


def merge_points(a: PointGroup, b: PointGroup) -> PointGroup:
    """One group of two: each volunteer's first mark kept, centre the plain mean."""
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
    return PointGroup(c, marks)


@dataclass(frozen=True)
class BoxGroup:
    """A box cluster of one subject, the marks it holds and the task they came from."""

    cluster: BoxCluster
    marks: tuple[Any, ...]
    task: str

    @property
    def weight(self) -> float:
        """Mean member IoU x volunteers: the order in which overlapping boxes are kept."""
        return self.cluster.mean_iou * self.cluster.n_users


def box_pool(marks: Sequence[Any], config: AggregationConfig) -> list[BoxGroup]:
    """Cluster the boxes per task, pool over tasks (mean IoU > 0), and keep the best of
    boxes overlapping by more than ``box_merge_iou_max``, best first."""
    pool: list[BoxGroup] = []
    for task in config.jet_tasks:
        sel = [m for m in marks if m.task == task]
        if not sel:
            continue
        boxes = np.array([[m.x, m.y, m.width, m.height, m.angle or 0.0] for m in sel], dtype=np.float64)
        result = cluster_boxes(boxes, [user_key(m) for m in sel], config)
        pool.extend(
            BoxGroup(c, tuple(sel[i] for i in c.members), task) for c in result.clusters if c.mean_iou > 0
        )
    pool.sort(key=lambda b: -b.weight)
    kept: list[BoxGroup] = []
    for cand in pool:
        if kept:
            overlap = iou_matrix(np.array(cand.cluster.box), np.array([k.cluster.box for k in kept]))[0]
            if np.any(overlap > config.box_merge_iou_max):
                continue
        kept.append(cand)
    return kept


def most_supported(score: Sequence[float], pool: Sequence[PointGroup], limit: float) -> int:
    """The reference picks the least score; among the clusters scoring within ``limit``
    (the noise of that rule: a stray pair just inside the box scores better than the
    crowd on its edge) take the one most volunteers marked, then the least score."""
    near = [i for i, v in enumerate(score) if v <= limit]
    return min(near, key=lambda i: (-pool[i].cluster.n_users, score[i]))
