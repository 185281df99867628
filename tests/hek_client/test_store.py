"""search_and_save: idempotent saving, one HekSearch per window, skipping covered windows."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hek_client import (
    AsyncHekClient,
    HekClient,
    HekQuery,
    HekRejected,
    RetryPolicy,
    asearch_and_save,
    plan_windows,
    search_and_save,
)
from hek_client.store import search_key
from jet_store import HekEvent, HekSearch, Store

Row = Callable[..., dict[str, Any]]
Answer = Callable[..., httpx.Response]


class DailyHek:
    """A fake HEK with one event a day at noon, and a log of the windows asked."""

    def __init__(self, make_row: Row, make_answer: Answer, fail_on: str | None = None) -> None:
        self.make_row, self.make_answer, self.fail_on = make_row, make_answer, fail_on
        self.asked: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        from datetime import datetime

        start = datetime.fromisoformat(request.url.params["event_starttime"])
        end = datetime.fromisoformat(request.url.params["event_endtime"])
        with self.lock:
            self.asked.append(f"{start:%m-%d}/{end:%m-%d}")
        if self.fail_on and request.url.params["event_starttime"].startswith(self.fail_on):
            return httpx.Response(400, text="bad")
        rows = []
        day = start.replace(hour=12, minute=0, second=0)
        if day < start:
            day += timedelta(days=1)
        while day <= end:
            rows.append(
                self.make_row(
                    day.toordinal(), start=day.isoformat(), end=(day + timedelta(hours=1)).isoformat()
                )
            )
            day += timedelta(days=1)
        return self.make_answer(rows)


def hek_client(
    handler: Callable[[httpx.Request], httpx.Response], fast_retry: RetryPolicy, **kw: Any
) -> HekClient:
    kw.setdefault("window", timedelta(days=10))
    return HekClient(
        "http://hek.test/hek/her", transport=httpx.MockTransport(handler), retry=fast_retry, **kw
    )


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'x.db'}")


def test_first_run_saves_events_and_one_search_per_window(
    store: Store, make_row: Row, make_answer: Answer, fast_retry: RetryPolicy
) -> None:
    fake = DailyHek(make_row, make_answer)
    query = HekQuery("2010-06-01", "2010-07-01", channel=304)
    with hek_client(fake, fast_retry) as client:
        summary = search_and_save(client, store, query, progress=False)
    assert (summary.found, summary.new, summary.skipped) == (30, 30, 0)
    assert (summary.windows_fetched, summary.windows_skipped, summary.pages) == (3, 0, 3)
    assert summary.line() == "found 30, new 30, skipped 0 (windows: fetched 3, skipped 0)"
    assert store.count(HekEvent) == 30
    searches = store.filter(HekSearch, order_by="start_time")
    assert [(s.start_time.day, s.end_time.day) for s in searches] == [(1, 11), (11, 21), (21, 1)]
    first = searches[0]
    assert first.key == search_key(query.windows(timedelta(days=10))[0], client.base_url)
    assert (first.found, first.new, first.skipped, first.pages, first.complete) == (10, 10, 0, 1, True)
    assert first.params["param0"] == "obs_channelid" and first.params["value0"] == "304"
    assert first.params["result_limit"] == "500" and "page" not in first.params
    assert (
        first.started_at is not None
        and first.finished_at is not None
        and first.started_at <= first.finished_at
    )
    assert first.base_url == "http://hek.test/hek/her"


def test_second_run_skips_covered_windows_and_refresh_fetches_again(
    store: Store, make_row: Row, make_answer: Answer, fast_retry: RetryPolicy
) -> None:
    fake = DailyHek(make_row, make_answer)
    query = HekQuery("2010-06-01", "2010-07-01")
    with hek_client(fake, fast_retry) as client:
        search_and_save(client, store, query, progress=False)
        fake.asked.clear()
        again = search_and_save(client, store, query, progress=False)
        assert fake.asked == []
        assert again.line() == "found 0, new 0, skipped 0 (windows: fetched 0, skipped 3)"
        refreshed = search_and_save(client, store, query, refresh=True, progress=False)
    assert len(fake.asked) == 3
    assert (refreshed.found, refreshed.new, refreshed.updated, refreshed.unchanged) == (30, 0, 0, 30)
    assert store.count(HekEvent) == 30 and store.count(HekSearch) == 3


def test_coverage_is_the_union_of_earlier_searches(
    store: Store, make_row: Row, make_answer: Answer, fast_retry: RetryPolicy
) -> None:
    fake = DailyHek(make_row, make_answer)
    with hek_client(fake, fast_retry) as client:
        search_and_save(client, store, HekQuery("2010-06-01", "2010-06-15"), progress=False)
        search_and_save(client, store, HekQuery("2010-06-15", "2010-07-01"), progress=False)
        fake.asked.clear()
        # windows of another alignment, each covered by two earlier searches together
        summary = search_and_save(client, store, HekQuery("2010-06-03", "2010-06-28"), progress=False)
        assert fake.asked == [] and summary.windows_skipped == 3
        # a longer range: only the new part is asked
        summary = search_and_save(client, store, HekQuery("2010-06-21", "2010-07-11"), progress=False)
    assert fake.asked == ["07-01/07-11"] and (summary.windows_fetched, summary.windows_skipped) == (1, 1)


def test_other_query_or_service_is_not_covered(
    store: Store, make_row: Row, make_answer: Answer, fast_retry: RetryPolicy
) -> None:
    fake = DailyHek(make_row, make_answer)
    query = HekQuery("2010-06-01", "2010-06-11")
    with hek_client(fake, fast_retry) as client:
        search_and_save(client, store, query, progress=False)
        todo, done = plan_windows(client, store, HekQuery("2010-06-01", "2010-06-11", channel=171))
        assert (len(todo), len(done)) == (1, 0)
    other = HekClient("http://mirror.test/hek/her", window=timedelta(days=10))
    todo, done = plan_windows(other, store, query)
    assert (len(todo), len(done)) == (1, 0)


def test_a_failure_keeps_the_windows_already_saved_and_a_rerun_finishes(
    store: Store, make_row: Row, make_answer: Answer, fast_retry: RetryPolicy
) -> None:
    failing = DailyHek(make_row, make_answer, fail_on="2010-06-21")
    query = HekQuery("2010-06-01", "2010-07-01")
    with hek_client(failing, fast_retry, concurrency=1) as client, pytest.raises(HekRejected):
        search_and_save(client, store, query, progress=False)
    assert store.count(HekSearch) == 2 and store.count(HekEvent) == 20
    fixed = DailyHek(make_row, make_answer)
    with hek_client(fixed, fast_retry) as client:
        summary = search_and_save(client, store, query, progress=False)
    assert fixed.asked == ["06-21/07-01"]
    assert (summary.new, summary.windows_fetched, summary.windows_skipped) == (10, 1, 2)
    assert store.count(HekEvent) == 30


def test_malformed_rows_are_counted_in_the_search_record(
    store: Store, make_row: Row, make_answer: Answer, fast_retry: RetryPolicy
) -> None:
    rows = [make_row(1), {"event_type": "CJ"}, make_row(2, event_starttime="garbage")]
    with hek_client(lambda r: make_answer(rows), fast_retry, window=None) as client:
        summary = search_and_save(client, store, HekQuery("2010-06-01", "2010-06-02"), progress=False)
    assert (summary.found, summary.new, summary.skipped) == (1, 1, 2)
    assert len(summary.skip_reasons) == 2 and "no kb_archivid" in summary.skip_reasons[0]
    (search,) = store.filter(HekSearch)
    assert (search.found, search.skipped) == (1, 2)
    assert summary.to_dict()["skipped"] == 2


def test_async_search_and_save(
    store: Store, make_row: Row, make_answer: Answer, fast_retry: RetryPolicy
) -> None:
    fake = DailyHek(make_row, make_answer)
    query = HekQuery("2010-06-01", "2010-07-01")

    async def main() -> tuple[Any, Any]:
        transport = httpx.MockTransport(fake)
        async with AsyncHekClient(
            "http://hek.test/hek/her", transport=transport, retry=fast_retry, window=timedelta(days=10)
        ) as client:
            first = await asearch_and_save(client, store, query, progress=False)
            second = await asearch_and_save(client, store, query, progress=False)
        return first, second

    first, second = asyncio.run(main())
    assert (first.new, first.windows_fetched) == (30, 3)
    assert (second.new, second.windows_fetched, second.windows_skipped) == (0, 0, 3)
    assert store.count(HekEvent) == 30
