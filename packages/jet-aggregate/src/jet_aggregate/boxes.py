"""Rotated-box clustering on ``1 - IoU`` and the consensus box of each cluster.

Clustering: DBSCAN from scikit-learn on the precomputed ``1 - IoU`` matrix (exact
polygon IoU, :mod:`jet_aggregate.iou`), ``eps`` and ``min_samples`` as the reference
``shape_reducer_dbscan`` (0.6, 3). Two boxes of one volunteer are never neighbours, a
cluster keeps one box per volunteer (the one nearest the others) and needs
``min_users`` volunteers.

Consensus: the box minimising ``sum((1 - IoU(box, member))**2)``, the objective of the
reference (which searches it globally with scipy's DIRECT, seconds per cluster). Here
it starts in closed form - members brought to one representation of their equivalent
parameters ((w, h, a) = (h, w, a + 90) = (w, h, a + 180)) and averaged, or the medoid,
whichever is closer - and is polished by a short Nelder-Mead run. ``sigma`` and the
+-sigma boxes follow the reference: ``sigma = sqrt(min / (N - 1))``, the boxes scaled
about the centre by ``1 / gamma`` and ``gamma``, ``gamma = sqrt(1 - sigma)``.

Examples
--------
>>> import numpy as np
>>> from jet_aggregate.boxes import cluster_boxes
>>> from jet_aggregate.config import AggregationConfig
>>> rng = np.random.default_rng(1)
>>> truth = np.array([500.0, 300.0, 40.0, 120.0, 30.0])
>>> marks = truth + rng.normal(0.0, [2.0, 2.0, 2.0, 4.0, 2.0], size=(8, 5))
>>> result = cluster_boxes(marks, [f"user{i}" for i in range(8)], AggregationConfig())
>>> result.labels.tolist()
[0, 0, 0, 0, 0, 0, 0, 0]
>>> box = result.clusters[0]
>>> bool(box.mean_iou > 0.85), bool(0.0 < box.sigma < 0.2), box.n_users
(True, True, 8)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from jet_aggregate.config import AggregationConfig
from jet_aggregate.errors import InputError
from jet_aggregate.iou import (
    BoxArray,
    as_boxes,
    box_corners,
    centres,
    from_centre,
    iou_gradient,
    iou_matrix,
    iou_with,
)
from jet_aggregate.members import one_mark_per_user

__all__ = [
    "BoxCluster",
    "BoxClusters",
    "align",
    "cluster_boxes",
    "consensus_box",
    "estimate_box",
    "normalise_box",
    "scale_box",
    "sigma_boxes",
]


@dataclass(frozen=True, slots=True)
class BoxCluster:
    """A cluster of rotated boxes and its consensus (image pixels, Zooniverse parameters).

    Attributes
    ----------
    box
        Consensus ``(x, y, width, height, angle)``, angle in ``[0, 180)``.
    sigma
        The reference's IoU spread ``sqrt(min sum (1 - IoU)^2 / (N - 1))``.
    plus, minus
        The +-sigma boxes (scaled by ``1 / gamma`` and ``gamma``).
    mean_iou
        Mean IoU of the members with the consensus box.
    members
        Indices of the member boxes in the input.
    n_users
        Distinct volunteers (= number of members).
    loss
        The minimised ``sum((1 - IoU)**2)``.
    """

    box: tuple[float, float, float, float, float]
    sigma: float
    plus: tuple[float, float, float, float, float]
    minus: tuple[float, float, float, float, float]
    mean_iou: float
    members: tuple[int, ...]
    n_users: int
    loss: float


@dataclass(frozen=True, slots=True)
class BoxClusters:
    """Result of :func:`cluster_boxes`: a label per box (``-1`` noise) and the clusters."""

    labels: npt.NDArray[np.int64]
    clusters: tuple[BoxCluster, ...] = field(default=())


def normalise_box(box: npt.ArrayLike) -> BoxArray:
    """The same rectangles with ``angle`` in ``[0, 180)`` (using ``(w, h, a + 180)``).

    Examples
    --------
    >>> from jet_aggregate.boxes import normalise_box
    >>> normalise_box([0, 0, 10, 4, -150]).tolist()
    [[0.0, 0.0, 10.0, 4.0, 30.0]]
    """
    b = as_boxes(box).copy()
    b[:, 4] = np.mod(b[:, 4], 180.0)
    return b


def align(boxes: npt.ArrayLike, reference: npt.ArrayLike) -> BoxArray:
    """Each box in the representation (``(w, h, a)`` or ``(h, w, a + 90)``, angle mod 180)
    whose angle is nearest the reference box's angle: the form in which boxes average."""
    b = as_boxes(boxes)
    ref = as_boxes(reference)[0]
    cx, cy = centres(b)
    w, h, a = b[:, 2], b[:, 3], b[:, 4]
    d0 = np.mod(a - ref[4] + 90.0, 180.0) - 90.0
    d1 = np.mod(a + 90.0 - ref[4] + 90.0, 180.0) - 90.0
    swap = np.abs(d1) < np.abs(d0)
    ww = np.where(swap, h, w)
    hh = np.where(swap, w, h)
    aa = ref[4] + np.where(swap, d1, d0)
    return from_centre(cx, cy, ww, hh, aa)


def _loss(
    candidates: BoxArray, polygons: npt.NDArray[np.float64], areas: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    distance = 1.0 - iou_with(candidates, polygons, areas)
    return np.asarray(np.sum(distance**2, axis=1), dtype=np.float64)


def estimate_box(boxes: npt.ArrayLike) -> tuple[BoxArray, float]:
    """The reference's ``estimate_average``: the member with least ``sum (1 - IoU)^2``
    to the others, and its sigma."""
    b = as_boxes(boxes)
    d2 = np.sum((1.0 - iou_matrix(b)) ** 2, axis=1)
    best = int(np.argmin(d2))
    return b[best], float(np.sqrt(d2[best] / max(len(b) - 1, 1)))


def _loss_gradient(
    params: npt.NDArray[np.float64], corners: npt.NDArray[np.float64], areas: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """``sum((1 - IoU)**2)`` of candidates ``(K, 5)`` (centre form) and its gradient ``(K, 5)``."""
    iou, grad = iou_gradient(params, corners, areas)
    r = 1.0 - iou
    return np.sum(r**2, axis=1), -2.0 * np.einsum("kn,knp->kp", r, grad)


def _refine(
    start: BoxArray, corners: npt.NDArray[np.float64], areas: npt.NDArray[np.float64], iterations: int
) -> tuple[BoxArray, float]:
    """Damped quasi-Newton on ``sum((1 - IoU)**2)`` in (cx, cy, w, h, angle).

    The gradient is exact (:func:`jet_aggregate.iou.iou_gradient`); the Hessian starts
    as the forward difference of the gradient over a small step of each parameter (one
    batched call of five probes), which sees the loss's full curvature where
    Gauss-Newton would see only ``J^T J`` and crawl (the residuals are not small), and
    is then updated by BFGS. Each iteration asks for all its damped trial steps in one
    call, with their gradients, and keeps the best if it lowers the loss, so the result
    is never worse than the start. When no step helps, the Hessian is differenced
    afresh; when that does not help either (a crease of the loss, where edges run
    parallel) a short compass search finishes.
    """
    cx, cy = centres(start)
    p = np.array([cx[0], cy[0], start[0, 2], start[0, 3], start[0, 4]])
    losses, grads = _loss_gradient(p[None], corners, areas)
    loss, g = float(losses[0]), grads[0]
    damping = np.array([0.0, 1e-3, 1e-2, 1e-1, 1.0, 10.0, 1e2])[:, None, None]
    hess, fresh = _hessian(p, g, corners, areas), True
    for _ in range(iterations):
        if not np.any(g):
            return from_centre(*p), loss
        scale = np.diag(np.maximum(np.abs(np.diag(hess)), 1e-12))
        try:
            steps = np.linalg.solve(
                hess[None] + damping * scale[None], np.broadcast_to(-g[:, None], (len(damping), 5, 1))
            )[..., 0]
        except np.linalg.LinAlgError:
            break
        trials = p + steps
        trials[:, 2:4] = np.maximum(trials[:, 2:4], 1e-3)
        trial_loss, trial_grad = _loss_gradient(trials, corners, areas)
        best = int(np.argmin(trial_loss))
        if not trial_loss[best] < loss - 1e-15:
            if fresh:
                break
            hess, fresh = _hessian(p, g, corners, areas), True  # the updated model failed
            continue
        improvement = loss - float(trial_loss[best])
        step, change = trials[best] - p, trial_grad[best] - g
        p, loss, g = trials[best], float(trial_loss[best]), trial_grad[best]
        if improvement < 1e-7 * loss:
            return from_centre(*p), loss
        hess, fresh = _bfgs(hess, step, change), False
    return _polish(p, loss, corners, areas)


def _hessian(
    p: npt.NDArray[np.float64],
    g: npt.NDArray[np.float64],
    corners: npt.NDArray[np.float64],
    areas: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """The loss's Hessian at ``p``: forward differences of the exact gradient ``g`` (one call)."""
    size = max(min(p[2], p[3]), 1.0)
    h = np.array([1e-3 * size, 1e-3 * size, 1e-3 * max(p[2], 1.0), 1e-3 * max(p[3], 1.0), 1e-2])
    _, probe = _loss_gradient(p + np.diag(h), corners, areas)
    hess = (probe - g).T / h  # column k: d grad / d p_k
    return np.asarray(0.5 * (hess + hess.T), dtype=np.float64)


def _bfgs(
    hess: npt.NDArray[np.float64], step: npt.NDArray[np.float64], change: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """The BFGS update of a Hessian after a step and the gradient's change along it
    (unchanged when the curvature along the step is not positive)."""
    hs = hess @ step
    shs, ys = float(step @ hs), float(change @ step)
    if shs <= 0 or ys <= 0:
        return hess
    return np.asarray(hess - np.outer(hs, hs) / shs + np.outer(change, change) / ys, dtype=np.float64)


def _polish(
    p: npt.NDArray[np.float64],
    loss: float,
    corners: npt.NDArray[np.float64],
    areas: npt.NDArray[np.float64],
    calls: int = 12,
) -> tuple[BoxArray, float]:
    """A batched compass search: all +-steps of the five parameters at four step sizes
    in one IoU call, the best kept, the steps shrunk when none helps. The loss has kinks
    (where polygon corners cross edges) at which Levenberg-Marquardt stalls."""
    size = max(min(p[2], p[3]), 1.0)
    step = np.array([0.01 * size, 0.01 * size, 0.01 * max(p[2], 1.0), 0.01 * max(p[3], 1.0), 0.1])
    floor = step * 0.005
    directions = np.vstack([np.eye(5), -np.eye(5)])
    scales = np.array([1.0, 0.25, 0.0625, 0.015625])[:, None, None]
    for _ in range(calls):
        if not np.all(step > floor):
            break
        trials = (p + scales * (directions * step)).reshape(-1, 5)
        losses = np.sum((1.0 - iou_with(from_centre(*trials.T), corners, areas)) ** 2, axis=1)
        best = int(np.argmin(losses))
        if losses[best] < loss - 1e-13:
            p, loss = trials[best], float(losses[best])
            step = step * float(scales[best // len(directions), 0, 0])
        else:
            step = step * 0.01
    return from_centre(*p), loss


def consensus_box(boxes: npt.ArrayLike, *, iterations: int = 30) -> tuple[BoxArray, float, float]:
    """Consensus box of a cluster: ``(box, sigma, loss)``.

    Closed-form start (the members brought to one representation and averaged, or the
    medoid, whichever has the lower ``sum((1 - IoU)**2)``), then at most
    ``iterations`` Levenberg-Marquardt steps on that loss.
    """
    b = as_boxes(boxes)
    n = len(b)
    corners = box_corners(b)
    areas = np.abs(b[:, 2] * b[:, 3])
    medoid, _ = estimate_box(b)
    aligned = align(b, medoid)
    cx, cy = centres(aligned)
    mean = from_centre(cx.mean(), cy.mean(), aligned[:, 2].mean(), aligned[:, 3].mean(), aligned[:, 4].mean())
    starts = np.vstack([mean, medoid[None, :]])
    losses = _loss(starts, corners, areas)
    start = starts[int(np.argmin(losses)) : int(np.argmin(losses)) + 1]
    best_loss = float(losses.min())
    if iterations > 0 and n > 1:
        refined, loss = _refine(start, corners, areas, iterations)
        if loss < best_loss:
            start, best_loss = refined, loss
    sigma = float(np.sqrt(best_loss / max(n - 1, 1)))
    return normalise_box(start)[0], sigma, best_loss


def scale_box(box: npt.ArrayLike, gamma: float) -> BoxArray:
    """A box scaled about its centre by ``gamma`` (angle unchanged)."""
    b = as_boxes(box)
    cx, cy = centres(b)
    out: BoxArray = from_centre(cx, cy, b[:, 2] * gamma, b[:, 3] * gamma, b[:, 4])[0]
    return out


def sigma_boxes(box: npt.ArrayLike, sigma: float) -> tuple[BoxArray, BoxArray]:
    """The reference's ``(plus, minus)`` sigma boxes: scaled by ``1/gamma`` and ``gamma``,
    ``gamma = sqrt(1 - sigma)``.

    Examples
    --------
    >>> from jet_aggregate.boxes import sigma_boxes
    >>> plus, minus = sigma_boxes([0, 0, 10, 10, 0], 0.19)
    >>> plus.round(4).tolist(), minus.round(4).tolist()
    ([-0.5556, -0.5556, 11.1111, 11.1111, 0.0], [0.5, 0.5, 9.0, 9.0, 0.0])
    """
    gamma = float(np.sqrt(max(1.0 - sigma, 1e-12)))
    return scale_box(box, 1.0 / gamma), scale_box(box, gamma)


def _tuple(box: BoxArray) -> tuple[float, float, float, float, float]:
    v = [float(x) for x in np.asarray(box).reshape(-1)[:5]]
    return (v[0], v[1], v[2], v[3], v[4])


def cluster_boxes(
    boxes: npt.ArrayLike,
    users: Sequence[object] | npt.ArrayLike,
    config: AggregationConfig,
    *,
    estimate: bool = False,
) -> BoxClusters:
    """Cluster one tool's rotated boxes of one subject and find each cluster's consensus.

    Parameters
    ----------
    boxes
        ``(N, 5)`` rows ``x, y, width, height, angle`` in image pixels.
    users
        The volunteer of each box.
    config
        ``box_eps``, ``box_min_samples``, ``min_users``, ``refine_iterations``.
    estimate
        Use the reference's ``estimate_average`` (the medoid) instead of the
        refined consensus.
    """
    from sklearn.cluster import DBSCAN

    b = as_boxes(boxes) if np.size(boxes) else np.empty((0, 5))
    user = np.array(list(np.asarray(users, dtype=object).reshape(-1)), dtype=object)
    if user.shape[0] != b.shape[0]:
        raise InputError(f"{b.shape[0]} boxes but {user.shape[0]} users")
    n = len(b)
    if n < config.box_min_samples:
        return BoxClusters(np.full(n, -1, dtype=np.int64))
    iou = iou_matrix(b)
    distance = 1.0 - iou
    same_user = (user[:, None] == user[None, :]) & ~np.eye(n, dtype=bool)
    distance[same_user] = 2.0  # one volunteer's boxes are never each other's neighbours
    np.fill_diagonal(distance, 0.0)
    labels = (
        DBSCAN(eps=config.box_eps, min_samples=config.box_min_samples, metric="precomputed")
        .fit(distance)
        .labels_
    )
    labels = labels.astype(np.int64)
    score = np.zeros(n)
    for k in np.unique(labels[labels >= 0]):
        idx = np.flatnonzero(labels == k)
        score[idx] = np.sum(np.minimum(distance[np.ix_(idx, idx)], 1.0) ** 2, axis=1)
    labels = one_mark_per_user(labels, user, score, min_users=config.min_users)
    clusters = []
    for k in range(int(labels.max(initial=-1)) + 1):
        idx = np.flatnonzero(labels == k)
        members = b[idx]
        if estimate:
            box, sigma = estimate_box(members)
            loss = sigma**2 * max(len(idx) - 1, 1)
        else:
            box, sigma, loss = consensus_box(members, iterations=config.refine_iterations)
        plus, minus = sigma_boxes(box, sigma)
        mean_iou = float(iou_matrix(box, members).mean())
        clusters.append(
            BoxCluster(
                _tuple(box), sigma, _tuple(plus), _tuple(minus), mean_iou, tuple(idx.tolist()), len(idx), loss
            )
        )
    return BoxClusters(labels, tuple(clusters))
