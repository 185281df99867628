"""The furniture of a framed frame, drawn once per field of view and reused.

Axes, ticks, tick labels, axis labels and sunpy's coordinate grid depend only on the
frame's WCS, the image size and the :class:`~jet_render.style.Style`. They are drawn
once with sunpy + matplotlib (Agg) exactly as the seed drew a frame (``Map.plot`` on
WCSAxes, then the seed's title and labels), and kept as an array of grey palette
indices; per frame only the data area and the title change.

How the parts are separated: the figure is drawn twice, with the data area filled
black and then white. Where the two drawings agree, the pixel is furniture (its grey is
kept); where they differ by half or more, the data shows through (ticks and the grid
drawn over the data stay on top, as matplotlib draws them). The data area box is where
matplotlib put the image, read from the axes' data transform in display pixels: the
image's outer edges ``-0.5`` and ``naxis - 0.5`` in array pixels, i.e. the geometry
contract of RENDERING.md. The title's anchor (centre, baseline) and font size are read
from matplotlib's own title, which is then erased; :mod:`jet_render.framed` draws each
frame's title there with Pillow and matplotlib's DejaVu Sans.

The cache (:func:`furniture_for`) lives in each process, keyed by the WCS keys that
shape the axes (sizes, projection, reference pixel and value, scale, rotation), the
image size and the style.
"""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from jet_render.colors import grey_index
from jet_render.style import Style

__all__ = ["Furniture", "furniture_for", "furniture_key", "draw_furniture", "clear_cache", "font_path"]

logger = logging.getLogger(__name__)

_SAMPLE_TITLE = "SDO-AIA   2012-Jul-08 13:05:43"
_KEY_CARDS = (
    "NAXIS1", "NAXIS2", "CTYPE1", "CTYPE2", "CUNIT1", "CUNIT2", "CRPIX1", "CRPIX2",
    "CRVAL1", "CRVAL2", "CDELT1", "CDELT2", "CROTA2", "PC1_1", "PC1_2", "PC2_1", "PC2_2",
)  # fmt: skip
_CACHE: dict[Any, Furniture] = {}
_CACHE_LIMIT = 64
_LOCK = threading.Lock()


@dataclass(frozen=True, eq=False)
class Furniture:
    """A framed frame without data and title, and where the data and title go.

    Attributes
    ----------
    index
        ``(height, width)`` ``uint8`` palette indices (greys) of the furniture.
    box
        The data area in display pixels, origin bottom-left: ``(x0, y0, x1, y1)``.
    rows, cols
        Image rows ``r0..r1`` and columns ``c0..c1`` covered by the data, as slices.
    src_rows, src_cols
        For each of those image rows / columns, the data array row / column shown
        (nearest neighbour; row 0 of the data is the bottom of the image).
    data_mask
        ``(r1 - r0, c1 - c0)`` bool: where the data shows (False under ticks and grid).
    title_xy
        The title's anchor (horizontal centre, baseline) in image pixels, y down.
    title_px
        The title's font size in pixels.
    """

    width: int
    height: int
    index: npt.NDArray[np.uint8]
    box: tuple[float, float, float, float]
    rows: slice
    cols: slice
    src_rows: npt.NDArray[np.intp]
    src_cols: npt.NDArray[np.intp]
    data_mask: npt.NDArray[np.bool_]
    title_xy: tuple[float, float]
    title_px: float
    title_band: tuple[int, int]

    @property
    def fractions(self) -> tuple[float, float, float, float]:
        """``(im_ll_x, im_ll_y, im_ur_x, im_ur_y)``: the data area in image fractions."""
        x0, y0, x1, y1 = self.box
        return (x0 / self.width, y0 / self.height, x1 / self.width, y1 / self.height)


def _card(header: Any, name: str) -> Any:
    value = header.get(name)
    if isinstance(value, float):
        return round(value, 6)
    return value


def furniture_key(header: Any, size: tuple[int, int], style: Style) -> tuple[Any, ...]:
    """The cache key: the WCS cards that shape the axes, the size and the style."""
    return (tuple(_card(header, name) for name in _KEY_CARDS), tuple(size), style)


def furniture_for(header: Any, size: tuple[int, int], style: Style | None = None) -> Furniture:
    """The furniture for a frame's header (a FITS header or dict), from this process's cache."""
    style = style or Style()
    key = furniture_key(header, size, style)
    with _LOCK:
        found = _CACHE.get(key)
    if found is not None:
        return found
    built = draw_furniture(header, size, style)
    with _LOCK:
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = built
    return built


def clear_cache() -> None:
    """Forget every cached furniture of this process."""
    with _LOCK:
        _CACHE.clear()


def _fits_header(header: Any) -> Any:
    from astropy.io import fits

    if isinstance(header, fits.Header):
        return header
    out = fits.Header()
    for name, value in dict(header).items():
        if name not in ("COMMENT", "HISTORY", "") and not isinstance(value, (dict, list)):
            out[name] = value
    return out


def _grey(canvas: Any, width: int, height: int) -> npt.NDArray[np.float32]:
    rgba = np.asarray(canvas.buffer_rgba())
    grey = rgba[..., :3].astype(np.float32).mean(axis=2) / np.float32(255.0)
    if grey.shape != (height, width):  # figure size rounding: pad with white / crop
        fixed = np.ones((height, width), np.float32)
        h, w = min(height, grey.shape[0]), min(width, grey.shape[1])
        fixed[:h, :w] = grey[:h, :w]
        grey = fixed
    return np.asarray(grey, dtype=np.float32)


def draw_furniture(header: Any, size: tuple[int, int], style: Style) -> Furniture:
    """Draw the furniture with sunpy + matplotlib (about 1 s; use :func:`furniture_for`)."""
    import warnings

    import sunpy.map
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure

    width, height = int(size[0]), int(size[1])
    hdr = _fits_header(header)
    nx, ny = int(hdr["NAXIS1"]), int(hdr["NAXIS2"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        smap = sunpy.map.Map(np.zeros((ny, nx), np.float32), hdr)
    fig = Figure(figsize=style.figsize_for(width, height), dpi=style.dpi_for(width))
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_subplot(projection=smap)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        image = smap.plot(axes=ax, cmap="gray", norm=Normalize(0.0, 1.0), interpolation="nearest")
    if not style.grid:
        ax.coords.grid(False)
    ax.set_title(_SAMPLE_TITLE)
    ax.set_xlabel(style.xlabel)
    ax.set_ylabel(style.ylabel)
    canvas.draw()
    dark = _grey(canvas, width, height)
    # where matplotlib put the image: its outer pixel edges in display pixels (y up)
    (x0, y0), (x1, y1) = ax.transData.transform([[-0.5, -0.5], [nx - 0.5, ny - 0.5]])
    title = ax.title
    tx, ty = title.get_transform().transform(title.get_position())
    title_px = float(title.get_fontsize()) * fig.dpi / 72.0
    tb = title.get_window_extent(renderer=canvas.get_renderer())
    image.set_data(np.ones((ny, nx), np.float32))
    canvas.draw()
    light = _grey(canvas, width, height)

    transmission = light - dark
    index = grey_index(dark)
    # erase the sample title (white), pad 2 px for antialiasing
    ta, tz = max(0, math.floor(height - tb.y1) - 2), min(height, math.ceil(height - tb.y0) + 2)
    index[ta:tz, max(0, math.floor(tb.x0) - 2) : min(width, math.ceil(tb.x1) + 2)] = grey_index(1.0)
    # image pixels whose centres fall inside the data area
    c0, c1 = math.ceil(x0 - 0.5), math.ceil(x1 - 0.5)
    r0, r1 = math.ceil(height - y1 - 0.5), math.ceil(height - y0 - 0.5)
    c0, r0, c1, r1 = max(c0, 0), max(r0, 0), min(c1, width), min(r1, height)
    u = (np.arange(c0, c1) + 0.5 - x0) / (x1 - x0)
    v = (height - (np.arange(r0, r1) + 0.5) - y0) / (y1 - y0)
    src_cols = np.clip(np.floor(u * nx), 0, nx - 1).astype(np.intp)
    src_rows = np.clip(np.floor(v * ny), 0, ny - 1).astype(np.intp)
    data_mask = transmission[r0:r1, c0:c1] >= 0.5
    # where ticks or grid lie over the data: their own grey, not the black-fill blend
    over = ~data_mask
    sub = transmission[r0:r1, c0:c1]
    own = np.where(sub < 0.999, dark[r0:r1, c0:c1] / np.maximum(1.0 - sub, 1e-3), 0.0)
    region = index[r0:r1, c0:c1]
    region[over] = grey_index(own[over])
    ty_down = height - ty
    band = (max(0, int(ty_down - 1.4 * title_px)), min(height, math.ceil(ty_down + 0.6 * title_px)))
    fig.clear()
    logger.debug("drew furniture %dx%d, data area %s", width, height, (x0, y0, x1, y1))
    for arr in (index, src_rows, src_cols, data_mask):
        arr.setflags(write=False)
    return Furniture(
        width=width,
        height=height,
        index=index,
        box=(float(x0), float(y0), float(x1), float(y1)),
        rows=slice(r0, r1),
        cols=slice(c0, c1),
        src_rows=src_rows,
        src_cols=src_cols,
        data_mask=data_mask,
        title_xy=(float(tx), float(height - ty)),
        title_px=title_px,
        title_band=band,
    )


def font_path() -> Path:
    """matplotlib's DejaVu Sans (the font of its titles and labels)."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
