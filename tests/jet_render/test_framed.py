"""Framed frames: layout as matplotlib's, title, colours, and the jet's base back on the Sun."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
from jet_render.colors import DATA_LEVELS, palette_for
from jet_render.coords import ImageGeometry, pixel_to_world
from jet_render.encode import encode
from jet_render.framed import read_fits, render_framed
from jet_render.style import Style
from PIL import Image

from .conftest import Cutout


def _seed_axes_box(path: str) -> tuple[float, float, float, float]:
    """The data area (display px, y up) of the seed's own sunpy + matplotlib figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import sunpy.map

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = sunpy.map.Map(path)
    fig = plt.figure(figsize=(6.4, 4.8), dpi=300)
    try:
        ax = fig.add_subplot(projection=m)
        m.plot(axes=ax)
        ax.set_title("SDO-AIA   2012-Jul-08 13:05:43")
        ax.set_xlabel("Solar X (arcsec)")
        ax.set_ylabel("Solar Y (arcsec)")
        fig.canvas.draw()
        x0, y0, x1, y1 = ax.get_window_extent().extents
        return float(x0), float(y0), float(x1), float(y1)
    finally:
        plt.close(fig)


def test_framed_size_and_data_area_match_matplotlib(cutout: Cutout) -> None:
    data, header = read_fits(cutout.paths[0])
    img = render_framed(data, header)
    assert (img.width, img.height) == (1920, 1440)
    ll_x, ll_y, ur_x, ur_y = img.fractions
    x0, y0, x1, y1 = _seed_axes_box(str(cutout.paths[0]))
    assert abs(ll_x * 1920 - x0) <= 1.0
    assert abs(ur_x * 1920 - x1) <= 1.0
    assert abs(ll_y * 1440 - y0) <= 1.0
    assert abs(ur_y * 1440 - y1) <= 1.0


def test_other_sizes_keep_the_layout(cutout: Cutout) -> None:
    data, header = read_fits(cutout.paths[0])
    big, small = render_framed(data, header), render_framed(data, header, size=(960, 720))
    assert (small.width, small.height) == (960, 720)
    assert np.allclose(big.fractions, small.fractions, atol=2e-3)


def test_title_is_drawn_and_changes_with_time(cutout: Cutout) -> None:
    data, header = read_fits(cutout.paths[0])
    with_title = render_framed(data, header)
    blank = render_framed(data, header, style=Style(title_format=""))
    other = render_framed(data, header, time=with_title_time(header, 7))
    top = int((1 - with_title.fractions[3]) * 1440)  # above the data area
    assert (with_title.index[:top] != blank.index[:top]).sum() > 500
    assert (with_title.index[:top] != other.index[:top]).any()
    # only the title band changes
    assert (with_title.index[top:] == blank.index[top:]).all()


def with_title_time(header: object, minutes: int) -> object:
    from datetime import datetime, timedelta

    return datetime(2012, 7, 8, 13, 5, 7) + timedelta(minutes=minutes)


def test_data_colours_come_from_the_colour_map(cutout: Cutout) -> None:
    import matplotlib as mpl
    import sunpy.visualization.colormaps  # noqa: F401

    data, header = read_fits(cutout.paths[0])
    img = render_framed(data, header)
    ll_x, ll_y, ur_x, ur_y = img.fractions
    c = slice(int(ll_x * 1920) + 8, int(ur_x * 1920) - 8)
    r = slice(int((1 - ur_y) * 1440) + 8, int((1 - ll_y) * 1440) - 8)
    inside = img.index[r, c]
    assert (inside < DATA_LEVELS).mean() > 0.95  # data, apart from the dotted grid
    cmap = mpl.colormaps["sdoaia304"]
    rgb = palette_for(304)[inside[inside < DATA_LEVELS]].astype(float) / 255
    expected = cmap(inside[inside < DATA_LEVELS] / (DATA_LEVELS - 1))[:, :3]
    assert np.abs(rgb - expected).max() <= 1 / 255 + 1e-9
    # many colours in use, dark off-limb and bright disk
    assert len(np.unique(inside)) > 150


def test_jet_base_read_from_the_rendered_pixels_maps_back_to_its_true_position(cutout: Cutout) -> None:
    truth = cutout.truth
    k = int(np.argmax([f.intensity for f in truth.frames]))
    data, header = read_fits(cutout.paths[k])
    img = render_framed(data, header)
    png = encode(img, "png").data
    index = np.asarray(Image.open(io.BytesIO(png)))  # the palette indices, as written
    assert index.shape == (1440, 1920)
    ll_x, ll_y, ur_x, ur_y = img.fractions
    nx, ny = header["NAXIS1"], header["NAXIS2"]
    bx, by = truth.frames[k].base_px
    # where the truth says the base is, in image pixels (y down), to choose a search window
    gx = (ll_x + (bx + 0.5) / nx * (ur_x - ll_x)) * 1920
    gy = (1 - (ll_y + (by + 0.5) / ny * (ur_y - ll_y))) * 1440
    r0, c0 = int(gy) - 12, int(gx) - 12
    window = index[r0 : r0 + 25, c0 : c0 + 25].astype(int)
    window[window >= DATA_LEVELS] = -1  # furniture (grid) is not data
    rows, cols = np.nonzero(window == window.max())
    # the brightest data pixel covers a block of image pixels: take its centre
    x, y = c0 + cols.mean() + 0.5, r0 + rows.mean() + 0.5
    geometry = ImageGeometry(1920, 1440, *img.fractions, naxis1=nx, naxis2=ny)
    tx, ty = pixel_to_world(x, y, geometry, header)  # the library's mapping, arcsec
    pixel = header["CDELT1"] * 3600 if header["CUNIT1"] == "deg" else header["CDELT1"]
    assert truth.jet is not None
    assert abs(tx - truth.jet.base_x) <= pixel
    assert abs(ty - truth.jet.base_y) <= pixel


@pytest.mark.parametrize("fmt", ["png", "jpeg"])
def test_encoded_frames_are_under_one_mebibyte(cutout: Cutout, fmt: str) -> None:
    data, header = read_fits(cutout.paths[0])
    out = encode(render_framed(data, header), fmt)
    assert len(out.data) < 1024 * 1024
    assert out.degraded == []
    with Image.open(io.BytesIO(out.data)) as im:
        assert im.size == (1920, 1440)
        assert im.mode == ("P" if fmt == "png" else "RGB")
