"""The furniture of a framed frame, drawn once per field of view and reused.

Axes, ticks, tick labels, axis labels and sunpy's coordinate grid depend only on the
frame's WCS, the image size and the :class:`~jet_render.style.Style`. They are drawn
with matplotlib (Agg) on astropy WCSAxes exactly as the seed drew a frame (what
``sunpy.map.GenericMap.plot`` does to its axes, with sunpy.visualization's grid; then the
seed's title and labels) and kept as palette indices; per frame only the data area and
the title change. :mod:`sunpy.map` is not imported: it costs seconds of CPU in every
rendering process, and the tests compare the two drawings pixel for pixel.

How the parts are separated: the data area is filled pure red (``(1, 0, 0)``) and the
furniture is all greys, so one drawing gives, per pixel, how much of the data shows
(``t = R - G``) and the furniture's own premultiplied grey (``G``). The figure is drawn
three times: everything (``A``); without the second coordinate's ticks, labels and grid
(``E``); and without either's (``B``, the static part: spines, axis labels). ``E - B``
is what moves with the x ticks (marks, labels, the grid lines of constant Solar X),
``A - E`` what moves with the y ticks. Each is cut into one :class:`Sprite` per tick
(pixels nearest that tick along its axis). Grid pixels over the data become "data seen
through the 60 % white grid" (:func:`jet_render.colors.blend_table`), as sunpy draws it.

Real AIA cutouts jitter by fractions of a pixel from frame to frame (``CRPIX`` drifts),
which moves every tick and grid line by the same amount in display pixels. So the
cache (:func:`furniture_for`) is keyed by everything but ``CRPIX``, and a furniture
drawn for one reference pixel serves another with its ticks moved to where matplotlib
would put them (:meth:`jet_render.sprites.Furniture.place`); otherwise it is drawn
again. The data area box is where matplotlib put the image, read from the axes' data
transform: the image's outer edges ``-0.5`` and ``naxis - 0.5`` in array pixels (the
geometry contract of RENDERING.md). The title's anchor and font size are read from
matplotlib's own title, drawn transparent; :mod:`jet_render.framed` draws each frame's
title there with Pillow and matplotlib's DejaVu Sans.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import OrderedDict
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from jet_render.colors import grey_index
from jet_render.sprites import Furniture, Placement, Sprite
from jet_render.style import Style

__all__ = [
    "Furniture",
    "Placement",
    "Sprite",
    "furniture_for",
    "furniture_key",
    "draw_furniture",
    "clear_cache",
    "cache_info",
    "font_path",
]

logger = logging.getLogger(__name__)

_SAMPLE_TITLE = "SDO-AIA   2012-Jul-08 13:05:43"
_KEY_CARDS = (
    "NAXIS1", "NAXIS2", "CTYPE1", "CTYPE2", "CUNIT1", "CUNIT2",
    "CRVAL1", "CRVAL2", "CDELT1", "CDELT2", "CROTA2", "PC1_1", "PC1_2", "PC2_1", "PC2_2",
)  # fmt: skip
_CACHE: OrderedDict[Any, list[Furniture]] = OrderedDict()
_CACHE_LIMIT = 64
_PER_KEY = 16
_STATS = {"drawn": 0, "reused": 0}
_LOCK = threading.Lock()


def _card(header: Any, name: str) -> Any:
    value = header.get(name)
    if isinstance(value, float):
        return round(value, 6)
    return value


def furniture_key(header: Any, size: tuple[int, int], style: Style) -> tuple[Any, ...]:
    """The cache key: the WCS cards that shape the axes (all but ``CRPIX``), size, style."""
    return (tuple(_card(header, name) for name in _KEY_CARDS), tuple(size), style)


def _crpix(header: Any) -> tuple[float, float]:
    return (float(header.get("CRPIX1", 0.0)), float(header.get("CRPIX2", 0.0)))


def furniture_for(header: Any, size: tuple[int, int], style: Style | None = None) -> Placement:
    """The furniture for a frame's header (a FITS header or dict), from this process's cache.

    A furniture drawn for the same field of view up to a sub-pixel (or few-pixel) drift
    of ``CRPIX`` is reused with its ticks moved (:meth:`Furniture.place`); otherwise it
    is drawn (:func:`draw_furniture`, about half a second) and kept.
    """
    style = style or Style()
    key = furniture_key(header, size, style)
    crpix = _crpix(header)
    with _LOCK:
        drawn = list(_CACHE.get(key, ()))
    for ref in drawn:
        placed = ref.place(crpix)
        if placed is not None:
            with _LOCK:
                _STATS["reused"] += 1
            return placed
    built = draw_furniture(header, size, style)
    with _LOCK:
        _STATS["drawn"] += 1
        refs = _CACHE.setdefault(key, [])
        _CACHE.move_to_end(key)
        refs.insert(0, built)
        del refs[_PER_KEY:]
        while len(_CACHE) > _CACHE_LIMIT:
            _CACHE.popitem(last=False)
    return Placement(built)


def clear_cache() -> None:
    """Forget every cached furniture of this process (and reset :func:`cache_info`)."""
    with _LOCK:
        _CACHE.clear()
        _STATS.update(drawn=0, reused=0)


def cache_info() -> dict[str, int]:
    """How often furniture was drawn and reused in this process, and the cached count.

    Examples
    --------
    >>> clear_cache()
    >>> cache_info()
    {'drawn': 0, 'reused': 0, 'cached': 0}
    """
    with _LOCK:
        return {**_STATS, "cached": sum(len(v) for v in _CACHE.values())}


def _fits_header(header: Any) -> Any:
    from astropy.io import fits

    if isinstance(header, fits.Header):
        return header
    out = fits.Header()
    for name, value in dict(header).items():
        if name not in ("COMMENT", "HISTORY", "") and not isinstance(value, (dict, list)):
            out[name] = value
    return out


def _layers(canvas: Any, width: int, height: int) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """``(t, ink)``: how much of the red data shows, and the premultiplied grey on top."""
    rgba = np.asarray(canvas.buffer_rgba())[..., :3].astype(np.float32) / np.float32(255.0)
    if rgba.shape[:2] != (height, width):  # figure size rounding: pad with white / crop
        fixed = np.ones((height, width, 3), np.float32)
        h, w = min(height, rgba.shape[0]), min(width, rgba.shape[1])
        fixed[:h, :w] = rgba[:h, :w]
        rgba = fixed
    ink = (rgba[..., 1] + rgba[..., 2]) * np.float32(0.5)
    t = np.clip(rgba[..., 0] - ink, 0.0, 1.0)
    return t, ink


def _own_grey(t: npt.NDArray[np.float32], ink: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """The furniture's own grey where it covers (``ink / (1 - t)``), white where it does not."""
    cover = np.float32(1.0) - t
    return np.where(cover > 1e-3, ink / np.maximum(cover, np.float32(1e-3)), np.float32(1.0))


def _tick_positions(ax: Any, coord: int, along: int) -> tuple[float, ...]:
    """Display positions (along x or y) of one coordinate's major ticks, merged within 1.5 px."""
    ticks = getattr(ax.coords[coord], "_ticks", None)
    pixel = getattr(ticks, "pixel", None)
    if not pixel:
        return ()
    found = sorted(
        float(ax.transData.transform(np.asarray(p, float))[along]) for locs in pixel.values() for p in locs
    )
    merged: list[float] = []
    for p in found:
        if merged and p - merged[-1] < 1.5:
            continue
        merged.append(p)
    return tuple(merged)


def _cut(
    moved: npt.NDArray[np.bool_],
    t: npt.NDArray[np.float32],
    ink: npt.NDArray[np.float32],
    axis: int,
    positions: tuple[float, ...],
    height: int,
) -> list[Sprite]:
    """One sprite per tick of the ``moved`` pixels, each to its nearest tick along ``axis``."""
    rows, cols = np.nonzero(moved)
    tt, own = t[rows, cols], _own_grey(t[rows, cols], ink[rows, cols])
    blend = (tt >= 0.2) & (tt < 0.7) & (own >= 0.5)
    grey = (tt < 0.5) & ~blend
    # pixel centres in display coordinates along the tick's axis (y up)
    where = cols + 0.5 if axis == 0 else height - (rows + 0.5)
    bounds = np.asarray([(a + b) / 2 for a, b in pairwise(positions)])
    nearest = np.searchsorted(bounds, where)
    flat = (rows * moved.shape[1] + cols).astype(np.intp)
    values = grey_index(own)
    sprites = []
    for i, pos in enumerate(positions):
        mine = nearest == i
        g, b = mine & grey, mine & blend
        sprites.append(Sprite(axis, pos, flat[g], values[g], flat[b]))
    return sprites


def _plot_like_sunpy(ax: Any, data: npt.NDArray[np.float32], **imshow_kwargs: Any) -> None:
    """Draw ``data`` on its own WCSAxes as ``sunpy.map.GenericMap.plot`` does, without sunpy.map.

    What ``GenericMap.plot(axes=ax, **imshow_kwargs)`` (sunpy 7) does to axes made from
    the map's own WCS: the axis labels named from ``CTYPE`` (``Helioprojective Longitude
    (Solar-X)``..., no unit: WCSAxes puts it on the tick labels, arcsec for
    helioprojective axes); ``imshow`` of the array with ``origin="lower"`` and
    ``interpolation="nearest"`` (the map's plot settings, no extent: the image spans
    pixels ``-0.5 .. n - 0.5``; autoalignment is off as the axes' WCS is the map's); then
    sunpy's default grid (:func:`sunpy.visualization.wcsaxes_compat.default_wcs_grid`:
    white, alpha 0.6, dotted, 0.5 pt). The map's title is not drawn: the caller sets its own.
    """
    from sunpy.visualization import axis_labels_from_ctype, wcsaxes_compat

    ctype = ax.wcs.wcs.ctype
    ax.coords[0].set_axislabel(axis_labels_from_ctype(ctype[0], None))
    ax.coords[1].set_axislabel(axis_labels_from_ctype(ctype[1], None))
    ax.imshow(data, **{"interpolation": "nearest", "origin": "lower", **imshow_kwargs})
    wcsaxes_compat.default_wcs_grid(ax)


def draw_furniture(header: Any, size: tuple[int, int], style: Style) -> Furniture:
    """Draw the furniture with astropy WCSAxes + matplotlib (about 0.5 s; use :func:`furniture_for`).

    The axes are those of the seed's ``sunpy.map.Map(...).plot`` (:func:`_plot_like_sunpy`),
    drawn without importing :mod:`sunpy.map` (seconds of CPU per process).

    Examples
    --------
    >>> header = {"NAXIS1": 200, "NAXIS2": 150, "CTYPE1": "HPLN-TAN", "CTYPE2": "HPLT-TAN",
    ...           "CUNIT1": "arcsec", "CUNIT2": "arcsec", "CRPIX1": 100.5, "CRPIX2": 75.5,
    ...           "CRVAL1": -850.0, "CRVAL2": 400.0, "CDELT1": 0.6, "CDELT2": 0.6}
    >>> f = draw_furniture(header, (320, 240), Style())
    >>> f.index.shape, len(f.ticks[0]) >= 2, len(f.ticks[1]) >= 2
    ((240, 320), True, True)
    >>> f.src_cols.size == f.cols.stop - f.cols.start
    True
    """
    import warnings

    from matplotlib.colors import ListedColormap, Normalize

    from jet_render.wcs import frame_wcs

    hdr = _fits_header(header)
    ax = _new_axes(frame_wcs(hdr).wcs, size, style)
    red = ListedColormap([(1.0, 0.0, 0.0)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        zeros = np.zeros((int(hdr["NAXIS2"]), int(hdr["NAXIS1"])), np.float32)
        _plot_like_sunpy(ax, zeros, cmap=red, norm=Normalize(0.0, 1.0))
    return _read_furniture(ax, hdr, size, style)


def _new_axes(projection: Any, size: tuple[int, int], style: Style) -> Any:
    """WCSAxes of ``projection`` filling a bare Agg figure of ``size`` px drawn in ``style``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    width, height = int(size[0]), int(size[1])
    fig = Figure(figsize=style.figsize_for(width, height), dpi=style.dpi_for(width))
    FigureCanvasAgg(fig)
    return fig.add_subplot(projection=projection)


def _read_furniture(ax: Any, hdr: Any, size: tuple[int, int], style: Style) -> Furniture:
    """The furniture of WCSAxes ``ax`` once an all-red image of ``hdr``'s size is drawn on it."""
    fig, canvas = ax.figure, ax.figure.canvas
    width, height = int(size[0]), int(size[1])
    nx, ny = int(hdr["NAXIS1"]), int(hdr["NAXIS2"])
    if not style.grid:
        ax.coords.grid(False)
    # placed by matplotlib, drawn transparent: each frame's title is drawn by framed.py
    ax.set_title(_SAMPLE_TITLE, color=(0.0, 0.0, 0.0, 0.0))
    ax.set_xlabel(style.xlabel)
    ax.set_ylabel(style.ylabel)
    none = (0.0, 0.0, 0.0, 0.0)
    canvas.draw()
    t_all, ink_all = _layers(canvas, width, height)
    # where matplotlib put the image: its outer pixel edges in display pixels (y up)
    (x0, y0), (x1, y1) = ax.transData.transform([[-0.5, -0.5], [nx - 0.5, ny - 0.5]])
    ticks = (_tick_positions(ax, 0, 0), _tick_positions(ax, 1, 1))
    title = ax.title
    tx, ty = title.get_transform().transform(title.get_position())
    title_px = float(title.get_fontsize()) * fig.dpi / 72.0
    layers = [(t_all, ink_all)]
    for coord in (1, 0):  # E: without the y coordinate's ticks; B: without either's
        ax.coords[coord].set_ticks(color=none)
        ax.coords[coord].set_ticklabel(color=none)
        ax.coords[coord].grid(draw_grid=False)
        canvas.draw()
        layers.append(_layers(canvas, width, height))
    fig.clear()
    (t_e, ink_e), (t_b, ink_b) = layers[1], layers[2]

    index = grey_index(_own_grey(t_b, ink_b))
    c0, c1 = math.ceil(x0 - 0.5), math.ceil(x1 - 0.5)
    r0, r1 = math.ceil(height - y1 - 0.5), math.ceil(height - y0 - 0.5)
    c0, r0, c1, r1 = max(c0, 0), max(r0, 0), min(c1, width), min(r1, height)
    u = (np.arange(c0, c1) + 0.5 - x0) / (x1 - x0)
    v = (height - (np.arange(r0, r1) + 0.5) - y0) / (y1 - y0)
    src_cols = np.clip(np.floor(u * nx), 0, nx - 1).astype(np.intp)
    src_rows = np.clip(np.floor(v * ny), 0, ny - 1).astype(np.intp)
    data_mask = t_b[r0:r1, c0:c1] >= 0.5

    tol = np.float32(0.5 / 255.0)
    sprites: list[Sprite] = []
    for axis, (ta, ia), (tb, ib) in ((0, (t_e, ink_e), (t_b, ink_b)), (1, (t_all, ink_all), (t_e, ink_e))):
        moved = (np.abs(ta - tb) > tol) | (np.abs(ia - ib) > tol)
        if ticks[axis]:
            sprites += _cut(moved, ta, ia, axis, ticks[axis], height)
        else:  # nothing to move them with: keep them where they are
            sprites += _cut(moved, ta, ia, axis, (0.0,), height)
    ty_down = height - ty
    band = (max(0, int(ty_down - 1.4 * title_px)), min(height, math.ceil(ty_down + 0.6 * title_px)))
    pc12, pc21 = float(hdr.get("PC1_2", 0.0)), float(hdr.get("PC2_1", 0.0))
    tilt = max(abs(math.sin(math.radians(float(hdr.get("CROTA2", 0.0))))), abs(pc12), abs(pc21))
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
        sprites=tuple(sprites),
        crpix=_crpix(hdr),
        scale=((x1 - x0) / nx, (y1 - y0) / ny),
        ticks=ticks,
        tilt=tilt,
    )


def font_path() -> Path:
    """matplotlib's DejaVu Sans (the font of its titles and labels)."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
