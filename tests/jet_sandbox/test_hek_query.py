"""HEK query parameters and attribute filters (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jet_sandbox.errors import BadQuery
from jet_sandbox.hek_query import AttributeFilter, HekQuery, event_times, to_utc

BASE = {
    "cmd": "search",
    "type": "column",
    "cosec": "2",
    "event_type": "cj",
    "event_starttime": "2010-06-01T00:00:00",
    "event_endtime": "2010-07-01T00:00:00",
}


def query(**changes: str | None) -> HekQuery:
    params = {k: v for k, v in {**BASE, **changes}.items() if v is not None}
    return HekQuery.from_params(params)


def test_defaults() -> None:
    q = query()
    assert (q.start, q.end) == (datetime(2010, 6, 1, tzinfo=UTC), datetime(2010, 7, 1, tzinfo=UTC))
    assert (q.event_types, q.box, q.filters, q.limit, q.page, q.fields) == (("cj",), None, (), 100, 1, None)


@pytest.mark.parametrize(
    "missing", ["cmd", "type", "cosec", "event_type", "event_starttime", "event_endtime"]
)
def test_required_parameters(missing: str) -> None:
    with pytest.raises(BadQuery, match=missing):
        query(**{missing: None})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"cmd": "insert"}, "cmd"),
        ({"cosec": "1"}, "cosec"),
        ({"event_starttime": "June 1st"}, "event_starttime"),
        ({"event_endtime": "2010-05-01T00:00:00"}, "before"),
        ({"result_limit": "0"}, "result_limit"),
        ({"page": "two"}, "page"),
        ({"param0": "obs_channelid", "op0": "=="}, "value0"),
        ({"param0": "obs_channelid", "op0": "~", "value0": "304"}, "operator"),
        ({"event_coordsys": "heliographic", "x1": "0", "y1": "0", "x2": "1", "y2": "1"}, "helioprojective"),
        ({"event_coordsys": "helioprojective", "x1": "0", "y1": "0", "x2": "1"}, "y2"),
        ({"event_coordsys": "helioprojective", "x1": "a", "y1": "0", "x2": "1", "y2": "1"}, "numbers"),
    ],
)
def test_invalid_parameters(changes: dict[str, str], message: str) -> None:
    with pytest.raises(BadQuery, match=message):
        query(**changes)


def test_types_box_filters_paging_return() -> None:
    q = query(
        event_type="CJ,fl",
        event_coordsys="helioprojective",
        x1="1200",
        y1="-1200",
        x2="-1200",
        y2="1200",
        param1="frm_name",
        op1="like",
        value1="%sainz%",
        param0="obs_channelid",
        op0="=",
        value0="304",
        result_limit="20",
        page="3",
        **{"return": "frm_name, hpc_x"},
    )
    assert q.event_types == ("cj", "fl") and q.box == (-1200.0, -1200.0, 1200.0, 1200.0)
    assert [f.param for f in q.filters] == ["obs_channelid", "frm_name"]
    assert (q.limit, q.page, q.fields) == (20, 3, ("frm_name", "hpc_x"))
    assert query(event_type="**").event_types is None
    assert HekQuery.from_params({**BASE, "result_limit": "5000"}, max_limit=500).limit == 500


def test_unknown_and_bare_parameters_are_ignored() -> None:
    assert query(obs_channelid="304", foo="bar", param0="", op0="=", value0="1") == query()


def test_query_round_trips_through_parameters() -> None:
    q = query(
        event_coordsys="helioprojective",
        x1="-100",
        y1="-50",
        x2="100",
        y2="50",
        param0="hpc_x",
        op0=">=",
        value0="10",
        result_limit="7",
        page="2",
        **{"return": "hpc_x"},
    )
    assert HekQuery.from_params(q.to_params()) == q


def test_overlap_is_inclusive_and_end_defaults_to_start() -> None:
    q = query(event_starttime="2010-06-04T13:42:11", event_endtime="2010-06-05T00:00:00")
    event = {
        "event_type": "CJ",
        "event_starttime": "2010-06-04T09:21:47",
        "event_endtime": "2010-06-04T13:42:11",
    }
    assert q.matches(event)
    assert not q.matches({**event, "event_endtime": "2010-06-04T13:42:10"})
    assert q.matches({"event_type": "CJ", "event_starttime": "2010-06-04T20:00:00", "event_endtime": ""})
    assert not q.matches({"event_type": "CJ", "event_starttime": ""})
    assert event_times({"event_starttime": "2010-06-04T20:00:00", "event_endtime": None}) is not None


def test_box_needs_a_numeric_point() -> None:
    q = query(event_coordsys="helioprojective", x1="0", y1="0", x2="100", y2="100")
    assert q.in_box("50", 50.0) and q.in_box(0, 100)
    assert not q.in_box(None, 50) and not q.in_box("", 50) and not q.in_box(101, 50)


@pytest.mark.parametrize(
    ("flt", "event", "expected"),
    [
        (("obs_channelid", "=", "304"), {"obs_channelid": "304"}, True),
        (("obs_channelid", "=", "304"), {"obs_channelid": 304}, True),
        (("obs_channelid", "=", "304.0"), {"obs_channelid": 304}, True),
        (("obs_channelid", "=", "304"), {"obs_channelid": "171"}, False),
        (("obs_channelid", "!=", "304"), {"obs_channelid": "171"}, True),
        (("obs_channelid", "=", "304"), {}, False),
        (("obs_channelid", "!=", "304"), {"obs_channelid": None}, False),
        (("hpc_radius", ">", "1050"), {"hpc_radius": "1050.78875136727652"}, True),
        (("hpc_x", "<", "-1000"), {"hpc_x": -1057}, True),
        (("hpc_x", "<=", "-1057"), {"hpc_x": -1057}, True),
        (("frm_name", "=", "SEGUIN"), {"frm_name": "seguin"}, True),
        (("frm_name", "like", "s%n"), {"frm_name": "seguin"}, True),
        (("frm_name", "like", "s_guin"), {"frm_name": "seguin"}, True),
        (("frm_name", "like", "s_n"), {"frm_name": "seguin"}, False),
        (("event_description", "like", "%jet%"), {"event_description": "Polar\njet"}, True),
        (("event_starttime", ">=", "2010-06-20T00:00:00"), {"event_starttime": "2010-06-22T18:24:09"}, True),
        (("refs", "=", "x"), {"refs": []}, False),
        (("noposition", "=", "false"), {"noposition": False}, True),
        (("frm_name", "LIKE", "%"), {"frm_name": ""}, True),
    ],
)
def test_attribute_filters(flt: tuple[str, str, str], event: dict[str, Any], expected: bool) -> None:
    assert AttributeFilter(*flt).matches(event) is expected


numbers = st.one_of(
    st.integers(-2000, 2000), st.floats(-2000, 2000, allow_nan=False).map(lambda v: round(v, 3))
)


@settings(max_examples=200, deadline=None)
@given(
    numbers,
    numbers,
    st.sampled_from(["=", "!=", "<", "<=", ">", ">="]),
    st.sampled_from([str, lambda v: v, repr]),
)
def test_numeric_filters_agree_with_python(actual: float, value: float, op: str, shape: Any) -> None:
    expected = {
        "=": actual == value,
        "!=": actual != value,
        "<": actual < value,
        "<=": actual <= value,
        ">": actual > value,
        ">=": actual >= value,
    }[op]
    assert AttributeFilter("x", op, str(value)).matches({"x": shape(actual)}) is expected


def test_to_utc_accepts_astropy_time() -> None:
    from astropy.time import Time

    assert to_utc(Time("2010-06-01T00:00:00", scale="utc")) == datetime(2010, 6, 1, tzinfo=UTC)
    assert to_utc(datetime(2010, 6, 1)) == datetime(2010, 6, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="not a time"):
        to_utc(12)
