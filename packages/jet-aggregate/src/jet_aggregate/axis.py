"""The jet axis of a box on the Sun: base edge, width, height and direction.

The base edge joins the two corners nearest the start (base) point, its length is the
width; the height runs from its middle to the middle of the opposite edge, and the
direction points that way, in degrees counter-clockwise from solar west (+Tx).

Examples
--------
>>> import numpy as np
>>> from jet_aggregate.axis import edge_geometry
>>> tx = np.array([0.0, 4.0, 4.0, 0.0])
>>> ty = np.array([0.0, 0.0, 10.0, 10.0])
>>> edge_geometry(tx, ty, 2.0, -1.0)        # base at the bottom: 4 wide, 10 high, north
(4.0, 10.0, 90.0)
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["base_edge", "edge_geometry"]

FloatArray = npt.NDArray[np.float64]


def base_edge(ctx: FloatArray, cty: FloatArray, bx: float, by: float) -> tuple[int, int]:
    """The corners ``(i, j)`` of the edge nearest the base point: the two nearest corners."""
    d = np.hypot(ctx - bx, cty - by)
    i, j = sorted(np.argsort(d)[:2].tolist())
    if (i, j) == (0, 2) or (i, j) == (1, 3):  # diagonal (a degenerate tie): take the nearest corner's edge
        i = int(np.argmin(d))
        j = (i + 1) % 4 if d[(i + 1) % 4] < d[(i + 3) % 4] else (i + 3) % 4
    return i, j


def edge_geometry(ctx: FloatArray, cty: FloatArray, bx: float, by: float) -> tuple[float, float, float]:
    """(width, height, direction) of a world quadrilateral with its base edge nearest (bx, by)."""
    i, j = base_edge(ctx, cty, bx, by)
    base = ((ctx[i] + ctx[j]) / 2.0, (cty[i] + cty[j]) / 2.0)
    others = [n for n in range(4) if n not in (i, j)]
    top = (float(np.mean(ctx[others])), float(np.mean(cty[others])))
    width = float(np.hypot(ctx[i] - ctx[j], cty[i] - cty[j]))
    height = float(np.hypot(top[0] - base[0], top[1] - base[1]))
    direction = float(np.degrees(np.arctan2(top[1] - base[1], top[0] - base[0])) % 360.0)
    return width, height, direction
