"""Image pixels <-> helioprojective arcsec (jet_render.coords / jet_render.geometry), against
hand-written formulae and astropy's WCS on synthetic headers."""

from __future__ import annotations

import math
from typing import Any

import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS
from hypothesis import given, settings
from hypothesis import strategies as st
from jet_render.coords import (
    CoordinateError,
    CoordinateInputError,
    FrameWcs,
    GeometryError,
    ImageGeometry,
    WcsError,
    box_to_world,
    display_scale,
    frame_wcs,
    pixel_to_world,
    rectangle_corners,
    world_box_to_image,
    world_to_pixel,
)
from jet_store.errors import DataError, UserError
from jet_store.records import FitsFrame, Rendering

SEED_GEOMETRY = {
    "width": 1920,
    "height": 1440,
    "im_ll_x": 0.2003,
    "im_ll_y": 0.11,
    "im_ur_x": 0.8247,
    "im_ur_y": 0.88,
}


def geometry(naxis1: int = 600, naxis2: int = 500, **changes: Any) -> ImageGeometry:
    return ImageGeometry(**{**SEED_GEOMETRY, "naxis1": naxis1, "naxis2": naxis2, **changes})


def header(
    naxis1: int = 600,
    naxis2: int = 500,
    crota2: float = 0.0,
    crval: tuple[float, float] = (-850.0, 400.0),
    cdelt: tuple[float, float] = (0.6, 0.6),
    crpix: tuple[float, float] | None = None,
) -> dict[str, Any]:
    cp = crpix if crpix is not None else ((naxis1 + 1) / 2, (naxis2 + 1) / 2)
    return {
        "NAXIS1": naxis1, "NAXIS2": naxis2, "CTYPE1": "HPLN-TAN", "CTYPE2": "HPLT-TAN",
        "CUNIT1": "arcsec", "CUNIT2": "arcsec", "CRPIX1": cp[0], "CRPIX2": cp[1],
        "CRVAL1": crval[0], "CRVAL2": crval[1], "CDELT1": cdelt[0], "CDELT2": cdelt[1], "CROTA2": crota2,
    }  # fmt: skip


def fits_header(values: dict[str, Any]) -> fits.Header:
    h = fits.Header()
    h["NAXIS"] = 2
    for key, value in values.items():
        h[key] = value
    return h


def expected_world(x: Any, y: Any, g: ImageGeometry, values: dict[str, Any]) -> tuple[Any, Any]:
    """RENDERING.md's formula written out, then astropy on the FITS header (0-based)."""
    fx, fy = np.asarray(x) / g.width, 1 - np.asarray(y) / g.height
    px = (fx - g.im_ll_x) / (g.im_ur_x - g.im_ll_x) * g.naxis1 - 0.5
    py = (fy - g.im_ll_y) / (g.im_ur_y - g.im_ll_y) * g.naxis2 - 0.5
    lon, lat = WCS(fits_header(values)).wcs_pix2world(px, py, 0)
    return (np.mod(lon + 180, 360) - 180) * 3600, lat * 3600


# --------------------------------------------------------------------------- geometry


def test_half_pixel_centre_and_edges_of_the_data_area() -> None:
    g = geometry()
    left, top, right, bottom = g.data_area_pixels()
    px, py = g.image_to_array([(left + right) / 2, left, right], [(top + bottom) / 2, bottom, top])
    assert px.tolist() == pytest.approx([(600 - 1) / 2, -0.5, 600 - 0.5], abs=1e-9)
    assert py.tolist() == pytest.approx([(500 - 1) / 2, -0.5, 500 - 0.5], abs=1e-9)
    # image y grows down, array y grows up: the top edge is the last row's outer edge
    assert g.image_to_array(left, top)[1] == pytest.approx(499.5)


def test_centre_maps_to_the_wcs_reference_pixel() -> None:
    values = header()  # CRPIX = (naxis + 1) / 2, the array's middle in 1-based FITS
    left, top, right, bottom = geometry().data_area_pixels()
    tx, ty = pixel_to_world((left + right) / 2, (top + bottom) / 2, geometry(), values)
    assert (float(tx), float(ty)) == pytest.approx((-850.0, 400.0), abs=1e-9)


geometries = st.builds(
    ImageGeometry,
    width=st.integers(50, 4000),
    height=st.integers(50, 4000),
    im_ll_x=st.floats(0.0, 0.45),
    im_ll_y=st.floats(0.0, 0.45),
    im_ur_x=st.floats(0.55, 1.0),
    im_ur_y=st.floats(0.55, 1.0),
    naxis1=st.integers(16, 4096),
    naxis2=st.integers(16, 4096),
)
fractions = st.lists(st.tuples(st.floats(-0.2, 1.2), st.floats(-0.2, 1.2)), min_size=1, max_size=20)


@given(g=geometries, marks=fractions)
def test_geometry_round_trip(g: ImageGeometry, marks: list[tuple[float, float]]) -> None:
    x = np.array([m[0] for m in marks]) * g.width
    y = np.array([m[1] for m in marks]) * g.height
    back = g.array_to_image(*g.image_to_array(x, y))
    np.testing.assert_allclose(back[0], x, rtol=0, atol=1e-9)
    np.testing.assert_allclose(back[1], y, rtol=0, atol=1e-9)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"im_ur_x": 0.2003}, "im_ur_x=0.2003 <= im_ll_x=0.2003"),
        ({"im_ll_y": 0.9}, "im_ur_y=0.88 <= im_ll_y=0.9"),
        ({"im_ur_x": 1.5}, "outside 0..1"),
        ({"width": 0}, "image size must be positive"),
        ({"height": float("nan")}, "height must be finite"),
        ({"naxis1": 10.5}, "positive whole number"),
        ({"naxis2": 0}, "positive whole number"),
        ({"im_ll_x": "left"}, "must be a number"),
    ],
)
def test_bad_geometry(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(GeometryError, match=message.replace(".", r"\.")) as info:
        geometry(**changes)
    assert isinstance(info.value, DataError)
    assert isinstance(info.value, CoordinateError)


def test_geometry_from_metadata_strings_and_from_records() -> None:
    meta = {f"#{k}": str(v) for k, v in SEED_GEOMETRY.items()} | {"#naxis1": "600", "#naxis2": "500"}
    from_meta = ImageGeometry.from_metadata(meta)
    assert from_meta == geometry()
    rendering = Rendering(path="a.png", frame_url="u", format="png", renderer="framed", **SEED_GEOMETRY)
    assert ImageGeometry.from_rendering(rendering, FitsFrame(url="u", naxis1=600, naxis2=500)) == geometry()
    header_only = FitsFrame(url="u", header={"NAXIS1": 600, "NAXIS2": 500})
    assert ImageGeometry.from_rendering(rendering, header_only) == geometry()
    with pytest.raises(GeometryError, match="no NAXIS1"):
        ImageGeometry.from_rendering(rendering, FitsFrame(url="u"))
    with pytest.raises(GeometryError, match="'#naxis2'"):
        ImageGeometry.from_metadata({k: v for k, v in meta.items() if k != "#naxis2"})


# --------------------------------------------------------------------------- points


def test_pixel_to_world_matches_the_formula_and_astropy() -> None:
    g, values = geometry(), header(crota2=12.5)
    x = np.array([[0.0, 384.576, 960.0], [1583.4, 1919.9, 700.25]])
    y = np.array([[0.0, 1281.6, 720.0], [172.8, 1439.0, 333.3]])
    tx, ty = pixel_to_world(x, y, g, values)
    ex, ey = expected_world(x, y, g, values)
    assert tx.shape == ty.shape == (2, 3)
    np.testing.assert_allclose(tx, ex, rtol=0, atol=1e-8)
    np.testing.assert_allclose(ty, ey, rtol=0, atol=1e-8)


wcs_headers = st.builds(
    header,
    naxis1=st.just(1),  # replaced below
    crota2=st.floats(-180, 180),
    crval=st.tuples(st.floats(-1000, 1000), st.floats(-1000, 1000)),
    cdelt=st.tuples(st.floats(0.1, 5.0), st.floats(0.1, 5.0)),
    crpix=st.tuples(st.floats(-200, 800), st.floats(-200, 800)),
)


@settings(max_examples=60, deadline=None)
@given(g=geometries, values=wcs_headers, marks=fractions, sign=st.sampled_from([1.0, -1.0]))
def test_round_trip_image_world_image(
    g: ImageGeometry, values: dict[str, Any], marks: list[tuple[float, float]], sign: float
) -> None:
    values = values | {"NAXIS1": g.naxis1, "NAXIS2": g.naxis2, "CDELT1": sign * values["CDELT1"]}
    x = np.array([m[0] for m in marks]) * g.width
    y = np.array([m[1] for m in marks]) * g.height
    fw = frame_wcs(values)
    tx, ty = pixel_to_world(x, y, g, fw)
    bx, by = world_to_pixel(tx, ty, g, fw)
    np.testing.assert_allclose(bx, x, rtol=0, atol=1e-6)
    np.testing.assert_allclose(by, y, rtol=0, atol=1e-6)
    ex, ey = expected_world(x, y, g, values)
    np.testing.assert_allclose(tx, ex, rtol=0, atol=1e-6)
    np.testing.assert_allclose(ty, ey, rtol=0, atol=1e-6)


def test_scalars_give_0d_arrays_and_arrays_broadcast() -> None:
    g, values = geometry(), header()
    tx, ty = pixel_to_world(960, 720, g, values)
    assert tx.shape == () and ty.shape == ()
    tx, ty = pixel_to_world([[100.0], [200.0]], [300.0, 400.0, 500.0], g, values)
    assert tx.shape == (2, 3)
    with pytest.raises(CoordinateInputError, match="broadcast"):
        pixel_to_world([1.0, 2.0], [1.0, 2.0, 3.0], g, values)


def test_units_are_explicit_and_scale_rescales() -> None:
    g, values = geometry(), header()
    x, y = np.array([500.0, 1500.0]), np.array([300.0, 1000.0])
    pixels = pixel_to_world(x, y, g, values)
    fraction = pixel_to_world(x / 1920, y / 1440, g, values, units="fraction")
    half_size = pixel_to_world(x / 2, y / 2, g, values, scale=2.0)
    per_axis = pixel_to_world(x / 2, y / 4, g, values, scale=(2.0, 4.0))
    for other in (fraction, half_size, per_axis):
        np.testing.assert_allclose(other, pixels, rtol=0, atol=1e-9)
    # the inverse in the same frames
    np.testing.assert_allclose(world_to_pixel(*pixels, g, values, units="fraction"), [x / 1920, y / 1440])
    np.testing.assert_allclose(world_to_pixel(*pixels, g, values, scale=2.0), [x / 2, y / 2])
    # small values are not taken for fractions
    small = pixel_to_world(0.5, 0.5, g, values)
    assert float(small[0]) != pytest.approx(float(pixel_to_world(0.5, 0.5, g, values, units="fraction")[0]))
    assert display_scale(g, 960, 720) == (2.0, 2.0)
    assert display_scale(g, None, 720) == (1.0, 1.0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"units": "pixel"}, "units must be 'pixels' or 'fraction', not 'pixel'"),
        ({"units": "fraction", "scale": 2.0}, "scale applies to units='pixels' only"),
        ({"scale": 0.0}, "scale must be positive"),
        ({"scale": (1.0, 2.0, 3.0)}, "scale must be a number or"),
    ],
)
def test_bad_options(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(CoordinateInputError, match=message.replace("(", r"\(")) as info:
        pixel_to_world(10.0, 10.0, geometry(), header(), **kwargs)
    assert isinstance(info.value, UserError)


def test_nan_marks_are_refused() -> None:
    with pytest.raises(
        CoordinateInputError, match=r"x has 1 non-finite value\(s\) \(first at index \(1,\)\)"
    ):
        pixel_to_world([1.0, np.nan], [2.0, 3.0], geometry(), header())
    with pytest.raises(CoordinateInputError, match="ty has"):
        world_to_pixel(0.0, np.inf, geometry(), header())
    with pytest.raises(CoordinateInputError, match="ty is missing"):
        world_to_pixel(0.0, None, geometry(), header())


def test_geometry_and_wcs_must_describe_the_same_array() -> None:
    with pytest.raises(GeometryError, match="600x500 pixels but the WCS says 1x1"):
        pixel_to_world(1.0, 1.0, geometry(), header(naxis1=1, naxis2=1))
    with pytest.raises(CoordinateInputError, match="must be an ImageGeometry"):
        pixel_to_world(1.0, 1.0, SEED_GEOMETRY, header())  # type: ignore[arg-type]


def test_every_wcs_source_gives_the_same_answer() -> None:
    values = header(crota2=-20.0)
    g = geometry()
    x, y = np.array([10.0, 960.0, 1700.0]), np.array([1400.0, 720.0, 90.0])
    expected = pixel_to_world(x, y, g, values)
    meta = {f"#{k.lower()}": str(v) for k, v in values.items()} | {"#file_name_0": "a.png", "#event_id": "x"}
    rotated = values | {"CROTA2": 0.0}
    c, s = math.cos(math.radians(-20)), math.sin(math.radians(-20))
    pc = {k: v for k, v in rotated.items() if k != "CROTA2"} | {
        "PC1_1": c,
        "PC1_2": -s,
        "PC2_1": s,
        "PC2_2": c,
    }
    fields = {k.lower(): v for k, v in values.items()}
    sources = [
        meta,
        fits_header(values),
        WCS(fits_header(values)),
        frame_wcs(values),
        pc,
        FitsFrame(url="u", header=dict(values) | {"COMMENT": "ignored", "TELESCOP": "SDO/AIA"}),
        FitsFrame(url="u", **fields),
    ]
    for source in sources:
        np.testing.assert_allclose(pixel_to_world(x, y, g, source), expected, rtol=0, atol=1e-8)


def test_world_units_of_the_wcs_are_converted() -> None:
    values = header(crval=(-600.0, 300.0))
    in_degrees = values | {"CUNIT1": "deg", "CUNIT2": "deg", "CRVAL1": -600 / 3600, "CRVAL2": 300 / 3600}
    in_degrees |= {"CDELT1": 0.6 / 3600, "CDELT2": 0.6 / 3600}
    a = pixel_to_world([1.0, 1900.0], [2.0, 1200.0], geometry(), values)
    b = pixel_to_world([1.0, 1900.0], [2.0, 1200.0], geometry(), in_degrees)
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-8)


def test_world_to_pixel_accepts_quantities() -> None:
    g, values = geometry(), header()
    x, y = world_to_pixel([-850.0, -800.0], [400.0, 410.0], g, values)
    qx, qy = world_to_pixel(np.array([-850.0, -800.0]) / 60 * u.arcmin, [400.0, 410.0] * u.arcsec, g, values)
    np.testing.assert_allclose([qx, qy], [x, y], rtol=0, atol=1e-9)
    with pytest.raises(CoordinateInputError, match="must be an angle"):
        world_to_pixel(1 * u.m, 1 * u.arcsec, g, values)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({"#crpix1": "1", "#crpix2": "1", "#crval1": "0", "#crval2": "0"}, "missing CDELT1/CDELT2"),
        ({"#crpix1": "one", "#crpix2": "1"}, "'#crpix1' has value 'one'"),
        (object(), "cannot get a WCS from object"),
        (header() | {"CUNIT1": "m", "CUNIT2": "m", "CTYPE1": "X", "CTYPE2": "Y"}, "no celestial axes"),
    ],
)
def test_bad_wcs_sources(source: Any, message: str) -> None:
    with pytest.raises(WcsError, match=message):
        frame_wcs(source)


# --------------------------------------------------------------------------- boxes


def test_rectangle_corners_vectorised() -> None:
    cx, cy = rectangle_corners([10.0, 0.0], [20.0, 0.0], [40.0, 2.0], [10.0, 4.0], [0.0, 180.0])
    assert cx.shape == (2, 4)
    np.testing.assert_allclose(cx[0], [10, 50, 50, 10])
    np.testing.assert_allclose(cy[0], [20, 20, 30, 30])
    np.testing.assert_allclose(cx[1], [2, 0, 0, 2], atol=1e-12)  # half a turn swaps the corners
    np.testing.assert_allclose(cy[1], [4, 4, 0, 0], atol=1e-12)


@given(
    x=st.floats(-50, 50),
    y=st.floats(-50, 50),
    w=st.floats(0.1, 100),
    h=st.floats(0.1, 100),
    a=st.floats(-360, 360),
)
def test_rotation_keeps_centre_and_sides(x: float, y: float, w: float, h: float, a: float) -> None:
    cx, cy = rectangle_corners(x, y, w, h, a)
    assert cx.mean() == pytest.approx(x + w / 2, abs=1e-9)
    assert cy.mean() == pytest.approx(y + h / 2, abs=1e-9)
    assert math.hypot(cx[1] - cx[0], cy[1] - cy[0]) == pytest.approx(w, rel=1e-9)
    assert math.hypot(cx[2] - cx[1], cy[2] - cy[1]) == pytest.approx(h, rel=1e-9)


def test_unrotated_box_corners_are_the_mapped_points() -> None:
    g, values = geometry(), header(crota2=7.0)
    box = box_to_world(600.0, 400.0, 120.0, 60.0, 0.0, g, values)
    tx, ty = pixel_to_world([600.0, 720.0, 720.0, 600.0], [400.0, 400.0, 460.0, 460.0], g, values)
    np.testing.assert_allclose(box.corners_tx, tx, rtol=0, atol=1e-9)
    np.testing.assert_allclose(box.corners_ty, ty, rtol=0, atol=1e-9)
    centre = pixel_to_world(660.0, 430.0, g, values)
    np.testing.assert_allclose([box.center_tx, box.center_ty], centre, rtol=0, atol=1e-9)


def test_box_sides_and_angles_on_the_sun() -> None:
    g = ImageGeometry(
        width=1000, height=1000, im_ll_x=0, im_ll_y=0, im_ur_x=1, im_ur_y=1, naxis1=500, naxis2=500
    )
    values = header(naxis1=500, naxis2=500, crval=(0.0, 0.0), cdelt=(0.6, 0.6))
    arcsec_per_pixel = 0.6 * 500 / 1000
    flat = box_to_world(400.0, 450.0, 200.0, 100.0, 0.0, g, values)
    assert float(flat.width) == pytest.approx(200 * arcsec_per_pixel, rel=1e-6)
    assert float(flat.height) == pytest.approx(100 * arcsec_per_pixel, rel=1e-6)
    assert float(flat.angle) == pytest.approx(0.0, abs=1e-6)
    assert float(flat.height_angle) == pytest.approx(90.0, abs=1e-6)
    turned = box_to_world(400.0, 450.0, 200.0, 100.0, 90.0, g, values)  # clockwise on screen
    np.testing.assert_allclose(
        [turned.center_tx, turned.center_ty], [flat.center_tx, flat.center_ty], atol=1e-9
    )
    assert float(turned.width) == pytest.approx(float(flat.width), rel=1e-6)
    assert float(turned.angle) == pytest.approx(270.0, abs=1e-6)  # width axis now points south
    # the box's extent along Tx and Ty swap
    extent = lambda b: (np.ptp(b.corners_tx), np.ptp(b.corners_ty))  # noqa: E731
    np.testing.assert_allclose(extent(turned), extent(flat)[::-1], rtol=1e-6)
    # in a frame with CROTA2 = 30 the image x axis points 30 deg counter-clockwise from west
    rotated = box_to_world(400.0, 450.0, 200.0, 100.0, 0.0, g, values | {"CROTA2": 30.0})
    assert float(rotated.angle) == pytest.approx(30.0, abs=1e-4)


@settings(max_examples=40, deadline=None)
@given(
    x=st.floats(100, 1500),
    y=st.floats(100, 1100),
    w=st.floats(5, 300),
    h=st.floats(5, 300),
    a=st.floats(-180, 179.9),
    crota2=st.floats(-180, 180),
)
def test_box_round_trip(x: float, y: float, w: float, h: float, a: float, crota2: float) -> None:
    g, values = geometry(), header(crota2=crota2, crval=(-700, 500), cdelt=(0.6, 0.6))
    box = box_to_world(x, y, w, h, a, g, values)
    back = world_box_to_image(box.center_tx, box.center_ty, box.width, box.height, box.angle, g, values)
    turn = (float(back.angle) - a + 180) % 360 - 180
    assert turn == pytest.approx(0.0, abs=1e-6)
    assert [float(back.x), float(back.y), float(back.width), float(back.height)] == pytest.approx(
        [x, y, w, h], abs=1e-6
    )


def test_boxes_vectorised_and_in_fractions() -> None:
    g, values = geometry(), header()
    x, y, w, h, a = [500.0, 900.0], [400.0, 800.0], [50.0, 80.0], [20.0, 40.0], [15.0, -60.0]
    many = box_to_world(x, y, w, h, a, g, values)
    assert many.corners_tx.shape == (2, 4) and many.width.shape == (2,)
    one = box_to_world(x[1], y[1], w[1], h[1], a[1], g, values)
    np.testing.assert_allclose(many.corners_tx[1], one.corners_tx)
    back = world_box_to_image(many.center_tx, many.center_ty, many.width, many.height, many.angle, g, values)
    np.testing.assert_allclose(back.x, x, atol=1e-6)
    frac = box_to_world(0.25, 0.5, 0.05, 0.02, 0.0, g, values, units="fraction")
    pix = box_to_world(480.0, 720.0, 96.0, 28.8, 0.0, g, values)
    np.testing.assert_allclose(frac.corners_tx, pix.corners_tx, atol=1e-9)
    with pytest.raises(CoordinateInputError, match="width and height must be positive"):
        world_box_to_image(0.0, 0.0, -1.0, 1.0, 0.0, g, values)


def test_frame_wcs_is_reusable() -> None:
    fw = frame_wcs(header())
    assert isinstance(fw, FrameWcs) and frame_wcs(fw) is fw
    assert fw.pixel_shape == (600, 500)
