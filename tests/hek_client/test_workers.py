"""The HEK stage shared between workers and over time: claims, recent windows, Ctrl-C, bounds.

Two ``hek search`` processes at once never fetch the same window (the replica's log
counts each window's requests); windows within HEK's reporting lag stay open; Ctrl-C
keeps the windows fetched; the sync and async clients refuse each other's transports.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from hek_client import (
    AsyncHekClient,
    HekClient,
    HekQuery,
    HekQueryError,
    SaveOptions,
    asearch_and_save,
    search_and_save,
)
from hek_client.query import as_utc
from jet_sandbox.hek import HekServer
from jet_store import HekEvent, HekSearch, Store

JUNE = ("2010-06-01", "2010-07-01")


def test_async_client_refuses_a_sync_only_transport() -> None:
    with pytest.raises(HekQueryError, match="needs an async transport"):
        AsyncHekClient(transport=httpx.HTTPTransport())
    with pytest.raises(HekQueryError, match="needs a synchronous transport"):
        HekClient(transport=httpx.AsyncHTTPTransport())


def test_async_client_sends_through_its_transport_only() -> None:
    with HekServer(synthetic=False) as srv:
        seen: list[str] = []
        inner = httpx.AsyncHTTPTransport()

        class Recording(httpx.AsyncBaseTransport):
            async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
                seen.append(str(request.url.host))
                return await inner.handle_async_request(request)

        async def main() -> int:
            async with AsyncHekClient(srv.url, transport=Recording()) as client:
                return len(await client.search(HekQuery(*JUNE), progress=False))

        assert asyncio.run(main()) == 16
    assert seen == ["127.0.0.1"]


def test_window_count_is_bounded_before_any_window_is_made() -> None:
    century = HekQuery("1950-01-01", "2050-01-01")
    with pytest.raises(HekQueryError, match="more than max_windows=10000"):
        HekClient(window=timedelta(seconds=1)).plan(century)
    assert len(HekClient(window=timedelta(days=30), max_windows=2000).plan(century)) == 1218


def test_times_at_the_edges_of_the_calendar() -> None:
    with pytest.raises(HekQueryError, match=r"must be at most 9999-12-31T23:59:59"):
        HekQuery("9999-12-31T23:59:59.5", "9999-12-31T23:59:59.9")
    with pytest.raises(HekQueryError, match=r"outside the years 1\.\.9999"):
        as_utc("0001-01-01T00:00:00+01:00")
    late = HekQuery("9999-10-01", "9999-12-31T23:59:59")
    assert [w.end.month for w in late.windows(timedelta(days=90))] == [12, 12]  # no overflow past the end


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "jets.db")


def _windows_requested(srv: HekServer) -> Counter[tuple[str, str, str]]:
    return Counter(
        (r.query["event_starttime"][0], r.query["event_endtime"][0], r.query["page"][0]) for r in srv.requests
    )


def test_windows_within_the_reporting_lag_stay_open(store: Store) -> None:
    now = datetime(2010, 7, 15, tzinfo=timezone.utc)  # 30 days of lag: settled up to 2010-06-15
    options = SaveOptions(now=now)
    with HekServer(synthetic=False) as srv, HekClient(srv.url, window=timedelta(days=10)) as client:
        first = search_and_save(client, store, HekQuery(*JUNE), progress=False, options=options)
        assert (first.windows_fetched, first.windows_open, first.new) == (3, 2, 16)
        assert "open 2" in first.line()
        assert [s.complete for s in store.filter(HekSearch, order_by="start_time")] == [True, False, False]
        srv.clear_requests()
        second = search_and_save(client, store, HekQuery(*JUNE), progress=False, options=options)
        assert (second.windows_fetched, second.windows_skipped, second.new) == (2, 1, 0)
        assert len(srv.requests) == 2  # only the open windows were asked again
        settled = SaveOptions(now=now + timedelta(days=30))
        third = search_and_save(client, store, HekQuery(*JUNE), progress=False, options=settled)
        assert (third.windows_fetched, third.windows_open) == (2, 0)
        srv.clear_requests()
        fourth = search_and_save(client, store, HekQuery(*JUNE), progress=False, options=settled)
        assert (fourth.windows_fetched, fourth.windows_skipped, len(srv.requests)) == (0, 3, 0)
    assert store.count(HekEvent) == 16


def test_a_search_up_to_now_is_not_marked_searched_for_good(store: Store) -> None:
    now = datetime.now(timezone.utc)
    with HekServer(seed=0) as srv, HekClient(srv.url, window=timedelta(days=90)) as client:
        query = HekQuery(now - timedelta(days=200), now)
        first = search_and_save(client, store, query, progress=False)
        assert (first.windows_fetched, first.windows_open) == (3, 2)  # those ending 20 days ago and now
        srv.clear_requests()
        again = search_and_save(client, store, query, progress=False)
    assert (again.windows_fetched, again.windows_skipped, len(srv.requests)) == (2, 1, 2)


def test_a_window_claimed_by_another_worker_is_left_to_it(store: Store) -> None:
    query = HekQuery(*JUNE)
    with HekServer(synthetic=False) as srv, HekClient(srv.url, window=timedelta(days=10)) as client:
        from hek_client.store import HEK_WINDOWS, search_key

        windows = client.plan(query)
        held = store.claim_keys(HEK_WINDOWS, [search_key(windows[1], client.base_url)], owner="other:1")
        assert len(held) == 1
        summary = search_and_save(client, store, query, progress=False)
        assert (summary.windows_fetched, summary.windows_busy) == (2, 1) and "busy 1" in summary.line()
        assert len(_windows_requested(srv)) == 2
        store.release(HEK_WINDOWS, held, owner="other:1")
        srv.clear_requests()
        rest = search_and_save(client, store, query, progress=False)
    assert (rest.windows_fetched, rest.windows_skipped, rest.windows_busy) == (1, 2, 0)
    assert store.claims(HEK_WINDOWS) == []  # released after the search


def test_async_search_claims_and_releases(store: Store) -> None:
    async def main(url: str) -> int:
        async with AsyncHekClient(url, window=timedelta(days=10)) as client:
            return (await asearch_and_save(client, store, HekQuery(*JUNE), progress=False)).windows_fetched

    with HekServer(synthetic=False) as srv:
        assert asyncio.run(main(srv.url)) == 3
    assert store.claims() == [] and store.count(HekSearch) == 3


def _hek_search(db: str, url: str, *extra: str) -> subprocess.Popen[str]:
    argv = ["hek", "search", "--start", "2010-06-01", "--end", "2011-06-01", "--window-days", "10", *extra]
    return subprocess.Popen(
        [sys.executable, "-m", "jet_hunter", "--db", db, *argv, "--url", url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "JET_HUNTER_CONFIG": os.devnull},
    )


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_searches_at_once_fetch_each_window_once(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db = str(tmp_path / "jets.db") if backend == "sqlite" else str(request.getfixturevalue("postgres_url"))
    Store(db).close()
    with HekServer(seed=0, latency=0.02) as srv:  # slow enough that the two overlap
        runs = [
            _hek_search(db, srv.url, "--concurrency", "2"),
            _hek_search(db, srv.url, "--concurrency", "2"),
        ]
        outs = [run.communicate(timeout=120) for run in runs]
        asked = _windows_requested(srv)
        expected = srv.expected("2010-06-01", "2011-06-01", event_types="cj")
    assert [run.returncode for run in runs] == [0, 0], outs
    assert len(asked) == 37 and set(asked.values()) == {1}  # 37 windows, each page asked exactly once
    store = Store(db)
    assert {ev.kb_archivid for ev in store.filter(HekEvent)} == expected
    assert store.count(HekSearch) == 37 and store.claims() == []
    store.close()


def test_ctrl_c_keeps_the_windows_fetched_and_does_not_wait_for_the_rest(tmp_path: Path) -> None:
    db = str(tmp_path / "jets.db")
    Store(db).close()
    with HekServer(synthetic=False, faults=["delay=15:every=1:after=4"]) as srv:  # then every request hangs
        run = _hek_search(db, srv.url, "--concurrency", "2")
        store = Store(db)
        deadline = time.monotonic() + 60
        while store.count(HekSearch) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)  # polling the store, with a deadline
        assert store.count(HekSearch) == 4
        run.send_signal(signal.SIGINT)
        _, err = run.communicate(timeout=10)  # the hung requests (15 s) are not waited for
    assert run.returncode == 130 and err == "jet-hunter: interrupted\n", err  # one line
    assert store.count(HekSearch) == 4 and store.claims() == []  # saved, and the claims released
    store.close()


class _InterruptedStore(Store):
    """A real store where Ctrl-C arrives while the second HEK window is being saved."""

    searches = 0

    def add(self, records: object, *, update: bool = True) -> object:  # type: ignore[override]
        items = list(records)  # type: ignore[call-overload]
        if items and isinstance(items[0], HekSearch):
            self.searches += 1
            if self.searches == 2:
                raise KeyboardInterrupt
        return super().add(items, update=update)


def test_ctrl_c_while_saving_a_window_saves_it_and_the_windows_completed(tmp_path: Path) -> None:
    store = _InterruptedStore(tmp_path / "jets.db")
    query = HekQuery(*JUNE)
    with (
        HekServer(synthetic=False) as srv,
        HekClient(srv.url, window=timedelta(days=5), concurrency=1) as client,
    ):
        with pytest.raises(KeyboardInterrupt):
            search_and_save(client, store, query, progress=False)
        saved = store.filter(HekSearch, order_by="start_time")
        # the window interrupted mid-save is saved again, and so is every window that had completed
        assert len(saved) >= 2 and saved[1].start_time == as_utc("2010-06-06")
        assert store.claims() == []
        rest = search_and_save(client, Store(tmp_path / "jets.db"), query, progress=False)
    assert rest.windows_fetched == 6 - len(saved) and rest.windows_skipped == len(saved)
