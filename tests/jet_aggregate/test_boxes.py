"""Rotated boxes: exact IoU (numpy, checked against shapely), equivalent boxes, DBSCAN
clusters with per-volunteer exclusion, and the consensus box."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from jet_aggregate.boxes import align, cluster_boxes, consensus_box, estimate_box, sigma_boxes
from jet_aggregate.config import AggregationConfig
from jet_aggregate.errors import InputError
from jet_aggregate.iou import (
    box_corners,
    box_polygons,
    equivalent,
    from_centre,
    iou_gradient,
    iou_matrix,
    iou_with,
)

box = st.tuples(
    st.floats(-50, 50), st.floats(-50, 50), st.floats(0.5, 60), st.floats(0.5, 60), st.floats(-360, 360)
).map(lambda t: np.array(t, dtype=np.float64))


@settings(max_examples=200, deadline=None)
@given(a=box, b=box)
def test_iou_equals_shapely(a: np.ndarray, b: np.ndarray) -> None:
    pa, pb = box_polygons(np.vstack([a, b]))
    inter = shapely.area(shapely.intersection(pa, pb))
    expected = inter / (shapely.area(pa) + shapely.area(pb) - inter)
    assert iou_matrix(a, b)[0, 0] == pytest.approx(expected, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(a=box)
def test_equivalent_boxes_are_the_same_box(a: np.ndarray) -> None:
    turned = a.copy()
    turned[4] += 180.0
    for other in (equivalent(a), turned):
        assert iou_matrix(a, other)[0, 0] == pytest.approx(1.0, abs=1e-9)


def _crowd(truth: np.ndarray, n: int, seed: int, noise: tuple[float, ...] = (3, 3, 3, 6, 3)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return truth + rng.normal(0.0, noise, size=(n, 5))


def test_equivalent_representations_cluster_and_average_alike() -> None:
    truth = np.array([500.0, 300.0, 40.0, 120.0, 30.0])
    marks = _crowd(truth, 12, 1)
    mixed = marks.copy()
    mixed[::2] = equivalent(marks[::2])  # half the crowd drew (h, w, a + 90)
    mixed[1::4, 4] += 180.0
    users = [f"u{i}" for i in range(12)]
    a = cluster_boxes(marks, users, AggregationConfig())
    b = cluster_boxes(mixed, users, AggregationConfig())
    assert a.labels.tolist() == b.labels.tolist() == [0] * 12
    assert iou_matrix(a.clusters[0].box, b.clusters[0].box)[0, 0] > 0.999
    assert b.clusters[0].loss == pytest.approx(a.clusters[0].loss, rel=1e-3)


def test_consensus_beats_the_medoid_and_is_close_to_truth() -> None:
    truth = np.array([500.0, 300.0, 40.0, 120.0, 30.0])
    for seed in range(5):
        marks = _crowd(truth, 16, seed)
        best, sigma, loss = consensus_box(marks)
        medoid, medoid_sigma = estimate_box(marks)
        medoid_loss = float(np.sum((1 - iou_matrix(medoid, marks)) ** 2))
        assert loss <= medoid_loss + 1e-12
        assert sigma <= medoid_sigma + 1e-12
        assert iou_matrix(best, truth)[0, 0] > iou_matrix(medoid, truth)[0, 0] - 0.02
        assert iou_matrix(best, truth)[0, 0] > 0.93


def test_one_volunteer_never_makes_a_cluster_alone() -> None:
    truth = np.array([200.0, 200.0, 30.0, 90.0, 10.0])
    marks = _crowd(truth, 6, 3, noise=(1, 1, 1, 1, 1))
    result = cluster_boxes(marks, ["same"] * 6, AggregationConfig())
    assert result.clusters == () and set(result.labels.tolist()) == {-1}
    # the same volunteer twice in a real cluster: only one of the two boxes is kept
    users = ["a", "b", "c", "d", "d", "e"]
    result = cluster_boxes(marks, users, AggregationConfig())
    (cluster,) = result.clusters
    assert cluster.n_users == 5 and len(cluster.members) == 5
    assert sorted(result.labels.tolist()).count(-1) == 1


def test_random_boxes_make_no_cluster() -> None:
    rng = np.random.default_rng(0)
    marks = np.column_stack([rng.uniform(0, 1800, 16), rng.uniform(0, 1300, 16), rng.uniform(20, 100, 16),
                             rng.uniform(20, 100, 16), rng.uniform(-180, 180, 16)])  # fmt: skip
    assert cluster_boxes(marks, [str(i) for i in range(16)], AggregationConfig()).clusters == ()


def test_sigma_boxes_follow_the_reference_definition() -> None:
    plus, minus = sigma_boxes([10.0, 20.0, 30.0, 40.0, 15.0], 0.36)
    gamma = np.sqrt(1 - 0.36)
    assert plus[2:4].tolist() == pytest.approx([30 / gamma, 40 / gamma])
    assert minus[2:4].tolist() == pytest.approx([30 * gamma, 40 * gamma])
    assert (plus[0] + plus[2] / 2, minus[1] + minus[3] / 2) == pytest.approx((25.0, 40.0))


def test_align_brings_boxes_to_one_representation() -> None:
    ref = np.array([0.0, 0.0, 10.0, 30.0, 20.0])
    aligned = align(equivalent(ref)[None, :], ref)[0]
    assert aligned[2:].tolist() == pytest.approx([10.0, 30.0, 20.0])


def test_bad_boxes_are_refused() -> None:
    with pytest.raises(InputError):
        cluster_boxes(np.zeros((3, 4)), ["a", "b", "c"], AggregationConfig())
    with pytest.raises(InputError):
        cluster_boxes(np.zeros((3, 5)), ["a", "b"], AggregationConfig())


def test_iou_gradient_matches_finite_differences() -> None:
    """The closed-form IoU gradient the consensus search runs on equals central
    differences of the exact IoU, for random boxes turned and placed anyhow."""
    rng = np.random.default_rng(7)
    for _ in range(40):
        members = np.column_stack(
            [
                rng.uniform(-20, 20, 6),
                rng.uniform(-20, 20, 6),
                rng.uniform(5, 40, 6),
                rng.uniform(5, 40, 6),
                rng.uniform(-180, 180, 6),
            ]
        )
        corners, areas = box_corners(members), members[:, 2] * members[:, 3]
        p = np.array([*rng.uniform(-10, 10, 2), *rng.uniform(5, 40, 2), rng.uniform(-180, 180)])
        iou, grad = iou_gradient(p[None], corners, areas)
        assert np.allclose(iou[0], iou_with(from_centre(*p), corners, areas)[0], atol=1e-12)
        for k in range(5):
            dp = np.zeros(5)
            dp[k] = 1e-6
            plus = iou_with(from_centre(*(p + dp)), corners, areas)[0]
            minus = iou_with(from_centre(*(p - dp)), corners, areas)[0]
            assert np.allclose(grad[0, :, k], (plus - minus) / 2e-6, atol=1e-7)


def test_consensus_is_a_minimum_of_the_loss() -> None:
    """No small move of any parameter lowers the refined loss (beyond rounding): the
    quasi-Newton search converged, it did not stop early."""
    truth = np.array([500.0, 300.0, 40.0, 120.0, 30.0])
    for seed in range(3):
        marks = _crowd(truth, 13, seed)
        marks[::3] = equivalent(marks[::3])
        best, _, loss = consensus_box(marks)
        corners, areas = box_corners(marks), marks[:, 2] * marks[:, 3]
        cx, cy = best[0] + best[2] / 2, best[1] + best[3] / 2
        p = np.array([cx, cy, best[2], best[3], best[4]])
        for k in range(5):
            for step in (-1e-2, 1e-2, -1e-3, 1e-3):
                q = p.copy()
                q[k] += step * (1.0 if k == 4 else max(p[2], 1.0))
                moved = float(np.sum((1 - iou_with(from_centre(*q), corners, areas)[0]) ** 2))
                assert moved >= loss * (1 - 1e-6)
