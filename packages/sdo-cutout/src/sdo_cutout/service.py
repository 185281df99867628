"""The base of the cutout service clients: one HTTP client, retries, redaction, registration.

:class:`ServiceClient` holds one :class:`httpx.AsyncClient` per stage run, retries each
request with tenacity (:class:`~jet_store.retry.RetryPolicy`: jittered exponential
backoff, ``Retry-After`` honoured), keeps secrets (the JSOC e-mail) out of httpx's log
lines, and registers each subclass that sets ``name`` in
:data:`sdo_cutout.backend.BACKENDS`.

Failures are sorted by :func:`sdo_cutout.http.classify_error`: transient ones are
retried and then raise :class:`~sdo_cutout.errors.CutoutUnavailable`; permanent ones
(a redirect loop, an unsupported redirect scheme, a malformed ``Location``) raise
:class:`~sdo_cutout.errors.CutoutPermanentError` at once. The stage records either on
the job and goes on.

Examples
--------
>>> import asyncio, httpx
>>> class Echo(ServiceClient):  # no ``name`` of its own: not registered as a backend
...     label = "echo service"
>>> loop = httpx.MockTransport(lambda r: httpx.Response(302, headers={"Location": str(r.url)}))
>>> async def ask():
...     async with Echo(transport=loop) as echo:
...         return await echo._get("http://x.test/a", lambda r: r.text, what="a page")
>>> try:
...     asyncio.run(ask())
... except CutoutPermanentError as err:
...     print(err)
the echo service refused a page: redirect loop: Exceeded maximum allowed redirects.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, TypeVar
from urllib.parse import quote, quote_plus

import httpx
from jet_store import CutoutJob
from jet_store.retry import RetryPolicy, Transient
from tenacity import RetryCallState

from sdo_cutout.backend import BACKENDS, Outcome
from sdo_cutout.errors import CutoutPermanentError, CutoutRequestError, CutoutUnavailable
from sdo_cutout.http import (
    DEFAULT_TIMEOUT,
    Permanent,
    as_timeout,
    async_client,
    check_status,
    classify_error,
    mask_email,
)
from sdo_cutout.retrying import retrying

__all__ = ["ServiceClient"]

log = logging.getLogger(__name__)

T = TypeVar("T")


class _Redact(logging.Filter):
    """Replaces secrets (plain and URL-encoded) in log records of the HTTP libraries."""

    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        pairs: dict[str, str] = {}
        for secret in secrets:
            masked = mask_email(secret) if "@" in secret else "***"
            for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
                pairs[form] = masked
        self.pairs = sorted(pairs.items(), key=lambda kv: -len(kv[0]))

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if any(secret in text for secret, _ in self.pairs):
            for secret, masked in self.pairs:
                text = text.replace(secret, masked)
            record.msg, record.args = text, ()
        return True


class ServiceClient:
    """Base of the service clients: one :class:`httpx.AsyncClient`, retries, redaction.

    Parameters
    ----------
    transport : httpx.AsyncBaseTransport, optional
        Replaces the network (``httpx.MockTransport`` in tests).
    timeout : float or httpx.Timeout
        Per-request timeouts.
    retry : RetryPolicy, optional
        Retries of each request (5 attempts, 1 s backoff scale by default).
    concurrency : int
        Jobs of this service run at once by the stage functions.
    max_connections : int
        HTTP connections at once.

    Notes
    -----
    The client opens its connection pool when entered (``async with``), entering nests,
    and the pool closes when the outermost ``async with`` ends. Without ``async with``
    the first request opens it and :meth:`aclose` closes it. A subclass that sets
    ``name`` in its body is registered as that backend's client.
    """

    name: ClassVar[str] = "service"
    label: ClassVar[str] = "cutout service"
    rank: ClassVar[int] = 100  #: place among the backend names (lowest first: the default)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__:
            BACKENDS.register(cls)

    def __init__(
        self,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        concurrency: int = 4,
        max_connections: int = 4,
    ) -> None:
        if concurrency < 1 or max_connections < 1:
            raise CutoutRequestError("concurrency and max_connections must be >= 1")
        self.transport = transport
        self.timeout = as_timeout(timeout)
        self.retry = retry or RetryPolicy()
        self.concurrency = concurrency
        self.max_connections = max_connections
        self._client: httpx.AsyncClient | None = None
        self._depth = 0
        self._redactor: _Redact | None = None

    def _secrets(self) -> Sequence[str]:
        """Values that must never appear in a log line (overridden by clients that hold some)."""
        return ()

    def _open(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = async_client(
                transport=self.transport, timeout=self.timeout, max_connections=self.max_connections
            )
            secrets = [s for s in self._secrets() if s]
            if secrets:
                self._redactor = _Redact(secrets)
                for name in ("httpx", "httpcore"):
                    logging.getLogger(name).addFilter(self._redactor)
        return self._client

    async def aclose(self) -> None:
        """Close the connection pool (if open)."""
        client, self._client = self._client, None
        self._depth = 0
        if self._redactor is not None:
            for name in ("httpx", "httpcore"):
                logging.getLogger(name).removeFilter(self._redactor)
            self._redactor = None
        if client is not None:
            await client.aclose()

    async def __aenter__(self) -> Any:
        self._open()
        self._depth += 1
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._depth = max(0, self._depth - 1)
        if self._depth == 0:
            await self.aclose()

    async def _get(
        self,
        url: str,
        read: Callable[[httpx.Response], T],
        *,
        params: Mapping[str, str] | None = None,
        what: str,
    ) -> T:
        """GET ``url`` and hand the answer to ``read``, retrying transient failures.

        Timeouts, connection errors, 408, 429 and 5xx are retried (``Retry-After``
        honoured); ``read`` sees every other answer and may raise :class:`Transient`
        (e.g. an HTML outage page) to retry as well. ``what`` names the request in logs
        and errors, which never show the URL's query (it may hold an e-mail).

        Raises
        ------
        CutoutUnavailable
            When every attempt failed.
        CutoutPermanentError
            At once, for a failure no retry fixes (a redirect loop, ...).
        """
        client = self._open()
        failures: list[str] = []

        def describe(state: RetryCallState) -> str:
            return f"{self.label}, {what}: {failures[-1] if failures else '?'}"

        try:
            async for attempt in retrying(self.retry, log, describe):
                with attempt:
                    try:
                        try:
                            response = await client.get(url, params=dict(params or {}))
                        except (httpx.HTTPError, httpx.InvalidURL) as err:
                            raise classify_error(err) from None
                        check_status(response)
                        return read(response)
                    except Transient as err:
                        failures.append(err.reason)
                        raise
        except Transient:
            n = len(failures)
            raise CutoutUnavailable(
                f"the {self.label} failed {n} times on {what} (last: {failures[-1]}); "
                "it may be down or overloaded, run again later to resume",
                attempts=n,
                reasons=tuple(failures),
            ) from None
        except Permanent as err:
            raise CutoutPermanentError(f"the {self.label} refused {what}: {err.reason}") from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def submit(self, job: CutoutJob) -> Outcome:
        """Submit one job (implemented by each service)."""
        raise NotImplementedError

    async def poll(self, job: CutoutJob) -> Outcome:
        """Ask how one submitted job is doing (implemented by each service)."""
        raise NotImplementedError
