"""Synthetic jet reports: determinism, window union, laziness, realistic fields and quirks."""

from __future__ import annotations

import math
import re
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jet_sandbox.hek_catalog import HekCatalog
from jet_sandbox.hek_data import RECORDED_SPAN
from jet_sandbox.hek_query import to_utc
from jet_sandbox.hek_synthetic import (
    CHANNELS,
    MAX_DURATION,
    jets_on_day,
    sun_geometry,
    synthetic_events,
    synthetic_jets,
)


@pytest.fixture(scope="module")
def decade() -> list[dict[str, Any]]:
    return synthetic_events("2011-01-01", "2021-01-01", seed=0)


def test_same_seed_same_events_other_seed_other_events() -> None:
    first = synthetic_events("2013-05-01", "2013-08-01", seed=4)
    assert first == synthetic_events("2013-05-01", "2013-08-01", seed=4)
    other = synthetic_events("2013-05-01", "2013-08-01", seed=5)
    assert {e["kb_archivid"] for e in first} != {e["kb_archivid"] for e in other}


def test_reports_are_fresh_copies() -> None:
    jet = next(synthetic_jets("2013-05-01", "2013-08-01"))
    reports = jet.reports()
    reports[0]["refs"].clear()
    reports[0]["hpc_x"] = "changed"
    assert jet.reports()[0]["refs"] and jet.reports()[0]["hpc_x"] == jet.hpc_x


moments = st.datetimes(datetime(2009, 1, 1), datetime(2025, 1, 1)).map(lambda d: d.replace(tzinfo=UTC))


@settings(max_examples=40, deadline=None)
@given(moments, st.timedeltas(timedelta(0), timedelta(days=60)), st.floats(0, 1), st.integers(0, 3))
def test_a_window_is_the_union_of_its_sub_windows(
    start: datetime, span: timedelta, cut: float, seed: int
) -> None:
    catalog = HekCatalog(seed=seed)
    end = start + span
    middle = start + span * cut
    whole = catalog.expected(start, end)
    assert whole == catalog.expected(start, middle) | catalog.expected(middle, end)
    # and every event of the window overlaps it
    for event in synthetic_events(start, end, seed=seed):
        assert to_utc(event["event_starttime"]) <= end and to_utc(event["event_endtime"]) >= start


def test_ten_years_are_answered_lazily_and_add_up() -> None:
    catalog = HekCatalog(seed=0)
    started = time.monotonic()
    decade = catalog.expected("2010-01-01", "2020-01-01")
    assert time.monotonic() - started < 5
    years = set().union(*(catalog.expected(f"{y}-01-01", f"{y + 1}-01-01") for y in range(2010, 2020)))
    assert decade == years
    assert 2000 < len(decade) < 4000  # about 3 jets a week, 1.8 reports each


def test_kb_archivid_is_unique_and_sol_standard_is_shared_per_jet(decade: list[dict[str, Any]]) -> None:
    ids = [e["kb_archivid"] for e in decade]
    assert len(ids) == len(set(ids))
    assert all(
        re.fullmatch(r"ivo://helio-informatics\.org/CJ(171|193|211|304)_[A-Za-z]+_\d{8}_\d{6}", i)
        for i in ids
    )
    by_sol: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in decade:
        by_sol[event["SOL_standard"]].append(event)
    sizes = {len(reports) for reports in by_sol.values()}
    assert sizes == {1, 2, 3}
    for reports in by_sol.values():
        channels = [int(r["obs_channelid"]) for r in reports]
        assert len(set(channels)) == len(channels) and set(channels) <= set(CHANNELS)
        assert len({(r["event_starttime"], r["event_endtime"], r["hpc_x"], r["hpc_y"]) for r in reports}) == 1


def test_fields_look_like_the_recording(decade: list[dict[str, Any]], recorded: list[dict[str, Any]]) -> None:
    keys = list(recorded[0])
    assert all(list(e) == keys for e in decade)
    assert {e["event_type"] for e in decade} == {"CJ"}
    durations = [to_utc(e["event_endtime"]) - to_utc(e["event_starttime"]) for e in decade]
    assert min(durations) >= timedelta(minutes=5) and max(durations) <= MAX_DURATION
    assert {type(e["obs_channelid"]) for e in decade} == {str, int}
    assert {type(e["hpc_x"]) for e in decade} == {int, float}
    swapped = sum(e["boundbox_c2ll"] > e["boundbox_c2ur"] for e in decade)
    assert 0.6 < swapped / len(decade) < 0.95
    assert any(abs(e["hpc_x"]) > 1200 or abs(e["hpc_y"]) > 1200 for e in decade)
    assert any(e["event_peaktime"] == "" for e in decade) and any(e["event_peaktime"] is None for e in decade)
    assert any(e["ar_noaaclass"] == "" for e in decade) and any(e["ar_noaaclass"] is None for e in decade)
    assert all(isinstance(e["hpc_radius"], str) and float(e["hpc_radius"]) > 0 for e in decade)


def test_geometry_is_consistent(decade: list[dict[str, Any]]) -> None:
    for event in decade[::7]:
        x, y = float(event["hpc_x"]), float(event["hpc_y"])
        assert tuple(map(float, event["hpc_coord"][6:-1].split())) == (x, y)
        corners = [tuple(map(float, p.split())) for p in event["hpc_bbox"][9:-2].split(",")]
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        assert min(xs) <= x <= max(xs) and min(ys) <= y <= max(ys)
        assert {event["boundbox_c1ll"], event["boundbox_c1ur"]} == {min(xs), max(xs)}
        assert {event["boundbox_c2ll"], event["boundbox_c2ur"]} == {min(ys), max(ys)}
        radius, _, l0 = sun_geometry(to_utc(event["event_starttime"]))
        assert math.isclose(float(event["hpc_radius"]), math.hypot(x, y), rel_tol=1e-9)
        assert math.isclose(event["hrc_r"], math.hypot(x, y) / radius, rel_tol=1e-9)
        assert (event["hgc_x"] - event["hgs_x"] - l0 + 180) % 360 - 180 == pytest.approx(0, abs=1e-5)
        assert event["hgc_y"] == event["hgs_y"]
        carrington = round(event["hgc_x"] % 360) % 360
        assert event["SOL_standard"].endswith(f"L{carrington:03d}C{round(90 - event['hgs_y']):03d}")


def test_no_synthetic_event_overlaps_the_recorded_month() -> None:
    catalog = HekCatalog(seed=0)
    june = catalog.expected(*RECORDED_SPAN)
    assert len(june) == 16 and all(
        "Schrijver" in i or "Seguin" in i or "Dalda" in i or "Berger" in i for i in june
    )
    assert len(catalog.expected("2010-05-01", "2010-06-01")) > 0  # but around it there are
    assert len(HekCatalog([], seed=0).expected(*RECORDED_SPAN)) > 0  # and without a recording too


def test_days_are_independent_and_rate_scales() -> None:
    assert jets_on_day(0, 15000) == jets_on_day(0, 15000)
    few = sum(len(jets_on_day(1, d, 1.0)) for d in range(15000, 15700))
    many = sum(len(jets_on_day(1, d, 20.0)) for d in range(15000, 15700))
    assert 50 < few < 150 and 1700 < many < 2300
