"""FITS headers into frame fields: real AIA quirks, garbage, and never a crash."""

from __future__ import annotations

import gzip
import io
import json
import math
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from astropy.io import fits
from hypothesis import given, settings
from hypothesis import strategies as st
from jet_sandbox.aia import CutoutSpec, frame
from jet_store import FitsFrame, Store
from sdo_cutout.download_errors import HeaderError, InvalidFits
from sdo_cutout.fitsmeta import (
    FRAME_FIELDS,
    check_fits,
    fits_layout_size,
    frame_fields_from_header,
    header_to_json,
    parse_obs_time,
    read_header,
)

SPEC = CutoutSpec(
    center_x=-420.0,
    center_y=310.0,
    shape=(40, 32),
    waves=(171, 304),
    crota2=0.0,
    start_time="2012-07-08T13:05:00",
    end_time="2012-07-08T13:06:00",
)


@pytest.fixture(scope="module")
def store() -> Store:
    return Store("sqlite://")


def _raw_card(keyword: str, value_text: str) -> bytes:
    return f"{keyword:<8}= {value_text:>20}".ljust(80).encode("ascii")


def _fits_with_cards(cards: list[bytes], data: np.ndarray | None = None) -> bytes:
    """A FITS file whose header holds these raw cards (astropy would refuse to write some)."""
    buffer = io.BytesIO()
    hdu = fits.PrimaryHDU(data if data is not None else np.zeros((4, 6), dtype=np.float32))
    hdu.header["DATE-OBS"] = "2012-07-08T13:05:07.12"
    for n in range(len(cards)):
        hdu.header[f"PLACE{n}"] = 0
    hdu.writeto(buffer)
    blob = buffer.getvalue()
    for n, card in enumerate(cards):
        start = blob.index(f"PLACE{n}".ljust(8).encode("ascii"))
        blob = blob[:start] + card + blob[start + 80 :]
    return blob


def test_synthetic_aia_header_gives_every_field() -> None:
    moment = SPEC.frame_times(304)[0]
    _, header = frame(SPEC, None, moment, 304)
    fields = frame_fields_from_header(header)
    assert set(fields) == set(FRAME_FIELDS)
    assert fields["obs_time"] == moment
    assert fields["wavelength"] == 304.0
    assert fields["exptime"] == pytest.approx(float(header["EXPTIME"]))
    assert (fields["naxis1"], fields["naxis2"]) == (40, 32)
    assert (fields["ctype1"], fields["ctype2"], fields["cunit1"]) == ("HPLN-TAN", "HPLT-TAN", "arcsec")
    assert fields["cdelt1"] == fields["cdelt2"] == 0.6
    assert fields["crpix1"] == header["CRPIX1"] and fields["crval2"] == 0.0
    assert fields["crota2"] == 0.0
    for key in ("dsun_obs", "hgln_obs", "hglt_obs", "rsun_obs"):
        assert fields[key] == pytest.approx(float(header[key.upper()]))
    assert fields["dsun_obs"] > 1.4e11 and 940 < fields["rsun_obs"] < 980
    assert fields["header"]["TELESCOP"] == "SDO/AIA"
    assert fields["header"]["COMMENT"][0].startswith("Synthetic AIA cutout")
    # what the store keeps is what went in, and the WCS rebuilt from it is the header's
    store = Store("sqlite://")
    store.add([FitsFrame(url="u", **fields)])
    back = store.get(FitsFrame, "u")
    assert back is not None
    assert back.header == fields["header"] and back.obs_time == moment
    assert back.wcs.wcs.ctype[0] == "HPLN-TAN"


@pytest.mark.parametrize("angle", [30.0, -75.5, 180.0])
def test_rotation_comes_from_crota2_or_from_the_pc_matrix(angle: float) -> None:
    spec = CutoutSpec(
        center_x=0,
        center_y=0,
        shape=(20, 20),
        crota2=angle,
        start_time=SPEC.start_time,
        end_time=SPEC.end_time,
    )
    _, header = frame(spec, None, spec.frame_times()[0])
    assert frame_fields_from_header(header)["crota2"] == pytest.approx(angle)
    del header["CROTA2"]
    assert frame_fields_from_header(header)["crota2"] == pytest.approx(angle)
    cd = {"CD1_1": 0.6 * math.cos(math.radians(angle)), "CD2_1": 0.6 * math.sin(math.radians(angle))}
    cd |= {"CD1_2": -0.6 * math.sin(math.radians(angle)), "CD2_2": 0.6 * math.cos(math.radians(angle))}
    fields = frame_fields_from_header(cd)
    assert fields["crota2"] == pytest.approx(angle)
    assert fields["cdelt1"] == pytest.approx(0.6) and fields["cdelt2"] == pytest.approx(0.6)


def test_real_aia_nan_cards_become_none_and_the_store_accepts_them(tmp_path: Path) -> None:
    blob = _fits_with_cards(
        [
            _raw_card("OSCNMEAN", "nan"),
            _raw_card("OSCNRMS", "-inf"),
            _raw_card("DATAVALS", "1.5E3"),
            _raw_card("WEIRD", "1.2.3"),
        ]
    )
    path = tmp_path / "aia.fits"
    path.write_bytes(blob)
    header = read_header(path)
    doc = header_to_json(header)
    assert doc["OSCNMEAN"] is None and doc["OSCNRMS"] is None
    assert doc["DATAVALS"] == 1500.0
    assert doc["WEIRD"] in ("1.2.3", None)
    json.dumps(doc, allow_nan=False)
    fields = frame_fields_from_header(header)
    Store("sqlite://").add([FitsFrame(url="u", **fields)])
    assert check_fits(path)["NAXIS1"] == 6


def test_commentary_cards_are_lists_and_values_are_json_safe() -> None:
    header = fits.Header()
    header["SIMPLE"] = True
    header["COUNT"] = 7
    header["RATIO"] = 0.25
    header["NAME"] = "AIA 304"
    header["NOVALUE"] = fits.card.UNDEFINED
    header["HISTORY"] = "step one"
    header["HISTORY"] = "step two"
    header["COMMENT"] = "a comment"
    header.append(fits.Card("", "blank keyword text"))
    header.append(("HIERARCH LONG KEYWORD NAME", 5))
    doc = header_to_json(header)
    assert doc == {
        "SIMPLE": True,
        "COUNT": 7,
        "RATIO": 0.25,
        "NAME": "AIA 304",
        "NOVALUE": None,
        "HISTORY": ["step one", "step two"],
        "COMMENT": ["a comment"],
        "": ["blank keyword text"],
        "LONG KEYWORD NAME": 5,
    }
    mapping = {"B": b"bytes\x00", "N": np.float32(2.5), "I": np.int16(3), "T": np.bool_(True), "C": 1 + 2j}
    assert header_to_json(mapping) == {"B": "bytes", "N": 2.5, "I": 3, "T": True, "C": "(1+2j)"}


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ({"DATE-OBS": "2010-06-20T11:14:44.12Z"}, datetime(2010, 6, 20, 11, 14, 44, 120000, timezone.utc)),
        ({"DATE_OBS": "2010-06-20 11:14:44"}, datetime(2010, 6, 20, 11, 14, 44, tzinfo=timezone.utc)),
        ({"T_OBS": "2010-06-20T11:14:45.12Z"}, datetime(2010, 6, 20, 11, 14, 45, 120000, timezone.utc)),
        (
            {"DATE-OBS": "2010-06-20", "TIME-OBS": "11:14:44.5"},
            datetime(2010, 6, 20, 11, 14, 44, 500000, timezone.utc),
        ),
        (
            {"DATE-OBS": "garbage", "T_OBS": "2010-06-20T11:14:45Z"},
            datetime(2010, 6, 20, 11, 14, 45, tzinfo=timezone.utc),
        ),
        ({"DATE-OBS": "2010-06-20T24:00:00"}, datetime(2010, 6, 21, tzinfo=timezone.utc)),
        (
            {"DATE-OBS": "2010-06-20T11:14:44", "TIMESYS": "TAI"},
            datetime(2010, 6, 20, 11, 14, 10, tzinfo=timezone.utc),
        ),
        ({"DATE-OBS": 20100620}, None),
        ({"DATE-OBS": "2010-02-30T00:00:00"}, None),
        ({"DATE-OBS": "2010-06-20T25:00:00"}, None),
        ({}, None),
    ],
)
def test_observation_times(header: dict[str, Any], expected: datetime | None) -> None:
    assert frame_fields_from_header(header)["obs_time"] == expected


def test_strict_mode_says_what_is_missing() -> None:
    with pytest.raises(HeaderError, match="DATE-OBS"):
        frame_fields_from_header({"WAVELNTH": 304}, strict=True)


@pytest.mark.parametrize(
    ("unit", "wave"), [(None, 304.0), ("angstrom", 304.0), ("nm", 3040.0), ("NM", 3040.0), ("odd", 304.0)]
)
def test_wavelength_is_in_angstrom(unit: str | None, wave: float) -> None:
    header: dict[str, Any] = {"WAVELNTH": 304}
    if unit:
        header["WAVEUNIT"] = unit
    assert frame_fields_from_header(header)["wavelength"] == wave


values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.binary(max_size=20),
    st.lists(st.text(max_size=10), max_size=3),
)
keys = st.one_of(
    st.sampled_from(
        [
            "DATE-OBS",
            "T_OBS",
            "TIME-OBS",
            "TIMESYS",
            "WAVELNTH",
            "WAVEUNIT",
            "EXPTIME",
            "NAXIS1",
            "NAXIS2",
            "CTYPE1",
            "CDELT1",
            "CDELT2",
            "CROTA2",
            "PC1_1",
            "PC2_1",
            "CD1_1",
            "CD2_1",
            "DSUN_OBS",
            "RSUN_OBS",
            "COMMENT",
            "HISTORY",
        ]
    ),
    st.text(max_size=12),
)


@settings(max_examples=300, deadline=None)
@given(header=st.dictionaries(keys, values, max_size=12))
def test_garbage_headers_give_none_fields_never_a_crash(store: Store, header: dict[str, Any]) -> None:
    fields = frame_fields_from_header(header)
    assert set(fields) == set(FRAME_FIELDS)
    json.dumps(fields["header"], allow_nan=False)
    for name in ("wavelength", "exptime", "cdelt1", "crota2", "dsun_obs"):
        assert fields[name] is None or math.isfinite(fields[name])
    assert fields["naxis1"] is None or (isinstance(fields["naxis1"], int) and fields["naxis1"] >= 0)
    store.add([FitsFrame(url="garbage", **fields)])


card_values = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**62), max_value=2**62),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    # no quotes: astropy 8 itself reads the card it writes for "'/" back as "'"
    st.text(st.characters(min_codepoint=32, max_codepoint=126, exclude_characters="'"), max_size=40),
)
card_keys = st.text(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"), min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(card_keys, card_values, max_size=15))
def test_astropy_headers_round_trip_through_json(cards: dict[str, Any]) -> None:
    header = fits.Header()
    for key, value in cards.items():
        if key in ("COMMENT", "HISTORY", "END"):
            continue
        header[key] = value
    blob = header.tostring()  # through the 80-character cards and back
    doc = header_to_json(fits.Header.fromstring(blob))
    for key, value in header.items():
        if isinstance(value, str):
            assert doc[key] == value.rstrip()
        elif isinstance(value, float):
            assert doc[key] == pytest.approx(value, rel=1e-6, abs=1e-300)
        else:
            assert doc[key] == value


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1)),
    st.sampled_from(["T", " "]),
    st.sampled_from(["", "Z"]),
    st.integers(0, 6),
)
def test_parse_obs_time_reads_iso_forms(moment: datetime, sep: str, zone: str, digits: int) -> None:
    text = moment.strftime(f"%Y-%m-%d{sep}%H:%M:%S")
    micro = f"{moment.microsecond:06d}"[:digits]
    if digits:
        text += "." + micro
    parsed = parse_obs_time(text + zone)
    expected = moment.replace(microsecond=int(micro.ljust(6, "0")) if digits else 0, tzinfo=timezone.utc)
    assert parsed == expected


def test_leap_second_is_the_next_second() -> None:
    parsed = parse_obs_time("2016-12-31T23:59:60.25")
    assert parsed == datetime(2017, 1, 1, tzinfo=timezone.utc) + timedelta(milliseconds=250)


# -- check_fits: what counts as a complete FITS file ------------------------------------


def _good_fits(tmp_path: Path, name: str = "good.fits", *, checksum: bool = True) -> Path:
    path = tmp_path / name
    data = np.arange(100 * 120, dtype=np.float32).reshape(100, 120)
    hdu = fits.PrimaryHDU(data)
    hdu.header["DATE-OBS"] = "2012-07-08T13:05:07.12"
    hdu.writeto(path, checksum=checksum)
    return path


def test_a_complete_file_passes(tmp_path: Path) -> None:
    path = _good_fits(tmp_path)
    assert fits_layout_size(path) == path.stat().st_size
    assert check_fits(path)["NAXIS2"] == 100


def test_truncated_files_fail_without_astropy_warnings(
    tmp_path: Path, recwarn: pytest.WarningsRecorder
) -> None:
    blob = _good_fits(tmp_path).read_bytes()
    for cut in (len(blob) - 2880, len(blob) // 2, 2880, 100, 0):
        path = tmp_path / f"cut{cut}.fits"
        path.write_bytes(blob[:cut])
        with pytest.raises(InvalidFits, match=r"truncated|empty|is not FITS"):
            check_fits(path)
    assert not [w for w in recwarn if "truncated" in str(w.message)]


def test_html_and_garbage_fail(tmp_path: Path) -> None:
    html = tmp_path / "error.fits"
    html.write_bytes(b"<!DOCTYPE html><html><body>503 Service Unavailable</body></html>")
    with pytest.raises(InvalidFits, match="HTML"):
        check_fits(html)
    junk = tmp_path / "junk.fits"
    junk.write_bytes(b"SIMPLE  =" + b"x" * 5000)
    with pytest.raises(InvalidFits):
        check_fits(junk)


def test_corrupt_data_fails_its_checksum(tmp_path: Path) -> None:
    path = _good_fits(tmp_path)
    blob = bytearray(path.read_bytes())
    blob[5000] ^= 0xFF
    path.write_bytes(bytes(blob))
    with pytest.raises(InvalidFits, match=r"CHECKSUM|DATASUM"):
        check_fits(path)


def test_a_header_without_data_fails(tmp_path: Path) -> None:
    path = tmp_path / "empty.fits"
    fits.PrimaryHDU().writeto(path)
    with pytest.raises(InvalidFits, match="no image"):
        check_fits(path)


def test_gzip_and_tile_compressed_files_pass_and_a_cut_gzip_fails(tmp_path: Path) -> None:
    good = _good_fits(tmp_path)
    gz = tmp_path / "good.fits.gz"
    gz.write_bytes(gzip.compress(good.read_bytes()))
    assert check_fits(gz)["NAXIS1"] == 120
    cut = tmp_path / "cut.fits.gz"
    cut.write_bytes(gz.read_bytes()[: len(gz.read_bytes()) // 2])
    with pytest.raises(InvalidFits):
        check_fits(cut)
    rice = tmp_path / "rice.fits"
    data = np.random.default_rng(1).random((64, 80)).astype(np.float32)
    image = fits.CompImageHDU(data)
    image.header["DATE-OBS"] = "2012-07-08T13:05:07.12"
    image.header["WAVELNTH"] = 171
    fits.HDUList([fits.PrimaryHDU(), image]).writeto(rice, checksum=True)
    header = check_fits(rice)
    assert (header["NAXIS1"], header["NAXIS2"]) == (80, 64)
    fields = frame_fields_from_header(header)
    assert fields["wavelength"] == 171.0 and fields["naxis1"] == 80
    # cut inside the compressed data
    cut_rice = tmp_path / "cut_rice.fits"
    cut_rice.write_bytes(rice.read_bytes()[: rice.stat().st_size - 2880])
    with pytest.raises(InvalidFits):
        check_fits(cut_rice)
