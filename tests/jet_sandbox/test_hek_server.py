"""The HEK replica over real HTTP: recorded data, query semantics, paging, data faults, concurrency."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jet_sandbox.faults import Fault, FaultPlan
from jet_sandbox.hek import HekServer
from jet_sandbox.hek_data import recorded_bytes

Params = Callable[..., dict[str, Any]]


def all_pages(fetch: Any, url: str, params: dict[str, Any], limit: int) -> tuple[list[str], list[bool]]:
    """Every page of a query: the ids in order, and the overmax flags."""
    ids: list[str] = []
    flags: list[bool] = []
    for page in range(1, 10_000):
        doc = fetch(url, {**params, "result_limit": limit, "page": page}).json()
        ids += [e["kb_archivid"] for e in doc["result"]]
        flags.append(doc["overmax"])
        if not doc["overmax"]:
            return ids, flags
    raise AssertionError("overmax never became false")


def test_package_data_is_the_recording(recorded_file: Path) -> None:
    assert recorded_bytes() == recorded_file.read_bytes()


def test_recorded_events_are_served_faithfully(
    hek: HekServer, fetch: Any, june_params: dict[str, Any], recorded: list[dict[str, Any]]
) -> None:
    reply = fetch(hek.url, june_params)
    assert reply.status == 200 and reply.headers["content-type"].startswith("application/json")
    doc = reply.json()
    assert set(doc) == {"result", "overmax", "association"}
    assert doc["overmax"] is False and doc["association"] == []
    served = {e["kb_archivid"]: e for e in doc["result"]}
    assert len(doc["result"]) == len(served) == 16
    for event in recorded:
        assert list(served[event["kb_archivid"]].items()) == list(event.items())  # same keys, order, values
        assert json.dumps(served[event["kb_archivid"]]) == json.dumps(event)  # same JSON types too


def test_answers_are_sorted_by_start_then_id(hek: HekServer, fetch: Any, june_params: dict[str, Any]) -> None:
    result = fetch(hek.url, june_params).json()["result"]
    keys = [(e["event_starttime"], e["kb_archivid"]) for e in result]
    assert keys == sorted(keys)


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        ("2010-06-04T10:00:00", "2010-06-04T10:01:00", 1),  # inside the 09:21-13:42 event
        ("2010-06-04T13:42:11", "2010-06-04T14:00:00", 1),  # touching its end
        ("2010-06-04T08:00:00", "2010-06-04T09:21:47", 1),  # touching its start
        ("2010-06-04T13:42:12", "2010-06-05T00:00:00", 0),
        ("2010-06-20T00:00:00", "2010-06-23T17:00:00", 7),  # 3 + 1 + 3 reports
    ],
)
def test_events_overlapping_the_window_match(
    hek: HekServer, fetch: Any, hek_params: Params, start: str, end: str, count: int
) -> None:
    ids = fetch(hek.url, hek_params(start, end)).ids
    assert len(ids) == count and set(ids) == hek.expected(start, end)


def test_box_selects_events_by_their_hpc_point(
    hek: HekServer, fetch: Any, hek_params: Params, recorded: list[dict[str, Any]]
) -> None:
    box = {"event_coordsys": "helioprojective", "x1": 0, "y1": -1200, "x2": 1200, "y2": 1200}
    west = fetch(hek.url, hek_params("2010-06-01T00:00:00", "2010-07-01T00:00:00", **box)).ids
    assert set(west) == {e["kb_archivid"] for e in recorded if e["hpc_x"] >= 0} and len(west) == 7
    flipped = {**box, "x1": 1200, "x2": 0}
    assert fetch(hek.url, hek_params("2010-06-01T00:00:00", "2010-07-01T00:00:00", **flipped)).ids == west
    assert set(west) == hek.expected("2010-06-01", "2010-07-01", box=(0, -1200, 1200, 1200))


@pytest.mark.parametrize(
    ("event_type", "count"), [("cj", 16), ("CJ", 16), ("fl", 0), ("fl,cj", 16), ("**", 16)]
)
def test_event_type(hek: HekServer, fetch: Any, hek_params: Params, event_type: str, count: int) -> None:
    params = hek_params("2010-06-01T00:00:00", "2010-07-01T00:00:00", event_type=event_type)
    assert len(fetch(hek.url, params).ids) == count


def test_channel_filter_selects_only_304(
    hek: HekServer, fetch: Any, june_params: dict[str, Any], recorded: list[dict[str, Any]]
) -> None:
    params = {**june_params, "param0": "obs_channelid", "op0": "=", "value0": "304"}
    result = fetch(hek.url, params).json()["result"]
    assert {e["kb_archivid"] for e in result} == {
        e["kb_archivid"] for e in recorded if e["obs_channelid"] == "304"
    }
    assert len(result) == 6 and {e["obs_channelid"] for e in result} == {"304"}


def test_bare_parameters_are_ignored(hek: HekServer, fetch: Any, june_params: dict[str, Any]) -> None:
    assert "obs_channelid" in june_params  # the recorded query's mistake
    result = fetch(hek.url, {**june_params, "frm_name": "seguin", "nonsense": "1"}).json()["result"]
    assert len(result) == 16 and {e["obs_channelid"] for e in result} == {"171", "193", "211", "304"}


def test_several_filters_and_operators(hek: HekServer, fetch: Any, june_params: dict[str, Any]) -> None:
    params = {
        **june_params,
        "param0": "obs_channelid",
        "op0": "=",
        "value0": "304",
        "param1": "frm_name",
        "op1": "like",
        "value1": "%guin",
    }
    assert len(fetch(hek.url, params).ids) == 3  # seguin's three 304 reports
    params = {**june_params, "param0": "hpc_x", "op0": "<", "value0": "-900"}
    ids = fetch(hek.url, params).ids
    assert len(ids) == 2 and set(ids) == hek.expected(
        "2010-06-01", "2010-07-01", filters=[("hpc_x", "<", "-900")]
    )


def test_return_limits_the_fields(hek: HekServer, fetch: Any, june_params: dict[str, Any]) -> None:
    result = fetch(hek.url, {**june_params, "return": "event_starttime,hpc_x,nonexistent"}).json()["result"]
    assert len(result) == 16 and all(set(e) == {"kb_archivid", "event_starttime", "hpc_x"} for e in result)


def test_pages_concatenate_to_one_big_page(hek: HekServer, fetch: Any, hek_params: Params) -> None:
    params = hek_params("2012-01-01T00:00:00", "2012-07-01T00:00:00")
    big = fetch(hek.url, {**params, "result_limit": 100_000})
    ids, flags = all_pages(fetch, hek.url, params, limit=7)
    assert ids == big.ids and len(ids) == len(set(ids)) > 50
    assert flags[:-1] == [True] * (len(flags) - 1) and flags[-1] is False
    assert set(ids) == hek.expected("2012-01-01", "2012-07-01", event_types="cj")
    after = fetch(hek.url, {**params, "result_limit": 7, "page": len(flags) + 1}).json()
    assert after == {"result": [], "overmax": False, "association": []}
    exact = fetch(hek.url, {**params, "result_limit": len(ids)}).json()
    assert exact["overmax"] is False and len(exact["result"]) == len(ids)


def test_default_page_size_is_100(hek: HekServer, fetch: Any, hek_params: Params) -> None:
    doc = fetch(hek.url, hek_params("2012-01-01T00:00:00", "2013-01-01T00:00:00")).json()
    assert len(doc["result"]) == 100 and doc["overmax"] is True


def test_max_limit_caps_the_page(fetch: Any, hek_params: Params) -> None:
    with HekServer(max_limit=10) as srv:
        doc = fetch(
            srv.url, hek_params("2012-01-01T00:00:00", "2013-01-01T00:00:00", result_limit=500)
        ).json()
    assert len(doc["result"]) == 10 and doc["overmax"] is True


def test_a_decade_pages_quickly(hek: HekServer, fetch: Any, hek_params: Params) -> None:
    started = time.monotonic()
    ids, _ = all_pages(fetch, hek.url, hek_params("2010-01-01T00:00:00", "2020-01-01T00:00:00"), limit=1000)
    assert time.monotonic() - started < 10
    assert set(ids) == hek.expected("2010-01-01", "2020-01-01") and len(ids) == len(set(ids))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.integers(0, 4 * 365),
    st.integers(0, 120),
    st.sampled_from([None, (-1000, -1000, 1000, 1000), (0, -1300, 1300, 1300)]),
    st.sampled_from([None, "304", "171"]),
)
def test_expected_agrees_with_what_is_served(
    hek: HekServer,
    fetch: Any,
    hek_params: Params,
    offset: int,
    days: int,
    box: tuple[int, int, int, int] | None,
    channel: str | None,
) -> None:
    start = datetime(2009, 1, 1) + timedelta(days=offset)
    end = start + timedelta(days=days)
    extra: dict[str, Any] = {}
    if box is not None:
        extra.update(event_coordsys="helioprojective", x1=box[0], y1=box[1], x2=box[2], y2=box[3])
    filters = []
    if channel is not None:
        extra.update(param0="obs_channelid", op0="=", value0=channel)
        filters.append(("obs_channelid", "=", channel))
    params = hek_params(f"{start:%Y-%m-%dT%H:%M:%S}", f"{end:%Y-%m-%dT%H:%M:%S}", **extra)
    ids, _ = all_pages(fetch, hek.url, params, limit=40)
    assert len(ids) == len(set(ids))
    assert set(ids) == hek.expected(start, end, event_types="cj", box=box, filters=filters)


@pytest.mark.parametrize(
    ("drop", "message"),
    [("cmd", b"cmd"), ("event_starttime", b"event_starttime"), ("event_type", b"event_type")],
)
def test_bad_queries_get_400_with_a_message(
    hek: HekServer, fetch: Any, june_params: dict[str, Any], drop: str, message: bytes
) -> None:
    reply = fetch(hek.url, {k: v for k, v in june_params.items() if k != drop})
    assert reply.status == 400 and reply.headers["content-type"].startswith("text/plain")
    assert message in reply.body
    reply = fetch(hek.url, {**june_params, "event_starttime": "yesterday"})
    assert reply.status == 400 and b"event_starttime" in reply.body


def test_post_gets_an_html_page(hek: HekServer, fetch: Any, june_params: dict[str, Any]) -> None:
    from urllib.parse import urlencode

    reply = fetch(hek.url, method="POST", body=urlencode(june_params).encode())
    assert reply.status == 200 and reply.headers["content-type"].startswith("text/html")
    assert b"<html>" in reply.body


def test_bad_utf8_is_a_latin1_byte_in_an_otherwise_valid_answer(
    fetch: Any, june_params: dict[str, Any]
) -> None:
    with HekServer(faults=["bad_utf8:1"]) as srv:
        bad = fetch(srv.url, june_params)
        good = fetch(srv.url, june_params)
    assert bad.status == 200 and b"Lema\xeetre" in bad.body
    with pytest.raises(UnicodeDecodeError):
        bad.body.decode("utf-8")
    doc = json.loads(bad.body.decode("utf-8", errors="replace"))
    assert [e["kb_archivid"] for e in doc["result"]] == good.ids
    assert json.loads(bad.body.decode("latin-1"))["result"][0]["event_description"].endswith("(Lemaître)")
    assert srv.requests[0].faults == ("bad_utf8:times=1",)


def test_mixed_keys_are_valid_rows_with_different_key_sets(fetch: Any, june_params: dict[str, Any]) -> None:
    with HekServer(faults=["mixed_keys:1"]) as srv:
        mixed = fetch(srv.url, june_params).json()["result"]
        plain = fetch(srv.url, june_params).json()["result"]
    assert [e["kb_archivid"] for e in mixed] == [e["kb_archivid"] for e in plain]
    key_sets = {frozenset(e) for e in mixed}
    assert len(key_sets) == 3 and len({frozenset(e) for e in plain}) == 1
    assert any(len(e) < 138 for e in mixed) and any(len(e) > 138 for e in mixed)
    for m, p in zip(mixed, plain, strict=True):
        assert all(m[k] == p[k] for k in set(m) & set(p))


def test_empty_answers_no_events(fetch: Any, june_params: dict[str, Any]) -> None:
    with HekServer(faults=[Fault.empty(times=1)]) as srv:
        assert fetch(srv.url, june_params).json() == {"result": [], "overmax": False, "association": []}
        assert len(fetch(srv.url, june_params).ids) == 16


def test_failures_and_success_in_sequence(fetch: Any, june_params: dict[str, Any]) -> None:
    plan = FaultPlan([Fault.status(503, times=2), Fault.retry_after(429, seconds=0.2), Fault.html(times=1)])
    with HekServer(faults=plan) as srv:
        replies = [fetch(srv.url, june_params) for _ in range(5)]
    assert [r.status for r in replies] == [503, 503, 429, 200, 200]
    assert replies[2].headers["retry-after"] == "0.2"
    assert replies[3].headers["content-type"].startswith("text/html")
    assert len(replies[4].ids) == 16
    assert [r.status for r in srv.requests] == [503, 503, 429, 200, 200]


def test_concurrent_clients_get_correct_answers_in_parallel(fetch: Any, hek_params: Params) -> None:
    years = list(range(2011, 2019))
    with HekServer(seed=1, latency=0.3) as srv:
        started = time.monotonic()
        with ThreadPoolExecutor(len(years)) as pool:
            answers = list(
                pool.map(
                    lambda y: (
                        fetch(
                            srv.url,
                            hek_params(f"{y}-01-01T00:00:00", f"{y}-03-01T00:00:00", result_limit=1000),
                        ).ids
                    ),
                    years,
                )
            )
        elapsed = time.monotonic() - started
        for year, ids in zip(years, answers, strict=True):
            assert set(ids) == srv.expected(f"{year}-01-01", f"{year}-03-01")
    assert elapsed < 0.3 * len(years) / 2  # served side by side, not one after the other
    assert len(srv.requests) == len(years)
