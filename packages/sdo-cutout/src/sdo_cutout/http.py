"""What every HTTP request of sdo-cutout shares: the client, its timeouts, and failure classes.

The cutout services (:mod:`sdo_cutout.service`) and the downloader
(:mod:`sdo_cutout.fetcher`) open their :class:`httpx.AsyncClient` with
:func:`async_client` (one user agent, one :data:`DEFAULT_TIMEOUT`, redirects followed)
and sort every failure with :func:`classify_error` / :func:`check_status` into

* :class:`~jet_store.retry.Transient`: timeouts, resets, refused connections, 408,
  429 and 5xx (:func:`jet_store.retry.is_transient_status`), retried with backoff;
* :class:`Permanent`: what no retry will fix, recorded on the item: a redirect loop
  (``TooManyRedirects``), a redirect to a scheme other than http(s), a ``Location``
  header that is not a URL.

Examples
--------
>>> import httpx
>>> classify_error(httpx.TooManyRedirects("Exceeded maximum allowed redirects."))
Permanent('redirect loop: Exceeded maximum allowed redirects.')
>>> classify_error(httpx.ConnectError("[Errno 111] Connection refused"))
Transient('connection failed (ConnectError: [Errno 111] Connection refused)')
>>> USER_AGENT.startswith("sdo-cutout")
True
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx
from jet_store.clients import DEFAULT_TIMEOUTS, user_agent
from jet_store.retry import Transient, is_transient_status, parse_retry_after

__all__ = [
    "DEFAULT_TIMEOUT",
    "USER_AGENT",
    "Permanent",
    "as_timeout",
    "async_client",
    "classify_error",
    "check_status",
    "mask_email",
]

DEFAULT_TIMEOUT = httpx.Timeout(**DEFAULT_TIMEOUTS.as_kwargs())
"""Per-request timeouts: 10 s to connect, 60 s per read/write; waiting for a pooled
connection is not limited (a stage queues more requests than it has connections)."""

USER_AGENT = user_agent("sdo-cutout")
"""The ``User-Agent`` of every request."""


class Permanent(Exception):
    """A failed request that retrying will not fix; ``reason`` says why.

    Examples
    --------
    >>> Permanent("HTTP 404 Not Found").reason
    'HTTP 404 Not Found'
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def mask_email(email: str) -> str:
    """An e-mail address with the local part hidden, for messages and logs.

    Examples
    --------
    >>> mask_email("jane.doe@example.org"), mask_email("x")
    ('j***@example.org', '***')
    """
    local, at, domain = email.partition("@")
    if not at or not local:
        return "***"
    return f"{local[0]}***@{domain}"


def as_timeout(value: float | httpx.Timeout) -> httpx.Timeout:
    """``value`` as an :class:`httpx.Timeout` (a number: every phase but the pool wait).

    Examples
    --------
    >>> as_timeout(5).read, as_timeout(5).pool
    (5, None)
    """
    return value if isinstance(value, httpx.Timeout) else httpx.Timeout(value, pool=None)


def async_client(
    *,
    transport: httpx.AsyncBaseTransport | None,
    timeout: float | httpx.Timeout,
    max_connections: int,
    headers: Mapping[str, str] | None = None,
) -> httpx.AsyncClient:
    """The :class:`httpx.AsyncClient` of one service or downloader: redirects followed.

    Examples
    --------
    >>> import asyncio
    >>> client = async_client(transport=None, timeout=DEFAULT_TIMEOUT, max_connections=2)
    >>> client.headers["User-Agent"] == USER_AGENT, client.follow_redirects
    (True, True)
    >>> asyncio.run(client.aclose())
    """
    return httpx.AsyncClient(
        transport=transport,
        timeout=as_timeout(timeout),
        headers={"User-Agent": USER_AGENT, **(headers or {})},
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        follow_redirects=True,
    )


def classify_error(err: httpx.HTTPError | httpx.InvalidURL) -> Transient | Permanent:
    """The failure class of an exception raised by httpx while sending a request.

    Redirect loops, redirects to unsupported schemes and malformed ``Location``
    headers are :class:`Permanent`; timeouts, resets and other transport failures are
    :class:`~jet_store.retry.Transient`.

    Examples
    --------
    >>> import httpx
    >>> classify_error(httpx.UnsupportedProtocol("Request URL has an unsupported protocol 'ftp://'."))
    Permanent("unsupported scheme: Request URL has an unsupported protocol 'ftp://'.")
    >>> classify_error(httpx.RemoteProtocolError("Invalid URL in location header: Invalid port: 'x'."))
    Permanent("malformed Location header: Invalid URL in location header: Invalid port: 'x'.")
    >>> classify_error(httpx.ReadTimeout("timed out"))
    Transient('timed out (ReadTimeout: timed out)')
    """
    text = str(err) or type(err).__name__
    if isinstance(err, httpx.TooManyRedirects):
        return Permanent(f"redirect loop: {text}")
    if isinstance(err, (httpx.UnsupportedProtocol, httpx.InvalidURL)):
        return Permanent(f"unsupported scheme: {text}")
    if isinstance(err, httpx.RemoteProtocolError) and "location header" in text.lower():
        return Permanent(f"malformed Location header: {text}")
    if isinstance(err, httpx.TimeoutException):
        return Transient(f"timed out ({type(err).__name__}: {text})")
    return Transient(f"connection failed ({type(err).__name__}: {text})")


def check_status(response: httpx.Response) -> None:
    """Raise :class:`~jet_store.retry.Transient` for a status worth retrying (with ``Retry-After``).

    Examples
    --------
    >>> import httpx
    >>> check_status(httpx.Response(200))
    >>> try:
    ...     check_status(httpx.Response(503, headers={"Retry-After": "2"}))
    ... except Transient as err:
    ...     print(err.reason, err.retry_after)
    HTTP 503 Service Unavailable 2.0
    """
    status = response.status_code
    if is_transient_status(status):
        raise Transient(
            f"HTTP {status} {response.reason_phrase}".strip(),
            parse_retry_after(response.headers.get("Retry-After")),
        )
