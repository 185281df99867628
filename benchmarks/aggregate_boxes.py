"""Cluster rotated boxes: jet_aggregate vs panoptes_aggregation's shape_reducer_dbscan.

Workload (BENCHMARKS.md): 200 subjects x 16 volunteers of rotated boxes, the reference
settings (``metric_type: IoU, eps: 0.6, min_samples: 3``); target: the same clusters
(matched by IoU >= 0.9), consensus boxes at least as close to the truth, >= 100x
faster per subject. Also against the reference's ``estimate_average`` mode (its
medoid): ours should be faster and closer to the truth.

Each subject has one true box (random centre, size, angle); 13 volunteers draw it with
a few pixels and degrees of error (a third of them as the equivalent
``(h, w, a + 90)``), 3 draw a random box. The reference's exact mode takes seconds per
subject (a global DIRECT search per cluster), so it runs on the first ``--anchor-subjects``
subjects (default 10) and the two are compared in subjects/s; ours runs all 200.

Run with the reference installed: ``hatch run reference:boxes`` (``--quick`` for a smoke run).
"""

from __future__ import annotations

import os
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Result, alternate, common_parser, cpu_timed, report, skip

WORKLOAD = "cluster rotated boxes: {n} subjects x 16 volunteers"
ANCHOR = "panoptes_aggregation shape_reducer_dbscan (IoU, eps 0.6, min_samples 3)"
ANCHOR_ESTIMATE = ANCHOR + ", estimate_average"
TARGET = ">= 100x, same clusters (IoU >= 0.9), consensus at least as close to truth"
TARGET_ESTIMATE = "faster, and closer to the truth"


def make_subjects(n: int, volunteers: int = 16, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """``n`` subjects: (truth box, (volunteers, 5) marks)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        w, h = rng.uniform(20, 80), rng.uniform(60, 240)
        truth = np.array([rng.uniform(300, 1400), rng.uniform(200, 1000), w, h, rng.uniform(-90, 90)])
        good = volunteers - 3
        marks = truth + rng.normal(0.0, [0.04 * w, 0.04 * h, 0.06 * w, 0.05 * h, 3.0], size=(good, 5))
        for i in range(0, good, 3):  # the same box drawn as (h, w, a + 90)
            cx, cy = marks[i, 0] + marks[i, 2] / 2, marks[i, 1] + marks[i, 3] / 2
            marks[i] = [
                cx - marks[i, 3] / 2,
                cy - marks[i, 2] / 2,
                marks[i, 3],
                marks[i, 2],
                marks[i, 4] + 90,
            ]
        junk = np.column_stack(
            [
                rng.uniform(200, 1500, 3),
                rng.uniform(100, 1100, 3),
                rng.uniform(20, 200, 3),
                rng.uniform(20, 200, 3),
                rng.uniform(-180, 180, 3),
            ]
        )
        out.append((truth, np.vstack([marks, junk])))
    return out


def reference_clusters(
    marks: np.ndarray, *, estimate: bool
) -> tuple[list[tuple[np.ndarray, float]], list[int]]:
    """The reference's clusters of one subject: ((box, sigma) each, a label per mark)."""
    from panoptes_aggregation.reducers.shape_reducer_dbscan import shape_reducer_dbscan

    extracts = [
        {
            "frame0": {
                f"T0_tool0_{p}": [float(m[k])] for k, p in enumerate(("x", "y", "width", "height", "angle"))
            }
        }
        for m in marks
    ]
    out = shape_reducer_dbscan(
        extracts,
        shape="rotateRectangle",
        metric_type="IoU",
        eps=0.6,
        min_samples=3,
        estimate_average=estimate,
        user_id=list(range(len(marks))),
    )
    frame = out.get("frame0", {})
    keys = [f"T0_tool0_clusters_{p}" for p in ("x", "y", "width", "height", "angle")]
    labels = list(frame.get("T0_tool0_cluster_labels", [-1] * len(marks)))
    if keys[0] not in frame:
        return [], labels
    boxes = np.column_stack([frame[k] for k in keys])
    return list(zip(boxes, frame["T0_tool0_clusters_sigma"], strict=True)), labels


def our_clusters(marks: np.ndarray) -> tuple[list[tuple[np.ndarray, float]], list[int]]:
    """Our clusters of one subject: ((box, sigma) each, a label per mark)."""
    from jet_aggregate.boxes import cluster_boxes
    from jet_aggregate.config import AggregationConfig

    result = cluster_boxes(marks, list(range(len(marks))), AggregationConfig())
    return [(np.array(c.box), c.sigma) for c in result.clusters], result.labels.tolist()


def _partition(labels: Sequence[int]) -> set[frozenset[int]]:
    return {frozenset(i for i, v in enumerate(labels) if v == k) for k in set(labels) if k >= 0}


def _loss(box: np.ndarray, marks: np.ndarray) -> float:
    from jet_aggregate.iou import iou_matrix

    return float(np.sum((1.0 - iou_matrix(box, marks)[0]) ** 2))


def _compare(
    subjects: Sequence[tuple[np.ndarray, np.ndarray]], ref: list[Any], ours: list[Any]
) -> dict[str, Any]:
    """Same partitions, consensus boxes matched at IoU >= 0.9, loss and truth distance."""
    from jet_aggregate.iou import iou_matrix

    matched = same_partition = closer = lower_loss = 0
    ref_truth: list[float] = []
    our_truth: list[float] = []
    for (truth, marks), (r, r_labels), (o, o_labels) in zip(subjects, ref, ours, strict=False):
        same_partition += _partition(r_labels) == _partition(o_labels)
        for box, _sigma in r:
            best = max((float(iou_matrix(box, ob)[0, 0]) for ob, _ in o), default=0.0)
            matched += best >= 0.9
        if r and o:
            members_r = marks[np.asarray(r_labels) == 0]
            members_o = marks[np.asarray(o_labels) == 0]
            lower_loss += _loss(o[0][0], members_o) <= _loss(r[0][0], members_r) + 1e-9
            rt, ot = float(iou_matrix(r[0][0], truth)[0, 0]), float(iou_matrix(o[0][0], truth)[0, 0])
            ref_truth.append(rt)
            our_truth.append(ot)
            closer += ot >= rt - 1e-9
    return {
        "subjects_compared": len(ref),
        "reference_clusters": sum(len(r) for r, _ in ref),
        "same_partition": same_partition,
        "matched_iou_0.9": matched,
        "ours_loss_at_most_reference": lower_loss,
        "ours_at_least_as_close_to_truth": closer,
        "mean_iou_truth_reference": float(np.mean(ref_truth)) if ref_truth else None,
        "mean_iou_truth_ours": float(np.mean(our_truth)) if our_truth else None,
    }


def run(args: Any) -> list[Result]:
    n = 12 if args.quick else args.subjects
    n_anchor = min(2 if args.quick else args.anchor_subjects, n)
    rounds = args.rounds or (1 if args.quick else 3)
    subjects = make_subjects(n)
    results: dict[str, list[Any]] = {}
    cpu: dict[str, list[float]] = {"exact": [], "estimate": [], "ours": []}
    our_clusters(subjects[0][1])  # imports and first-call set-up, untimed, on both sides
    reference_clusters(subjects[0][1], estimate=True)

    def anchor(estimate: bool) -> Any:
        def prepare(_: int) -> Any:
            def go() -> None:
                results["estimate" if estimate else "exact"] = [
                    reference_clusters(m, estimate=estimate)
                    for _, m in subjects[: (n if estimate else n_anchor)]
                ]

            return cpu_timed(cpu["estimate" if estimate else "exact"], go)

        return prepare

    def ours(_: int) -> Any:
        def go() -> None:
            results["ours"] = [our_clusters(m) for _, m in subjects]

        return cpu_timed(cpu["ours"], go)

    rows = []
    for estimate, label, count in ((False, ANCHOR, n_anchor), (True, ANCHOR_ESTIMATE, n)):
        key = "estimate" if estimate else "exact"
        cpu["ours"].clear()
        a, o = alternate(anchor(estimate), ours, rounds, label="boxes", verbose=not args.quiet)
        extra = _compare(subjects, results[key], results["ours"])
        anchor_cpu, ours_cpu = statistics.median(cpu[key]), statistics.median(cpu["ours"])
        extra.update(
            subjects=n,
            anchor_subjects=count,
            volunteers=16,
            anchor_cpu_s=cpu[key],
            ours_cpu_s=list(cpu["ours"]),
            cpu_ratio=(n / ours_cpu) / (count / anchor_cpu) if ours_cpu > 0 and anchor_cpu > 0 else None,
            load_average=list(os.getloadavg()),
        )
        rows.append(
            Result.from_timings(
                a,
                o,
                workload=WORKLOAD.format(n=n),
                anchor=label,
                target=TARGET if not estimate else TARGET_ESTIMATE,
                target_ratio=100.0 if not estimate else 1.0,
                unit="subjects",
                anchor_count=count,
                ours_count=n,
                extra=extra,
                quick=args.quick,
                benchmark="aggregate_boxes.py",
                note=(
                    f"same clusters {extra['same_partition']}/{extra['subjects_compared']}, "
                    f"boxes IoU>=0.9 {extra['matched_iou_0.9']}/{extra['reference_clusters']}, "
                    f"loss <= ref {extra['ours_loss_at_most_reference']}, "
                    f"IoU to truth {extra['mean_iou_truth_ours']:.3f} "
                    f"vs {extra['mean_iou_truth_reference']:.3f}; "
                    f"CPU-time ratio {extra['cpu_ratio'] or 0.0:.1f}x, load {extra['load_average'][0]:.1f}"
                ),
            )
        )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = common_parser(__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=200, help="subjects (default 200)")
    parser.add_argument(
        "--anchor-subjects", type=int, default=10, help="subjects the exact reference runs on"
    )
    args = parser.parse_args(argv)
    try:
        import panoptes_aggregation  # noqa: F401
    except ImportError:
        skip("panoptes_aggregation (the anchor) is not installed: run it with `hatch run reference:boxes`")
    return report(run(args), args.results_dir)


if __name__ == "__main__":
    raise SystemExit(main())
