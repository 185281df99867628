"""Clustering of volunteers' points (jet base points) in one subject, tool by tool.

HDBSCAN (the reference ``point_reducer_hdbscan``) or DBSCAN from scikit-learn, with the
parameters of :class:`~jet_aggregate.config.AggregationConfig`, then per-volunteer
exclusion (:func:`~jet_aggregate.members.one_mark_per_user`): a cluster keeps each
volunteer's mark nearest to its centre and needs ``min_users`` volunteers. Marks from
all frames of the subject are clustered together (the reference kept only the last
frame's); each cluster remembers its members' frames.

Examples
--------
>>> import numpy as np
>>> from jet_aggregate.config import AggregationConfig
>>> from jet_aggregate.points import cluster_points
>>> x = np.array([100.0, 101.0, 99.5, 100.5, 400.0, 402.0])
>>> y = np.array([200.0, 201.0, 199.0, 200.5, 50.0, 51.0])
>>> users = ["a", "b", "c", "d", "e", "e"]   # e's two marks may not form a cluster alone
>>> result = cluster_points(x, y, users, AggregationConfig())
>>> result.labels.tolist()
[0, 0, 0, 0, -1, -1]
>>> [round(float(v), 2) for v in (result.clusters[0].x, result.clusters[0].y)], result.clusters[0].n_users
([100.33, 200.24], 4)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from jet_aggregate.config import AggregationConfig
from jet_aggregate.errors import InputError
from jet_aggregate.members import one_mark_per_user

__all__ = ["PointCluster", "PointClusters", "cluster_points"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class PointCluster:
    """One cluster of points (image pixels).

    Attributes
    ----------
    x, y
        Centre.
    std_x, std_y
        Spread of the members (ddof 0).
    members
        Indices of the member marks in the input.
    n_users
        Distinct volunteers (= number of members).
    """

    x: float
    y: float
    std_x: float
    std_y: float
    members: tuple[int, ...]
    n_users: int

    @property
    def spread(self) -> float:
        """RMS distance of the members from the centre (pixels)."""
        return float(np.hypot(self.std_x, self.std_y))


@dataclass(frozen=True, slots=True)
class PointClusters:
    """Result of :func:`cluster_points`: a label per mark (``-1`` noise) and the clusters."""

    labels: npt.NDArray[np.int64]
    clusters: tuple[PointCluster, ...] = field(default=())


def _raw_labels(xy: FloatArray, config: AggregationConfig) -> tuple[npt.NDArray[np.int64], FloatArray]:
    n = xy.shape[0]
    if config.point_algorithm == "dbscan":
        from sklearn.cluster import DBSCAN

        if n < config.point_min_samples:
            return np.full(n, -1, dtype=np.int64), np.zeros(n)
        db = DBSCAN(eps=config.point_eps, min_samples=config.point_min_samples).fit(xy)
        labels = db.labels_.astype(np.int64)
        return labels, (labels >= 0).astype(np.float64)
    from sklearn.cluster import HDBSCAN

    if n < max(config.point_min_cluster_size, config.point_min_samples, 2):
        return np.full(n, -1, dtype=np.int64), np.zeros(n)
    hdb = HDBSCAN(
        min_cluster_size=config.point_min_cluster_size,
        min_samples=config.point_min_samples,
        cluster_selection_method=config.point_cluster_selection_method,
        allow_single_cluster=config.point_allow_single_cluster,
        copy=True,
    ).fit(xy)
    labels = _join_close(xy, hdb.labels_.astype(np.int64), config.point_selection_epsilon)
    return labels, np.asarray(hdb.probabilities_, dtype=np.float64)


def _join_close(xy: FloatArray, labels: npt.NDArray[np.int64], epsilon: float) -> npt.NDArray[np.int64]:
    """Grow HDBSCAN's clusters by single linkage at ``epsilon``: a noise mark closer than
    that to a cluster's mark joins it, and clusters with marks that close merge (what
    ``cluster_selection_epsilon`` intends; at ``min_cluster_size = 2`` HDBSCAN otherwise
    cuts one crowd into pairs and noise)."""
    if epsilon <= 0 or not np.any(labels >= 0):
        return labels
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial.distance import cdist

    near = cdist(xy, xy) < epsilon
    clustered = labels >= 0
    # link: marks of one HDBSCAN cluster, and any two marks closer than epsilon of
    # which at least one is clustered (noise joins through clustered marks only)
    same = (labels[:, None] == labels[None, :]) & clustered[:, None]
    link = same | (near & (clustered[:, None] | clustered[None, :]))
    _, component = connected_components(link, directed=False)
    out = np.where(np.isin(component, component[clustered]), component, -1)
    return out.astype(np.int64)


def _centre(xy: FloatArray, weights: FloatArray, how: str) -> FloatArray:
    if how == "median":
        return np.asarray(np.median(xy, axis=0), dtype=np.float64)
    if how == "weighted" and weights.sum() > 0:
        return np.asarray(np.average(xy, axis=0, weights=weights), dtype=np.float64)
    return np.asarray(xy.mean(axis=0), dtype=np.float64)


def cluster_points(
    x: npt.ArrayLike, y: npt.ArrayLike, users: Sequence[object] | npt.ArrayLike, config: AggregationConfig
) -> PointClusters:
    """Cluster one tool's points of one subject.

    Parameters
    ----------
    x, y
        Mark positions in image pixels (all frames together).
    users
        The volunteer of each mark (anonymous volunteers by their ``not-logged-in-``
        name, or one value per classification when there is none).
    config
        Parameters (algorithm, sizes, centre, ``min_users``).

    Raises
    ------
    InputError
        If the arrays differ in length or hold NaN.
    """
    xy = np.column_stack([np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)])
    user = np.array(list(np.asarray(users, dtype=object).reshape(-1)), dtype=object)
    if user.shape[0] != xy.shape[0]:
        raise InputError(f"{xy.shape[0]} points but {user.shape[0]} users")
    if not np.all(np.isfinite(xy)):
        raise InputError("point marks must be finite")
    labels, prob = _raw_labels(xy, config)
    # score: distance to the raw cluster's median (each volunteer keeps the nearest mark)
    score = np.zeros(len(labels))
    for k in np.unique(labels[labels >= 0]):
        idx = labels == k
        score[idx] = np.hypot(*(xy[idx] - np.median(xy[idx], axis=0)).T)
    labels = one_mark_per_user(labels, user, score, min_users=config.min_users)
    clusters = []
    for k in range(int(labels.max(initial=-1)) + 1):
        idx = np.flatnonzero(labels == k)
        centre = _centre(xy[idx], prob[idx], config.point_centre)
        std = xy[idx].std(axis=0)
        clusters.append(
            PointCluster(
                float(centre[0]),
                float(centre[1]),
                float(std[0]),
                float(std[1]),
                tuple(idx.tolist()),
                len(idx),
            )
        )
    return PointClusters(labels, tuple(clusters))
