"""HekClient's paging, windows, retries and concurrency, against in-process httpx transports.

These pin the client's decisions exactly (which request, how often, in what order); the
replica tests in test_client.py check the same over real HTTP.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from hek_client import (
    AsyncHekClient,
    HekClient,
    HekQuery,
    HekRejected,
    HekUnavailable,
    RetryPolicy,
    TooManyPages,
)
from jet_store.retry import InvalidRetryPolicy, parse_retry_after

Row = Callable[..., dict[str, Any]]
Answer = Callable[..., httpx.Response]
QUERY = HekQuery("2010-06-01", "2010-06-02")


class Recorder:
    """A transport handler that records requests and answers from a script."""

    def __init__(self, script: Callable[[httpx.Request, int], httpx.Response]) -> None:
        self.script = script
        self.requests: list[httpx.Request] = []
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.requests.append(request)
            n = len(self.requests)
        return self.script(request, n)

    @property
    def pages(self) -> list[int]:
        return [int(r.url.params["page"]) for r in self.requests]


def client(
    handler: Callable[[httpx.Request], httpx.Response], retry: RetryPolicy, **kwargs: Any
) -> HekClient:
    kwargs.setdefault("window", None)
    return HekClient("http://hek.test/hek/her", transport=httpx.MockTransport(handler), retry=retry, **kwargs)


def aclient(
    handler: Callable[[httpx.Request], httpx.Response], retry: RetryPolicy, **kwargs: Any
) -> AsyncHekClient:
    kwargs.setdefault("window", None)
    return AsyncHekClient(
        "http://hek.test/hek/her", transport=httpx.MockTransport(handler), retry=retry, **kwargs
    )


def test_pages_while_overmax(make_row: Row, make_answer: Answer, fast_retry: RetryPolicy) -> None:
    def script(request: httpx.Request, n: int) -> httpx.Response:
        page = int(request.url.params["page"])
        return make_answer([make_row(page * 10 + i) for i in range(2)], overmax=page < 3)

    rec = Recorder(script)
    with client(rec, fast_retry, page_size=2) as hek:
        result = hek.search(QUERY, progress=False)
    assert rec.pages == [1, 2, 3]
    assert {r.url.params["result_limit"] for r in rec.requests} == {"2"}
    assert len(result) == 6 and result.pages == 3 and result.rows == 6 and result.windows == 1
    assert [ev.kb_archivid for ev in result] == sorted(ev.kb_archivid for ev in result)


def test_missing_overmax_means_more_only_after_a_full_page(
    make_row: Row, make_answer: Answer, fast_retry: RetryPolicy
) -> None:
    def script(request: httpx.Request, n: int) -> httpx.Response:
        page = int(request.url.params["page"])
        return make_answer([make_row(page * 10 + i) for i in range(3 if page < 3 else 1)], overmax=None)

    rec = Recorder(script)
    result = client(rec, fast_retry, page_size=3).search(QUERY, progress=False)
    assert rec.pages == [1, 2, 3] and len(result) == 7


def test_page_cap_raises_a_clear_error(make_row: Row, make_answer: Answer, fast_retry: RetryPolicy) -> None:
    rec = Recorder(lambda request, n: make_answer([make_row(n)], overmax=True))
    with pytest.raises(TooManyPages, match=r"more than 4 pages of 1 events; use shorter windows"):
        client(rec, fast_retry, page_size=1, max_pages=4).search(QUERY, progress=False)
    assert rec.pages == [1, 2, 3, 4]


def test_duplicates_across_pages_and_windows(
    make_row: Row, make_answer: Answer, fast_retry: RetryPolicy
) -> None:
    long_event = make_row(0, start="2010-06-01T23:00:00", end="2010-06-02T01:00:00")

    def script(request: httpx.Request, n: int) -> httpx.Response:
        page = int(request.url.params["page"])
        day = request.url.params["event_starttime"][:10]
        rows = [long_event, make_row(page + (100 if day == "2010-06-02" else 0))]
        return make_answer(rows, overmax=page < 2)

    rec = Recorder(script)
    query = HekQuery("2010-06-01", "2010-06-03")
    result = client(rec, fast_retry, window=timedelta(days=1)).search(query, progress=False)
    assert len(rec.requests) == 4
    assert sorted(r.url.params["event_starttime"] for r in rec.requests)[::2] == [
        "2010-06-01T00:00:00",
        "2010-06-02T00:00:00",
    ]
    assert result.rows == 8 and result.windows == 2
    assert len(result) == 5  # the long event once, four others
    assert result.duplicates == 3


def test_retries_5xx_then_succeeds(
    make_row: Row, make_answer: Answer, fast_retry: RetryPolicy, caplog: pytest.LogCaptureFixture
) -> None:
    def script(request: httpx.Request, n: int) -> httpx.Response:
        if n <= 2:
            return httpx.Response(503 if n == 1 else 500, text="<html>busy</html>")
        return make_answer([make_row(1)])

    rec = Recorder(script)
    with caplog.at_level("WARNING", logger="hek_client.base"):
        result = client(rec, fast_retry).search(QUERY, progress=False)
    assert len(result) == 1 and len(rec.requests) == 3
    assert "HTTP 503" in caplog.text and "retry 1/4" in caplog.text


def test_429_honours_retry_after(make_row: Row, make_answer: Answer) -> None:
    def script(request: httpx.Request, n: int) -> httpx.Response:
        if n == 1:
            return httpx.Response(429, headers={"Retry-After": "0.15"})
        return make_answer([make_row(1)])

    rec = Recorder(script)
    policy = RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.001, max_retry_after=5)
    started = time.perf_counter()
    client(rec, policy).search(QUERY, progress=False)
    assert time.perf_counter() - started >= 0.15
    assert len(rec.requests) == 2


def test_retry_after_is_capped(make_row: Row, make_answer: Answer) -> None:
    rec = Recorder(
        lambda r, n: (
            httpx.Response(429, headers={"Retry-After": "3600"}) if n == 1 else make_answer([make_row(1)])
        )
    )
    policy = RetryPolicy(attempts=2, base_delay=0.001, max_retry_after=0.01)
    started = time.perf_counter()
    client(rec, policy).search(QUERY, progress=False)
    assert time.perf_counter() - started < 2


def test_html_on_200_every_time_is_unavailable(fast_retry: RetryPolicy) -> None:
    page = "<!DOCTYPE html><html><head><title>HEK is down for maintenance</title></head></html>"
    rec = Recorder(lambda r, n: httpx.Response(200, text=page, headers={"Content-Type": "text/html"}))
    with pytest.raises(HekUnavailable) as info:
        client(rec, fast_retry).search(QUERY, progress=False)
    assert str(info.value).startswith("HEK answered HTML instead of JSON 5 times")
    assert str(info.value).endswith("the service may be down, try later")
    assert info.value.attempts == 5 and len(rec.requests) == 5
    assert "maintenance" in info.value.reasons[0]


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout("read timed out"),
        httpx.ConnectError("connection refused"),
        httpx.RemoteProtocolError("peer closed connection without sending complete message body"),
        httpx.ReadError("connection reset by peer"),
    ],
)
def test_transport_failures_are_retried(
    failure: Exception, make_row: Row, make_answer: Answer, fast_retry: RetryPolicy
) -> None:
    def script(request: httpx.Request, n: int) -> httpx.Response:
        if n <= 2:
            raise failure
        return make_answer([make_row(1)])

    rec = Recorder(script)
    assert len(client(rec, fast_retry).search(QUERY, progress=False)) == 1
    assert len(rec.requests) == 3


def test_persistent_timeouts_say_so(fast_retry: RetryPolicy) -> None:
    def script(request: httpx.Request, n: int) -> httpx.Response:
        raise httpx.ReadTimeout("slow")

    with pytest.raises(HekUnavailable, match=r"HEK failed 5 times \(timed out \(ReadTimeout\)\)"):
        client(Recorder(script), fast_retry).search(QUERY, progress=False)


def test_truncated_and_garbled_bodies_are_retried(
    make_row: Row, make_answer: Answer, fast_retry: RetryPolicy
) -> None:
    good = make_answer([make_row(1)]).content

    def script(request: httpx.Request, n: int) -> httpx.Response:
        return httpx.Response(
            200, content=good[: len(good) // 2] if n == 1 else b'{"error": 1}' if n == 2 else good
        )

    rec = Recorder(script)
    assert len(client(rec, fast_retry).search(QUERY, progress=False)) == 1
    assert len(rec.requests) == 3


def test_client_errors_are_not_retried(fast_retry: RetryPolicy) -> None:
    rec = Recorder(lambda r, n: httpx.Response(404, text="not found"))
    with pytest.raises(HekRejected, match="HTTP 404") as info:
        client(rec, fast_retry).search(QUERY, progress=False)
    assert info.value.status_code == 404 and len(rec.requests) == 1


def test_non_utf8_body(make_row: Row, fast_retry: RetryPolicy) -> None:
    body = httpx.Response(200, json={"result": [make_row(1, frm_name="XXXX")]}).content.replace(
        b"XXXX", b"Ren\xe9"
    )
    result = client(Recorder(lambda r, n: httpx.Response(200, content=body)), fast_retry).search(
        QUERY, progress=False
    )
    assert result.events[0].frm_name == "René"


def test_malformed_rows_are_counted_not_fatal(
    make_row: Row, make_answer: Answer, fast_retry: RetryPolicy
) -> None:
    rows = [make_row(1), {"event_type": "CJ"}, make_row(2, event_endtime="2010-05-01T00:00:00"), "junk"]
    result = client(Recorder(lambda r, n: make_answer(rows)), fast_retry).search(QUERY, progress=False)
    assert len(result) == 1 and len(result.skipped) == 3


def test_sync_windows_run_with_bounded_concurrency(
    make_row: Row, make_answer: Answer, fast_retry: RetryPolicy
) -> None:
    # every request waits at a barrier until `concurrency` requests are in flight together:
    # a client running fewer at once would break the barrier (timeout), more would exceed the max
    concurrency = 3
    barrier = threading.Barrier(concurrency, timeout=10)
    state = {"now": 0, "max": 0}
    lock = threading.Lock()

    def script(request: httpx.Request, n: int) -> httpx.Response:
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        barrier.wait()
        with lock:
            state["now"] -= 1
        return make_answer([make_row(n)])

    query = HekQuery("2010-06-01", "2010-06-10")
    hek = client(Recorder(script), fast_retry, window=timedelta(days=1), concurrency=concurrency)
    result = hek.search(query, progress=False)
    assert result.windows == 9 and len(result) == 9
    assert state["max"] == concurrency


def test_async_windows_run_with_bounded_concurrency(
    make_row: Row, make_answer: Answer, fast_retry: RetryPolicy
) -> None:
    concurrency = 3
    state = {"now": 0, "max": 0}

    async def handler(request: httpx.Request) -> httpx.Response:
        state["now"] += 1
        state["max"] = max(state["max"], state["now"])
        # let the other tasks run until as many requests as allowed are in flight
        for _ in range(1000):
            if state["now"] >= concurrency:
                break
            await asyncio.sleep(0)
        state["now"] -= 1
        return make_answer([make_row(int(request.url.params["event_starttime"][8:10]))])

    async def main() -> Any:
        async with AsyncHekClient(
            "http://hek.test/hek/her",
            transport=httpx.MockTransport(handler),
            retry=fast_retry,
            window=timedelta(days=1),
            concurrency=concurrency,
        ) as hek:
            return await hek.search(HekQuery("2010-06-01", "2010-06-10"), progress=False)

    result = asyncio.run(main())
    assert result.windows == 9 and len(result) == 9
    assert state["max"] == concurrency


def test_async_retries_and_paging(make_row: Row, make_answer: Answer, fast_retry: RetryPolicy) -> None:
    def script(request: httpx.Request, n: int) -> httpx.Response:
        if n % 2 == 1:
            return httpx.Response(200, text="<html>down</html>")
        page = int(request.url.params["page"])
        return make_answer([make_row(page)], overmax=page < 3)

    rec = Recorder(script)
    result = asyncio.run(aclient(rec, fast_retry).search(QUERY, progress=False))
    assert len(result) == 3 and rec.pages == [1, 1, 2, 2, 3, 3]


def test_async_failure_is_raised(fast_retry: RetryPolicy) -> None:
    rec = Recorder(lambda r, n: httpx.Response(503))
    with pytest.raises(HekUnavailable, match="HTTP 503"):
        asyncio.run(aclient(rec, fast_retry, window=timedelta(hours=6)).search(QUERY, progress=False))


def test_a_failing_window_stops_the_search(
    make_row: Row, make_answer: Answer, fast_retry: RetryPolicy
) -> None:
    def script(request: httpx.Request, n: int) -> httpx.Response:
        if request.url.params["event_starttime"].startswith("2010-06-03"):
            return httpx.Response(400, text="bad")
        return make_answer([make_row(n)])

    rec = Recorder(script)
    hek = client(rec, fast_retry, window=timedelta(days=1), concurrency=2)
    with pytest.raises(HekRejected):
        hek.search(HekQuery("2010-06-01", "2010-07-01"), progress=False)
    assert len(rec.requests) < 30  # the windows not yet started were cancelled


def test_bad_configuration() -> None:
    from hek_client import HekQueryError

    for kwargs in ({"page_size": 0}, {"concurrency": 0}, {"window": timedelta(0)}):
        with pytest.raises(HekQueryError):
            HekClient(**kwargs)
    for url in ("ftp://hek/her", "not a url", ""):
        with pytest.raises(HekQueryError):
            HekClient(url)
    with pytest.raises(InvalidRetryPolicy):
        RetryPolicy(attempts=0)


def test_retry_after_header() -> None:
    assert parse_retry_after("0.2") == 0.2
    assert parse_retry_after("-5") == 0.0
    assert parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT") == 0.0
    assert parse_retry_after("") is None
