"""Boxes: Zooniverse ``rotateRectangle`` marks <-> quadrilaterals on the Sun (RENDERING.md).

:func:`box_to_world` maps a rectangle corner by corner (a rectangle in the image is a
quadrilateral on the Sun) and summarises it as centre, side lengths and axis angle;
:func:`world_box_to_image` is its inverse. Angles on the Sun are in degrees
**counter-clockwise from solar west** (``+Tx``, towards ``+Ty``), in ``[0, 360)``, the
convention of ``jet_sandbox.aia``'s jet ``direction``.

Examples
--------
>>> from jet_render.boxes import box_to_world, world_box_to_image
>>> from jet_render.geometry import ImageGeometry
>>> g = ImageGeometry(width=100, height=100, im_ll_x=0.0, im_ll_y=0.0, im_ur_x=1.0,
...                   im_ur_y=1.0, naxis1=100, naxis2=100)
>>> header = {"CRPIX1": 50.5, "CRPIX2": 50.5, "CRVAL1": 0, "CRVAL2": 0, "CDELT1": 1, "CDELT2": 1}
>>> box = box_to_world(40, 45, 20, 10, 30, g, header)
>>> back = world_box_to_image(box.center_tx, box.center_ty, box.width, box.height, box.angle, g, header)
>>> [round(float(v), 6) + 0.0 for v in (back.x, back.y, back.width, back.height, back.angle)]
[40.0, 45.0, 20.0, 10.0, 30.0]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from jet_render.geometry import CoordinateInputError, FloatArray, ImageGeometry, rectangle_corners
from jet_render.marks import Units, box_params, check_shape, check_units, from_nominal, nominal_factors
from jet_render.wcs import frame_wcs

__all__ = ["ImageBox", "WorldBox", "box_to_world", "world_box_to_image"]


@dataclass(frozen=True, slots=True)
class WorldBox:
    """An image rectangle mapped onto the Sun (helioprojective arcsec).

    Shapes are those of the boxes (0-d for one box); corner arrays have a trailing
    axis of 4.

    Attributes
    ----------
    corners_tx, corners_ty
        The four corners: images of the unrotated box's top-left, top-right,
        bottom-right, bottom-left corners (:func:`~jet_render.geometry.rectangle_corners`).
    center_tx, center_ty
        The image of the box's centre.
    width, height
        Side lengths in arcsec: mean length of the two sides that were the box's
        ``width`` sides (top and bottom) and ``height`` sides (left and right).
    angle
        Direction of the box's width axis (from the middle of its left side to the
        middle of its right side), degrees counter-clockwise from solar west, ``[0, 360)``.
    height_angle
        Direction of its height axis, from the middle of the bottom side to the middle
        of the top side (the image's "up" turned with the box), same convention; about
        ``angle + 90`` for an unmirrored WCS.
    """

    corners_tx: FloatArray
    corners_ty: FloatArray
    center_tx: FloatArray
    center_ty: FloatArray
    width: FloatArray
    height: FloatArray
    angle: FloatArray
    height_angle: FloatArray


@dataclass(frozen=True, slots=True)
class ImageBox:
    """A Zooniverse ``rotateRectangle`` in image positions (``x, y`` the unrotated top-left
    corner; ``angle`` degrees, clockwise on screen, in ``[-180, 180)``)."""

    x: FloatArray
    y: FloatArray
    width: FloatArray
    height: FloatArray
    angle: FloatArray


def _direction(dx: FloatArray, dy: FloatArray) -> FloatArray:
    angle = np.rad2deg(np.arctan2(dy, dx))
    return np.asarray(np.mod(angle, 360.0), dtype=np.float64)


def _summarise(
    corners_tx: FloatArray, corners_ty: FloatArray, center_tx: FloatArray, center_ty: FloatArray
) -> WorldBox:
    def side(i: int, j: int) -> FloatArray:
        return np.asarray(
            np.hypot(corners_tx[..., j] - corners_tx[..., i], corners_ty[..., j] - corners_ty[..., i]),
            dtype=np.float64,
        )

    width = (side(0, 1) + side(3, 2)) / 2.0
    height = (side(1, 2) + side(0, 3)) / 2.0
    mid = {
        name: (
            (corners_tx[..., i] + corners_tx[..., j]) / 2.0,
            (corners_ty[..., i] + corners_ty[..., j]) / 2.0,
        )
        for name, (i, j) in {"left": (0, 3), "right": (1, 2), "top": (0, 1), "bottom": (3, 2)}.items()
    }
    angle = _direction(mid["right"][0] - mid["left"][0], mid["right"][1] - mid["left"][1])
    height_angle = _direction(mid["top"][0] - mid["bottom"][0], mid["top"][1] - mid["bottom"][1])
    return WorldBox(corners_tx, corners_ty, center_tx, center_ty, width, height, angle, height_angle)


def box_to_world(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    width: npt.ArrayLike,
    height: npt.ArrayLike,
    angle: npt.ArrayLike,
    geometry: ImageGeometry,
    wcs: Any,
    *,
    units: Units = "pixels",
    scale: float | tuple[float, float] | None = None,
) -> WorldBox:
    """Zooniverse (rotated) rectangles -> quadrilaterals on the Sun, corner by corner.

    Parameters
    ----------
    x, y, width, height, angle
        The marks' parameters (``angle = 0`` for a plain ``rectangle``); vectorised.
        With ``units="fraction"`` the positions and sides are fractions of the image
        width/height; with ``scale`` all are rescaled before the box is built.
    geometry, wcs, units, scale
        As for :func:`pixel_to_world`. ``angle`` is always in the pixel frame; a
        per-axis ``scale`` should keep the aspect ratio (as Zooniverse does) for the
        box to stay a rectangle.

    Returns
    -------
    WorldBox
        Corners, centre, side lengths (arcsec) and axis angles (degrees
        counter-clockwise from solar west).

    Examples
    --------
    >>> from jet_render.boxes import ImageGeometry, box_to_world
    >>> g = ImageGeometry(width=100, height=100, im_ll_x=0.0, im_ll_y=0.0, im_ur_x=1.0,
    ...                   im_ur_y=1.0, naxis1=100, naxis2=100)
    >>> header = {"CRPIX1": 50.5, "CRPIX2": 50.5, "CRVAL1": 0, "CRVAL2": 0, "CDELT1": 1, "CDELT2": 1}
    >>> box = box_to_world(40, 45, 20, 10, 0, g, header)
    >>> [round(float(v), 4) for v in (box.center_tx, box.center_ty, box.width, box.height, box.angle)]
    [0.0, 0.0, 20.0, 10.0, 0.0]
    >>> box = box_to_world(40, 45, 20, 10, 90, g, header)   # clockwise on screen: width axis points south
    >>> [round(float(v), 4) for v in (box.width, box.height, box.angle, box.height_angle)]
    [20.0, 10.0, 270.0, 0.0]
    """
    fw = frame_wcs(wcs)
    check_shape(geometry, fw)
    check_units(units)
    xa, ya, wa, ha, aa = box_params(x=x, y=y, width=width, height=height, angle=angle)
    sx, sy = nominal_factors(geometry, units, scale)
    # The box is a rectangle in the nominal pixel frame (scaling a rotated box per axis
    # only keeps it a rectangle when sx == sy; Zooniverse keeps the aspect ratio).
    cx, cy = rectangle_corners(xa * sx, ya * sy, wa * sx, ha * sy, aa)
    centre_x, centre_y = xa * sx + wa * sx / 2.0, ya * sy + ha * sy / 2.0
    corners = fw.array_to_world(*geometry.image_to_array(cx, cy))
    centre = fw.array_to_world(*geometry.image_to_array(centre_x, centre_y))
    return _summarise(corners[0], corners[1], centre[0], centre[1])


def world_box_to_image(
    center_tx: npt.ArrayLike,
    center_ty: npt.ArrayLike,
    width: npt.ArrayLike,
    height: npt.ArrayLike,
    angle: npt.ArrayLike,
    geometry: ImageGeometry,
    wcs: Any,
    *,
    units: Units = "pixels",
    scale: float | tuple[float, float] | None = None,
    tolerance: float = 1e-9,
    max_iterations: int = 20,
) -> ImageBox:
    """Boxes on the Sun (centre, sides, width-axis angle as in :class:`WorldBox`) -> image
    rectangles: the inverse of :func:`box_to_world`.

    The centre maps exactly; sides and angle are solved by Newton iterations so that
    :func:`box_to_world` of the result gives back ``width``, ``height`` and ``angle``
    (to ``tolerance`` in pixels), since a rectangle on the image is only approximately
    a rectangle on the Sun.

    Examples
    --------
    >>> from jet_render.boxes import ImageGeometry, world_box_to_image
    >>> g = ImageGeometry(width=100, height=100, im_ll_x=0.0, im_ll_y=0.0, im_ur_x=1.0,
    ...                   im_ur_y=1.0, naxis1=100, naxis2=100)
    >>> header = {"CRPIX1": 50.5, "CRPIX2": 50.5, "CRVAL1": 0, "CRVAL2": 0, "CDELT1": 1, "CDELT2": 1}
    >>> box = world_box_to_image(0, 0, 20, 10, 270, g, header)
    >>> [round(float(v), 6) + 0.0 for v in (box.x, box.y, box.width, box.height, box.angle)]
    [40.0, 45.0, 20.0, 10.0, 90.0]
    """
    fw = frame_wcs(wcs)
    check_shape(geometry, fw)
    check_units(units)
    ctx, cty, wt, ht, at = box_params(
        center_tx=center_tx, center_ty=center_ty, width=width, height=height, angle=angle
    )
    if np.any(wt <= 0) or np.any(ht <= 0):
        raise CoordinateInputError("box width and height must be positive")

    # Centre: exact.
    px, py = fw.world_to_array(ctx, cty)
    cx, cy = geometry.array_to_image(px, py)

    # Local linear map image -> world at the centre, by central differences.
    step = 0.5
    ex = [fw.array_to_world(*geometry.image_to_array(cx + d, cy)) for d in (step, -step)]
    ey = [fw.array_to_world(*geometry.image_to_array(cx, cy + d)) for d in (step, -step)]
    jac = np.empty((*cx.shape, 2, 2))
    jac[..., 0, 0] = (ex[0][0] - ex[1][0]) / (2 * step)
    jac[..., 1, 0] = (ex[0][1] - ex[1][1]) / (2 * step)
    jac[..., 0, 1] = (ey[0][0] - ey[1][0]) / (2 * step)
    jac[..., 1, 1] = (ey[0][1] - ey[1][1]) / (2 * step)
    inv = np.linalg.inv(jac)

    def to_image_vector(length: FloatArray, direction: FloatArray) -> tuple[FloatArray, FloatArray]:
        theta = np.deg2rad(direction)
        vx, vy = length * np.cos(theta), length * np.sin(theta)
        return inv[..., 0, 0] * vx + inv[..., 0, 1] * vy, inv[..., 1, 0] * vx + inv[..., 1, 1] * vy

    def solve_start(w: FloatArray, h: FloatArray, a: FloatArray) -> FloatArray:
        wx, wy = to_image_vector(w, a)  # the width axis in the image
        # rotateRectangle's width axis is (cos, sin)(angle) in the y-down frame.
        image_angle = np.rad2deg(np.arctan2(wy, wx))
        hx, hy = to_image_vector(h, a + 90.0)
        image_height = np.abs(-hx * np.sin(np.deg2rad(image_angle)) + hy * np.cos(np.deg2rad(image_angle)))
        return np.stack([np.hypot(wx, wy), image_height, image_angle], axis=-1)

    state = solve_start(wt, ht, at)

    def forward(s: FloatArray) -> FloatArray:
        w, h, a = s[..., 0], s[..., 1], s[..., 2]
        box = box_to_world(cx - w / 2.0, cy - h / 2.0, w, h, a, geometry, fw)
        turn = np.mod(box.angle - at + 180.0, 360.0) - 180.0
        return np.stack([box.width - wt, box.height - ht, turn], axis=-1)

    for _ in range(max_iterations):
        residual = forward(state)
        jac_s = np.empty((*state.shape, 3))
        for k, delta in enumerate((1e-3, 1e-3, 1e-4)):
            shifted = state.copy()
            shifted[..., k] += delta
            jac_s[..., k] = (forward(shifted) - residual) / delta
        update = np.linalg.solve(jac_s, residual[..., None])[..., 0]
        state = state - update
        if np.all(np.abs(update[..., :2]) < tolerance) and np.all(
            np.abs(np.deg2rad(update[..., 2])) * np.maximum(state[..., 0], state[..., 1]) < tolerance
        ):
            break
    w, h = state[..., 0], state[..., 1]
    a = np.mod(state[..., 2] + 180.0, 360.0) - 180.0
    xn, yn = from_nominal(cx - w / 2.0, cy - h / 2.0, geometry, units, scale)
    wn, hn = from_nominal(w, h, geometry, units, scale)
    return ImageBox(xn, yn, wn, hn, np.asarray(a, dtype=np.float64))
