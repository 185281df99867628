"""Everything a HEK client does without I/O: options, windows, paging, answers, retries.

:class:`BaseHekClient` holds the options and validates them, plans a query's time
windows (bounded in number), decides what each page request is (:class:`Pager`),
classifies an answer or a failed request (retry, refuse, parse) and builds the
retry policy and the final error. :class:`hek_client.HekClient` (an ``httpx.Client``
and a thread pool) and :class:`hek_client.AsyncHekClient` (an ``httpx.AsyncClient``
and a semaphore) add only the send path, as httpx's own ``BaseClient`` / ``Client`` /
``AsyncClient`` split does.

Examples
--------
>>> from datetime import timedelta
>>> from hek_client.base import BaseHekClient
>>> from hek_client.query import HekQuery
>>> client = BaseHekClient(window=timedelta(days=30))
>>> [w.start.date().isoformat() for w in client.plan(HekQuery("2010-06-01", "2010-08-15"))]
['2010-06-01', '2010-07-01', '2010-07-31']
>>> year = HekQuery("2010-01-01", "2011-01-01")
>>> BaseHekClient(window=timedelta(seconds=1)).plan(year)  # doctest: +ELLIPSIS
Traceback (most recent call last):
hek_client.errors.HekQueryError: ... is 31536000 windows, more than max_windows=10000; use longer windows
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
from jet_store import DEFAULT_TIMEOUTS, HekEvent, user_agent
from jet_store.retry import RetryPolicy, Transient, is_transient_status, parse_retry_after
from tenacity import RetryCallState, retry_if_exception_type, stop_after_attempt

from hek_client.errors import BadAnswer, HekQueryError, HekRejected, HekUnavailable, TooManyPages
from hek_client.parse import ParsedAnswer, parse_answer
from hek_client.query import HekQuery, window_count
from hek_client.result import HekResult
from hek_client.settings import DEFAULT_CONCURRENCY, DEFAULT_WINDOW, HEK_URL, MAX_WINDOWS

__all__ = [
    "HEK_URL",
    "BaseHekClient",
    "Pager",
    "WindowResult",
    "DEFAULT_TIMEOUT",
    "DEFAULT_WINDOW",
    "DEFAULT_CONCURRENCY",
    "DEFAULT_RETRY",
    "MAX_WINDOWS",
]

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(**DEFAULT_TIMEOUTS.as_kwargs())
"""Per-request timeouts, :data:`jet_store.DEFAULT_TIMEOUTS`: 10 s to connect, 60 s per read."""

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

    def add(self, answer: ParsedAnswer, bar: Any) -> None:
        with self.lock:
            self.pages += 1
            self.events += len(answer.events)
            bar.set_postfix(pages=self.pages, events=self.events, refresh=False)


class Pager:
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
        """The parameters of the next page request, or None when the window is complete."""
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
        """Take one page's answer: its events, and whether another page follows."""
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
        """The window's events (by start time) and counts."""
        events = sorted(self.events.values(), key=lambda ev: (ev.start_time, ev.kb_archivid))
        return WindowResult(
            window=self.window,
            result=HekResult(events=events, skipped=self.skipped, pages=self.page, windows=1, rows=self.rows),
            started_at=self.started_at,
            finished_at=datetime.now(timezone.utc),
        )


class BaseHekClient:
    """Options, windows, paging and retry decisions of a HEK client; no I/O.

    Parameters
    ----------
    base_url : str
        The HEK ``her`` endpoint; :data:`HEK_URL` by default.
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
        Windows fetched at the same time (each window's pages are sequential);
        :data:`DEFAULT_CONCURRENCY`.
    retry : RetryPolicy
        Attempts and backoff per page request.
    max_windows : int
        Most windows one search may be split into (:data:`MAX_WINDOWS`): a tiny window
        over a long range is refused before any window is made.
    """

    def __init__(
        self,
        base_url: str = HEK_URL,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        page_size: int = 500,
        max_pages: int = 100,
        window: timedelta | None = DEFAULT_WINDOW,
        concurrency: int = DEFAULT_CONCURRENCY,
        retry: RetryPolicy | None = None,
        max_windows: int = MAX_WINDOWS,
    ) -> None:
        try:
            url = httpx.URL(base_url)
        except (httpx.InvalidURL, TypeError) as err:
            raise HekQueryError(f"not a URL: {base_url!r} ({err})") from None
        if url.scheme not in ("http", "https") or not url.host:
            raise HekQueryError(f"the HEK URL must be http(s)://host/..., not {base_url!r}")
        if page_size < 1 or max_pages < 1 or concurrency < 1 or max_windows < 1:
            raise HekQueryError("page_size, max_pages, concurrency and max_windows must be >= 1")
        if window is not None and window <= timedelta(0):
            raise HekQueryError(f"window must be positive, not {window}")
        self.base_url = str(url)
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self.page_size = page_size
        self.max_pages = max_pages
        self.window = window
        self.concurrency = concurrency
        self.retry = retry or DEFAULT_RETRY
        self.max_windows = max_windows

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.base_url!r}, page_size={self.page_size}, window={self.window}, "
            f"concurrency={self.concurrency})"
        )

    def _client_args(self) -> dict[str, Any]:
        """Keyword arguments of the httpx client (either kind)."""
        return {
            "timeout": self.timeout,
            "headers": {"User-Agent": user_agent("hek-client"), "Accept": "application/json"},
            "limits": httpx.Limits(
                max_connections=self.concurrency + 2, max_keepalive_connections=self.concurrency
            ),
            "follow_redirects": True,
        }

    # -- windows ---------------------------------------------------------------------

    def plan(self, query: HekQuery) -> list[HekQuery]:
        """The windows this client splits ``query`` into.

        Raises
        ------
        HekQueryError
            When that would be more than ``max_windows`` windows.
        """
        if self.window is not None:
            n = window_count(query.start, query.end, self.window)
            if n > self.max_windows:
                raise HekQueryError(
                    f"{query.start:%Y-%m-%d}..{query.end:%Y-%m-%d} in windows of {self.window} is {n} "
                    "windows, "
                    f"more than max_windows={self.max_windows}; use longer windows"
                )
        return query.windows(self.window)

    def _pager(self, window: HekQuery) -> Pager:
        return Pager(window, self.page_size, self.max_pages)

    # -- one page: classification and retry policy -------------------------------------

    def _read(self, response: httpx.Response) -> ParsedAnswer:
        """An answer's events, or the reason it must be retried (:class:`_Transient`)."""
        status = response.status_code
        if is_transient_status(status):
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

    def _outcome(self, sent: httpx.Response | Exception, failures: list[_Transient]) -> ParsedAnswer:
        """One attempt's answer, or the :class:`_Transient` it is retried for (kept in ``failures``)."""
        try:
            if isinstance(sent, Exception):
                if isinstance(sent, httpx.TimeoutException):
                    raise _Transient(f"timed out ({type(sent).__name__})", "timeout") from sent
                raise _Transient(f"connection failed ({type(sent).__name__}: {sent})", "connection") from sent
            return self._read(sent)
        except _Transient as err:
            failures.append(err)
            raise

    def _retrying_args(self, params: dict[str, str]) -> dict[str, Any]:
        """tenacity arguments for one page: attempts, backoff, what is retried, logging."""

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

    @staticmethod
    def _merge(parts: list[HekResult], started: float) -> HekResult:
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
