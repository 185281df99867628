"""jet_render.coords against independent computations: sunpy maps of the real AIA test
file, and synthetic jets (jet_sandbox.aia) whose base point is known in world and pixel
coordinates and found again in rendered pixels."""

from __future__ import annotations

import warnings
from typing import Any

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from astropy.io import fits
from jet_render.coords import (
    CoordinateInputError,
    ImageGeometry,
    box_to_world,
    frame_wcs,
    pixel_to_world,
    world_to_pixel,
)
from jet_sandbox.aia import CutoutSpec, frame, make_jet, random_jet
from jet_store.records import FitsFrame, Rendering

sunpy_map = pytest.importorskip("sunpy.map")
sunpy_test = pytest.importorskip("sunpy.data.test")
from sunpy.coordinates import Helioprojective  # noqa: E402

SEED_AREA = {
    "width": 1920,
    "height": 1440,
    "im_ll_x": 0.2003,
    "im_ll_y": 0.11,
    "im_ur_x": 0.8247,
    "im_ur_y": 0.88,
}


@pytest.fixture(scope="module")
def aia() -> tuple[Any, fits.Header]:
    path = sunpy_test.get_test_filepath("aia_171_level1.fits")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fits.verify.VerifyWarning)  # BLANK on float data
        header = fits.getheader(path)
    return sunpy_map.Map(path), header


def marks(g: ImageGeometry) -> tuple[np.ndarray, np.ndarray]:
    left, top, right, bottom = g.data_area_pixels()
    rng = np.random.default_rng(5)
    x = np.concatenate([[left, right, (left + right) / 2, 0.0, 1919.5], rng.uniform(left, right, 40)])
    y = np.concatenate([[bottom, top, (top + bottom) / 2, 0.0, 1439.5], rng.uniform(top, bottom, 40)])
    return x, y


def independent_array_pixels(g: ImageGeometry, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    u_ = (x / g.width - g.im_ll_x) / (g.im_ur_x - g.im_ll_x)
    v_ = ((1 - y / g.height) - g.im_ll_y) / (g.im_ur_y - g.im_ll_y)
    return u_ * g.naxis1 - 0.5, v_ * g.naxis2 - 0.5


def test_real_aia_file_matches_sunpy_map(aia: tuple[Any, fits.Header]) -> None:
    smap, header = aia
    assert header["CROTA2"] != 0  # a (slightly) rotated frame, without PC keys
    g = ImageGeometry(**SEED_AREA, naxis1=header["NAXIS1"], naxis2=header["NAXIS2"])
    x, y = marks(g)
    px, py = independent_array_pixels(g, x, y)
    expected = smap.pixel_to_world(px * u.pix, py * u.pix)
    for source in (header, FitsFrame(url="f", header=dict(header)), smap.wcs):
        tx, ty = pixel_to_world(x, y, g, source)
        np.testing.assert_allclose(tx, expected.Tx.to_value(u.arcsec), rtol=0, atol=1e-6)
        np.testing.assert_allclose(ty, expected.Ty.to_value(u.arcsec), rtol=0, atol=1e-6)
        bx, by = world_to_pixel(tx, ty, g, source)
        np.testing.assert_allclose(bx, x, rtol=0, atol=1e-6)
        np.testing.assert_allclose(by, y, rtol=0, atol=1e-6)
    # and sunpy's inverse of our world coordinates lands on our array pixels
    tx, ty = pixel_to_world(x, y, g, header)
    spx, spy = smap.world_to_pixel(SkyCoord(tx * u.arcsec, ty * u.arcsec, frame=smap.coordinate_frame))
    np.testing.assert_allclose(spx.to_value(u.pix), px, rtol=0, atol=1e-6)
    np.testing.assert_allclose(spy.to_value(u.pix), py, rtol=0, atol=1e-6)


def test_metadata_strings_give_the_record_answer(aia: tuple[Any, fits.Header]) -> None:
    _, header = aia
    keys = (
        "naxis1",
        "naxis2",
        "crpix1",
        "crpix2",
        "crval1",
        "crval2",
        "cdelt1",
        "cdelt2",
        "cunit1",
        "cunit2",
        "crota2",
    )
    meta = {f"#{k}": str(header[k.upper()]) for k in keys}
    meta |= {f"#{k}": str(v) for k, v in SEED_AREA.items()} | {"#date-obs": header["DATE-OBS"]}
    frame_record = FitsFrame(url="f", header=dict(header), naxis1=header["NAXIS1"], naxis2=header["NAXIS2"])
    rendering = Rendering(path="a.png", frame_url="f", format="png", renderer="framed", **SEED_AREA)
    by_record = ImageGeometry.from_rendering(rendering, frame_record)
    by_meta = ImageGeometry.from_metadata(meta)
    assert by_record == by_meta
    x, y = marks(by_meta)
    np.testing.assert_allclose(
        pixel_to_world(x, y, by_meta, meta), pixel_to_world(x, y, by_record, frame_record), rtol=0, atol=1e-9
    )


def test_skycoords_at_the_boundary(aia: tuple[Any, fits.Header]) -> None:
    _, header = aia
    g = ImageGeometry(**SEED_AREA, naxis1=128, naxis2=128)
    x, y = marks(g)
    coord = pixel_to_world(x, y, g, header, as_skycoord=True)
    assert isinstance(coord.frame, Helioprojective)
    assert coord.obstime.isot.startswith("2011-02-15T00:00:00.34")
    assert coord.observer.lat.to_value(u.deg) == pytest.approx(header["HGLT_OBS"])
    assert coord.observer.radius.to_value(u.m) == pytest.approx(header["DSUN_OBS"])
    bx, by = world_to_pixel(coord, None, g, header)  # same frame: the exact inverse
    np.testing.assert_allclose([bx, by], [x, y], rtol=0, atol=1e-6)
    # a coordinate without observer is taken as given
    bare = SkyCoord(coord.Tx, coord.Ty, frame=Helioprojective(obstime=coord.obstime))
    np.testing.assert_allclose(world_to_pixel(bare, None, g, header), [x, y], rtol=0, atol=1e-6)
    # a point on the disk given in heliographic Stonyhurst goes through the frame's observer
    on_disk = SkyCoord(-100 * u.arcsec, 200 * u.arcsec, frame=coord.frame)
    hgs = on_disk.transform_to("heliographic_stonyhurst")
    expected = world_to_pixel(-100.0, 200.0, g, header)
    np.testing.assert_allclose(world_to_pixel(hgs, None, g, header), expected, rtol=0, atol=1e-5)
    with pytest.raises(CoordinateInputError, match="needs a WCS with DATE-OBS and observer keys"):
        world_to_pixel(
            hgs, None, g, {k: header[k] for k in ("CRPIX1", "CRPIX2", "CRVAL1", "CRVAL2", "CDELT1", "CDELT2")}
        )


# --------------------------------------------------------------------------- synthetic jets


def synthetic(crota2: float, seed: int) -> tuple[CutoutSpec, Any, np.ndarray, fits.Header]:
    spec = CutoutSpec(
        center_x=-820.0, center_y=380.0, shape=(200, 160), crota2=crota2, seed=seed, noise=False,
        start_time="2012-07-08T13:00:00", end_time="2012-07-08T13:20:00",
    )  # fmt: skip
    jet = random_jet(seed, spec)
    data, header = frame(spec, jet, jet.peak_time)
    return spec, jet, data, header


@pytest.mark.parametrize(("crota2", "seed"), [(0.0, 1), (0.0, 2), (17.0, 3), (-120.0, 4)])
def test_synthetic_truth_base_point(crota2: float, seed: int) -> None:
    spec, jet, _, header = synthetic(crota2, seed)
    g = ImageGeometry(**SEED_AREA, naxis1=spec.nx, naxis2=spec.ny)
    x, y = world_to_pixel(jet.base_x, jet.base_y, g, header)
    truth_px, truth_py = spec.world_to_pixel(jet.base_x, jet.base_y)  # the sandbox's own WCS
    np.testing.assert_allclose(g.image_to_array(x, y), [truth_px, truth_py], rtol=0, atol=1e-6)
    np.testing.assert_allclose(pixel_to_world(x, y, g, header), [jet.base_x, jet.base_y], rtol=0, atol=1e-6)


def render_nearest(data: np.ndarray, g: ImageGeometry) -> np.ndarray:
    """A minimal independent renderer: each image pixel shows the array pixel under its
    centre, array row 0 at the bottom of the data area; outside the data area is 0."""
    ys, xs = np.mgrid[0 : int(g.height), 0 : int(g.width)] + 0.5
    col = np.floor((xs / g.width - g.im_ll_x) / (g.im_ur_x - g.im_ll_x) * g.naxis1).astype(int)
    row = np.floor(((1 - ys / g.height) - g.im_ll_y) / (g.im_ur_y - g.im_ll_y) * g.naxis2).astype(int)
    inside = (col >= 0) & (col < g.naxis1) & (row >= 0) & (row < g.naxis2)
    image = np.zeros(xs.shape)
    image[inside] = data[row[inside], col[inside]]
    return image


@pytest.mark.parametrize(("crota2", "seed"), [(0.0, 7), (25.0, 8)])
def test_base_point_found_in_rendered_pixels(crota2: float, seed: int) -> None:
    spec, jet, data, header = synthetic(crota2, seed)
    g = ImageGeometry(width=960, height=720, im_ll_x=0.2003, im_ll_y=0.11, im_ur_x=0.8247, im_ur_y=0.88,
                      naxis1=spec.nx, naxis2=spec.ny)  # fmt: skip
    image = render_nearest(data, g)
    # The brightest array pixel near the base (its peak is exactly at the truth pixel).
    truth_px, truth_py = spec.world_to_pixel(jet.base_x, jet.base_y)
    ix, iy = round(truth_px), round(truth_py)
    window = data[iy - 3 : iy + 4, ix - 3 : ix + 4]
    dy, dx = np.unravel_index(np.argmax(window), window.shape)
    peak_value = window[dy, dx]
    # Its block of image pixels in the rendering, and that block's centre, back on the Sun.
    ys, xs = np.nonzero(image == peak_value)
    x_centre, y_centre = (xs.min() + xs.max() + 1) / 2, (ys.min() + ys.max() + 1) / 2
    # The block's centre is that array pixel's centre, to half an image pixel (a half-pixel
    # error in the mapping would be 0.5 array pixel here).
    found_px, found_py = g.image_to_array(x_centre, y_centre)
    half_image_pixel = 0.5 * spec.nx / (g.width * (g.im_ur_x - g.im_ll_x))
    assert half_image_pixel < 0.2
    assert abs(float(found_px) - (ix - 3 + dx)) <= half_image_pixel + 1e-9
    assert abs(float(found_py) - (iy - 3 + dy)) <= half_image_pixel + 1e-9
    # On the Sun it is within one array pixel of the truth base (the spire can pull the
    # brightest pixel one pixel along the jet).
    tx, ty = pixel_to_world(x_centre, y_centre, g, header)
    assert np.hypot(float(tx) - jet.base_x, float(ty) - jet.base_y) < spec.cdelt * np.sqrt(2)
    # and the predicted image position of the truth is in that block or a neighbour
    x, y = world_to_pixel(jet.base_x, jet.base_y, g, header)
    block_w, block_h = xs.max() + 1 - xs.min(), ys.max() + 1 - ys.min()
    assert abs(float(x) - x_centre) < 1.5 * block_w and abs(float(y) - y_centre) < 1.5 * block_h
    np.testing.assert_allclose(g.image_to_array(x, y), [truth_px, truth_py], rtol=0, atol=1e-6)


def test_box_around_a_synthetic_jet() -> None:
    jet = make_jet(
        -830.0,
        370.0,
        60.0,
        "2012-07-08T13:02",
        "2012-07-08T13:08",
        "2012-07-08T13:15",
        max_height=50.0,
        width=8.0,
    )
    spec = CutoutSpec(center_x=-820.0, center_y=380.0, shape=(200, 160), crota2=10.0,
                      start_time="2012-07-08T13:00:00", end_time="2012-07-08T13:20:00")  # fmt: skip
    _, header = frame(spec, jet, jet.peak_time)
    g = ImageGeometry(**SEED_AREA, naxis1=spec.nx, naxis2=spec.ny)
    fw = frame_wcs(header)
    tip = jet.tip_at(jet.peak_time)
    (bx, tx_), (by, ty_) = world_to_pixel([jet.base_x, tip[0]], [jet.base_y, tip[1]], g, fw)
    length = float(np.hypot(tx_ - bx, ty_ - by))
    angle = float(np.degrees(np.arctan2(ty_ - by, tx_ - bx)))  # y-down image frame
    cx, cy = (bx + tx_) / 2, (by + ty_) / 2
    box = box_to_world(cx - length / 2, cy - 10, length, 20.0, angle, g, fw)
    assert float(box.width) == pytest.approx(50.0, rel=1e-4)
    assert float(box.angle) == pytest.approx(60.0, abs=1e-3)
    middle = [(jet.base_x + tip[0]) / 2, (jet.base_y + tip[1]) / 2]
    np.testing.assert_allclose([box.center_tx, box.center_ty], middle, atol=1e-3)
