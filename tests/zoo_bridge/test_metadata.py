"""The metadata contract: built from our records, read back without the database."""

from __future__ import annotations

import json

import numpy as np
import pytest
from astropy.io import fits
from hypothesis import given
from hypothesis import strategies as st
from jet_render.coords import ImageGeometry, pixel_to_world
from jet_store import Subject
from zoo_bridge.errors import MetadataError
from zoo_bridge.metadata import FRAME_KEYS, format_value, frame_count, frame_metadata, subject_metadata
from zoo_data import EVENT, SOL, Rendered


def _subject_meta(rendered: Rendered) -> tuple[dict[str, str], list, list]:
    renderings = rendered.renderings()
    frames_by_url = {f.url: f for f in rendered.frames()}
    frames = [frames_by_url[r.frame_url] for r in renderings]
    subject = Subject(
        key="sub-1", rendering_paths=tuple(r.path for r in renderings), event_id=EVENT, sol_standard=SOL
    )
    return subject_metadata(subject, renderings, frames, frames_per_subject=15), renderings, frames


def test_every_value_is_a_string_and_the_keys_are_the_contract(rendered: Rendered) -> None:
    meta, renderings, _frames = _subject_meta(rendered)
    assert all(isinstance(v, str) for v in meta.values())
    for key in ("#subject_key", "#sol_standard", "#event_id", "#frame_per_sub", "#wavelength", "!SOL",
                "!date", "!wavelength"):  # fmt: skip
        assert key in meta, key
    assert meta["#frame_per_sub"] == "15" and meta["#wavelength"] == "304" and meta["!SOL"] == SOL
    for name in FRAME_KEYS:
        if name != "crota2" or "#crota2" in meta:
            assert f"#{name}" in meta, name
    assert frame_count(meta) == len(renderings) == 5
    assert [meta[f"#file_name_{i}"] for i in range(5)] == [r.path.rsplit("/", 1)[1] for r in renderings]
    assert not any(k.startswith(("#file_name", "#date-obs")) and k.count("_") == 0 for k in meta)


def test_overrides_only_where_frames_differ(rendered: Rendered) -> None:
    meta, _r, frames = _subject_meta(rendered)
    # CRPIX jitters per frame: the plain key is frame 0's, overrides for frames 1..4
    assert meta["#crpix1"] == repr(frames[0].crpix1)
    assert "#crpix1_0" not in meta
    assert [float(meta[f"#crpix1_{i}"]) for i in range(1, 5)] == [f.crpix1 for f in frames[1:]]
    # constant keys have no override at all
    for name in ("naxis1", "naxis2", "cdelt1", "ctype1", "cunit1", "width", "height", "im_ll_x"):
        assert not any(k.startswith(f"#{name}_") for k in meta), name


def test_numbers_round_trip_exactly(rendered: Rendered) -> None:
    meta, _r, _frames = _subject_meta(rendered)
    for i, path in enumerate(rendered.fits_paths):
        header = fits.getheader(path)
        fm = frame_metadata(meta, i)
        assert float(fm.wcs["#crpix1"]) == header["CRPIX1"]
        assert float(fm.wcs["#crval2"]) == header["CRVAL2"]
        assert float(fm.wcs["#dsun_obs"]) == header["DSUN_OBS"]


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_format_value_is_exact_for_any_float(value: float) -> None:
    assert float(format_value(value)) == value


def test_a_mark_from_the_metadata_alone_maps_to_the_right_arcsec(rendered: Rendered) -> None:
    meta, renderings, frames = _subject_meta(rendered)
    # what an export gives back: subject_data JSON, nothing else
    exported = json.loads(json.dumps({"123": {"retired": None, **meta}}))["123"]
    for i, (rendering, frame, path) in enumerate(zip(renderings, frames, rendered.fits_paths, strict=True)):
        fm = frame_metadata(exported, i)
        assert fm.obs_time == frame.obs_time
        left, top, right, bottom = fm.geometry.data_area_pixels()
        x = np.array([left + 1.0, (left + right) / 2, right - 3.25])
        y = np.array([top + 2.0, (top + bottom) / 2, bottom - 0.5])
        got = pixel_to_world(x, y, fm.geometry, fm.wcs)
        truth = pixel_to_world(x, y, ImageGeometry.from_rendering(rendering, frame), fits.getheader(path))
        np.testing.assert_allclose(got[0], truth[0], rtol=0, atol=1e-9)
        np.testing.assert_allclose(got[1], truth[1], rtol=0, atol=1e-9)
    # the jitter matters: frame 4 read with frame 0's WCS would be off by a pixel's fraction
    fm0, fm4 = frame_metadata(exported, 0), frame_metadata(exported, 4)
    a = pixel_to_world(200.0, 150.0, fm4.geometry, fm0.wcs)[0]
    b = pixel_to_world(200.0, 150.0, fm4.geometry, fm4.wcs)[0]
    assert abs(float(a) - float(b)) > 0.1


def test_missing_keys_are_named(rendered: Rendered) -> None:
    meta, _r, _f = _subject_meta(rendered)
    broken = {k: v for k, v in meta.items() if not k.startswith("#crval1")}
    with pytest.raises(MetadataError, match=r"'#crval1'.*frame 2"):
        frame_metadata(broken, 2)
    with pytest.raises(MetadataError, match="frame 7 is not in this subject"):
        frame_metadata(meta, 7)
    with pytest.raises(MetadataError, match="not an ISO time"):
        frame_metadata({**meta, "#date-obs_1": "yesterday"}, 1)


def test_mismatched_records_are_refused(rendered: Rendered) -> None:
    _meta, renderings, frames = _subject_meta(rendered)
    subject = Subject(key="s", rendering_paths=())
    with pytest.raises(MetadataError, match="one FITS frame per rendering"):
        subject_metadata(subject, renderings, frames[:2])


def test_a_frame_count_given_reads_the_same_frames_and_bounds(rendered: Rendered) -> None:
    meta, _r, _f = _subject_meta(rendered)
    count = frame_count(meta)
    for index in range(count):
        assert frame_metadata(meta, index, frames=count) == frame_metadata(meta, index)
    with pytest.raises(MetadataError, match="not in this subject"):
        frame_metadata(meta, count, frames=count)
    with pytest.raises(MetadataError, match="not in this subject"):
        frame_metadata(meta, 1, frames=1)  # the count given is the one checked
