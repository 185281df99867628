"""Bare frames: the data only, at any size.

Row 0 of the data is the bottom of the image (y up on the Sun, as sunpy's ``imshow``
with ``origin="lower"``); the data area is the whole image (``fractions`` 0, 0, 1, 1),
so the geometry formula of RENDERING.md holds with ``im_ll = (0, 0)``,
``im_ur = (1, 1)``. Resampling is nearest neighbour with the same pixel-centre mapping
as framed frames.

Examples
--------
>>> import numpy as np
>>> from jet_render.bare import render_bare
>>> data = np.zeros((2, 3)); data[0, 0] = 1.0   # bottom-left pixel bright
>>> img = render_bare(data, size=(6, 4))
>>> img.width, img.height, img.fractions
(6, 4, (0.0, 0.0, 1.0, 1.0))
>>> bool(img.index[-1, 0] > img.index[0, 0]), bool(img.index[-1, 2] == img.index[0, 0])  # bottom-left
(True, True)
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import numpy.typing as npt

from jet_render.colors import palette_for
from jet_render.encode import RenderedImage
from jet_render.framed import data_indices
from jet_render.normalize import Normalization

__all__ = ["render_bare", "source_indices"]

logger = logging.getLogger(__name__)


def source_indices(n_out: int, n_in: int) -> npt.NDArray[np.intp]:
    """Nearest source pixel of each of ``n_out`` output pixels spanning ``n_in`` input pixels.

    Examples
    --------
    >>> source_indices(6, 3).tolist(), source_indices(2, 4).tolist()
    ([0, 0, 1, 1, 2, 2], [1, 3])
    """
    u = (np.arange(n_out) + 0.5) / n_out
    return np.clip(np.floor(u * n_in), 0, n_in - 1).astype(np.intp)


def render_bare(
    data: npt.ArrayLike,
    header: Any = None,
    *,
    size: tuple[int, int] | None = None,
    norm: Normalization | None = None,
    cmap: str | None = None,
) -> RenderedImage:
    """The data alone, ``size = (width, height)`` px (default: one pixel per data pixel).

    The colour map is ``cmap``, else sunpy's ``sdoaia<WAVELNTH>`` from ``header``, else grey.
    """
    arr = np.asarray(data)
    ny, nx = arr.shape
    width, height = size if size is not None else (nx, ny)
    idx = data_indices(arr, norm)
    rows = source_indices(height, ny)[::-1]
    cols = source_indices(width, nx)
    out = idx[rows[:, None], cols[None, :]]
    wave = header.get("WAVELNTH") if header is not None else None
    return RenderedImage(index=np.ascontiguousarray(out), palette=palette_for(wave, cmap))
