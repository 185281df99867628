"""Exact intersection over union of (rotated) rectangles, vectorised.

Areas come from :func:`jet_aggregate.clip.intersection_area` (numpy, all pairs at
once); :func:`box_polygons` gives the same boxes as shapely 2 polygons for checks and
plots.

Boxes are Zooniverse ``rotateRectangle`` parameters ``(x, y, width, height, angle)``:
``x, y`` the unrotated top-left corner, the box turned about its centre by ``angle``
degrees in the y-down image frame (:func:`jet_render.geometry.rectangle_corners`).
The IoU of two boxes is that of their polygons, so the equivalent parameter sets
``(w, h, a)``, ``(h, w, a + 90)`` and ``(w, h, a + 180)`` (same centre) give IoU 1.

Examples
--------
>>> import numpy as np
>>> from jet_aggregate.iou import iou_matrix, equivalent
>>> a = np.array([[0.0, 0.0, 10.0, 4.0, 0.0], [5.0, 0.0, 10.0, 4.0, 0.0]])
>>> iou_matrix(a).round(4).tolist()
[[1.0, 0.3333], [0.3333, 1.0]]
>>> b = equivalent(a[0])          # the same box as (h, w, a + 90)
>>> b.round(6).tolist()
[3.0, -3.0, 4.0, 10.0, 90.0]
>>> float(iou_matrix(a[:1], b[None, :])[0, 0].round(9))
1.0
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from jet_render.geometry import rectangle_corners

from jet_aggregate.clip import intersection_area, intersection_area_gradient
from jet_aggregate.errors import InputError

__all__ = [
    "BoxArray",
    "as_boxes",
    "box_corners",
    "box_polygons",
    "centres",
    "equivalent",
    "from_centre",
    "iou_gradient",
    "iou_matrix",
    "iou_with",
]

BoxArray = npt.NDArray[np.float64]
"""An ``(N, 5)`` array of ``x, y, width, height, angle`` rows."""

# the corners' offsets from the centre in half widths and heights, in corner order
_HALF_X = np.array([-0.5, 0.5, 0.5, -0.5])
_HALF_Y = np.array([-0.5, -0.5, 0.5, 0.5])


def as_boxes(boxes: npt.ArrayLike) -> BoxArray:
    """Boxes as a finite ``(N, 5)`` float array (a single box becomes ``(1, 5)``)."""
    arr = np.asarray(boxes, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != 5:
        raise InputError(f"boxes must be rows of x, y, width, height, angle; got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise InputError("box parameters must be finite")
    return arr


def centres(boxes: npt.ArrayLike) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Centres ``(cx, cy)`` of boxes."""
    b = as_boxes(boxes)
    return b[:, 0] + b[:, 2] / 2.0, b[:, 1] + b[:, 3] / 2.0


def from_centre(
    cx: npt.ArrayLike, cy: npt.ArrayLike, w: npt.ArrayLike, h: npt.ArrayLike, a: npt.ArrayLike
) -> BoxArray:
    """Boxes from centre, sides and angle (the inverse of :func:`centres`)."""
    cxa, cya, wa, ha, aa = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (cx, cy, w, h, a)))
    return np.stack([cxa - wa / 2.0, cya - ha / 2.0, wa, ha, aa], axis=-1).reshape(-1, 5)


def equivalent(box: npt.ArrayLike) -> BoxArray:
    """The ``(h, w, a + 90)`` parameters of the same rectangles (same centre)."""
    b = as_boxes(box)
    cx, cy = centres(b)
    out = from_centre(cx, cy, b[:, 3], b[:, 2], b[:, 4] + 90.0)
    return out[0] if np.ndim(box) == 1 else out


def box_corners(boxes: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Corners of boxes, ``(N, 4, 2)``, in the order of :func:`jet_render.geometry.rectangle_corners`."""
    b = as_boxes(boxes)
    cx, cy = rectangle_corners(b[:, 0], b[:, 1], b[:, 2], b[:, 3], b[:, 4])
    return np.stack([cx, cy], axis=-1)


def box_polygons(boxes: npt.ArrayLike) -> npt.NDArray[np.object_]:
    """shapely 2 polygons of boxes (vectorised)."""
    import shapely

    return np.asarray(shapely.polygons(box_corners(boxes)), dtype=object)


def _iou(
    ca: npt.NDArray[np.float64],
    cb: npt.NDArray[np.float64],
    area_a: npt.NDArray[np.float64],
    area_b: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    # rectangle_corners of positive sides run counter-clockwise in (x, y) coordinates
    inter = intersection_area(ca, cb, oriented=bool(np.all(area_a > 0) and np.all(area_b > 0)))
    union = area_a + area_b - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)
    return np.asarray(np.clip(out, 0.0, 1.0), dtype=np.float64)


def iou_matrix(boxes_a: npt.ArrayLike, boxes_b: npt.ArrayLike | None = None) -> npt.NDArray[np.float64]:
    """IoU of every box of ``boxes_a`` with every box of ``boxes_b`` (default: itself)."""
    a = as_boxes(boxes_a)
    ca = box_corners(a)
    area_a = np.abs(a[:, 2] * a[:, 3])
    if boxes_b is None:
        cb, area_b = ca, area_a
    else:
        b = as_boxes(boxes_b)
        cb, area_b = box_corners(b), np.abs(b[:, 2] * b[:, 3])
    return _iou(ca[:, None], cb[None, :], area_a[:, None], area_b[None, :])


def iou_with(
    box: npt.ArrayLike, corners: npt.NDArray[np.float64], areas: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """IoU of candidate boxes ``(K, 5)`` with prepared member corners ``(N, 4, 2)``: ``(K, N)``."""
    b = as_boxes(box)
    return _iou(box_corners(b)[:, None], corners[None, :], np.abs(b[:, 2] * b[:, 3])[:, None], areas[None, :])


def iou_gradient(
    params: npt.ArrayLike, corners: npt.NDArray[np.float64], areas: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """IoU of candidate boxes with prepared members and its derivatives in the candidates'
    centre parameters.

    Parameters
    ----------
    params
        ``(K, 5)`` candidates as ``cx, cy, width, height, angle`` (degrees), positive sides.
    corners, areas
        The members' corners ``(N, 4, 2)`` (:func:`box_corners`) and areas ``(N,)``.

    Returns
    -------
    iou, gradient
        ``(K, N)`` and ``(K, N, 5)``: ``d IoU / d (cx, cy, width, height, angle)``
        (:func:`jet_aggregate.clip.intersection_area_gradient`, exact where the IoU is
        differentiable).

    Examples
    --------
    >>> import numpy as np
    >>> from jet_aggregate.iou import box_corners, iou_gradient
    >>> member = np.array([[0.0, 0.0, 10.0, 4.0, 0.0]])
    >>> iou, grad = iou_gradient([[7.0, 2.0, 10.0, 4.0, 0.0]], box_corners(member), np.array([40.0]))
    >>> round(float(iou[0, 0]), 6), grad[0, 0, :2].round(6).tolist()   # 32 / 48; right: -4 * 80 / 48**2
    (0.666667, [-0.138889, 0.0])
    """
    p = np.asarray(params, dtype=np.float64).reshape(-1, 5)
    cx, cy, w, h, a = p.T
    ca = box_corners(from_centre(cx, cy, w, h, a))  # (K, 4, 2)
    # corner = centre + (sx w/2) u + (sy h/2) v with u = (cos, sin), v = (-sin, cos)
    # (jet_render.geometry.rectangle_corners); turning moves it perpendicular to its
    # offset from the centre
    theta = np.deg2rad(a)[:, None, None]
    u = np.concatenate([np.cos(theta), np.sin(theta)], axis=-1)  # (K, 1, 2)
    v = np.concatenate([-np.sin(theta), np.cos(theta)], axis=-1)
    rel = ca - np.stack([cx, cy], axis=-1)[:, None, :]
    velocity = np.zeros((*ca.shape, 5))
    velocity[..., 0, 0] = 1.0
    velocity[..., 1, 1] = 1.0
    velocity[..., 2] = _HALF_X[:, None] * u
    velocity[..., 3] = _HALF_Y[:, None] * v
    velocity[..., 4] = np.stack([-rel[..., 1], rel[..., 0]], axis=-1) * (np.pi / 180.0)
    inter, d_inter = intersection_area_gradient(ca[:, None], corners[None, :], velocity[:, None])
    area_a = (w * h)[:, None]
    union = area_a + areas[None, :] - inter
    safe = np.where(union > 0, union, 1.0)
    iou = np.where(union > 0, inter / safe, 0.0)
    d_area = np.zeros(p.shape)
    d_area[:, 2], d_area[:, 3] = h, w
    # IoU = I / (A + B - I): d IoU = (dI (A + B) - I dA) / U^2
    grad = (d_inter * (area_a + areas[None, :])[..., None] - inter[..., None] * d_area[:, None, :]) / (
        safe**2
    )[..., None]
    return np.asarray(np.clip(iou, 0.0, 1.0), dtype=np.float64), np.asarray(grad, dtype=np.float64)
