"""How to ask HEK: :class:`HekClient` (HTTP, paging, time windows, retries), synchronously.

One search is split into time windows (``window``, 90 days by default), fetched with
at most ``concurrency`` windows in flight; each window is read page by page
(``result_limit`` and a 1-based ``page``) while HEK says ``overmax``; events are
deduplicated on ``kb_archivid`` across pages and windows. Every page request is
retried with jittered exponential backoff (tenacity) on timeouts, connection errors,
HTTP 5xx, 429 (honouring ``Retry-After``) and on answers that are not HEK JSON (the
HTML page HEK serves on 200 during outages, truncated bodies).

Everything but the send path lives in :class:`hek_client.base.BaseHekClient`; this
client adds an :class:`httpx.Client` and a thread pool of ``concurrency`` workers over
windows (so ``search()`` works anywhere, including inside a running event loop such
as Jupyter's). :class:`hek_client.AsyncHekClient` is the same over an
:class:`httpx.AsyncClient`. Each takes only its own kind of transport.

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

import logging
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from typing import Any

import httpx
from jet_store import progress_bar
from tenacity import Retrying

from hek_client.base import (
    DEFAULT_RETRY,
    DEFAULT_TIMEOUT,
    DEFAULT_WINDOW,
    HEK_URL,
    BaseHekClient,
    WindowResult,
    _Counter,
    _Transient,
)
from hek_client.errors import HekQueryError
from hek_client.parse import ParsedAnswer
from hek_client.query import HekQuery
from hek_client.result import HekResult

__all__ = ["HEK_URL", "HekClient", "WindowResult", "DEFAULT_TIMEOUT", "DEFAULT_WINDOW", "DEFAULT_RETRY"]

log = logging.getLogger(__name__)


def _finished(futures: Sequence[Future[WindowResult]]) -> list[WindowResult]:
    """The results of the windows that completed without error."""
    return [f.result() for f in futures if f.done() and not f.cancelled() and f.exception() is None]


class HekClient(BaseHekClient):
    """A synchronous HEK search client: paging, time windows, bounded concurrency, retries.

    Parameters
    ----------
    base_url : str
        The HEK ``her`` endpoint; :data:`HEK_URL` by default.
    transport : httpx.BaseTransport, optional
        Injected into the ``httpx.Client`` (``httpx.MockTransport`` in examples); an
        async-only transport is refused.
    **options
        ``timeout``, ``page_size``, ``max_pages``, ``window``, ``concurrency``,
        ``retry``, ``max_windows``: see :class:`hek_client.base.BaseHekClient`.

    Notes
    -----
    Use it as a context manager to reuse one connection pool for a whole run; without
    one, each call opens and closes its own.
    """

    def __init__(
        self, base_url: str = HEK_URL, *, transport: httpx.BaseTransport | None = None, **options: Any
    ) -> None:
        super().__init__(base_url, **options)
        if transport is not None and not isinstance(transport, httpx.BaseTransport):
            raise HekQueryError(
                "HekClient needs a synchronous transport (httpx.BaseTransport), not "
                f"{type(transport).__name__}; "
                "use AsyncHekClient for an async one"
            )
        self.transport = transport
        self._client: httpx.Client | None = None

    def __enter__(self) -> HekClient:
        if self._client is None:
            self._client = httpx.Client(transport=self.transport, **self._client_args())
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool (if open)."""
        if self._client is not None:
            self._client.close()
            self._client = None

    @contextmanager
    def _connection(self) -> Iterator[httpx.Client]:
        if self._client is not None:
            yield self._client
            return
        with httpx.Client(transport=self.transport, **self._client_args()) as client:
            yield client

    def _send(self, client: httpx.Client, params: dict[str, str]) -> httpx.Response | Exception:
        try:
            return client.get(self.base_url, params=params)
        except (httpx.TransportError, httpx.DecodingError) as err:
            return err

    def _get_page(self, client: httpx.Client, params: dict[str, str]) -> ParsedAnswer:
        failures: list[_Transient] = []
        try:
            for attempt in Retrying(**self._retrying_args(params)):
                with attempt:
                    return self._outcome(self._send(client, params), failures)
        except _Transient:
            raise self._unavailable(params, failures) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _fetch_window(
        self, client: httpx.Client, window: HekQuery, on_page: Callable[[ParsedAnswer], None]
    ) -> WindowResult:
        pager = self._pager(window)
        while (params := pager.next_params()) is not None:
            answer = self._get_page(client, params)
            pager.feed(answer)
            on_page(answer)
        return pager.result()

    def iter_windows(
        self, query: HekQuery, *, windows: Sequence[HekQuery] | None = None, progress: bool = True
    ) -> Generator[WindowResult, None, None]:
        """Fetch every window of ``query`` (or the given ``windows``); yield each as it completes.

        At most ``concurrency`` windows are fetched at once, in a thread pool that lives
        for this call. On the first error the windows not yet started are cancelled and
        the error is raised. On Ctrl-C (``KeyboardInterrupt``, raised here or thrown in
        with ``generator.throw``) the windows that already completed are still yielded,
        then the interrupt goes on, without waiting for the windows in flight.

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
        pending = list(self.plan(query) if windows is None else windows)
        counter = _Counter()
        with (
            self._connection() as client,
            progress_bar(len(pending), enabled=progress, desc="HEK", unit="window") as bar,
        ):

            def fetch(window: HekQuery) -> WindowResult:
                return self._fetch_window(client, window, lambda answer: counter.add(answer, bar))

            pool = ThreadPoolExecutor(
                max_workers=max(1, min(self.concurrency, len(pending))), thread_name_prefix="hek"
            )
            futures: list[Future[WindowResult]] = []
            handed: set[int] = set()
            try:
                futures = [pool.submit(fetch, window) for window in pending]
                for future in as_completed(futures):
                    done = future.result()
                    handed.add(id(future))
                    bar.update(1)
                    yield done
            except KeyboardInterrupt:
                for future in futures:
                    future.cancel()
                rest = _finished([f for f in futures if id(f) not in handed])
                log.info("interrupted: handing over %d completed HEK windows", len(rest))
                for done in rest:
                    yield done
                raise
            finally:
                for future in futures:
                    future.cancel()
                pool.shutdown(wait=False, cancel_futures=True)

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
        return self._merge([done.result for done in self.iter_windows(query, progress=progress)], started)
