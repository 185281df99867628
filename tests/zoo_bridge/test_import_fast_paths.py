"""The importer's fast paths give exactly what the plain reading gives.

A subject's frames read through :class:`~zoo_bridge.subject_frames.SubjectFrames` (its
metadata split once into values and per-frame overrides) equal
:func:`~zoo_bridge.metadata.frame_metadata`'s, errors included; display scales worked out
per marked frame equal the per-frame list; marks mapped in a batch equal marks mapped
one by one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st
from zoo_bridge.classifications import _Scales, display_scales
from zoo_bridge.errors import MetadataError
from zoo_bridge.marks import Mark
from zoo_bridge.metadata import FRAME_KEYS, frame_metadata
from zoo_bridge.subject_frames import SubjectFrames
from zoo_bridge.sunmap import SunMapper

GOOD = {
    "#width": "1920", "#height": "1440", "#im_ll_x": "0.2", "#im_ll_y": "0.11", "#im_ur_x": "0.82",
    "#im_ur_y": "0.88", "#naxis1": "600", "#naxis2": "500", "#crpix1": "300.5", "#crpix2": "250.5",
    "#crval1": "-300", "#crval2": "200", "#cdelt1": "0.6", "#cdelt2": "0.6", "#cunit1": "arcsec",
    "#cunit2": "arcsec", "#ctype1": "HPLN-TAN", "#ctype2": "HPLT-TAN",
}  # fmt: skip
NAMES = [*FRAME_KEYS, "date-obs", "file_name"]
values = st.one_of(
    st.sampled_from(["0.21", " 0.3 ", "0.8", "601", "12.5", "2012-07-08T13:05:07", "", " "]),
    st.floats(min_value=0.05, max_value=0.95),
    st.sampled_from([None, "x", "deg", -1.0]),
)
suffixes = st.sampled_from(["_0", "_1", "_2", "_01", "_3", "_10", "", "_x"])


@st.composite
def metadata(draw: st.DrawFn) -> dict[str, Any]:
    meta: dict[str, Any] = dict(GOOD)
    for i in range(draw(st.integers(0, 4))):
        meta[f"#date-obs_{i}"] = f"2012-07-08T13:0{i}:07.5"
    for _ in range(draw(st.integers(0, 12))):
        meta[f"#{draw(st.sampled_from(NAMES))}{draw(suffixes)}"] = draw(values)
    for name in draw(st.lists(st.sampled_from(list(GOOD)), max_size=2)):
        meta.pop(name, None)
    return meta


def _read(read: Any, index: int) -> Any:
    try:
        return asdict(read(index))  # plain values: the same whichever copy of the classes made them
    except MetadataError as err:
        return f"MetadataError: {err}"


@settings(max_examples=300, deadline=None)
@given(metadata(), st.integers(-1, 12))
@example({**GOOD, "#date-obs_0": "2012-07-08T13:05:07", "#date-obs_1": "2012-07-08T13:05:19",
          "#crpix1_01": "3", "#width_1": " ", "#im_ll_x_1": 0.25}, 1)  # fmt: skip
def test_subject_frames_read_every_frame_as_frame_metadata(meta: dict[str, Any], index: int) -> None:
    frames = SubjectFrames(meta)
    assert _read(frames.frame, index) == _read(lambda i: frame_metadata(meta, i), index)


def test_frames_of_a_subject_share_their_geometry_until_it_differs() -> None:
    meta = {**GOOD, "#date-obs_0": "2012-07-08T13:05:07", "#date-obs_1": "2012-07-08T13:05:19",
            "#date-obs_2": "2012-07-08T13:05:31", "#crpix1_1": "301", "#im_ll_x_2": "0.25"}  # fmt: skip
    frames = SubjectFrames(meta)
    first, second, third = (frames.frame(i) for i in range(3))
    assert first.geometry is second.geometry and third.geometry != first.geometry
    assert (second.wcs["#crpix1"], third.geometry.im_ll_x) == ("301", 0.25)


def _scales_one_by_one(
    subject: Mapping[str, Any], metadata: Mapping[str, Any], frame: Any
) -> tuple[float, float]:
    """What the importer took before: the whole list, then the frame's entry, the first
    entry for a frame outside it, (1, 1) for an empty list."""
    scales = display_scales(subject, metadata)
    if isinstance(frame, int) and 0 <= frame < len(scales):
        return scales[frame]
    return scales[0] if scales else (1.0, 1.0)


natural = {
    "naturalWidth": st.sampled_from([960, 1920, 0, -1, "9", True, 758.5]),
    "naturalHeight": st.sampled_from([720, 1440, 569, None]),
}
sizes = st.one_of(st.none(), st.fixed_dictionaries(natural), st.just("text"))
nominal = {
    "#width": st.sampled_from(["1920", "0", "x", "1440.0000000000002"]),
    "#height": st.sampled_from(["1440", "-3"]),
}


@settings(max_examples=300, deadline=None)
@given(
    st.fixed_dictionaries({}, optional=nominal),
    st.one_of(st.lists(sizes, max_size=5), st.none(), st.just({})),
    st.one_of(st.integers(-1, 6), st.just(True), st.just("2"), st.floats(0, 3)),
)
def test_scales_per_marked_frame_are_the_list_entries(subject: dict[str, Any], dims: Any, frame: Any) -> None:
    metadata = {} if dims == {} else {"subject_dimensions": dims}
    assert _Scales(subject, metadata).of(frame) == _scales_one_by_one(subject, metadata, frame)


def test_a_batch_maps_each_mark_as_it_is_mapped_alone() -> None:
    meta = {**GOOD, **{f"#date-obs_{i}": f"2012-07-08T13:05:{10 + i}" for i in range(4)},
            "#crpix1_1": "300.75", "#crval1_2": "-290", "#cdelt1_3": "0.61"}  # fmt: skip
    marks = [
        Mark(shape="point", tool=0, tool_label=None, frame=f, x=500.0 + 10 * f, y=600.0) for f in range(4)
    ] + [
        Mark(shape="rotateRectangle", tool=2, tool_label=None, frame=f, x=700.0, y=400.0, width=80.0,
             height=40.0, angle=30.0 * f) for f in range(4)
    ] + [
        Mark(shape="line", tool=3, tool_label=None, frame=1, x=400.0, y=500.0, x2=450.0, y2=520.0),
        Mark(shape="point", tool=0, tool_label=None, frame=9, x=1.0, y=1.0),  # no such frame: no position
    ]  # fmt: skip
    together = SunMapper().map_many([(meta, mark, 5) for mark in marks])
    mapper = SunMapper()  # one mapper, so that each frame's WCS is the same one as in the batch
    alone = [mapper.map(meta, mark, 5) for mark in marks]
    assert together == alone
    assert all(sun["hpc_x"] is not None for sun in together[:-1]) and together[-1]["hpc_x"] is None
    assert all(type(sun["hpc_x"]) is float for sun in together[:-1])
