"""Parsing HEK answers: the real recorded answer, HEK's quirks, and garbage that must not raise."""

from __future__ import annotations

import contextlib
import json
import math
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from hek_client import BadAnswer, HekResult, decode_body, parse_answer, parse_event, parse_events
from hek_client.parse import MalformedEvent, load_answer, parse_point, parse_polygon_bounds, parse_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jet_store import HekEvent, Store

# -- the real answer -------------------------------------------------------------------


def test_real_fixture_parses_into_16_events_8_sol_standards(her_cj_bytes: bytes) -> None:
    answer = parse_answer(her_cj_bytes)
    assert answer.skipped == []
    assert answer.rows == 16
    assert len(answer.events) == 16
    assert len({ev.kb_archivid for ev in answer.events}) == 16
    assert len({ev.sol_standard for ev in answer.events}) == 8
    assert answer.overmax is None  # not recorded in this answer


def test_real_fixture_bboxes_are_normalised(her_cj_bytes: bytes, her_cj_rows: list[dict[str, Any]]) -> None:
    events = parse_answer(her_cj_bytes).events
    # the recorded answer has c2ll > c2ur in most rows: normalising must have mattered
    assert sum(float(r["boundbox_c2ll"]) > float(r["boundbox_c2ur"]) for r in her_cj_rows) >= 8
    for ev, row in zip(events, her_cj_rows, strict=True):
        assert ev.bbox_x1 is not None and ev.bbox_x2 is not None
        assert ev.bbox_y1 is not None and ev.bbox_y2 is not None
        assert ev.bbox_x1 <= ev.bbox_x2 and ev.bbox_y1 <= ev.bbox_y2
        c1 = sorted(float(row[k]) for k in ("boundbox_c1ll", "boundbox_c1ur"))
        c2 = sorted(float(row[k]) for k in ("boundbox_c2ll", "boundbox_c2ur"))
        assert (ev.bbox_x1, ev.bbox_x2, ev.bbox_y1, ev.bbox_y2) == (c1[0], c1[1], c2[0], c2[1])
        assert ev.bbox_x1 <= ev.hpc_x <= ev.bbox_x2  # type: ignore[operator]
        assert ev.bbox_y1 <= ev.hpc_y <= ev.bbox_y2  # type: ignore[operator]


def test_real_fixture_channels_as_recorded(her_cj_bytes: bytes, her_cj_rows: list[dict[str, Any]]) -> None:
    events = parse_answer(her_cj_bytes).events
    assert [ev.channel for ev in events] == [row["obs_channelid"] for row in her_cj_rows]
    assert Counter(ev.channel for ev in events) == {"304": 6, "171": 5, "211": 4, "193": 1}


def test_real_fixture_values(her_cj_bytes: bytes, her_cj_rows: list[dict[str, Any]]) -> None:
    events = parse_answer(her_cj_bytes).events
    first = events[0]
    assert first.kb_archivid == "ivo://helio-informatics.org/CJ171_KarelSchrijver_20100604_194744"
    assert first.sol_standard == "SOL2010-06-04T09:21:47L246C049"
    assert first.event_type == "CJ"
    assert first.start_time == datetime(2010, 6, 4, 9, 21, 47, tzinfo=UTC)
    assert first.end_time == datetime(2010, 6, 4, 13, 42, 11, tzinfo=UTC)
    assert first.peak_time is None  # "" in the answer
    assert (first.hpc_x, first.hpc_y) == (789.0, 694.0)
    assert (first.hgs_x, first.hgs_y) == pytest.approx((89.400782, 41.331773))
    assert (first.hgc_x, first.hgc_y) == pytest.approx((-114.244538, 41.331773))
    assert (first.instrument, first.frm_name) == ("AIA", "schryver")
    assert first.description is not None and first.description.startswith("A coronal cusp")
    for ev, row in zip(events, her_cj_rows, strict=True):
        assert ev.raw == row  # the whole record, as sent
        assert ev.start_time.tzinfo is not None and ev.start_time.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
        assert ev.end_time >= ev.start_time


def test_real_fixture_round_trips_through_the_store(her_cj_bytes: bytes) -> None:
    events = parse_answer(her_cj_bytes).events
    store = Store("sqlite://")
    assert store.add(events).added == 16
    assert store.add(events).unchanged == 16
    assert sorted(store.filter(HekEvent), key=lambda e: e.kb_archivid) == sorted(
        events, key=lambda e: e.kb_archivid
    )


def test_real_fixture_as_table(her_cj_bytes: bytes) -> None:
    import astropy.units as u

    events = parse_answer(her_cj_bytes).events
    table = HekResult(events=events).to_table()
    assert len(table) == 16
    assert table["hpc_x"].unit == u.arcsec and table["bbox_y2"].unit == u.arcsec
    assert table["hgs_x"].unit == u.deg
    assert bool(table["peak_time"].mask.all())
    assert table["start_time"][0].isot == "2010-06-04T09:21:47.000"
    assert sorted(set(table["channel"])) == ["171", "193", "211", "304"]
    assert len(set(table["sol_standard"])) == 8


# -- quirks ------------------------------------------------------------------------------

BASE = {
    "kb_archivid": "ivo://x/CJ1",
    "event_type": "CJ",
    "event_starttime": "2010-06-20T11:14:44",
    "event_endtime": "2010-06-20T11:30:00",
}


def test_empty_and_null_are_none_numbers_from_strings() -> None:
    ev = parse_event(
        {
            **BASE,
            "hpc_x": "813.5",
            "hpc_y": -682,
            "hgs_x": "",
            "hgs_y": None,
            "SOL_standard": "",
            "obs_channelid": 304,
            "frm_name": None,
            "event_peaktime": "",
        }
    )
    assert (ev.hpc_x, ev.hpc_y) == (813.5, -682.0)
    assert ev.hgs_x is None and ev.hgs_y is None
    assert ev.sol_standard is None and ev.frm_name is None and ev.peak_time is None
    assert ev.channel == "304"


def test_positions_from_wkt_when_columns_are_missing() -> None:
    ev = parse_event(
        {
            **BASE,
            "hpc_coord": "POINT(813 -682)",
            "hgs_coord": "POINT(40.5 -30)",
            "hpc_bbox": "POLYGON((932 -572,693 -572,693 -793,932 -793,932 -572))",
        }
    )
    assert (ev.hpc_x, ev.hpc_y, ev.hgs_x, ev.hgs_y) == (813.0, -682.0, 40.5, -30.0)
    assert (ev.bbox_x1, ev.bbox_y1, ev.bbox_x2, ev.bbox_y2) == (693.0, -793.0, 932.0, -572.0)


def test_event_coord_used_only_when_helioprojective() -> None:
    hpc = parse_event({**BASE, "event_coordsys": "UTC-HPC-TOPO", "event_coord1": 10, "event_coord2": "20"})
    assert (hpc.hpc_x, hpc.hpc_y) == (10.0, 20.0)
    hgs = parse_event(
        {
            **BASE,
            "event_coordsys": "UTC-HGS-TOPO",
            "event_coord1": 10,
            "event_coord2": 20,
            "boundbox_c1ll": 1,
            "boundbox_c1ur": 2,
            "boundbox_c2ll": 3,
            "boundbox_c2ur": 4,
        }
    )
    assert hgs.hpc_x is None and hgs.bbox_x1 is None  # degrees are not arcsec


def test_partial_bbox_is_none() -> None:
    ev = parse_event(
        {**BASE, "boundbox_c1ll": 1, "boundbox_c1ur": "", "boundbox_c2ll": 3, "boundbox_c2ur": 4}
    )
    assert (ev.bbox_x1, ev.bbox_y1, ev.bbox_x2, ev.bbox_y2) == (None, None, None, None)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"kb_archivid": None}, "no kb_archivid"),
        ({"kb_archivid": ""}, "no kb_archivid"),
        ({"kb_archivid": 12}, "no kb_archivid"),
        ({"event_type": ""}, "no event_type"),
        ({"event_starttime": "2010-13-01T00:00:00"}, "unreadable start time"),
        ({"event_starttime": None}, "unreadable start time"),
        ({"event_endtime": ""}, "unreadable end time"),
        ({"event_endtime": "2010-06-20T11:00:00"}, "before start time"),
    ],
)
def test_malformed_events_are_skipped_with_a_reason(change: dict[str, Any], reason: str) -> None:
    with pytest.raises(MalformedEvent, match=reason):
        parse_event({**BASE, **change})
    parsed = parse_events([{**BASE, **change}, {**BASE, "kb_archivid": "ivo://x/ok"}])
    assert [ev.kb_archivid for ev in parsed.events] == ["ivo://x/ok"]
    assert len(parsed.skipped) == 1 and reason in parsed.skipped[0] and parsed.skipped[0].startswith("row 0")


def test_skipped_events_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING", logger="hek_client.parse"):
        parse_events([{"event_type": "CJ"}])
    assert "no kb_archivid" in caplog.text


def test_times() -> None:
    assert parse_time("2010-06-20T11:14:44.250Z") == datetime(2010, 6, 20, 11, 14, 44, 250000, tzinfo=UTC)
    assert parse_time("2010/06/20 11:14:44") == datetime(2010, 6, 20, 11, 14, 44, tzinfo=UTC)
    assert parse_time("2010-06-20T13:14:44+02:00") == datetime(2010, 6, 20, 11, 14, 44, tzinfo=UTC)
    assert parse_time(20100620) is None


def test_wkt() -> None:
    assert parse_point(" point ( 1.5e2 -3 ) ") == (150.0, -3.0)
    assert parse_point("POINT(1 2 3)") == (1.0, 2.0)
    assert parse_point("POINT(a b)") is None
    assert parse_polygon_bounds("POLYGON((1 2,3 4),(0 0,9 9))") == (1.0, 2.0, 3.0, 4.0)
    assert parse_polygon_bounds("POLYGON((1 2,3))") is None
    assert parse_polygon_bounds("POLYGON(())") is None


def test_non_utf8_bytes_are_decoded_not_fatal() -> None:
    body = json.dumps({"result": [{**BASE, "frm_name": "Sainz Dalda", "event_description": "PLACEHOLDER"}]})
    data = body.encode("utf-8").replace(b"PLACEHOLDER", b"jet \xe9ruption \xff, caf\xc3\xa9")
    assert decode_body(data).count("\ufffd") == 0
    events = parse_answer(data).events
    assert events[0].description == "jet éruption ÿ, café"


def test_nan_nul_and_surrogates_are_made_storable() -> None:
    body = (
        '{"result": [{"kb_archivid": "ivo://x/1", "event_type": "CJ", '
        '"event_starttime": "2010-06-01T00:00:00", "event_endtime": "2010-06-01T01:00:00", "hpc_x": NaN, '
        '"a": "nul\\u0000here", "b": "\\ud800", '
        '"c": [Infinity, {"d": -Infinity}]}]}'
    )
    ev = parse_answer(body).events[0]
    assert ev.hpc_x is None
    assert ev.raw["a"] == "nul\ufffdhere" and ev.raw["b"] == "?"
    assert ev.raw["c"] == [None, {"d": None}]
    store = Store("sqlite://")
    store.add([ev])
    assert store.get(HekEvent, "ivo://x/1") == ev


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"<!DOCTYPE html><html><head><title>HEK down</title></head></html>", "html"),
        (b"  <html><body><h1>Service Unavailable</h1></body></html>", "html"),
        (b'{"result": [{"kb_archivid": "ivo', "json"),
        (b"", "json"),
        (b"[1, 2]", "shape"),
        (b'{"error": "bad query"}', "shape"),
        (b'{"result": "none"}', "shape"),
        (b"[" * 100_000, "json"),
    ],
)
def test_answers_that_are_not_hek_json(body: bytes, kind: str) -> None:
    with pytest.raises(BadAnswer) as info:
        load_answer(body)
    assert info.value.kind == kind


def test_overmax_values() -> None:
    assert load_answer(b'{"result": [], "overmax": "true"}')[1] is True
    assert load_answer(b'{"result": [], "overmax": "false"}')[1] is False
    assert load_answer(b'{"result": [], "overmax": 0}')[1] is False
    assert load_answer({"result": []})[1] is None


# -- garbage never raises ----------------------------------------------------------------

json_scalar = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=30)
    | st.sampled_from(
        [
            "",
            " ",
            "2010-06-01T00:00:00",
            "2010-06-01",
            "POINT(1 2)",
            "POLYGON((1 2,3 4))",
            "nan",
            "inf",
            "-1e400",
            "2010-02-30T00:00:00",
            "0001-01-01T00:00:00+05:00",
        ]
    )
)
json_value = st.recursive(
    json_scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
KEYS = [
    "kb_archivid",
    "event_type",
    "event_starttime",
    "event_endtime",
    "event_peaktime",
    "hpc_x",
    "hpc_y",
    "hpc_coord",
    "hpc_bbox",
    "hgc_x",
    "hgs_coord",
    "boundbox_c1ll",
    "boundbox_c1ur",
    "boundbox_c2ll",
    "boundbox_c2ur",
    "event_coordsys",
    "event_coord1",
    "event_coord2",
    "obs_channelid",
    "SOL_standard",
    "frm_name",
    "event_description",
    "obs_instrument",
]
garbage_rows = (
    st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=10), json_value, max_size=12) | json_value
)

STORE = Store("sqlite://")


def _check_event(ev: HekEvent) -> None:
    assert isinstance(ev.kb_archivid, str) and ev.kb_archivid
    assert ev.start_time.utcoffset() is not None and ev.start_time.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert ev.end_time >= ev.start_time
    for value in (ev.hpc_x, ev.hpc_y, ev.hgc_x, ev.hgc_y, ev.hgs_x, ev.hgs_y, ev.bbox_x1, ev.bbox_y2):
        assert value is None or (isinstance(value, float) and math.isfinite(value))
    if ev.bbox_x1 is not None:
        assert ev.bbox_x1 <= ev.bbox_x2 and ev.bbox_y1 <= ev.bbox_y2  # type: ignore[operator]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(garbage_rows, max_size=5))
def test_garbage_rows_are_parsed_or_skipped_never_raise(rows: list[Any]) -> None:
    parsed = parse_events(rows)
    assert len(parsed.events) + len(parsed.skipped) == len(rows)
    for ev in parsed.events:
        _check_event(ev)
    for row in rows:
        with contextlib.suppress(MalformedEvent):
            _check_event(parse_event(row))


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_damaged_real_rows_are_parsed_or_skipped_and_storable(
    data: st.DataObject, her_cj_rows: list[dict[str, Any]]
) -> None:
    row = dict(data.draw(st.sampled_from(her_cj_rows)))
    for key in data.draw(st.lists(st.sampled_from(sorted(row)), max_size=6, unique=True)):
        action = data.draw(st.sampled_from(["drop", "empty", "null", "garbage"]))
        if action == "drop":
            del row[key]
        else:
            row[key] = (
                {"empty": "", "null": None}.get(action) if action != "garbage" else data.draw(json_value)
            )
    parsed = parse_events([row])
    assert len(parsed.events) + len(parsed.skipped) == 1
    if parsed.events:
        _check_event(parsed.events[0])
        STORE.add(parsed.events)  # the raw record must be storable as well
        assert STORE.get(HekEvent, parsed.events[0].kb_archivid) == parsed.events[0]


@settings(max_examples=200)
@given(body=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_arbitrary_bodies_are_an_answer_or_bad_answer(body: bytes) -> None:
    kind = None
    try:
        answer = parse_answer(body)
    except BadAnswer as err:
        kind = err.kind
    else:
        assert answer.rows == len(answer.events) + len(answer.skipped)
    assert kind in (None, "html", "json", "shape")
