"""Linking per-subject jets across the overlapping subjects of one HEK event.

The distance between two per-subject jets of different subjects is the reference's:
``|base_j - base_k| / mean(spread_j, spread_k)``, normalised by its 90th percentile over
the event's pairs, plus ``2 * (1 - IoU)`` of their boxes on the Sun. Pairs are linked
greedily from the closest while the distance is below ``track_max_distance``; a group
holds at most one jet per subject, and a jet joins only if it starts no more than
``track_max_gap_s`` after the end of a jet already in the group (or ends no more than
that before its start). Unlike the reference, times are frame times and the spread of
each jet is its own (the reference's spread array has two entries per jet and is never
re-sorted by time). A group seen in one subject only is dropped when that subject's
majority answer to the jet question is not yes.

Examples
--------
>>> from jet_aggregate.tracking import percentile_normalised
>>> percentile_normalised([1.0, 2.0, 10.0]).round(3).tolist()
[0.119, 0.238, 1.19]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from jet_aggregate.clip import intersection_area, polygon_area
from jet_aggregate.config import AggregationConfig
from jet_aggregate.jets import SubjectJet

__all__ = ["link_jets", "percentile_normalised", "world_iou"]


def percentile_normalised(values: npt.ArrayLike, q: float = 90.0) -> npt.NDArray[np.float64]:
    """Values divided by their ``q``-th percentile (unchanged when it is 0)."""
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0:
        return v
    p = float(np.percentile(v, q))
    return v / p if p > 0 else v


def world_iou(a: SubjectJet, b: SubjectJet) -> float:
    """IoU of two jets' boxes on the Sun (their world quadrilaterals)."""
    qa = np.stack([a.corners_tx, a.corners_ty], axis=-1)
    qb = np.stack([b.corners_tx, b.corners_ty], axis=-1)
    inter = float(intersection_area(qa, qb))
    union = abs(float(polygon_area(qa))) + abs(float(polygon_area(qb))) - inter
    return inter / union if union > 0 else 0.0


def _gap_ok(group: Sequence[SubjectJet], jet: SubjectJet, max_gap: float) -> bool:
    for other in group:
        first, second = (other, jet) if other.start_time <= jet.start_time else (jet, other)
        if (second.start_time - first.end_time).total_seconds() <= max_gap:
            return True
    return False


def link_jets(
    jets: Sequence[SubjectJet],
    config: AggregationConfig,
    answers: Mapping[int, Mapping[str, int]] | None = None,
) -> list[list[SubjectJet]]:
    """Group one event's per-subject jets into jets; each group sorted by start time.

    Parameters
    ----------
    jets
        Per-subject jets of one event.
    config
        ``track_max_distance``, ``track_max_gap_s``, ``yes_prefix``.
    answers
        Subject id -> answer counts of the jet question; a single-subject group whose
        subject's majority answer does not start with ``yes_prefix`` is dropped.
    """
    items = sorted(jets, key=lambda j: (j.start_time, j.subject_id, j.index))
    n = len(items)
    pairs: list[tuple[int, int]] = [
        (i, k) for i in range(n) for k in range(i + 1, n) if items[i].subject_id != items[k].subject_id
    ]
    if pairs:
        spread = [max(math.hypot(j.std_x, j.std_y), 1e-6) for j in items]
        raw = [
            math.hypot(items[i].base_x - items[k].base_x, items[i].base_y - items[k].base_y)
            / ((spread[i] + spread[k]) / 2.0)
            for i, k in pairs
        ]
        position = percentile_normalised(raw)
        distance = position + 2.0 * (1.0 - np.array([world_iou(items[i], items[k]) for i, k in pairs]))
    else:
        distance = np.empty(0)
    group_of = list(range(n))
    groups: dict[int, list[int]] = {i: [i] for i in range(n)}
    for p in np.argsort(distance, kind="stable"):
        if not distance[p] < config.track_max_distance:
            break
        i, k = pairs[int(p)]
        gi, gk = group_of[i], group_of[k]
        if gi == gk:
            continue
        a, b = groups[gi], groups[gk]
        if {items[x].subject_id for x in a} & {items[x].subject_id for x in b}:
            continue  # at most one jet per subject in a group
        if not all(_gap_ok([items[x] for x in a], items[y], config.track_max_gap_s) for y in b[:1]):
            continue
        a.extend(b)
        for x in b:
            group_of[x] = gi
        del groups[gk]
    out: list[list[SubjectJet]] = []
    for members in groups.values():
        group = sorted((items[x] for x in members), key=lambda j: (j.start_time, j.subject_id))
        if len({j.subject_id for j in group}) == 1 and answers is not None:
            counts = answers.get(group[0].subject_id, {})
            if counts:
                majority = max(sorted(counts), key=lambda key: counts[key])
                if not majority.lower().startswith(config.yes_prefix.lower()):
                    continue
        out.append(group)
    out.sort(key=lambda g: (g[0].start_time, g[0].subject_id, g[0].index))
    return out
