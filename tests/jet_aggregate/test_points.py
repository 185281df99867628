"""Point clustering: HDBSCAN/DBSCAN with per-volunteer exclusion."""

from __future__ import annotations

import numpy as np
import pytest
from jet_aggregate.config import AggregationConfig
from jet_aggregate.errors import InputError
from jet_aggregate.points import cluster_points

JOINED = AggregationConfig.preset("joined-points")


def test_one_volunteers_marks_never_form_a_cluster() -> None:
    x = np.array([100.0, 100.5, 101.0, 99.5])
    y = np.array([100.0, 100.2, 99.8, 100.1])
    for algorithm in ("hdbscan", "dbscan"):
        result = cluster_points(x, y, ["a"] * 4, AggregationConfig(point_algorithm=algorithm))
        assert result.clusters == ()


def test_at_most_one_mark_per_volunteer_per_cluster() -> None:
    rng = np.random.default_rng(2)
    x = 500 + rng.normal(0, 1, 8)
    y = 300 + rng.normal(0, 1, 8)
    users = ["a", "b", "c", "d", "e", "f", "a", "a"]
    (cluster,) = cluster_points(x, y, users, JOINED).clusters
    assert cluster.n_users == 6 == len(cluster.members)
    assert len({users[i] for i in cluster.members}) == 6


def test_two_crowds_give_two_clusters_and_the_centre_is_the_crowds() -> None:
    rng = np.random.default_rng(4)
    x = np.concatenate([200 + rng.normal(0, 1, 10), 800 + rng.normal(0, 1, 10)])
    y = np.concatenate([200 + rng.normal(0, 1, 10), 600 + rng.normal(0, 1, 10)])
    users = [f"u{i}" for i in range(10)] * 2
    result = cluster_points(x, y, users, JOINED)
    centres = sorted((round(c.x), round(c.y)) for c in result.clusters)
    assert centres == [(200, 200), (800, 600)]


def test_the_reference_defaults_split_the_crowds() -> None:
    """The reference's HDBSCAN settings (the defaults): at ``min_cluster_size = 2``,
    with no selection epsilon and no single cluster, one clean crowd and two crowds
    both come out in pieces; the ``joined-points`` preset finds the crowds."""
    rng = np.random.default_rng(4)
    x = np.concatenate([200 + rng.normal(0, 1, 10), 800 + rng.normal(0, 1, 10)])
    y = np.concatenate([200 + rng.normal(0, 1, 10), 600 + rng.normal(0, 1, 10)])
    users = [f"u{i}" for i in range(10)] * 2
    one_crowd = cluster_points(x[:10], y[:10], users[:10], AggregationConfig())
    assert len(one_crowd.clusters) > 1 == len(cluster_points(x[:10], y[:10], users[:10], JOINED).clusters)
    split = cluster_points(x, y, users, AggregationConfig())
    assert len(split.clusters) > 2 == len(cluster_points(x, y, users, JOINED).clusters)


def test_parameters_are_used() -> None:
    x = np.array([0.0, 1.0, 50.0, 51.0])
    y = np.zeros(4)
    users = ["a", "b", "c", "d"]
    tight = cluster_points(x, y, users, AggregationConfig(point_algorithm="dbscan", point_eps=5.0))
    loose = cluster_points(x, y, users, AggregationConfig(point_algorithm="dbscan", point_eps=100.0))
    assert len(tight.clusters) == 2 and len(loose.clusters) == 1


def test_bad_points_are_refused() -> None:
    with pytest.raises(InputError):
        cluster_points([1.0, np.nan], [1.0, 2.0], ["a", "b"], AggregationConfig())
    with pytest.raises(InputError):
        cluster_points([1.0], [1.0], ["a", "b"], AggregationConfig())
