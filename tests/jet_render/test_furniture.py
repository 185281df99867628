"""Furniture: reused across CRPIX jitter with every tick where matplotlib puts it; sunpy's look."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from jet_render.colors import BLEND_BASE, GREY_BASE
from jet_render.framed import read_fits, render_framed
from jet_render.furniture import Furniture, Placement, cache_info, clear_cache, draw_furniture, furniture_for
from jet_render.style import Style

from .conftest import Cutout

SIZE = (1920, 1440)


def _small_header(cutout: Cutout) -> Any:
    """A 300x260 cutout's header (the size SSW returns for most jets): 4 px per data pixel."""
    _, header = read_fits(cutout.paths[0])
    header = header.copy()
    header["NAXIS1"], header["NAXIS2"] = 300, 260
    header["CRPIX1"] -= 150
    header["CRPIX2"] -= 120
    return header


def _jittered(header: Any, dx: float, dy: float) -> Any:
    out = header.copy()
    out["CRPIX1"] += dx
    out["CRPIX2"] += dy
    return out


def _runs(profile: npt.NDArray[np.float64]) -> list[float]:
    """Centroids (pixel centres) of the runs of ink along a 1-D darkness profile."""
    ink = profile > 0.05
    edges = np.flatnonzero(np.diff(np.r_[0, ink.astype(int), 0]))
    out = []
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        weights = profile[a:b]
        out.append(float(((np.arange(a, b) + 0.5) * weights).sum() / weights.sum()))
    return out


def _ticks(image: npt.NDArray[np.uint8], f: Furniture) -> tuple[list[float], list[float]]:
    """Tick mark centres: x ticks above the top spine (columns), y ticks right of the right one (rows)."""
    darkness = 1.0 - (image.astype(float) - GREY_BASE).clip(0, 15) / 15.0
    r0, c1 = f.rows.start, f.cols.stop
    top = darkness[r0 - 9 : r0 - 3, f.cols].mean(axis=0)
    right = darkness[f.rows, c1 + 3 : c1 + 9].mean(axis=1)
    return [f.cols.start + x for x in _runs(top)], [r0 + y for y in _runs(right)]


@pytest.mark.parametrize("jitter", [(0.13, -0.21), (0.37, 0.44), (-0.61, 0.29), (1.45, -1.18)])
def test_reused_furniture_puts_every_tick_where_a_fresh_matplotlib_draw_does(
    cutout: Cutout, jitter: tuple[float, float]
) -> None:
    header = _small_header(cutout)
    clear_cache()
    reference = furniture_for(header, SIZE)
    moved = furniture_for(_jittered(header, *jitter), SIZE)
    assert cache_info()["drawn"] == 1  # reused, not drawn again
    assert moved.furniture is reference.furniture

    fresh = Placement(draw_furniture(_jittered(header, *jitter), SIZE, Style()))
    ours_x, ours_y = _ticks(moved.image(), moved.furniture)
    want_x, want_y = _ticks(fresh.image(), fresh.furniture)
    assert len(ours_x) == len(want_x) >= 2
    assert len(ours_y) == len(want_y) >= 2
    assert np.abs(np.subtract(ours_x, want_x)).max() <= 0.5
    assert np.abs(np.subtract(ours_y, want_y)).max() <= 0.5
    # the grid lines too; tick labels may sit one pixel off (Agg rounds text on its own)
    differ = moved.image() != fresh.image()
    f = moved.furniture
    assert differ[f.rows, f.cols].mean() < 1e-4
    assert differ.mean() < 3e-3


def test_without_moving_the_ticks_a_jitter_puts_them_off(cutout: Cutout) -> None:
    header = _small_header(cutout)
    jitter = _jittered(header, 1.45, -1.18)  # ~6 px on the screen
    stale = Placement(draw_furniture(header, SIZE, Style()))
    stale_x, stale_y = _ticks(stale.image(), stale.furniture)
    fresh = Placement(draw_furniture(jitter, SIZE, Style()))
    want_x, want_y = _ticks(fresh.image(), fresh.furniture)
    assert np.abs(np.subtract(stale_x, want_x)).min() > 3
    assert np.abs(np.subtract(stale_y, want_y)).min() > 3


def test_drifting_frames_draw_the_furniture_once_and_a_jump_draws_it_again(cutout: Cutout) -> None:
    header = _small_header(cutout)
    clear_cache()
    for k in range(15):  # 0.05 px per frame, as real cutouts drift
        furniture_for(_jittered(header, 0.05 * k, -0.03 * k), SIZE)
    assert cache_info()["drawn"] == 1
    assert cache_info()["reused"] == 14
    furniture_for(_jittered(header, 60.0, 0.0), SIZE)  # the ticks change: drawn again
    assert cache_info()["drawn"] == 2


def test_a_rotated_frame_is_not_moved_but_drawn(cutout: Cutout) -> None:
    header = _small_header(cutout)
    header["CROTA2"] = 5.0
    clear_cache()
    furniture_for(header, SIZE)
    furniture_for(_jittered(header, 0.1, 0.0), SIZE)  # 0.4 px: tilts the y ticks by 0.03 px
    assert cache_info()["drawn"] == 1
    furniture_for(_jittered(header, 2.0, 0.0), SIZE)  # 8 px: would tilt them by 0.7 px
    assert cache_info()["drawn"] == 2


def _seed_rgb(data: npt.NDArray[np.float32], header: Any) -> npt.NDArray[np.int_]:
    """The seed's own sunpy + matplotlib frame of ``data`` as an RGB array."""
    import matplotlib

    matplotlib.use("Agg")
    import sunpy.map
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = sunpy.map.Map(data, header)
        fig = Figure(figsize=(6.4, 4.8), dpi=300)
        canvas = FigureCanvasAgg(fig)
        ax = fig.add_subplot(projection=m)
        m.plot(axes=ax)
        ax.set_title("SDO-AIA   2012-Jul-08 13:05:43")
        ax.set_xlabel("Solar X (arcsec)")
        ax.set_ylabel("Solar Y (arcsec)")
        canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].astype(int)


def test_grid_over_the_data_is_sunpys_60_percent_white_and_top_ticks_are_whole(cutout: Cutout) -> None:
    data, header = read_fits(cutout.paths[0])
    img = render_framed(data, header)
    ours = img.rgb().astype(int)
    seed = _seed_rgb(data, header)
    grid = (img.index >= BLEND_BASE) & (img.index < GREY_BASE)
    assert grid.sum() > 1000
    diff = np.abs(ours - seed).max(axis=2)
    assert diff[grid].mean() < 25  # the data seen through the grid, as sunpy draws it
    assert (255 - seed[grid]).max(axis=1).mean() > 60  # opaque white would be far off
    # the top ticks: as long as the seed's (the title no longer cuts them)
    placed = furniture_for(header, SIZE)
    r0 = placed.furniture.rows.start
    dark_ours = (ours[r0 - 20 : r0 - 2].min(axis=2) < 128).sum()
    dark_seed = (seed[r0 - 20 : r0 - 2].min(axis=2) < 128).sum()
    assert dark_ours == pytest.approx(dark_seed, rel=0.1)


def test_title_names_the_header_s_observatory_and_instrument(cutout: Cutout) -> None:
    data, header = read_fits(cutout.paths[0])
    other = header.copy()
    other["TELESCOP"], other["INSTRUME"] = "SOHO", "EIT"
    eit = render_framed(data, other)
    aia = render_framed(data, header)
    top = furniture_for(header, SIZE).furniture.rows.start  # the title sits above the data area
    assert (eit.index[:top] != aia.index[:top]).sum() > 200
    assert (eit.index[top:] == aia.index[top:]).all()
    spelled = render_framed(data, header, style=Style(title_format="SOHO-EIT   {time:%Y-%b-%d %H:%M:%S}"))
    assert (eit.index == spelled.index).all()


def test_after_a_jitter_the_ticks_sit_where_the_seed_s_sunpy_figure_has_them(cutout: Cutout) -> None:
    data, _ = read_fits(cutout.paths[0])
    small = np.ascontiguousarray(data[120:380, 150:450])  # what _small_header describes
    header = _small_header(cutout)
    moved = _jittered(header, 0.83, -0.57)
    clear_cache()
    render_framed(small, header)
    ours = render_framed(small, moved).rgb()
    assert cache_info()["drawn"] == 1
    seed = _seed_rgb(small, moved)
    f = furniture_for(moved, SIZE).furniture

    def ticks(rgb: npt.NDArray[Any]) -> tuple[list[float], list[float]]:
        darkness = 1.0 - rgb.min(axis=2) / 255.0
        r0, c1 = f.rows.start, f.cols.stop
        top = darkness[r0 - 9 : r0 - 3, f.cols].mean(axis=0)
        right = darkness[f.rows, c1 + 3 : c1 + 9].mean(axis=1)
        return [f.cols.start + x for x in _runs(top)], [r0 + y for y in _runs(right)]

    ours_x, ours_y = ticks(ours.astype(float))
    seed_x, seed_y = ticks(seed.astype(float))
    assert len(ours_x) == len(seed_x) >= 2 and len(ours_y) == len(seed_y) >= 2
    assert np.abs(np.subtract(ours_x, seed_x)).max() <= 0.5
    assert np.abs(np.subtract(ours_y, seed_y)).max() <= 0.5
