"""HekClient over real HTTP against the HEK replica (jet_sandbox.hek.HekServer), with faults."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hek_client import (
    DEFAULT_BOX,
    AsyncHekClient,
    HekClient,
    HekQuery,
    HekRejected,
    HekUnavailable,
    RetryPolicy,
    search_and_save,
)
from jet_store import HekEvent, HekSearch, Store

hek = pytest.importorskip("jet_sandbox.hek")
faults = pytest.importorskip("jet_sandbox.faults")
HekServer = hek.HekServer
Fault = faults.Fault
FaultPlan = faults.FaultPlan

TEN_YEARS = ("2010-06-01", "2020-06-01")

# every kind of fault the client must survive, several times over a ten-year search;
# `empty` is left out on purpose: an empty answer that should not be empty is undetectable
FAULTS = [
    Fault.status(503, every=13),
    Fault.status(500, every=31),
    Fault.retry_after(429, seconds=0.01, every=17),
    Fault.html(every=19),
    Fault.reset(every=23),
    Fault.truncate(keep=0.4, every=29),
    Fault.delay(1.5, times=2, after=10),  # a hang: cut by the client's read timeout
    Fault.bad_utf8(every=5),
    Fault.mixed_keys(every=3),
]
# about 30 % of requests fail; with 10 attempts a page fails for good with p ~ 0.3**10 = 6e-6


FAULT_TOLERANT: dict[str, Any] = {
    "timeout": httpx.Timeout(0.5, connect=2.0),  # the replica answers in ms; a 2 s delay is a hang
    "retry": RetryPolicy(attempts=10, base_delay=0.002, max_delay=0.01, max_retry_after=0.05),
    "page_size": 25,  # several pages per window
    "window": timedelta(days=90),
    "concurrency": 6,
}


def fault_tolerant_client(url: str) -> HekClient:
    return HekClient(url, **FAULT_TOLERANT)


def applied_faults(srv: object) -> set[str]:
    return {label.split(":")[0] for r in srv.requests for label in r.faults}  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def faulty_server() -> Iterator[object]:
    with HekServer(seed=0, faults=FaultPlan(FAULTS, seed=1)) as srv:
        yield srv


def test_ten_years_with_faults_gives_exactly_the_replica_set_then_a_rerun_adds_nothing(
    faulty_server: object, tmp_path: Path
) -> None:
    srv = faulty_server
    query = HekQuery(*TEN_YEARS)
    expected = srv.expected(*TEN_YEARS, event_types="cj", box=DEFAULT_BOX)  # type: ignore[attr-defined]
    assert len(expected) > 2000

    store = Store(f"sqlite:///{tmp_path / 'x.db'}")
    with fault_tolerant_client(srv.url) as client:  # type: ignore[attr-defined]
        first = search_and_save(client, store, query, progress=False)
        stored = [ev.kb_archivid for ev in store.filter(HekEvent)]
        assert set(stored) == expected
        assert len(stored) == len(set(stored)) == first.found == first.new == len(expected)
        assert first.windows_fetched == 41 and first.windows_skipped == 0 and first.skipped == 0
        assert first.pages > 41  # windows were paged

        # every kind of fault happened (a hung request is logged when the replica gives up on it)
        kinds = {"503", "500", "429", "html", "reset", "truncate", "delay", "bad_utf8", "mixed_keys"}
        deadline = time.monotonic() + 10
        while not kinds <= (applied := applied_faults(srv)) and time.monotonic() < deadline:
            time.sleep(0.05)  # polling the replica's log, with a deadline
        assert kinds <= applied

        # each window recorded as a complete search with its counts
        searches = store.filter(HekSearch, order_by="start_time")
        assert len(searches) == 41 and all(s.complete for s in searches)
        assert sum(s.new for s in searches) == len(expected)
        assert searches[0].start_time == query.start and searches[-1].end_time == query.end
        assert all(s.fingerprint == query.fingerprint and s.base_url == client.base_url for s in searches)

        # the same search again: every window is covered, no request, nothing added
        srv.clear_requests()  # type: ignore[attr-defined]
        second = search_and_save(client, store, query, progress=False)
        assert (second.found, second.new, second.windows_fetched, second.windows_skipped) == (0, 0, 0, 41)
        assert srv.requests == []  # type: ignore[attr-defined]
        assert store.count(HekEvent) == len(expected)

        # a refresh asks again and still adds nothing (rows that the data faults altered this
        # time, or the last, count as updated: the store keeps the latest version of each)
        third = search_and_save(client, store, query, refresh=True, progress=False)
        assert (third.found, third.new, third.windows_fetched) == (len(expected), 0, 41)
        assert third.updated + third.unchanged >= len(expected)  # every event seen again (some in 2 windows)
        assert store.count(HekEvent) == len(expected) and store.count(HekSearch) == 41


def test_ten_years_async_with_faults(faulty_server: object) -> None:
    srv = faulty_server
    expected = srv.expected(*TEN_YEARS, event_types="cj", box=DEFAULT_BOX)  # type: ignore[attr-defined]

    async def main() -> list[HekEvent]:
        async with AsyncHekClient(srv.url, **FAULT_TOLERANT) as client:  # type: ignore[attr-defined]
            return (await client.search(HekQuery(*TEN_YEARS), progress=False)).events

    events = asyncio.run(main())
    ids = [ev.kb_archivid for ev in events]
    assert set(ids) == expected and len(ids) == len(expected)


def test_real_answer_served_over_http(her_cj_rows: list[dict[str, object]]) -> None:
    with HekServer(synthetic=False) as srv, HekClient(srv.url, window=None) as client:
        result = client.search(HekQuery("2010-06-01", "2010-07-01"), progress=False)
    assert len(result) == 16 and len({ev.sol_standard for ev in result}) == 8
    assert {ev.channel for ev in result} == {"171", "193", "211", "304"}
    assert {ev.kb_archivid: ev.raw for ev in result} == {row["kb_archivid"]: row for row in her_cj_rows}


def test_channel_filter_is_honoured_by_the_replica() -> None:
    with HekServer(synthetic=False) as srv, HekClient(srv.url) as client:
        result = client.search(HekQuery("2010-06-01", "2010-07-01", channel=304), progress=False)
        sent = srv.requests[0].params
    assert (sent["param0"], sent["op0"], sent["value0"]) == ("obs_channelid", "=", "304")
    assert len(result) == 6 and {ev.channel for ev in result} == {"304"}
    assert result.kb_archivids == srv.expected(
        "2010-06-01", "2010-07-01", filters=[("obs_channelid", "=", "304")]
    )


def test_box_and_filters_over_http() -> None:
    query = HekQuery(
        "2010-06-01", "2010-07-01", box=(0, -1200, 1200, 1200), filters=[("frm_name", "=", "schryver")]
    )
    with HekServer(synthetic=False) as srv, HekClient(srv.url) as client:
        result = client.search(query, progress=False)
        expected = srv.expected(
            "2010-06-01", "2010-07-01", box=(0, -1200, 1200, 1200), filters=[("frm_name", "=", "schryver")]
        )
    assert result.kb_archivids == expected and 0 < len(result) < 16


def test_latin1_bytes_in_the_answer_are_decoded() -> None:
    with HekServer(synthetic=False, faults=[Fault.bad_utf8(every=1)]) as srv, HekClient(srv.url) as client:
        result = client.search(HekQuery("2010-06-01", "2010-07-01"), progress=False)
    assert len(result) == 16 and not result.skipped
    assert any("Lemaître" in (ev.description or "") for ev in result)


def test_permanent_html_outage_is_a_clear_error() -> None:
    policy = RetryPolicy(attempts=5, base_delay=0.001, max_delay=0.002)
    with (
        HekServer(synthetic=False, faults=[Fault.html(every=1)]) as srv,
        HekClient(srv.url, retry=policy) as client,
    ):
        with pytest.raises(HekUnavailable) as info:
            client.search(HekQuery("2010-06-01", "2010-07-01"), progress=False)
        assert len(srv.requests) == 5
    assert str(info.value).startswith("HEK answered HTML instead of JSON 5 times")
    assert "the service may be down, try later" in str(info.value)


def test_hang_is_cut_by_the_timeout_and_retried() -> None:
    policy = RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.002)
    plan = [Fault.delay(3.0, times=2)]
    with (
        HekServer(synthetic=False, faults=plan) as srv,
        HekClient(srv.url, retry=policy, timeout=0.3) as client,
    ):
        result = client.search(HekQuery("2010-06-01", "2010-07-01"), progress=False)
        # the two hung requests are logged when the replica gives up on them (after 3 s)
        logged = srv.wait_for_requests(3, timeout=10)
    assert len(result) == 16
    assert len(logged) == 3  # two hangs cut by the timeout, then the answer: no more, no fewer
    assert sorted(label.split(":")[0] for r in logged for label in r.faults) == ["delay", "delay"]


def test_bad_query_is_rejected_without_retry() -> None:
    with HekServer(synthetic=False) as srv, HekClient(srv.url + "x") as client:
        with pytest.raises(HekRejected) as info:
            client.search(HekQuery("2010-06-01", "2010-07-01"), progress=False)
        assert len(srv.requests) == 1
    assert info.value.status_code == 404


def test_nobody_listening_is_unavailable() -> None:
    with HekServer(synthetic=False) as srv:
        url = srv.url
    policy = RetryPolicy(attempts=2, base_delay=0.001, max_delay=0.002)
    with pytest.raises(HekUnavailable, match="connection failed"):
        HekClient(url, retry=policy, timeout=2).search(HekQuery("2010-06-01", "2010-07-01"), progress=False)
