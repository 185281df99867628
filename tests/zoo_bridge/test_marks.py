"""Every mark shape of both front ends, and marks mapped onto the Sun."""

from __future__ import annotations

import math
from datetime import datetime, timezone

import pytest
from astropy.io import fits
from astropy.wcs import WCS
from zoo_bridge import RowError
from zoo_bridge.marks import SHAPE_PARAMS, Mark, parse_mark
from zoo_bridge.sunmap import SUN_FIELDS, SunMapper, frame_time
from zoo_bridge.workflows import TaskSpec, ToolSpec

TASK = TaskSpec(
    "T1", "drawing", tools=tuple(ToolSpec(i, shape, f"tool {i}") for i, shape in enumerate(SHAPE_PARAMS))
)
TOOL = {shape: i for i, shape in enumerate(SHAPE_PARAMS)}


@pytest.mark.parametrize(
    ("shape", "raw", "expected"),
    [
        ("point", {"x": 1.5, "y": 2}, {"x": 1.5, "y": 2.0}),
        ("temporalPoint", {"x": 1, "y": 2, "displayTime": 3.25}, {"x": 1.0, "y": 2.0, "display_time": 3.25}),
        ("rectangle", {"x": 1, "y": 2, "width": 3, "height": 4}, {"x": 1.0, "width": 3.0, "angle": None}),
        ("rotateRectangle", {"x": 1, "y": 2, "width": 3, "height": 4, "angle": -30.5}, {"angle": -30.5}),
        (
            "temporalRotateRectangle",
            {"x": 1, "y": 2, "width": 3, "height": 4, "angle": 10, "displayTime": "0:02.5"},
            {"angle": 10.0, "display_time": 2.5},
        ),
        ("circle", {"x": 10, "y": 20, "r": 5}, {"x": 10.0, "y": 20.0, "width": 10.0, "height": 10.0}),
        (
            "ellipse",
            {"x": 10, "y": 20, "rx": 5, "ry": 2, "angle": 45},
            {"width": 10.0, "height": 4.0, "angle": 45.0},
        ),
        ("line", {"x1": 1, "y1": 2, "x2": 3, "y2": 4}, {"x": 1.0, "y": 2.0, "x2": 3.0, "y2": 4.0}),
    ],
)
@pytest.mark.parametrize("front_end", ["classic", "fem"])
def test_every_shape_in_both_front_ends(
    shape: str, raw: dict[str, object], expected: dict[str, object], front_end: str
) -> None:
    tool = {"tool": TOOL[shape]} if front_end == "classic" else {"toolIndex": TOOL[shape], "toolType": shape}
    mark = parse_mark({**raw, **tool, "frame": 2, "details": [{"value": 1}]}, TASK, n_frames=15)
    assert (mark.shape, mark.tool, mark.frame, mark.details) == (shape, TOOL[shape], 2, ({"value": 1},))
    assert mark.tool_label == f"tool {TOOL[shape]}"
    for name, value in expected.items():
        assert getattr(mark, name) == value


def test_fem_rectangles_are_given_by_their_centre() -> None:
    mark = parse_mark(
        {"toolIndex": TOOL["rectangle"], "x_center": 10, "y_center": 20, "width": 4, "height": 6},
        TASK,
        n_frames=1,
    )
    assert (mark.x, mark.y, mark.width, mark.height) == (8.0, 17.0, 4.0, 6.0)


def test_marks_are_rescaled_to_the_nominal_image() -> None:
    mark = parse_mark(
        {"tool": TOOL["rotateRectangle"], "x": 1, "y": 2, "width": 3, "height": 4, "angle": 30},
        TASK,
        n_frames=1,
        scale=(2.0, 2.0),
    )
    assert (mark.x, mark.y, mark.width, mark.height, mark.angle) == (2.0, 4.0, 6.0, 8.0, 30.0)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ({"tool": 99, "x": 1, "y": 1}, "unknown_tool"),
        ({"x": 1, "y": 1}, "unknown_tool"),
        ({"toolIndex": 0, "toolType": "circle", "x": 1, "y": 1}, "unknown_tool"),
        ({"tool": 0, "x": "1", "y": 1}, "bad_number"),
        ({"tool": 0, "x": True, "y": 1}, "bad_number"),
        ({"tool": 0, "x": 1e300, "y": 1}, "bad_number"),
        ({"tool": 0, "x": 10**400, "y": 1}, "bad_number"),
        ({"tool": 0, "x": math.inf, "y": 1}, "not_finite"),
        ({"tool": 0, "y": 1}, "missing_parameter"),
        ({"tool": 0, "x": 1, "y": 1, "frame": -1}, "frame_out_of_range"),
        ({"tool": 0, "x": 1, "y": 1, "frame": 3}, "frame_out_of_range"),
        ({"tool": TOOL["circle"], "x": 1, "y": 1, "r": -2}, "bad_number"),
        (["not", "a", "mark"], "bad_mark"),
    ],
)
def test_bad_marks_say_why(raw: object, reason: str) -> None:
    with pytest.raises(RowError) as info:
        parse_mark(raw, TASK, n_frames=3)
    assert info.value.reason == reason


# --------------------------------------------------------------------------- on the Sun

META = {
    "#width": "1920", "#height": "1440", "#im_ll_x": "0.2", "#im_ll_y": "0.1", "#im_ur_x": "0.8",
    "#im_ur_y": "0.9", "#naxis1": "600", "#naxis2": "500", "#crpix1": "300.5", "#crpix2": "250.5",
    "#crval1": "-300.0", "#crval2": "200.0", "#cdelt1": "0.6", "#cdelt2": "0.6", "#cunit1": "arcsec",
    "#cunit2": "arcsec", "#ctype1": "HPLN-TAN", "#ctype2": "HPLT-TAN", "#crota2": "0.0",
    "#crval1_3": "-290.0", "#crpix2_3": "251.25", "#date-obs": "2010-06-20T11:27:26",
    "#date-obs_3": "2010-06-20T11:28:02.57", "#file_name_0": "ssw_cutout_20100620_112726_aia_304_.png",
}  # fmt: skip


def _expected_arcsec(x: float, y: float, frame: int) -> tuple[float, float]:
    """Independently: the data area by hand, then astropy's WCS of that frame."""
    return _expected_arcsec_of(META, x, y, frame)


@pytest.mark.parametrize("frame", [0, 3])
def test_points_and_boxes_map_to_arcsec_per_frame(frame: int) -> None:
    mapper = SunMapper()
    # frame 0 first: frame 3 (other CRVAL1/CRPIX2) then reuses frame 0's WCS with its values set
    mapper.map(META, Mark(shape="point", tool=0, tool_label=None, frame=0, x=1.0, y=1.0), 1)
    point = mapper.map(META, Mark(shape="point", tool=0, tool_label=None, frame=frame, x=700.0, y=500.0), 1)
    assert (point["hpc_x"], point["hpc_y"]) == pytest.approx(_expected_arcsec(700.0, 500.0, frame), abs=1e-6)
    box = mapper.map(
        META,
        Mark(
            shape="rotateRectangle",
            tool=0,
            tool_label=None,
            frame=frame,
            x=600.0,
            y=400.0,
            width=200.0,
            height=100.0,
            angle=0.0,
        ),
        1,
    )
    assert (box["hpc_x"], box["hpc_y"]) == pytest.approx(_expected_arcsec(700.0, 450.0, frame), abs=1e-6)
    # image px -> array px: 600 array px span 0.6 * 1920 image px in x, 500 span 0.8 * 1440 in y
    assert box["hpc_width"] == pytest.approx(200 / (1920 * 0.6 / 600) * 0.6, rel=1e-4)
    assert box["hpc_height"] == pytest.approx(100 / (1440 * 0.8 / 500) * 0.6, rel=1e-4)
    assert box["hpc_angle"] is not None
    assert min(box["hpc_angle"], 360 - box["hpc_angle"]) == pytest.approx(0.0, abs=1e-3)  # TAN: not exactly 0


def test_frame_time_from_the_contract_or_the_file_name() -> None:
    mapper = SunMapper()
    mark = Mark(shape="point", tool=0, tool_label=None, frame=3, x=1.0, y=1.0)
    assert mapper.map(META, mark)["frame_time"] == datetime(
        2010, 6, 20, 11, 28, 2, 570000, tzinfo=timezone.utc
    )
    assert frame_time(META, 0) == datetime(2010, 6, 20, 11, 27, 26, tzinfo=timezone.utc)
    assert frame_time(META, 1) is None


def test_lines_and_circles_on_the_sun() -> None:
    mapper = SunMapper()
    line = mapper.map(
        META, Mark(shape="line", tool=0, tool_label=None, frame=0, x=700.0, y=500.0, x2=900.0, y2=500.0)
    )
    start, end = _expected_arcsec(700.0, 500.0, 0), _expected_arcsec(900.0, 500.0, 0)
    assert (line["hpc_x"], line["hpc_y"]) == pytest.approx(start, abs=1e-6)
    assert line["hpc_width"] == pytest.approx(math.dist(start, end), rel=1e-9)
    assert line["hpc_angle"] is not None
    assert min(line["hpc_angle"], 360 - line["hpc_angle"]) == pytest.approx(0.0, abs=1e-3)
    circle = mapper.map(
        META,
        Mark(shape="circle", tool=0, tool_label=None, frame=0, x=700.0, y=500.0, width=20.0, height=20.0),
    )
    assert (circle["hpc_x"], circle["hpc_y"]) == pytest.approx(start, abs=1e-6)


def test_metadata_without_wcs_maps_nothing_but_keeps_the_time() -> None:
    bare = {k: v for k, v in META.items() if "crpix" not in k and "date-obs" not in k}
    sun = SunMapper().map(bare, Mark(shape="point", tool=0, tool_label=None, frame=0, x=1.0, y=1.0), 7)
    assert sun["hpc_x"] is None and sun["frame_time"] == datetime(
        2010, 6, 20, 11, 27, 26, tzinfo=timezone.utc
    )


def _jittered(subject: int) -> dict[str, str]:
    """META with a CRVAL of its own and a CRPIX jitter on every one of 6 frames."""
    meta = {**META, "#crval1": f"{-300.0 + 37.0 * subject}", "#crval2": f"{200.0 - 11.0 * subject}"}
    for i in range(6):
        meta[f"#crpix1_{i}"] = f"{300.5 + 0.13 * i - 0.2 * subject}"
        meta[f"#crpix2_{i}"] = f"{250.5 - 0.07 * i}"
        meta[f"#date-obs_{i}"] = f"2010-06-20T11:{27 + i}:26"
    return meta


def test_a_batch_maps_as_each_mark_alone_and_builds_one_wcs(monkeypatch: pytest.MonkeyPatch) -> None:
    import zoo_bridge.sunmap as sunmap

    shapes = [
        dict(shape="point", x=700.0, y=500.0),
        dict(shape="rotateRectangle", x=600.0, y=400.0, width=200.0, height=100.0, angle=33.0),
        dict(shape="circle", x=900.0, y=800.0, width=40.0, height=20.0),
        dict(shape="line", x=700.0, y=500.0, x2=950.0, y2=610.0),
        dict(shape="point", x=None, y=None),
    ]
    requests = [
        (_jittered(subject), Mark(tool=0, tool_label=None, frame=frame, **shape), subject)  # type: ignore[arg-type]
        for subject in (1, 2, 3)
        for frame in range(6)
        for shape in shapes
    ]
    builds: list[object] = []
    real = sunmap.frame_wcs
    monkeypatch.setattr(sunmap, "frame_wcs", lambda keys: builds.append(keys) or real(keys))
    batch = SunMapper().map_many(requests)
    # one WCS built from keys: the other subjects copy it (other CRVAL), frames shift it (CRPIX)
    assert len(builds) == 1
    for (meta, mark, _), got in zip(requests, batch, strict=True):
        alone = SunMapper().map(meta, mark)  # no subject id: this frame's own WCS, nothing shared
        assert got["frame_time"] == alone["frame_time"]
        for name in SUN_FIELDS[:5]:
            assert (got[name] is None) == (alone[name] is None), name
            if alone[name] is not None:
                assert got[name] == pytest.approx(alone[name], abs=1e-7), (name, mark.shape)
    point = batch[0]
    assert (point["hpc_x"], point["hpc_y"]) == pytest.approx(
        _expected_arcsec_of(requests[0][0], 700.0, 500.0, 0), abs=1e-6
    )


def _expected_arcsec_of(meta: dict[str, str], x: float, y: float, frame: int) -> tuple[float, float]:
    resolved = {**meta, **{k[:-2]: v for k, v in meta.items() if k.endswith(f"_{frame}")}}
    header = fits.Header()
    for key in ("crpix1", "crpix2", "crval1", "crval2", "cdelt1", "cdelt2"):
        header[key.upper()] = float(resolved[f"#{key}"])
    header["CTYPE1"], header["CTYPE2"] = "HPLN-TAN", "HPLT-TAN"
    header["CUNIT1"], header["CUNIT2"] = "arcsec", "arcsec"
    u = (x / 1920 - 0.2) / 0.6 * 600 - 0.5
    v = ((1 - y / 1440) - 0.1) / 0.8 * 500 - 0.5
    lon, lat = WCS(header).wcs_pix2world(u, v, 0)
    return float(lon) * 3600, float(lat) * 3600
