"""How to ask HEK: :class:`HekClient` (HTTP, paging, time windows, retries).

One search is split into time windows (``window``, 90 days by default), fetched with
at most ``concurrency`` windows in flight; each window is read page by page
(``result_limit`` and a 1-based ``page``) while HEK says ``overmax``; events are
deduplicated on ``kb_archivid`` across pages and windows. Every page request is
retried with jittered exponential backoff (tenacity) on timeouts, connection errors,
HTTP 5xx, 429 (honouring ``Retry-After``) and on answers that are not HEK JSON (the
HTML page HEK serves on 200 during outages, truncated bodies).

Design: the paging decisions (:class:`_Pager`), the classification of an answer
(:meth:`HekClient._read`), the retry policy and the parsing are written once, free of
I/O. Two thin drivers run them: the synchronous one with an :class:`httpx.Client`
and a thread pool of ``concurrency`` workers over windows (so ``search()`` works
anywhere, including inside a running event loop such as Jupyter's, and a synchronous
transport can be injected), the asynchronous one with an :class:`httpx.AsyncClient`
and an :class:`asyncio.Semaphore`. Both yield one :class:`WindowResult` per window
as windows complete, which is what :mod:`hek_client.store` saves.

Examples
--------
A client answered by an in-process transport (tests use real HTTP against
``jet_sandbox.hek.HekServer``):

>>> import json, httpx
>>> from hek_client import HekClient, HekQuery
>>> def answer(request):
...     page = int(request.url.params["page"])
...     rows = [{"kb_archivid": f"ivo://x/{page}", "event_type": "CJ",
...              "event_starttime": "2010-06-01T10:00:00", "event_endtime": "2010-06-01T10:20:00"}]
...     return httpx.Response(200, json={"result": rows, "overmax": page < 3})
>>> with HekClient(transport=httpx.MockTransport(answer)) as client:
...     result = client.search(HekQuery("2010-06-01", "2010-06-02"), progress=False)
>>> sorted(result.kb_archivids), result.pages
(['ivo://x/1', 'ivo://x/2', 'ivo://x/3'], 3)
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import AbstractAsyncContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
from jet_store import HekEvent
from jet_store.retry import RetryPolicy, Transient, parse_retry_after
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
)

from hek_client.errors import BadAnswer, HekQueryError, HekRejected, HekUnavailable, TooManyPages
from hek_client.parse import ParsedAnswer, parse_answer
from hek_client.query import HekQuery
from hek_client.result import HekResult

__all__ = [
    "HEK_URL",
    "HekClient",
    "RetryPolicy",
    "WindowResult",
    "DEFAULT_TIMEOUT",
    "DEFAULT_WINDOW",
    "DEFAULT_RETRY",
    "parse_retry_after",
]

log = logging.getLogger(__name__)

HEK_URL = "https://www.lmsal.com/hek/her"
"""The HEK search endpoint (GET only)."""

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
"""Per-request timeouts: 10 s to connect, 60 s for each read/write/pool wait."""

DEFAULT_WINDOW = timedelta(days=90)
"""Default length of one time window: sparse event types (coronal jets, about 25 reports a
month) fit one page per window, so windows are fetched in parallel; dense ones (flares)
page within each window."""


def _user_agent() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"hek-client/{version('hek-client')} (jet-hunter)"
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "hek-client (jet-hunter)"


DEFAULT_RETRY = RetryPolicy()
"""Retry policy of a client made without one: 5 attempts, backoff from 1 s up to 60 s."""


class _Transient(Transient):
    """One failed attempt that is worth retrying; ``kind`` names the failure for logs."""

    def __init__(self, reason: str, kind: str, retry_after: float | None = None) -> None:
        super().__init__(reason, retry_after)
        self.kind = kind


@dataclass
class WindowResult:
    """What one time window gave: its query, its events and when it was fetched."""

    window: HekQuery
    result: HekResult
    started_at: datetime
    finished_at: datetime


@dataclass
class _Counter:
    """Pages and events seen so far in one search, for the progress bar."""

    pages: int = 0
    events: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Pager:
    """The paging decisions for one window, without I/O.

    A driver asks :meth:`next_params` for the next page's parameters (None when the
    window is done), fetches them, and hands the parsed answer to :meth:`feed`.
    """

    def __init__(self, window: HekQuery, page_size: int, max_pages: int) -> None:
        self.window = window
        self.page_size = page_size
        self.max_pages = max_pages
        self.page = 0
        self.done = False
        self.events: dict[str, HekEvent] = {}
        self.skipped: list[str] = []
        self.rows = 0
        self.started_at = datetime.now(timezone.utc)

    def next_params(self) -> dict[str, str] | None:
        if self.done:
            return None
        if self.page >= self.max_pages:
            raise TooManyPages(
                f"the window {self.window.start:%Y-%m-%d %H:%M}..{self.window.end:%Y-%m-%d %H:%M} has more "
                f"than {self.max_pages} pages of {self.page_size} events; use shorter windows, larger pages "
                "or a larger max_pages"
            )
        self.page += 1
        return self.window.params(page=self.page, result_limit=self.page_size)

    def feed(self, answer: ParsedAnswer) -> None:
        self.rows += answer.rows
        self.skipped.extend(answer.skipped)
        for ev in answer.events:
            self.events.setdefault(ev.kb_archivid, ev)
        # HEK always says overmax; an answer that does not is read as "more if this page was full"
        more = answer.rows >= self.page_size if answer.overmax is None else answer.overmax
        if more and answer.rows == 0:
            log.warning("HEK said overmax on an empty page %d; stopping this window", self.page)
            more = False
        self.done = not more

    def result(self) -> WindowResult:
        events = sorted(self.events.values(), key=lambda ev: (ev.start_time, ev.kb_archivid))
        return WindowResult(
            window=self.window,
            result=HekResult(events=events, skipped=self.skipped, pages=self.page, windows=1, rows=self.rows),
            started_at=self.started_at,
            finished_at=datetime.now(timezone.utc),
        )


def _progress_bar(total: int, progress: bool) -> Any:
    from tqdm.auto import tqdm

    show = progress and sys.stderr.isatty()
    return tqdm(total=total, unit="window", desc="HEK", file=sys.stderr, disable=not show, leave=False)


class HekClient:
    """A HEK search client with paging, time windows, bounded concurrency and retries.

    Parameters
    ----------
    base_url : str
        The HEK ``her`` endpoint; :data:`HEK_URL` by default.
    transport : httpx transport, optional
        Injected into the ``httpx.Client`` (a sync transport) and/or the
        ``httpx.AsyncClient`` (an async one); ``httpx.MockTransport`` serves both.
    timeout : float or httpx.Timeout
        Per-request timeouts (:data:`DEFAULT_TIMEOUT`).
    page_size : int
        Events per page (HEK's ``result_limit``).
    max_pages : int
        Pages per window before :class:`~hek_client.errors.TooManyPages` is raised.
    window : timedelta or None
        Length of the time windows a search is split into; None searches the whole
        range as one window.
    concurrency : int
        Windows fetched at the same time (each window's pages are sequential).
    retry : RetryPolicy
        Attempts and backoff per page request.

    Notes
    -----
    Use it as a context manager (``with`` for :meth:`search`, ``async with`` for
    :meth:`asearch`) to reuse one connection pool for a whole run; without one, each
    call opens and closes its own.
    """

    def __init__(
        self,
        base_url: str = HEK_URL,
        *,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        page_size: int = 500,
        max_pages: int = 100,
        window: timedelta | None = DEFAULT_WINDOW,
        concurrency: int = 8,
        retry: RetryPolicy | None = None,
    ) -> None:
        try:
            url = httpx.URL(base_url)
        except (httpx.InvalidURL, TypeError) as err:
            raise HekQueryError(f"not a URL: {base_url!r} ({err})") from None
        if url.scheme not in ("http", "https") or not url.host:
            raise HekQueryError(f"the HEK URL must be http(s)://host/..., not {base_url!r}")
        if page_size < 1 or max_pages < 1 or concurrency < 1:
            raise HekQueryError("page_size, max_pages and concurrency must be >= 1")
        if window is not None and window <= timedelta(0):
            raise HekQueryError(f"window must be positive, not {window}")
        self.base_url = str(url)
        self.transport = transport
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self.page_size = page_size
        self.max_pages = max_pages
        self.window = window
        self.concurrency = concurrency
        self.retry = retry or DEFAULT_RETRY
        self._client: httpx.Client | None = None
        self._aclient: httpx.AsyncClient | None = None

    def __repr__(self) -> str:
        return (
            f"HekClient({self.base_url!r}, page_size={self.page_size}, window={self.window}, "
            f"concurrency={self.concurrency})"
        )

    # -- connections ---------------------------------------------------------------

    def _client_args(self) -> dict[str, Any]:
        return {
            "timeout": self.timeout,
            "headers": {"User-Agent": _user_agent(), "Accept": "application/json"},
            "limits": httpx.Limits(
                max_connections=self.concurrency + 2, max_keepalive_connections=self.concurrency
            ),
            "follow_redirects": True,
        }

    def _new_client(self) -> httpx.Client:
        transport = self.transport if isinstance(self.transport, httpx.BaseTransport) else None
        return httpx.Client(transport=transport, **self._client_args())

    def _new_aclient(self) -> httpx.AsyncClient:
        transport = self.transport if isinstance(self.transport, httpx.AsyncBaseTransport) else None
        return httpx.AsyncClient(transport=transport, **self._client_args())

    def __enter__(self) -> HekClient:
        if self._client is None:
            self._client = self._new_client()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    async def __aenter__(self) -> HekClient:
        if self._aclient is None:
            self._aclient = self._new_aclient()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def close(self) -> None:
        """Close the synchronous connection pool (if open)."""
        if self._client is not None:
            self._client.close()
            self._client = None

    async def aclose(self) -> None:
        """Close the asynchronous connection pool (if open)."""
        if self._aclient is not None:
            await self._aclient.aclose()
            self._aclient = None

    @contextmanager
    def _sync_client(self) -> Iterator[httpx.Client]:
        if self._client is not None:
            yield self._client
            return
        with self._new_client() as client:
            yield client

    def _async_client(self) -> AbstractAsyncContextManager[httpx.AsyncClient]:
        if self._aclient is not None:
            return nullcontext(self._aclient)
        return self._new_aclient()

    # -- one page: shared classification and retry policy ----------------------------

    def _read(self, response: httpx.Response) -> ParsedAnswer:
        """An answer's events, or the reason it must be retried (:class:`_Transient`)."""
        status = response.status_code
        if status == 429 or status == 408 or status >= 500:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise _Transient(f"HTTP {status} {response.reason_phrase}".strip(), f"http {status}", retry_after)
        if status >= 400:
            raise HekRejected(
                f"HEK refused the request with HTTP {status} {response.reason_phrase} "
                f"({response.request.url}); check the URL and the query",
                status,
            )
        try:
            return parse_answer(response.content)
        except BadAnswer as err:
            raise _Transient(str(err), err.kind) from None

    def _retrying_args(self, params: dict[str, str]) -> dict[str, Any]:
        def log_retry(state: RetryCallState) -> None:
            outcome = state.outcome
            err = outcome.exception() if outcome is not None else None
            wait = state.next_action.sleep if state.next_action is not None else 0.0
            log.warning(
                "HEK %s..%s page %s: %s; retry %d/%d in %.2f s",
                params["event_starttime"],
                params["event_endtime"],
                params.get("page"),
                err,
                state.attempt_number,
                self.retry.attempts - 1,
                wait,
            )

        return {
            "stop": stop_after_attempt(self.retry.attempts),
            "wait": self.retry.wait,
            "retry": retry_if_exception_type(_Transient),
            "reraise": True,
            "before_sleep": log_retry,
        }

    @staticmethod
    def _request_failed(err: Exception) -> _Transient:
        if isinstance(err, httpx.TimeoutException):
            return _Transient(f"timed out ({type(err).__name__})", "timeout")
        return _Transient(f"connection failed ({type(err).__name__}: {err})", "connection")

    def _unavailable(self, params: dict[str, str], failures: list[_Transient]) -> HekUnavailable:
        n = len(failures)
        kinds = {f.kind for f in failures}
        where = f"{params['event_starttime']}..{params['event_endtime']} page {params.get('page')}"
        if kinds == {"html"}:
            what = f"HEK answered HTML instead of JSON {n} times"
        elif len(kinds) == 1 and n > 1:
            what = f"HEK failed {n} times ({failures[-1].reason})"
        else:
            what = f"HEK failed {n} times (last: {failures[-1].reason})"
        return HekUnavailable(
            f"{what} for {where}; the service may be down, try later",
            attempts=n,
            reasons=tuple(f.reason for f in failures),
        )

    def _get_page(self, client: httpx.Client, params: dict[str, str]) -> ParsedAnswer:
        failures: list[_Transient] = []
        try:
            for attempt in Retrying(**self._retrying_args(params)):
                with attempt:
                    try:
                        response = client.get(self.base_url, params=params)
                    except (httpx.TransportError, httpx.DecodingError) as err:
                        failures.append(self._request_failed(err))
                        raise failures[-1] from err
                    try:
                        return self._read(response)
                    except _Transient as err:
                        failures.append(err)
                        raise
        except _Transient:
            raise self._unavailable(params, failures) from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def _aget_page(self, client: httpx.AsyncClient, params: dict[str, str]) -> ParsedAnswer:
        failures: list[_Transient] = []
        try:
            async for attempt in AsyncRetrying(**self._retrying_args(params)):
                with attempt:
                    try:
                        response = await client.get(self.base_url, params=params)
                    except (httpx.TransportError, httpx.DecodingError) as err:
                        failures.append(self._request_failed(err))
                        raise failures[-1] from err
                    try:
                        return self._read(response)
                    except _Transient as err:
                        failures.append(err)
                        raise
        except _Transient:
            raise self._unavailable(params, failures) from None
        raise AssertionError("unreachable")  # pragma: no cover

    # -- one window: pages until overmax is false ----------------------------------

    def _pager(self, window: HekQuery) -> _Pager:
        return _Pager(window, self.page_size, self.max_pages)

    def _on_page(self, counter: _Counter, answer: ParsedAnswer, bar: Any) -> None:
        with counter.lock:
            counter.pages += 1
            counter.events += len(answer.events)
            bar.set_postfix(pages=counter.pages, events=counter.events, refresh=False)

    def _fetch_window(
        self, client: httpx.Client, window: HekQuery, on_page: Callable[[ParsedAnswer], None]
    ) -> WindowResult:
        pager = self._pager(window)
        while (params := pager.next_params()) is not None:
            answer = self._get_page(client, params)
            pager.feed(answer)
            on_page(answer)
        return pager.result()

    async def _afetch_window(
        self, client: httpx.AsyncClient, window: HekQuery, on_page: Callable[[ParsedAnswer], None]
    ) -> WindowResult:
        pager = self._pager(window)
        while (params := pager.next_params()) is not None:
            answer = await self._aget_page(client, params)
            pager.feed(answer)
            on_page(answer)
        return pager.result()

    # -- many windows ----------------------------------------------------------------

    def plan(self, query: HekQuery) -> list[HekQuery]:
        """The windows this client splits ``query`` into.

        Examples
        --------
        >>> from datetime import timedelta
        >>> client = HekClient(window=timedelta(days=30))
        >>> [w.start.date().isoformat() for w in client.plan(HekQuery("2010-06-01", "2010-08-15"))]
        ['2010-06-01', '2010-07-01', '2010-07-31']
        """
        return query.windows(self.window)

    def iter_windows(
        self, query: HekQuery, *, windows: Sequence[HekQuery] | None = None, progress: bool = True
    ) -> Iterator[WindowResult]:
        """Fetch every window of ``query`` (or the given ``windows``); yield each as it completes.

        At most ``concurrency`` windows are fetched at once, in a thread pool that lives
        for this call. On the first error the windows not yet started are cancelled and
        the error is raised once the running ones have stopped.

        Parameters
        ----------
        query : HekQuery
            What to search.
        windows : sequence of HekQuery, optional
            The windows to fetch (e.g. those not yet covered); :meth:`plan` by default.
        progress : bool
            Show a progress bar over windows (pages and events as postfix) on stderr
            when it is a terminal.
        """
        todo = list(self.plan(query) if windows is None else windows)
        counter = _Counter()
        with self._sync_client() as client, _progress_bar(len(todo), progress) as bar:

            def fetch(window: HekQuery) -> WindowResult:
                return self._fetch_window(client, window, lambda answer: self._on_page(counter, answer, bar))

            if len(todo) <= 1 or self.concurrency == 1:
                for window in todo:
                    done = fetch(window)
                    bar.update(1)
                    yield done
                return
            pool = ThreadPoolExecutor(max_workers=min(self.concurrency, len(todo)), thread_name_prefix="hek")
            futures: list[Future[WindowResult]] = []
            try:
                futures = [pool.submit(fetch, window) for window in todo]
                for future in as_completed(futures):
                    done = future.result()
                    bar.update(1)
                    yield done
            finally:
                for future in futures:
                    future.cancel()
                pool.shutdown(wait=True, cancel_futures=True)

    async def aiter_windows(
        self, query: HekQuery, *, windows: Sequence[HekQuery] | None = None, progress: bool = True
    ) -> AsyncIterator[WindowResult]:
        """Async :meth:`iter_windows`: at most ``concurrency`` windows in flight (a semaphore).

        Use it with ``contextlib.aclosing`` if you may stop iterating early, so the
        windows still in flight are cancelled at once.
        """
        todo = list(self.plan(query) if windows is None else windows)
        counter = _Counter()
        semaphore = asyncio.Semaphore(self.concurrency)
        async with self._async_client() as client:
            with _progress_bar(len(todo), progress) as bar:

                async def fetch(window: HekQuery) -> WindowResult:
                    async with semaphore:
                        return await self._afetch_window(
                            client, window, lambda answer: self._on_page(counter, answer, bar)
                        )

                tasks = [asyncio.ensure_future(fetch(window)) for window in todo]
                try:
                    for next_done in asyncio.as_completed(tasks):
                        done = await next_done
                        bar.update(1)
                        yield done
                finally:
                    for task in tasks:
                        task.cancel()
                    await asyncio.gather(*tasks, return_exceptions=True)

    def search(self, query: HekQuery, *, progress: bool = True) -> HekResult:
        """Every event of ``query``, over all windows and pages, deduplicated.

        Parameters
        ----------
        query : HekQuery
            What to search.
        progress : bool
            Show a progress bar on stderr when it is a terminal.

        Returns
        -------
        HekResult
            Distinct events (by start time), skip reasons and counts.

        Raises
        ------
        HekUnavailable
            When a page still fails after every retry.
        HekRejected
            When HEK refuses the request (a 4xx answer).
        TooManyPages
            When a window needs more than ``max_pages`` pages.
        """
        started = time.perf_counter()
        result = HekResult.merge([done.result for done in self.iter_windows(query, progress=progress)])
        log.info(
            "HEK search: %d events, %d skipped, %d pages, %d windows in %.1f s",
            len(result),
            len(result.skipped),
            result.pages,
            result.windows,
            time.perf_counter() - started,
        )
        return result

    async def asearch(self, query: HekQuery, *, progress: bool = True) -> HekResult:
        """Async :meth:`search` (same arguments, result and errors)."""
        started = time.perf_counter()
        parts = [done.result async for done in self.aiter_windows(query, progress=progress)]
        result = HekResult.merge(parts)
        log.info(
            "HEK search: %d events, %d skipped, %d pages, %d windows in %.1f s",
            len(result),
            len(result.skipped),
            result.pages,
            result.windows,
            time.perf_counter() - started,
        )
        return result
