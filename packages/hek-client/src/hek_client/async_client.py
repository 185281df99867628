"""How to ask HEK from asyncio: :class:`AsyncHekClient`, the same client over ``httpx.AsyncClient``.

Options, windows, paging, answers and retries are those of
:class:`hek_client.base.BaseHekClient`; this module adds only the async send path: an
:class:`httpx.AsyncClient` and an :class:`asyncio.Semaphore` of ``concurrency`` windows.

Examples
--------
>>> import asyncio, httpx
>>> from hek_client import AsyncHekClient, HekQuery
>>> rows = [{"kb_archivid": "ivo://x/1", "event_type": "CJ",
...          "event_starttime": "2010-06-01T10:00:00", "event_endtime": "2010-06-01T10:20:00"}]
>>> transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"result": rows}))
>>> async def main():
...     async with AsyncHekClient(transport=transport) as client:
...         return await client.search(HekQuery("2010-06-01", "2010-06-02"), progress=False)
>>> len(asyncio.run(main()))
1
>>> AsyncHekClient(transport=httpx.HTTPTransport())  # doctest: +ELLIPSIS
Traceback (most recent call last):
hek_client.errors.HekQueryError: AsyncHekClient needs an async transport (...), not HTTPTransport; ...
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import Any

import httpx
from jet_store import progress_bar
from tenacity import AsyncRetrying

from hek_client.base import HEK_URL, BaseHekClient, WindowResult, _Counter, _Transient
from hek_client.errors import HekQueryError
from hek_client.parse import ParsedAnswer
from hek_client.query import HekQuery
from hek_client.result import HekResult

__all__ = ["AsyncHekClient"]


class AsyncHekClient(BaseHekClient):
    """An asyncio HEK search client (:class:`hek_client.HekClient`'s twin, same options).

    Parameters
    ----------
    base_url : str
        The HEK ``her`` endpoint.
    transport : httpx.AsyncBaseTransport, optional
        Injected into the ``httpx.AsyncClient``; a synchronous-only transport is refused
        (it would otherwise be dropped and the search sent to the real HEK).
    **options
        As :class:`hek_client.base.BaseHekClient`.
    """

    def __init__(
        self, base_url: str = HEK_URL, *, transport: httpx.AsyncBaseTransport | None = None, **options: Any
    ) -> None:
        super().__init__(base_url, **options)
        if transport is not None and not isinstance(transport, httpx.AsyncBaseTransport):
            raise HekQueryError(
                f"AsyncHekClient needs an async transport (httpx.AsyncBaseTransport), not "
                f"{type(transport).__name__}; use HekClient for a synchronous one"
            )
        self.transport = transport
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> AsyncHekClient:
        if self._client is None:
            self._client = httpx.AsyncClient(transport=self.transport, **self._client_args())
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool (if open)."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _connection(self) -> AbstractAsyncContextManager[httpx.AsyncClient]:
        if self._client is not None:
            return nullcontext(self._client)
        return httpx.AsyncClient(transport=self.transport, **self._client_args())

    async def _send(self, client: httpx.AsyncClient, params: dict[str, str]) -> httpx.Response | Exception:
        try:
            return await client.get(self.base_url, params=params)
        except (httpx.TransportError, httpx.DecodingError) as err:
            return err

    async def _get_page(self, client: httpx.AsyncClient, params: dict[str, str]) -> ParsedAnswer:
        failures: list[_Transient] = []
        try:
            async for attempt in AsyncRetrying(**self._retrying_args(params)):
                with attempt:
                    return self._outcome(await self._send(client, params), failures)
        except _Transient:
            raise self._unavailable(params, failures) from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def _fetch_window(
        self, client: httpx.AsyncClient, window: HekQuery, on_page: Callable[[ParsedAnswer], None]
    ) -> WindowResult:
        pager = self._pager(window)
        while (params := pager.next_params()) is not None:
            answer = await self._get_page(client, params)
            pager.feed(answer)
            on_page(answer)
        return pager.result()

    async def iter_windows(
        self, query: HekQuery, *, windows: Sequence[HekQuery] | None = None, progress: bool = True
    ) -> AsyncIterator[WindowResult]:
        """Fetch every window; yield each as it completes (at most ``concurrency`` in flight).

        Use it with ``contextlib.aclosing`` if you may stop iterating early, so the
        windows still in flight are cancelled at once.
        """
        pending = list(self.plan(query) if windows is None else windows)
        counter = _Counter()
        semaphore = asyncio.Semaphore(self.concurrency)
        async with self._connection() as client:
            with progress_bar(len(pending), enabled=progress, desc="HEK", unit="window") as bar:

                async def fetch(window: HekQuery) -> WindowResult:
                    async with semaphore:
                        return await self._fetch_window(
                            client, window, lambda answer: counter.add(answer, bar)
                        )

                tasks = [asyncio.ensure_future(fetch(window)) for window in pending]
                try:
                    for next_done in asyncio.as_completed(tasks):
                        done = await next_done
                        bar.update(1)
                        yield done
                finally:
                    for task in tasks:
                        task.cancel()
                    await asyncio.gather(*tasks, return_exceptions=True)

    async def search(self, query: HekQuery, *, progress: bool = True) -> HekResult:
        """Every event of ``query``: :meth:`hek_client.HekClient.search`, awaited."""
        started = time.perf_counter()
        return self._merge(
            [done.result async for done in self.iter_windows(query, progress=progress)], started
        )
