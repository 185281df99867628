"""Tests of the synthetic AIA cutout generator (jet_sandbox.aia)."""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits
from astropy.time import Time
from astropy.wcs import WCS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jet_sandbox.aia import (
    AIA_CHANNELS,
    RSUN_REF,
    TRUTH_FILE,
    CutoutSpec,
    JetTruth,
    SyntheticAiaError,
    cutout_filename,
    frame,
    frame_bytes,
    list_filename,
    load_truth,
    make_jet,
    observer_at,
    random_jet,
    random_spec,
    write_cutout,
)
from jet_store import UserError

REQUIRED_KEYS = [
    "SIMPLE",
    "BITPIX",
    "NAXIS",
    "NAXIS1",
    "NAXIS2",
    "CTYPE1",
    "CTYPE2",
    "CUNIT1",
    "CUNIT2",
    "CDELT1",
    "CDELT2",
    "CRPIX1",
    "CRPIX2",
    "CRVAL1",
    "CRVAL2",
    "CROTA2",
    "PC1_1",
    "PC1_2",
    "PC2_1",
    "PC2_2",
    "DATE",
    "DATE-OBS",
    "T_OBS",
    "WAVELNTH",
    "WAVEUNIT",
    "EXPTIME",
    "TELESCOP",
    "INSTRUME",
    "DETECTOR",
    "DSUN_OBS",
    "HGLN_OBS",
    "HGLT_OBS",
    "CRLN_OBS",
    "CRLT_OBS",
    "RSUN_OBS",
    "RSUN_REF",
    "LVL_NUM",
    "BUNIT",
    "DATAMIN",
    "DATAMAX",
    "QUALITY",
]
START = datetime(2012, 7, 8, 13, 0, tzinfo=UTC)


def small_spec(**changes: object) -> CutoutSpec:
    values: dict[str, object] = {
        "center_x": -420.0,
        "center_y": 260.0,
        "shape": (160, 120),
        "start_time": START,
        "end_time": START + timedelta(minutes=30),
    }
    values.update(changes)
    return CutoutSpec(**values)  # type: ignore[arg-type]


def base_pixel(header: fits.Header, jet: JetTruth) -> tuple[float, float]:
    """The truth's base point through the header's WCS (astropy only), 0-based."""
    px, py = WCS(header).all_world2pix(jet.base_x / 3600.0, jet.base_y / 3600.0, 0)
    return float(px), float(py)


# --------------------------------------------------------------------------- header and WCS


@pytest.mark.parametrize("wave", sorted(AIA_CHANNELS))
def test_header_has_the_level15_keys_with_consistent_values(wave: int) -> None:
    spec = small_spec(waves=(wave,))
    jet = random_jet(0, spec)
    moment = spec.frame_times()[10]
    data, header = frame(spec, jet, moment)
    assert [k for k in REQUIRED_KEYS if k not in header] == []
    assert data.shape == (120, 160) and data.dtype == np.float32
    assert (header["NAXIS1"], header["NAXIS2"], header["BITPIX"]) == (160, 120, -32)
    assert (header["CTYPE1"], header["CTYPE2"], header["CUNIT1"], header["CUNIT2"]) == (
        "HPLN-TAN",
        "HPLT-TAN",
        "arcsec",
        "arcsec",
    )
    assert header["CDELT1"] == header["CDELT2"] == 0.6
    assert (header["CRVAL1"], header["CRVAL2"], header["CROTA2"]) == (0.0, 0.0, 0.0)
    assert header["WAVELNTH"] == wave and isinstance(header["WAVELNTH"], int)
    assert header["WAVEUNIT"] == "angstrom"
    assert header["EXPTIME"] == AIA_CHANNELS[wave].exptime
    assert (header["TELESCOP"], header["DETECTOR"], header["INSTRUME"]) == (
        "SDO/AIA",
        "AIA",
        AIA_CHANNELS[wave].instrument,
    )
    assert (header["LVL_NUM"], header["QUALITY"], header["BUNIT"]) == (1.5, 0, "DN")
    assert header["DATAMIN"] == float(data.min()) and header["DATAMAX"] == float(data.max())
    assert header["RSUN_REF"] == RSUN_REF
    expected_rsun = math.degrees(math.asin(RSUN_REF / header["DSUN_OBS"])) * 3600
    assert header["RSUN_OBS"] == pytest.approx(expected_rsun, abs=1e-6)
    assert 1.47e11 < header["DSUN_OBS"] < 1.53e11 and abs(header["HGLT_OBS"]) < 7.3
    date_obs = datetime.fromisoformat(header["DATE-OBS"]).replace(tzinfo=UTC)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d\d", header["DATE-OBS"])
    assert date_obs == moment
    t_obs = datetime.fromisoformat(header["T_OBS"].rstrip("Z")).replace(tzinfo=UTC)
    assert (t_obs - date_obs).total_seconds() == pytest.approx(header["EXPTIME"] / 2, abs=0.006)
    assert header["DATE"] > header["DATE-OBS"]  # created after the observation, but not "now"
    assert header["DATE"].startswith("2012-07-08")


def test_wcs_puts_the_requested_centre_on_the_middle_of_the_array() -> None:
    for crota in (0.0, 2.5):
        spec = small_spec(crota2=crota, center_x=880.0, center_y=-410.0)
        _, header = frame(spec, None, spec.start_time)
        w = WCS(header)
        lon, lat = w.all_pix2world((spec.nx - 1) / 2, (spec.ny - 1) / 2, 0)
        assert (float(lon) * 3600 + 648000) % 1296000 - 648000 == pytest.approx(880.0, abs=1e-6)
        assert float(lat) * 3600 == pytest.approx(-410.0, abs=1e-6)
        # CRVAL is Sun centre, so the Sun centre is at CRPIX (1-based)
        sx, sy = w.all_world2pix(0.0, 0.0, 1)
        assert (float(sx), float(sy)) == pytest.approx((header["CRPIX1"], header["CRPIX2"]), abs=1e-9)
        assert spec.pixel_to_world((spec.nx - 1) / 2, (spec.ny - 1) / 2) == pytest.approx((880.0, -410.0))


def test_crota2_and_the_pc_matrix_agree() -> None:
    spec = small_spec(crota2=3.0)
    _, header = frame(spec, None, spec.start_time)
    c, s = math.cos(math.radians(3.0)), math.sin(math.radians(3.0))
    assert (header["PC1_1"], header["PC1_2"], header["PC2_1"], header["PC2_2"]) == pytest.approx(
        (c, -s, s, c)
    )
    # one pixel along +x moves by CDELT rotated by CROTA2 on the sky
    x0, y0 = spec.pixel_to_world(50.0, 50.0)
    x1, y1 = spec.pixel_to_world(51.0, 50.0)
    assert (x1 - x0, y1 - y0) == pytest.approx((0.6 * c, 0.6 * s), abs=1e-4)


def test_observer_keys_match_sunpy() -> None:
    sun = pytest.importorskip("sunpy.coordinates.sun")
    coords = pytest.importorskip("sunpy.coordinates")
    for moment in ("2010-06-13T05:00:00", "2012-07-08T13:05:44.57", "2019-12-31T23:59:59.5"):
        obs = observer_at(moment)
        earth = coords.get_earth(moment)
        assert obs.dsun_obs == pytest.approx(earth.radius.to_value(u.m), abs=1.0)
        assert obs.hglt_obs == pytest.approx(sun.B0(moment).deg, abs=1e-6)
        assert obs.hgln_obs == 0.0 and obs.crlt_obs == obs.hglt_obs
        assert (obs.crln_obs - sun.L0(moment).deg + 180) % 360 - 180 == pytest.approx(0.0, abs=1e-6)


def test_observer_accepts_astropy_time_and_datetimes() -> None:
    naive = observer_at(datetime(2012, 7, 8, 13, 5, 44))
    assert observer_at(Time("2012-07-08T13:05:44", scale="utc")) == naive
    assert observer_at("2012-07-08T13:05:44Z") == naive


# --------------------------------------------------------------------------- image content


@pytest.mark.parametrize(
    ("seed", "where", "wave"),
    [
        (0, "disk", 304),
        (1, "limb", 304),
        (2, "disk", 171),
        (3, "limb", 193),
        (4, "limb", 211),
        (5, "disk", 304),
    ],
)
def test_truth_base_point_lands_on_the_bright_base_of_the_jet(seed: int, where: str, wave: int) -> None:
    spec = random_spec(seed, where=where, shape=(240, 200), waves=(wave,))  # type: ignore[arg-type]
    jet = random_jet(seed, spec)
    moment = jet.start_time + (jet.peak_time - jet.start_time) * 0.6
    data, header = frame(spec, jet, moment)
    bx, by = base_pixel(header, jet)
    assert (bx, by) == pytest.approx(spec.world_to_pixel(jet.base_x, jet.base_y), abs=1e-9)
    j0, i0 = round(by) - 6, round(bx) - 6
    box = data[j0 : j0 + 13, i0 : i0 + 13]
    j, i = np.unravel_index(int(np.argmax(box)), box.shape)
    assert math.hypot(i0 + i - bx, j0 + j - by) <= 2.0
    # the bright point stands well above its surroundings
    assert float(box.max()) > 2.5 * float(np.median(data))


def test_the_model_peak_is_exactly_at_the_truth_base_point() -> None:
    spec = small_spec(noise=False)
    jet = make_jet(
        -430.3,
        251.7,
        30,
        START,
        START + timedelta(minutes=10),
        START + timedelta(minutes=20),
        max_height=40,
        width=6,
    )
    moment = START + timedelta(minutes=5)
    with_jet, _ = frame(spec, jet, moment)
    without, _ = frame(spec, None, moment)
    excess = with_jet - without
    j, i = np.unravel_index(int(np.argmax(excess)), excess.shape)
    bx, by = spec.world_to_pixel(jet.base_x, jet.base_y)
    assert abs(i - bx) <= 0.5 and abs(j - by) <= 0.5


def _jet_length(excess: np.ndarray, spec: CutoutSpec, jet: JetTruth, threshold: float) -> float:
    """Arcsec along the axis up to where the jet's excess falls below ``threshold``."""
    steps = np.arange(0.0, jet.max_height + 20.0, 0.25)
    angle = math.radians(jet.direction)
    px, py = spec.world_to_pixel(jet.base_x + steps * math.cos(angle), jet.base_y + steps * math.sin(angle))
    values = excess[np.round(py).astype(int), np.round(px).astype(int)]
    above = np.nonzero(values > threshold)[0]
    return float(steps[above.max()]) if above.size else 0.0


@pytest.mark.parametrize("growth", ["linear", "ballistic"])
def test_the_jet_grows_as_specified_then_fades(growth: str) -> None:
    spec = small_spec(noise=False, shape=(300, 250))
    jet = make_jet(
        -440.0,
        230.0,
        20.0,
        START + timedelta(minutes=2),
        START + timedelta(minutes=12),
        START + timedelta(minutes=22),
        max_height=80.0,
        width=7.0,
        growth=growth,
    )  # type: ignore[arg-type]
    background, _ = frame(spec, None, START)
    lengths = []
    for minutes in (4, 7, 10, 12):
        moment = START + timedelta(minutes=minutes)
        data, _ = frame(spec, jet, moment)
        measured = _jet_length(data - background, spec, jet, threshold=20.0)
        assert measured == pytest.approx(jet.height_at(moment), abs=2.5)
        lengths.append(measured)
    assert lengths == sorted(lengths) and lengths[0] < lengths[-1]
    expected = [jet.height_at(START + timedelta(minutes=m)) for m in (4, 7, 10, 12)]
    if growth == "linear":
        assert expected == pytest.approx([16.0, 40.0, 64.0, 80.0])
    else:
        assert expected[0] > 16.0  # decelerating: faster at first
    # after the peak: same length, fading brightness, then gone
    peak, _ = frame(spec, jet, START + timedelta(minutes=12))
    fading, _ = frame(spec, jet, START + timedelta(minutes=18))
    gone, _ = frame(spec, jet, START + timedelta(minutes=23))
    assert (fading - background).max() == pytest.approx(0.4 * (peak - background).max(), rel=0.01)
    assert _jet_length(fading - background, spec, jet, threshold=5.0) == pytest.approx(80.0, abs=3.0)
    assert np.array_equal(gone, background)
    before, _ = frame(spec, jet, START + timedelta(minutes=1))
    assert np.array_equal(before, background)


def test_jet_only_in_its_wavelengths() -> None:
    spec = small_spec(noise=False, waves=(171, 304))
    jet = dataclasses.replace(random_jet(2, spec), wavelengths=(304,))
    moment = jet.peak_time
    assert not np.array_equal(frame(spec, jet, moment, 304)[0], frame(spec, None, moment, 304)[0])
    assert np.array_equal(frame(spec, jet, moment, 171)[0], frame(spec, None, moment, 171)[0])


def test_disk_and_limb_scenes() -> None:
    disk = random_spec(11, where="disk", noise=False)
    limb = random_spec(11, where="limb", noise=False)
    assert (disk.scene(), limb.scene()) == ("disk", "limb")
    radius = observer_at(disk.start_time).rsun_obs
    data, _ = frame(disk, None, disk.start_time)
    tx, ty = disk.pixel_to_world(*np.meshgrid(np.arange(disk.nx), np.arange(disk.ny)))
    assert np.hypot(tx, ty).max() < radius
    assert data.min() > 0.3 * AIA_CHANNELS[304].disk

    data, header = frame(limb, None, limb.start_time)
    tx, ty = limb.pixel_to_world(*np.meshgrid(np.arange(limb.nx), np.arange(limb.ny)))
    rho = np.hypot(tx, ty)
    assert header["RSUN_OBS"] == pytest.approx(radius, abs=1.0)
    on_disk = data[rho < radius - 20]
    high = data[rho > radius + 60]
    assert on_disk.size > 1000 and high.size > 1000
    assert np.median(high) < 0.1 * np.median(on_disk)  # 304 off-limb falls off fast
    ring = data[(rho > radius - 3) & (rho < radius)]
    assert np.median(ring) > 1.2 * np.median(on_disk)  # limb brightening

    corona = frame(dataclasses.replace(limb, waves=(171,)), None, limb.start_time)[0]
    low, higher = corona[(rho > radius + 5) & (rho < radius + 15)], corona[rho > radius + 120]
    if higher.size:
        assert np.median(higher) < np.median(low)


def test_off_disk_scene_and_random_jet_there() -> None:
    spec = small_spec(center_x=0.0, center_y=1250.0)
    assert spec.scene() == "off-limb"
    jet = random_jet(3, spec)
    radial = math.degrees(math.atan2(jet.base_y, jet.base_x))
    assert abs((jet.direction - radial + 180) % 360 - 180) < 75


def test_noise_is_photon_like() -> None:
    spec = small_spec(center_x=0.0, center_y=0.0)
    clean, _ = frame(dataclasses.replace(spec, noise=False), None, START)
    noisy, _ = frame(spec, None, START)
    residual = (noisy - clean) / np.sqrt(clean * AIA_CHANNELS[304].gain + 1.2**2)
    assert residual.std() == pytest.approx(1.0, abs=0.05) and abs(residual.mean()) < 0.05
    other, _ = frame(spec, None, START + timedelta(seconds=12))
    assert not np.array_equal(noisy, other)  # new noise each frame


# --------------------------------------------------------------------------- files and truth


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    spec = small_spec(end_time=START + timedelta(minutes=1))
    jet = random_jet(4, spec)
    first = write_cutout(spec, jet, tmp_path / "a")
    second = write_cutout(spec, jet, tmp_path / "b")
    assert [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes()
    assert (tmp_path / "a" / TRUTH_FILE).read_bytes() == (tmp_path / "b" / TRUTH_FILE).read_bytes()
    moment = spec.frame_times()[0]
    assert frame_bytes(spec, jet, moment) == first[0].read_bytes()
    other = frame_bytes(dataclasses.replace(spec, seed=5), jet, moment)
    assert other != first[0].read_bytes() and len(other) == len(first[0].read_bytes())
    assert random_jet(4, spec) == jet and random_spec(9) == random_spec(9)
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(
        [p.name for p in first] + [TRUTH_FILE]
    )


def test_frames_made_in_threads_are_the_same_as_made_in_turn() -> None:
    from concurrent.futures import ThreadPoolExecutor

    spec = small_spec(center_x=610.0, shape=(90, 70), seed=77)
    jet = random_jet(77, spec)
    times = spec.frame_times()[:8]
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(lambda t: frame_bytes(spec, jet, t), times))
    assert threaded == [frame_bytes(spec, jet, t) for t in times]


def test_file_names_follow_the_ssw_cutout_service_and_the_aia_time_grid(tmp_path: Path) -> None:
    spec = small_spec(waves=(171, 304), end_time=START + timedelta(seconds=40), shape=(32, 32))
    paths = write_cutout(spec, None, tmp_path)
    assert [p.name for p in paths] == [
        "ssw_cutout_20120708_130011_AIA_171_.fts",
        "ssw_cutout_20120708_130023_AIA_171_.fts",
        "ssw_cutout_20120708_130035_AIA_171_.fts",
        "ssw_cutout_20120708_130007_AIA_304_.fts",
        "ssw_cutout_20120708_130019_AIA_304_.fts",
        "ssw_cutout_20120708_130031_AIA_304_.fts",
    ]
    assert fits.getheader(paths[0])["DATE-OBS"] == "2012-07-08T13:00:11.34"
    assert fits.getheader(paths[3])["DATE-OBS"] == "2012-07-08T13:00:07.12"
    assert (
        cutout_filename(datetime(2012, 7, 8, 13, 5, 43, 120000), 304)
        == "ssw_cutout_20120708_130543_AIA_304_.fts"
    )
    assert list_filename("2012-09-23T00:00:00", 171) == "ssw_cutout_20120923_000000_AIA_171_.list"
    # the grid is continuous: frame times of overlapping windows agree, cadence is exact
    times = small_spec(start_time=START + timedelta(seconds=5)).frame_times()
    assert times[0] == START + timedelta(seconds=7, microseconds=120000)
    assert {(b - a).total_seconds() for a, b in itertools.pairwise(times)} == {12.0}
    assert set(times) & set(small_spec().frame_times()) == set(times)


def test_truth_json_round_trip_and_pixel_positions(tmp_path: Path) -> None:
    spec = small_spec(waves=(171, 304), crota2=1.2, end_time=START + timedelta(minutes=6))
    jet = random_jet(8, spec)
    paths = write_cutout(spec, jet, tmp_path)
    truth = load_truth(tmp_path)
    assert truth == load_truth(tmp_path / TRUTH_FILE)
    assert truth.spec == spec and truth.jet == jet
    assert [f.file for f in truth.frames] == [p.name for p in paths]
    raw = json.loads((tmp_path / TRUTH_FILE).read_text())
    assert raw["format"] == "jet_sandbox.aia/1" and "0-based" in raw["pixel_convention"]
    assert raw["jet"]["base_x"] == jet.base_x and raw["jet"]["direction"] == jet.direction
    for path, frame_truth in zip(paths, truth.frames, strict=True):
        header = fits.getheader(path)
        assert frame_truth.date_obs == datetime.fromisoformat(header["DATE-OBS"]).replace(tzinfo=UTC)
        assert frame_truth.wavelength == header["WAVELNTH"]
        assert frame_truth.base_px == pytest.approx(base_pixel(header, jet), abs=1e-6)
        px, py = WCS(header).all_world2pix(frame_truth.tip_x / 3600, frame_truth.tip_y / 3600, 0)
        assert frame_truth.tip_px == pytest.approx((float(px), float(py)), abs=1e-6)
        assert frame_truth.height == pytest.approx(jet.height_at(frame_truth.date_obs))
        assert frame_truth.intensity == pytest.approx(jet.intensity_at(frame_truth.date_obs))
    heights = [f.height for f in truth.frames if f.wavelength == 304]
    assert max(heights) == jet.max_height and heights[0] == 0.0


def test_truth_without_a_jet_and_bad_truth_files(tmp_path: Path) -> None:
    spec = small_spec(end_time=START + timedelta(seconds=20), shape=(32, 32))
    write_cutout(spec, None, tmp_path)
    truth = load_truth(tmp_path)
    assert truth.jet is None and all(f.height == 0.0 and math.isnan(f.base_px[0]) for f in truth.frames)
    raw = json.loads((tmp_path / TRUTH_FILE).read_text())  # strict JSON: null, not NaN
    assert raw["jet"] is None and raw["frames"][0]["base_px"] == [None, None]
    assert raw["frames"][0]["tip_x"] is None
    (tmp_path / "other.json").write_text('{"format": "something else"}')
    with pytest.raises(SyntheticAiaError, match="not a"):
        load_truth(tmp_path / "other.json")
    with pytest.raises(SyntheticAiaError, match="cannot read"):
        load_truth(tmp_path / "missing")


def test_file_size_of_the_download_benchmark_frames() -> None:
    spec = small_spec(shape=(1000, 500))
    blob = frame_bytes(spec, None, spec.start_time)
    assert len(blob) == 2880 * (math.ceil(1000 * 500 * 4 / 2880) + 2)  # 2 header blocks
    assert 1.9e6 < len(blob) < 2.1e6
    with fits.open(__import__("io").BytesIO(blob)) as hdul:
        assert hdul[0].data.shape == (500, 1000) and hdul[0].header["BITPIX"] == -32


# --------------------------------------------------------------------------- API details


def test_jet_truth_model_and_validation() -> None:
    jet = make_jet(
        10 * u.arcsec,
        0.01 * u.deg,
        400,
        "2012-07-08T13:00:00Z",
        Time("2012-07-08T13:10:00"),
        datetime(2012, 7, 8, 13, 20),
        max_height=50,
        width=5,
    )
    assert (jet.base_x, jet.base_y, jet.direction) == (10.0, 36.0, 40.0)
    assert jet.start_time.tzinfo is not None and jet.peak_time == START + timedelta(minutes=10)
    assert jet.height_at("2012-07-08T12:59:59") == 0.0 and jet.height_at("2012-07-08T13:20:00") == 0.0
    assert jet.intensity_at("2012-07-08T13:05") == 1.0 and jet.intensity_at("2012-07-08T13:15") == 0.5
    assert jet.rise_speed == pytest.approx(50 / 600)
    assert JetTruth.from_dict(json.loads(json.dumps(jet.to_dict()))) == jet
    record = jet.to_jet()
    assert (record.base_x, record.direction, record.max_height, record.avg_width) == (10.0, 40.0, 50.0, 5.0)
    bad_times = {"start_time": START, "peak_time": START, "end_time": START + timedelta(minutes=1)}
    with pytest.raises(SyntheticAiaError, match="start < peak"):
        JetTruth(base_x=0, base_y=0, direction=0, max_height=1, width=1, **bad_times)
    with pytest.raises(SyntheticAiaError, match="positive"):
        make_jet(0, 0, 0, START, START + timedelta(1), START + timedelta(2), max_height=-1, width=1)
    with pytest.raises(SyntheticAiaError, match="growth"):
        make_jet(
            0,
            0,
            0,
            START,
            START + timedelta(1),
            START + timedelta(2),
            max_height=1,
            width=1,
            growth="exponential",
        )  # type: ignore[arg-type]


def test_spec_validation_and_from_request() -> None:
    spec = CutoutSpec.from_request(
        100 * u.arcsec, -200, 120, 90, "2012-07-08T13:00:00", Time("2012-07-08T13:30:00"), waves="171,304"
    )
    assert (spec.shape, spec.waves, spec.fov, spec.center_x) == ((200, 150), (171, 304), (120.0, 90.0), 100.0)
    assert CutoutSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
    for bad, match in (
        ({"waves": (335,)}, "unsupported AIA wavelength"),
        ({"end_time": START}, "not after"),
        ({"shape": (8, 100)}, "shape"),
        ({"seed": -1}, "seed"),
        ({"cdelt": 0.0}, "positive"),
        ({"center_x": math.nan}, "finite"),
    ):
        with pytest.raises(SyntheticAiaError, match=match) as info:
            small_spec(**bad)
        assert isinstance(info.value, UserError) and isinstance(info.value, ValueError)
    with pytest.raises(SyntheticAiaError, match="too small"):
        random_jet(0, small_spec(shape=(20, 20)))
    with pytest.raises(SyntheticAiaError, match="does not fit on the disk"):
        random_spec(0, where="disk", shape=(4000, 4000))
    with pytest.raises(SyntheticAiaError, match="ISO 8601"):
        small_spec(start_time="yesterday")


def test_random_specs_and_jets_cover_the_window() -> None:
    for seed in range(5):
        spec = random_spec(seed, duration=1200)
        jet = random_jet(seed, spec)
        assert spec.start_time <= jet.start_time < jet.peak_time <= jet.end_time <= spec.end_time
        assert datetime(2010, 6, 1, tzinfo=UTC) <= spec.start_time < datetime(2020, 6, 1, tzinfo=UTC)
        assert jet.wavelengths == spec.waves and jet.jet_id == f"synthetic-jet-{seed}"
    limb = random_spec(1, where="limb")
    jet = random_jet(1, limb)
    radius = observer_at(limb.start_time).rsun_obs
    assert radius - 7 < math.hypot(jet.base_x, jet.base_y) < radius
    radial = math.degrees(math.atan2(jet.base_y, jet.base_x))
    assert abs((jet.direction - radial + 180) % 360 - 180) < 75


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**31),
    center_x=st.floats(-1300, 1300),
    center_y=st.floats(-1300, 1300),
    nx=st.integers(64, 900),
    ny=st.integers(64, 900),
    crota=st.sampled_from([0.0, 0.0, 1.5, -4.0]),
    days=st.integers(0, 3650),
)
def test_random_jet_stays_inside_the_field_of_view(
    seed: int, center_x: float, center_y: float, nx: int, ny: int, crota: float, days: int
) -> None:
    start = datetime(2010, 6, 1, tzinfo=UTC) + timedelta(days=days)
    spec = CutoutSpec(
        center_x=center_x,
        center_y=center_y,
        shape=(nx, ny),
        crota2=crota,
        start_time=start,
        end_time=start + timedelta(minutes=25),
    )
    jet = random_jet(seed, spec)
    angle = math.radians(jet.direction)
    reach = jet.width / spec.cdelt  # half the drawn envelope's width is well within this
    tip = (jet.base_x + jet.max_height * math.cos(angle), jet.base_y + jet.max_height * math.sin(angle))
    px, py = spec.world_to_pixel(np.array([jet.base_x, tip[0]]), np.array([jet.base_y, tip[1]]))
    assert np.all(px >= reach) and np.all(px <= nx - 1 - reach)
    assert np.all(py >= reach) and np.all(py <= ny - 1 - reach)
    assert spec.start_time <= jet.start_time < jet.peak_time <= jet.end_time <= spec.end_time
    assert 0 < jet.width <= jet.max_height / 2


# --------------------------------------------------------------------------- sunpy cross-check


def test_sunpy_reads_the_files_and_agrees_on_coordinates(tmp_path: Path) -> None:
    sunpy_map = pytest.importorskip("sunpy.map")
    spec = random_spec(21, where="limb", shape=(200, 160), duration=60, crota2=1.5)
    jet = random_jet(21, spec)
    paths = write_cutout(spec, jet, tmp_path)
    truth = load_truth(tmp_path)
    for path, frame_truth in zip(paths[:2], truth.frames, strict=False):
        m = sunpy_map.Map(path)
        assert type(m).__name__ == "AIAMap"
        assert m.wavelength == 304 * u.AA and m.exposure_time == AIA_CHANNELS[304].exptime * u.s
        assert m.date.isot == Time(frame_truth.date_obs).isot
        assert m.detector == "AIA" and m.unit == u.DN
        assert m.rsun_obs.to_value(u.arcsec) == pytest.approx(fits.getheader(path)["RSUN_OBS"])
        coord = m.pixel_to_world(frame_truth.base_px[0] * u.pix, frame_truth.base_px[1] * u.pix)
        assert coord.Tx.to_value(u.arcsec) == pytest.approx(jet.base_x, abs=0.01)
        assert coord.Ty.to_value(u.arcsec) == pytest.approx(jet.base_y, abs=0.01)
        tip = m.pixel_to_world(frame_truth.tip_px[0] * u.pix, frame_truth.tip_px[1] * u.pix)
        assert (tip.Tx.to_value(u.arcsec), tip.Ty.to_value(u.arcsec)) == pytest.approx(
            (frame_truth.tip_x, frame_truth.tip_y), abs=0.01
        )
        assert m.center.Tx.to_value(u.arcsec) == pytest.approx(spec.center_x, abs=1e-6)
        assert m.center.Ty.to_value(u.arcsec) == pytest.approx(spec.center_y, abs=1e-6)
        observer = m.observer_coordinate
        assert observer.radius.to_value(u.m) == pytest.approx(fits.getheader(path)["DSUN_OBS"])
