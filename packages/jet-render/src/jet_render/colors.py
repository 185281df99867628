"""Colour tables and the fixed 8-bit palette of every rendered image.

A rendered image is an array of palette indices: indices ``0 .. DATA_LEVELS-1`` are the
colour map sampled at ``DATA_LEVELS`` evenly spaced points (sunpy's ``sdoaia<wave>``
map for AIA); the next ``BLEND_LEVELS`` are the colour map seen through sunpy's
coordinate grid (white at ``GRID_ALPHA`` = 60 %, ``default_wcs_grid``), so the dotted
grid over the data keeps its transparency; the last ``GREY_LEVELS`` indices are greys
from black to white for the furniture (axes, ticks, labels, title). Quantisation is then
exact and free: data go through a numpy table lookup, the grid through
:func:`blend_table`, the furniture is drawn in greys, and the image is an 8-bit palette
PNG, or expanded to RGB for JPEG.

Examples
--------
>>> from jet_render.colors import BLEND_LEVELS, DATA_LEVELS, GREY_BASE, GREY_LEVELS, palette_for
>>> pal = palette_for(304)
>>> pal.shape, DATA_LEVELS + BLEND_LEVELS + GREY_LEVELS
((256, 3), 256)
>>> pal[-1].tolist(), pal[GREY_BASE].tolist(), pal[DATA_LEVELS].tolist()  # white, black, grid on black
([255, 255, 255], [0, 0, 0], [153, 153, 153])
"""

from __future__ import annotations

import logging
from functools import lru_cache

import numpy as np
import numpy.typing as npt

__all__ = [
    "DATA_LEVELS",
    "BLEND_LEVELS",
    "BLEND_BASE",
    "GRID_ALPHA",
    "GREY_LEVELS",
    "GREY_BASE",
    "blend_table",
    "cmap_name",
    "palette_for",
    "grey_index",
]

logger = logging.getLogger(__name__)

DATA_LEVELS = 192
"""Palette entries for the data (the colour map sampled at this many points)."""
BLEND_LEVELS = 48
"""Palette entries for the data seen through the grid (the colour map at this many points)."""
BLEND_BASE = DATA_LEVELS
"""Index of the first grid-over-data colour."""
GRID_ALPHA = 0.6
"""Opacity of sunpy's white dotted coordinate grid (``sunpy.visualization.wcsaxes_compat``)."""
GREY_LEVELS = 16
"""Palette entries for the furniture: greys from black to white."""
GREY_BASE = DATA_LEVELS + BLEND_LEVELS
"""Index of black; white is ``GREY_BASE + GREY_LEVELS - 1`` (255)."""

_AIA_WAVES = (94, 131, 171, 193, 211, 304, 335, 1600, 1700, 4500)


def cmap_name(wavelength: float | None, cmap: str | None = None) -> str:
    """The colour map for a wavelength: sunpy's ``sdoaia<wave>``, else ``cmap`` or ``"gray"``.

    Examples
    --------
    >>> cmap_name(304), cmap_name(171.0), cmap_name(None), cmap_name(304, "viridis")
    ('sdoaia304', 'sdoaia171', 'gray', 'viridis')
    """
    if cmap:
        return cmap
    if wavelength is not None and round(float(wavelength)) in _AIA_WAVES:
        return f"sdoaia{round(float(wavelength))}"
    return "gray"


@lru_cache(maxsize=32)
def _palette(name: str) -> npt.NDArray[np.uint8]:
    import matplotlib as mpl

    if name.startswith("sdoaia"):
        import sunpy.visualization.colormaps  # noqa: F401 - registers the sdoaia maps

    cmap = mpl.colormaps[name]
    data = cmap(np.linspace(0.0, 1.0, DATA_LEVELS))[:, :3]
    blend = cmap(np.linspace(0.0, 1.0, BLEND_LEVELS))[:, :3] * (1.0 - GRID_ALPHA) + GRID_ALPHA
    greys = np.linspace(0.0, 1.0, GREY_LEVELS)[:, None].repeat(3, axis=1)
    pal = np.round(np.concatenate([data, blend, greys]) * 255.0).astype(np.uint8)
    pal.setflags(write=False)
    return pal


def palette_for(wavelength: float | None = None, cmap: str | None = None) -> npt.NDArray[np.uint8]:
    """The 256x3 ``uint8`` palette: the colour map's ``DATA_LEVELS`` colours, then greys."""
    return _palette(cmap_name(wavelength, cmap))


def grey_index(grey: npt.ArrayLike) -> npt.NDArray[np.uint8]:
    """Palette indices of grey levels given in 0..1 (0 black, 1 white).

    Examples
    --------
    >>> grey_index([0.0, 0.5, 1.0]).tolist()
    [240, 248, 255]
    """
    g = np.clip(np.asarray(grey, dtype=np.float32), 0.0, 1.0)
    return (GREY_BASE + np.rint(g * (GREY_LEVELS - 1))).astype(np.uint8)


@lru_cache(maxsize=1)
def blend_table() -> npt.NDArray[np.uint8]:
    """For each palette index, the index of that colour seen through the grid.

    Data colours go to the grid-over-data entries (the same point of the colour map),
    greys to the grey nearest ``(1 - GRID_ALPHA) * grey + GRID_ALPHA``; grid colours stay.

    Examples
    --------
    >>> t = blend_table()
    >>> int(t[0]), int(t[DATA_LEVELS - 1]), int(t[GREY_BASE]), int(t[255])
    (192, 239, 249, 255)
    """
    table = np.arange(256, dtype=np.float64)
    data = np.arange(DATA_LEVELS)
    table[:DATA_LEVELS] = BLEND_BASE + np.rint(data * (BLEND_LEVELS - 1) / (DATA_LEVELS - 1))
    greys = np.arange(GREY_LEVELS) / (GREY_LEVELS - 1)
    table[GREY_BASE:] = grey_index(greys * (1.0 - GRID_ALPHA) + GRID_ALPHA)
    out = table.astype(np.uint8)
    out.setflags(write=False)
    return out
