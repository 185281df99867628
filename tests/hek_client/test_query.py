"""HekQuery: parameters sent to HEK, time handling, windows, fingerprint (pure, no I/O)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta, timezone

import astropy.units as u
import pytest
from astropy.time import Time
from hek_client import DEFAULT_BOX, HekQuery, HekQueryError, as_utc
from hek_client.query import REQUIRED_FIELDS, split_range
from hypothesis import given, settings
from hypothesis import strategies as st

T0 = datetime(2010, 6, 1, tzinfo=UTC)


def test_required_search_parameters() -> None:
    p = HekQuery("2010-06-01", "2010-07-01").params(page=1, result_limit=100)
    assert p["cmd"] == "search"
    assert p["type"] == "column"
    assert p["cosec"] == "2"
    assert p["event_type"] == "cj"
    assert p["event_coordsys"] == "helioprojective"
    assert (p["event_starttime"], p["event_endtime"]) == ("2010-06-01T00:00:00", "2010-07-01T00:00:00")
    assert (p["page"], p["result_limit"]) == ("1", "100")
    assert all(isinstance(v, str) for v in p.values())


def test_channel_is_a_real_filter_not_a_bare_parameter() -> None:
    p = HekQuery("2010-06-01", "2010-07-01", channel=304).params()
    assert (p["param0"], p["op0"], p["value0"]) == ("obs_channelid", "=", "304")
    assert "obs_channelid" not in p


def test_channel_comes_first_then_user_filters_numbered_in_order() -> None:
    q = HekQuery(
        "2010-06-01",
        "2010-07-01",
        channel="171",
        filters=[("frm_name", "like", "%Schrijver%"), ("event_importance", ">=", 0.4)],
    )
    p = q.params()
    assert [(p[f"param{n}"], p[f"op{n}"], p[f"value{n}"]) for n in range(3)] == [
        ("obs_channelid", "=", "171"),
        ("frm_name", "like", "%Schrijver%"),
        ("event_importance", ">=", "0.4"),
    ]
    assert "param3" not in p


def test_channel_as_quantity() -> None:
    assert HekQuery("2010-06-01", "2010-07-01", channel=304 * u.AA).channel == "304"
    assert HekQuery("2010-06-01", "2010-07-01", channel=30.4 * u.nm).channel == "304"
    with pytest.raises(HekQueryError, match="wavelength"):
        HekQuery("2010-06-01", "2010-07-01", channel=3 * u.s)


def test_default_box_covers_disk_and_far_off_limb() -> None:
    p = HekQuery("2010-06-01", "2010-07-01").params()
    x1, y1, x2, y2 = (float(p[k]) for k in ("x1", "y1", "x2", "y2"))
    assert x1 < -1200 and y1 < -1200 and x2 > 1200 and y2 > 1200
    assert (x1, y1, x2, y2) == DEFAULT_BOX


def test_box_corners_in_any_order_are_normalised() -> None:
    q = HekQuery("2010-06-01", "2010-07-01", box=(900, 300.5, -900, -300))
    assert q.box == (-900.0, -300.0, 900.0, 300.5)
    p = q.params()
    assert (p["x1"], p["y1"], p["x2"], p["y2"]) == ("-900", "-300", "900", "300.5")


@pytest.mark.parametrize("box", [(0, 0, 0, 10), (1, 2, 3), ("a", 0, 1, 1), (0, 0, float("inf"), 1)])
def test_bad_boxes(box: tuple[float, ...]) -> None:
    with pytest.raises(HekQueryError):
        HekQuery("2010-06-01", "2010-07-01", box=box)


def test_event_types() -> None:
    assert HekQuery("2010-06-01", "2010-07-01", event_types="CJ, fl").params()["event_type"] == "cj,fl"
    assert HekQuery("2010-06-01", "2010-07-01", event_types=["**"]).event_types == ("**",)
    for bad in ("jet", "", "c1", []):
        with pytest.raises(HekQueryError):
            HekQuery("2010-06-01", "2010-07-01", event_types=bad)


def test_operators_are_checked() -> None:
    assert HekQuery("2010-06-01", "2010-07-01", filters=[("a", "==", 1)]).filters[0].op == "="
    assert HekQuery("2010-06-01", "2010-07-01", filters=[("a", "LIKE", "x%")]).filters[0].op == "like"
    with pytest.raises(HekQueryError, match="unknown operator"):
        HekQuery("2010-06-01", "2010-07-01", filters=[("a", "~", 1)])
    with pytest.raises(HekQueryError, match="parameter name"):
        HekQuery("2010-06-01", "2010-07-01", filters=[("a&b=c", "=", 1)])
    with pytest.raises(HekQueryError, match="param, op, value"):
        HekQuery("2010-06-01", "2010-07-01", filters=[("a", "=")])  # type: ignore[list-item]


def test_return_fields_always_include_what_parsing_needs() -> None:
    q = HekQuery("2010-06-01", "2010-07-01", fields="hpc_x,hpc_y")
    fields = q.params()["return"].split(",")
    assert fields[:2] == ["hpc_x", "hpc_y"]
    assert set(REQUIRED_FIELDS) <= set(fields)
    assert "return" not in HekQuery("2010-06-01", "2010-07-01").params()


@pytest.mark.parametrize(
    "value",
    [
        "2010-06-01T12:30:00",
        "2010-06-01 12:30:00",
        "2010-06-01T12:30:00Z",
        "2010-06-01T14:30:00+02:00",
        "2010/06/01 12:30:00",
        datetime(2010, 6, 1, 12, 30),
        datetime(2010, 6, 1, 12, 30, tzinfo=UTC),
        datetime(2010, 6, 1, 7, 30, tzinfo=timezone(timedelta(hours=-5))),
        Time("2010-06-01T12:30:00", scale="utc"),
        Time(55348.520833333333, format="mjd", scale="utc"),
    ],
)
def test_times_at_the_boundary_become_utc_datetimes(value: object) -> None:
    got = as_utc(value)
    assert got.tzinfo is UTC or got.utcoffset() == timedelta(0)
    assert abs(got - datetime(2010, 6, 1, 12, 30, tzinfo=UTC)) < timedelta(milliseconds=1)


def test_dates_and_bad_times() -> None:
    assert as_utc(date(2010, 6, 1)) == T0
    for bad in ("not a time", "2010-13-45", Time(["2010-01-01", "2011-01-01"])):
        with pytest.raises(HekQueryError):
            as_utc(bad)


def test_end_must_follow_start() -> None:
    with pytest.raises(HekQueryError, match="after the start"):
        HekQuery("2010-07-01", "2010-06-01")
    with pytest.raises(HekQueryError):
        HekQuery("2010-06-01", "2010-06-01")


def test_sub_second_range_is_widened_outwards() -> None:
    p = HekQuery("2010-06-01T10:00:00.900", "2010-06-01T11:00:00.100").params()
    assert (p["event_starttime"], p["event_endtime"]) == ("2010-06-01T10:00:00", "2010-06-01T11:00:01")


def test_fingerprint_ignores_time_range_only() -> None:
    base = HekQuery("2010-06-01", "2010-07-01", channel=304, filters=[("a", "=", 1), ("b", ">", 2)])
    same = HekQuery(Time("2015-01-01"), "2016-01-01", channel="304", filters=[("b", ">", 2), ("a", "=", 1)])
    assert base.fingerprint == same.fingerprint
    assert len(base.fingerprint) == 16
    others = [
        HekQuery("2010-06-01", "2010-07-01", channel=171, filters=[("a", "=", 1), ("b", ">", 2)]),
        HekQuery("2010-06-01", "2010-07-01", channel=304, filters=[("a", "=", 1)]),
        HekQuery(
            "2010-06-01", "2010-07-01", channel=304, filters=[("a", "=", 1), ("b", ">", 2)], event_types="fl"
        ),
        HekQuery(
            "2010-06-01", "2010-07-01", channel=304, filters=[("a", "=", 1), ("b", ">", 2)], box=(0, 0, 1, 1)
        ),
        HekQuery(
            "2010-06-01", "2010-07-01", channel=304, filters=[("a", "=", 1), ("b", ">", 2)], fields="hpc_x"
        ),
    ]
    assert len({q.fingerprint for q in others} | {base.fingerprint}) == len(others) + 1


def test_windows_tile_the_range() -> None:
    q = HekQuery("2010-06-01", "2020-06-01")
    windows = q.windows(timedelta(days=30))
    assert windows[0].start == q.start and windows[-1].end == q.end
    assert all(a.end == b.start for a, b in itertools.pairwise(windows))
    assert all(w.fingerprint == q.fingerprint for w in windows)
    assert q.windows() == [q]
    assert len(q.windows(days=366)) == 10  # 3653 days


@settings(deadline=None)
@given(
    start=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2030, 1, 1)),
    length=st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=4000)),
    size=st.timedeltas(min_value=timedelta(days=1), max_value=timedelta(days=400)),
)
def test_split_range_properties(start: datetime, length: timedelta, size: timedelta) -> None:
    lo = start.replace(tzinfo=UTC)
    hi = lo + length
    windows = split_range(lo, hi, size)
    assert windows[0][0] == lo and windows[-1][1] == hi
    assert all(a < b and b - a <= size for a, b in windows)
    assert all(w1[1] == w2[0] for w1, w2 in itertools.pairwise(windows))


def test_bad_windows() -> None:
    with pytest.raises(HekQueryError):
        split_range(T0, T0 + timedelta(days=1), timedelta(0))
    with pytest.raises(HekQueryError):
        HekQuery("2010-06-01", "2010-07-01").params(page=0)
    with pytest.raises(HekQueryError):
        HekQuery("2010-06-01", "2010-07-01").params(result_limit=0)
