"""Furniture: reused across CRPIX jitter with every tick where matplotlib puts it; sunpy's look.

Drawn without sunpy.map (seconds of import per process), it is the furniture and the whole
figure that ``sunpy.map.Map(...).plot`` draws: these tests draw both and compare them.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from jet_render.colors import BLEND_BASE, GREY_BASE
from jet_render.framed import read_fits, render_framed
from jet_render.furniture import (
    Furniture,
    Placement,
    _fits_header,
    _new_axes,
    _plot_like_sunpy,
    _read_furniture,
    cache_info,
    clear_cache,
    draw_furniture,
    furniture_for,
)
from jet_render.style import Style
from jet_render.wcs import frame_wcs

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


# -- drawn without sunpy.map: the same picture as sunpy.map.Map(...).plot --------------------


Size = tuple[int, int]


def _sunpy_axes(data: npt.NDArray[np.float32], hdr: Any, size: Size, style: Style, **kw: Any) -> Any:
    """WCSAxes on which ``sunpy.map.Map(data, hdr).plot(axes=ax, **kw)`` drew, as the seed did."""
    import sunpy.map

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        smap = sunpy.map.Map(data, hdr)
        ax = _new_axes(smap, size, style)
        smap.plot(axes=ax, **kw)
    return ax


def _our_axes(data: npt.NDArray[np.float32], hdr: Any, size: Size, style: Style, **kw: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ax = _new_axes(frame_wcs(hdr).wcs, size, style)
        _plot_like_sunpy(ax, data, **kw)
    return ax


def _sunpy_furniture(header: Any, size: Size, style: Style) -> Furniture:
    """The furniture as it was drawn before: on sunpy.map's own plot of an all-red image."""
    from matplotlib.colors import ListedColormap, Normalize

    hdr = _fits_header(header)
    zeros = np.zeros((hdr["NAXIS2"], hdr["NAXIS1"]), np.float32)
    red = ListedColormap([(1.0, 0.0, 0.0)])
    ax = _sunpy_axes(zeros, hdr, size, style, cmap=red, norm=Normalize(0.0, 1.0), interpolation="nearest")
    return _read_furniture(ax, hdr, size, style)


def _rotated_crota(cutout: Cutout) -> Any:
    _, header = read_fits(cutout.paths[0])
    header = header.copy()
    for card in ("PC1_1", "PC1_2", "PC2_1", "PC2_2"):
        del header[card]
    header["CROTA2"] = 10.0
    return header


def _rotated_pc(cutout: Cutout) -> Any:
    header = _small_header(cutout)
    angle = math.radians(-3.0)
    header["PC1_1"], header["PC1_2"] = math.cos(angle), -math.sin(angle)
    header["PC2_1"], header["PC2_2"] = math.sin(angle), math.cos(angle)
    return header


def _real_aia_171() -> tuple[npt.NDArray[np.float32], Any]:
    """sunpy's real AIA 171 level-1 test file (128x128 full disk, CROTA2 = 0.019 deg, no PC)."""
    sunpy_test = pytest.importorskip("sunpy.data.test")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a BLANK card in a float image
        return read_fits(sunpy_test.get_test_filepath("aia_171_level1.fits"))


CASES: dict[str, tuple[Any, tuple[int, int], Style]] = {
    "cutout 600x500": (lambda c: read_fits(c.paths[0])[1], SIZE, Style()),
    "cutout 300x260": (_small_header, SIZE, Style()),
    "drifted CRPIX": (lambda c: _jittered(_small_header(c), 0.37, -0.21), SIZE, Style()),
    "drifted CRPIX 1.4 px": (lambda c: _jittered(read_fits(c.paths[0])[1], 1.45, -1.18), (960, 720), Style()),
    "CROTA2 10 deg": (_rotated_crota, (960, 720), Style()),
    "PC -3 deg, square": (_rotated_pc, (800, 800), Style()),
    "no grid": (_small_header, (1280, 960), Style(grid=False)),
    "real AIA 171": (lambda c: _real_aia_171()[1], (960, 720), Style()),
}


@pytest.mark.parametrize("case", list(CASES))
def test_furniture_drawn_without_sunpy_map_equals_sunpy_map_s(cutout: Cutout, case: str) -> None:
    make, size, style = CASES[case]
    header = make(cutout)
    ours, theirs = draw_furniture(header, size, style), _sunpy_furniture(header, size, style)
    for name in ("width", "height", "rows", "cols", "title_px", "title_band", "crpix", "tilt"):
        assert getattr(ours, name) == getattr(theirs, name), name
    # display positions from the two WCSs' float arithmetic: equal to 1e-9 px
    for name in ("box", "title_xy", "scale"):
        assert getattr(ours, name) == pytest.approx(getattr(theirs, name), abs=1e-9), name
    assert [len(t) for t in ours.ticks] == [len(t) for t in theirs.ticks]
    for a, b in zip(ours.ticks, theirs.ticks, strict=True):
        assert a == pytest.approx(b, abs=1e-9)
    for name in ("index", "src_rows", "src_cols", "data_mask"):
        np.testing.assert_array_equal(getattr(ours, name), getattr(theirs, name), err_msg=name)
    assert len(ours.sprites) == len(theirs.sprites) >= 4
    for a, b in zip(ours.sprites, theirs.sprites, strict=True):
        assert a.axis == b.axis and a.position == pytest.approx(b.position, abs=1e-9)
        np.testing.assert_array_equal(a.grey_flat, b.grey_flat)
        np.testing.assert_array_equal(a.grey_value, b.grey_value)
        np.testing.assert_array_equal(a.blend_flat, b.blend_flat)
    assert (Placement(ours).image() == Placement(theirs).image()).all()
    if not style.grid:  # the grid is really off: nothing over the data area but the data
        assert not any(s.blend_flat.size for s in ours.sprites)


def _picture(ax: Any) -> npt.NDArray[np.uint8]:
    ax.set_title("SDO-AIA   2012-Jul-08 13:05:43")
    ax.figure.canvas.draw()
    return np.asarray(ax.figure.canvas.buffer_rgba()).copy()


@pytest.mark.parametrize("case", ["cutout 600x500", "CROTA2 10 deg", "real AIA 171"])
def test_the_seed_s_whole_figure_without_sunpy_map_is_pixel_identical(cutout: Cutout, case: str) -> None:
    """The data (sunpy's AIA colour map and norm), axis labels from CTYPE, ticks, grid, title."""
    import copy

    make, size, style = CASES[case]
    header = make(cutout)
    data = _real_aia_171()[0] if case == "real AIA 171" else read_fits(cutout.paths[0])[0]
    theirs_ax = _sunpy_axes(data, header, size, style)
    settings = copy.deepcopy(_sunpy_map_plot_settings(data, header))
    ours_ax = _our_axes(data, _fits_header(header), size, style, **settings)
    labels = [c.get_axislabel() for c in ours_ax.coords]
    assert labels == [c.get_axislabel() for c in theirs_ax.coords]
    assert labels == ["Helioprojective Longitude (Solar-X)", "Helioprojective Latitude (Solar-Y)"]
    ours, theirs = _picture(ours_ax), _picture(theirs_ax)
    assert ours.shape == theirs.shape
    assert (ours != theirs).sum() == 0


def _sunpy_map_plot_settings(data: npt.NDArray[np.float32], header: Any) -> dict[str, Any]:
    """What the map's plot gives imshow: its colour map and norm (interpolation, origin: ours)."""
    import sunpy.map

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        settings = dict(sunpy.map.Map(data, header).plot_settings)
    settings.pop("title", None)
    return {key: settings[key] for key in ("cmap", "norm")}


CHILD = """
import json, sys
from jet_render.furniture import cache_info
from jet_render.renderfile import RenderRequest, render_file
out = render_file(sys.argv[1], sys.argv[2], RenderRequest(kind="framed", size=(640, 480)))
loaded = sorted(m for m in sys.modules if m == "sunpy.map" or m.startswith("sunpy.map."))
print(json.dumps({"loaded": loaded, "drawn": cache_info()["drawn"], "width": out["width"]}))
"""


def test_a_fresh_process_renders_a_framed_frame_without_sunpy_map(cutout: Cutout, tmp_path: Path) -> None:
    cmd = [sys.executable, "-c", CHILD, str(cutout.paths[0]), str(tmp_path / "frame.png")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result == {"loaded": [], "drawn": 1, "width": 640}
    assert (tmp_path / "frame.png").stat().st_size > 0
