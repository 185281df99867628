"""Exact intersection areas of convex quadrilaterals, vectorised in numpy.

The area of ``A & B`` is the boundary integral ``1/2 * sum(x dy - y dx)`` over its
boundary, which is made of the parts of A's edges inside B and of B's edges inside A.
Each edge is clipped to the other polygon by Cyrus-Beck (its parameter interval inside
all four half-planes), so there are no vertex lists to build: a batch of pairs is a
handful of elementwise operations on ``(..., 4, 4)`` arrays, whatever the batch size.
Edges lying on the other polygon's boundary count once (A's inclusively when they run
the same way as B's, B's strictly), so polygons touching along an edge have no area in
common. Coordinates are taken relative to A's first vertex for accuracy.
:mod:`jet_aggregate.iou` cross-checks it against shapely in the tests.

Examples
--------
>>> import numpy as np
>>> from jet_aggregate.clip import intersection_area
>>> square = np.array([[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.0, 2.0]])
>>> float(intersection_area(square, square + [1.0, 1.0]))
1.0
>>> diamond = np.array([[1.0, -1.0], [3.0, 1.0], [1.0, 3.0], [-1.0, 1.0]])
>>> float(intersection_area(square, diamond))
4.0
>>> float(intersection_area(square, square))
4.0
>>> float(intersection_area(square, square + [0.0, 2.0]))  # touching along an edge
0.0
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["intersection_area", "intersection_area_gradient", "polygon_area"]

FloatArray = npt.NDArray[np.float64]
_NEXT = np.array([1, 2, 3, 0])


def polygon_area(vertices: FloatArray) -> FloatArray:
    """Signed shoelace area of polygons ``(..., M, 2)`` (positive counter-clockwise, y up)."""
    x, y = vertices[..., 0], vertices[..., 1]
    nxt = np.roll(np.arange(x.shape[-1]), -1)
    return np.asarray(0.5 * np.sum(x * y[..., nxt] - x[..., nxt] * y, axis=-1), dtype=np.float64)


def _ccw(q: FloatArray) -> FloatArray:
    flip = polygon_area(q) < 0
    return np.where(flip[..., None, None], q[..., ::-1, :], q)


def _edge_spans(
    p: FloatArray, q: FloatArray, strict: npt.NDArray[np.bool_]
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, npt.NDArray[np.bool_]]:
    """The parts of p's edges inside q (both CCW): each edge's start and direction
    ``(..., 4, 2)``, its parameter interval ``[lo, hi]`` inside q and whether that is
    not empty ``(..., 4)``; ``strict`` (broadcast against the batch) says whether an edge
    on q's boundary is outside."""
    start = p  # (..., 4, 2)
    d = p[..., _NEXT, :] - p
    e = q[..., _NEXT, :] - q  # (..., 4, 2) clip edges
    # n0[i, j] = cross(e_j, p_i - q_j); n1[i, j] = cross(e_j, d_i)
    rel = start[..., :, None, :] - q[..., None, :, :]
    n0 = e[..., None, :, 0] * rel[..., 1] - e[..., None, :, 1] * rel[..., 0]
    n1 = e[..., None, :, 0] * d[..., :, None, 1] - e[..., None, :, 1] * d[..., :, None, 0]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        t = -n0 / n1
    enter = np.where(n1 > 0, t, -np.inf).max(axis=-1)
    leave = np.where(n1 < 0, t, np.inf).min(axis=-1)
    # an edge lying on q's boundary is inside (non-strict side) only when it runs the same
    # way as q's edge: opposite directions mean the polygons touch from outside
    same_way = (e[..., None, :, 0] * d[..., :, None, 0] + e[..., None, :, 1] * d[..., :, None, 1]) > 0
    outside = np.where(strict[..., None, None], n0 <= 0, (n0 < 0) | ((n0 == 0) & ~same_way))
    parallel_out = np.any((n1 == 0) & outside, axis=-1)
    lo = np.maximum(enter, 0.0)
    hi = np.minimum(leave, 1.0)
    ok = (lo < hi) & ~parallel_out
    return start, d, lo, hi, ok


def _inside_part(p: FloatArray, q: FloatArray, strict: npt.NDArray[np.bool_]) -> FloatArray:
    """Sum of ``x dy - y dx`` over the parts of p's edges inside q (both CCW)."""
    start, d, lo, hi, ok = _edge_spans(p, q, strict)
    ax = start[..., 0] + lo * d[..., 0]
    ay = start[..., 1] + lo * d[..., 1]
    bx = start[..., 0] + hi * d[..., 0]
    by = start[..., 1] + hi * d[..., 1]
    return np.asarray(np.where(ok, ax * by - bx * ay, 0.0).sum(axis=-1), dtype=np.float64)


def intersection_area(a: npt.ArrayLike, b: npt.ArrayLike, *, oriented: bool = False) -> FloatArray:
    """Area of the intersection of convex quadrilaterals ``a`` and ``b`` (``(..., 4, 2)``, broadcast).

    Either orientation is accepted; ``oriented=True`` promises both are already
    counter-clockwise (positive shoelace area) and skips the check.
    """
    qa = np.asarray(a, dtype=np.float64)
    qb = np.asarray(b, dtype=np.float64)
    origin = qa[..., :1, :]
    qa = qa - origin
    qb = qb - origin
    if not oriented:
        qa, qb = _ccw(qa), _ccw(qb)
    qa, qb = np.broadcast_arrays(qa, qb)
    # both halves of the boundary in one batch: A's edges inside B, then B's inside A
    strict = np.array([False, True]).reshape((2,) + (1,) * (qa.ndim - 2))
    parts = _inside_part(np.stack([qa, qb]), np.stack([qb, qa]), strict)
    return np.asarray(np.maximum(0.5 * (parts[0] + parts[1]), 0.0), dtype=np.float64)


def intersection_area_gradient(
    a: npt.ArrayLike, b: npt.ArrayLike, velocity: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Intersection area of counter-clockwise quadrilaterals and its derivatives as ``a`` moves.

    ``velocity`` ``(..., 4, 2, P)`` holds the derivatives of ``a``'s vertices with
    respect to ``P`` parameters (``b`` stays put). By the transport theorem the area
    changes by the flux of the boundary's velocity through the part of ``a``'s boundary
    inside ``b``: along each clipped edge ``[lo, hi]`` the velocity interpolates the
    edge's end vertices linearly, so the integral is closed-form. Exact wherever the
    area is differentiable (everywhere but where a vertex crosses an edge).

    Returns
    -------
    area, gradient
        Shapes ``(...)`` and ``(..., P)``.

    Examples
    --------
    >>> import numpy as np
    >>> from jet_aggregate.clip import intersection_area_gradient
    >>> square = np.array([[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.0, 2.0]])
    >>> shift_x = np.zeros((4, 2, 1)); shift_x[:, 0, 0] = 1.0   # move a along +x
    >>> area, grad = intersection_area_gradient(square, square + [1.0, 1.0], shift_x)
    >>> float(area), grad.tolist()
    (1.0, [1.0])
    """
    qa = np.asarray(a, dtype=np.float64)
    qb = np.asarray(b, dtype=np.float64)
    v = np.asarray(velocity, dtype=np.float64)
    origin = qa[..., :1, :]
    qa, qb = np.broadcast_arrays(qa - origin, qb - origin)
    strict = np.array([False, True]).reshape((2,) + (1,) * (qa.ndim - 2))
    start, d, lo, hi, ok = _edge_spans(np.stack([qa, qb]), np.stack([qb, qa]), strict)
    ax = start[..., 0] + lo * d[..., 0]
    ay = start[..., 1] + lo * d[..., 1]
    bx = start[..., 0] + hi * d[..., 0]
    by = start[..., 1] + hi * d[..., 1]
    parts = np.where(ok, ax * by - bx * ay, 0.0).sum(axis=-1)
    area = np.asarray(np.maximum(0.5 * (parts[0] + parts[1]), 0.0), dtype=np.float64)
    # a's edges inside b: flux of the vertex velocities through the outward normal (dy, -dx)
    da, lo_a, hi_a = d[0], lo[0], hi[0]
    f2 = np.where(ok[0], 0.5 * (hi_a**2 - lo_a**2), 0.0)
    f1 = np.where(ok[0], hi_a - lo_a, 0.0) - f2
    normal = np.stack([da[..., 1], -da[..., 0]], axis=-1)[..., None]  # (..., 4, 2, 1)
    flux_start = np.sum(v * normal, axis=-2)  # (..., 4, P): vertex i's velocity on edge i
    flux_end = np.sum(v[..., _NEXT, :, :] * normal, axis=-2)  # vertex i + 1's
    gradient = np.sum(flux_start * f1[..., None] + flux_end * f2[..., None], axis=-2)
    return area, np.asarray(gradient, dtype=np.float64)
