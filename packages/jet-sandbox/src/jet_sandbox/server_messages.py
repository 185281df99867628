"""What a replica's endpoints see and answer: requests, responses, routes and the request log's entries.

Pure values, no sockets: a :class:`Route` maps a path to a handler from :class:`Request`
to :class:`Response`; large bodies travel as a :class:`StreamBody`; every request
answered becomes a :class:`LoggedRequest`.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from jet_sandbox.faults import TRANSPORT_KINDS, FaultPlan

__all__ = ["SuffixMatch", "Route", "Request", "Response", "StreamBody", "LoggedRequest"]


class _Asked:
    """What a request asked, read the same way from a :class:`Request` and a :class:`LoggedRequest`."""

    __slots__ = ()
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]

    @property
    def params(self) -> dict[str, str]:
        """The query parameters, first value of each."""
        return {name: values[0] for name, values in self.query.items() if values}

    def header(self, name: str, default: str | None = None) -> str | None:
        """A request header, looked up case-insensitively."""
        lower = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lower), default)


@dataclasses.dataclass(frozen=True, slots=True)
class Request(_Asked):
    """One HTTP request as an endpoint sees it.

    Attributes
    ----------
    method, path
        ``GET``, ``/hek/her``, ...
    query
        The query string parsed into lists of values (blank values kept).
    headers
        Request headers (case-insensitive lookup with :meth:`header`).
    body
        The request body (empty for GET).
    index
        1-based number of the request in this server's run.
    transforms
        Data fault kinds (``bad_utf8``, ``mixed_keys``, ``empty``) the endpoint must
        apply to its answer.
    client
        The client's IP address (``127.0.0.1``).
    """

    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    body: bytes = b""
    index: int = 0
    transforms: frozenset[str] = frozenset()
    client: str = ""

    def param(self, name: str, default: str | None = None) -> str | None:
        """The first value of query parameter ``name``, or ``default``.

        Examples
        --------
        >>> Request("GET", "/", {"a": ["1", "2"]}, {}).param("a")
        '1'
        """
        values = self.query.get(name)
        return values[0] if values else default


@dataclasses.dataclass(frozen=True, slots=True)
class StreamBody:
    """A body of known length sent chunk by chunk (a file, or a part of one).

    Parameters
    ----------
    length
        Number of bytes the chunks add up to (the ``Content-Length``).
    chunks
        Called once per answer (never for HEAD); yields the bytes in order. A generator
        is closed when the answer stops early (fault, client gone, server stopped).
    seconds_per_mb
        Pacing: the body takes at least this many seconds per 10**6 bytes, so that
        throughput is bounded like a real link's.

    Examples
    --------
    >>> body = StreamBody(6, lambda: iter([b"abc", b"def"]))
    >>> b"".join(body.chunks()), body.length
    (b'abcdef', 6)
    """

    length: int
    chunks: Callable[[], Iterator[bytes]]
    seconds_per_mb: float = 0.0


@dataclasses.dataclass(frozen=True, slots=True)
class Response:
    """What an endpoint answers; build it with :meth:`json`, :meth:`text`, :meth:`html`
    or (large bodies, files) :meth:`streamed`.

    Examples
    --------
    >>> Response.json({"a": 1}).body
    b'{"a": 1}'
    >>> Response.text("no such thing", status=404).status
    404
    >>> Response.streamed(StreamBody(3, lambda: iter([b"abc"]))).length
    3
    """

    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    stream: StreamBody | None = None

    @property
    def length(self) -> int:
        """Length of the body (of the stream when there is one)."""
        return self.stream.length if self.stream is not None else len(self.body)

    @classmethod
    def streamed(
        cls,
        stream: StreamBody,
        *,
        status: int = 200,
        content_type: str = "application/octet-stream",
        headers: Iterable[tuple[str, str]] = (),
    ) -> Response:
        """An answer whose body is sent in chunks (see :class:`StreamBody`)."""
        return cls(status, b"", content_type, tuple(headers), stream)

    @classmethod
    def json(cls, doc: Any, *, status: int = 200, headers: Iterable[tuple[str, str]] = ()) -> Response:
        """A JSON answer (UTF-8, non-ASCII characters unescaped)."""
        body = json.dumps(doc, ensure_ascii=False).encode("utf-8", "surrogateescape")
        return cls(status, body, "application/json", tuple(headers))

    @classmethod
    def text(cls, text: str, *, status: int = 200, headers: Iterable[tuple[str, str]] = ()) -> Response:
        """A plain-text answer."""
        return cls(status, text.encode("utf-8"), "text/plain; charset=utf-8", tuple(headers))

    @classmethod
    def html(cls, page: str, *, status: int = 200, headers: Iterable[tuple[str, str]] = ()) -> Response:
        """An HTML answer."""
        return cls(status, page.encode("utf-8"), "text/html; charset=utf-8", tuple(headers))


Handler = Callable[[Request], Response]


@dataclasses.dataclass(frozen=True, slots=True)
class Route:
    """One endpoint of a replica.

    Parameters
    ----------
    path
        The exact path (``/hek/her``), or a prefix when ``prefix`` is true.
    handler
        The function that answers.
    methods
        HTTP methods it answers; others get 405.
    accepts
        Fault kinds that may hit it: transport faults by default; add the data kinds
        the handler applies through :attr:`Request.transforms`. An empty set keeps the
        endpoint out of the fault plan (and out of its request counts).
    prefix
        Match every path that starts with ``path``.
    faults
        A fault plan of this route's own, used instead of the server's (its own
        counters and latency); routes given the same plan object share its counters.
    match
        A predicate on the path that replaces the ``path``/``prefix`` test.
    """

    path: str
    handler: Handler
    methods: frozenset[str] = frozenset({"GET"})
    accepts: frozenset[str] = TRANSPORT_KINDS
    prefix: bool = False
    faults: FaultPlan | None = None
    match: Callable[[str], bool] | None = None

    def matches(self, path: str) -> bool:
        """Whether this route serves ``path``.

        Examples
        --------
        >>> Route("/files/", print, prefix=True).matches("/files/a.fits")
        True
        >>> Route("/d/", print, match=lambda p: p.endswith(".fts")).matches("/d/a.list")
        False
        """
        if self.match is not None:
            return self.match(path)
        return path.startswith(self.path) if self.prefix else path == self.path


@dataclasses.dataclass(frozen=True, slots=True)
class LoggedRequest(_Asked):
    """One entry of a replica's request log.

    Attributes
    ----------
    index
        1-based number of the request in this run.
    method, path, query
        What was asked (``query`` parsed into lists of values).
    status
        HTTP status sent, or None when the connection was reset without an answer.
    faults
        Spec strings of the faults applied.
    received
        Wall-clock time (``time.time()``) at which the request was read.
    duration
        Seconds from reading the request to sending the answer's head.
    sent_bytes, body_bytes
        Body bytes sent, and the full body length (what ``Content-Length`` announces,
        unless a ``length`` fault lied about it). For streamed bodies ``sent_bytes`` is
        corrected, once the answer ends, to what really went out (a client that went
        away, a stopped server).
    headers
        The request headers.
    client
        The client's IP address.
    """

    index: int
    method: str
    path: str
    query: Mapping[str, list[str]]
    status: int | None
    faults: tuple[str, ...]
    received: float
    duration: float
    sent_bytes: int = 0
    body_bytes: int = 0
    headers: Mapping[str, str] = dataclasses.field(default_factory=dict)
    client: str = ""

    @property
    def range(self) -> str | None:
        """The ``Range`` header the client sent (``bytes=1000-``), or None."""
        return self.header("Range")

    @property
    def full_body(self) -> bool:
        """Whether this was a GET answered 200 whose whole body went out (a complete download).

        Examples
        --------
        >>> LoggedRequest(1, "GET", "/a.fts", {}, 200, (), 0.0, 0.0, 10, 10).full_body
        True
        >>> LoggedRequest(2, "GET", "/a.fts", {}, 206, (), 0.0, 0.0, 4, 4).full_body
        False
        """
        return self.method == "GET" and self.status == 200 and self.sent_bytes == self.body_bytes


@dataclasses.dataclass(frozen=True, slots=True)
class SuffixMatch:
    """Path predicate for :attr:`Route.match`: below ``base`` and ending with one of ``suffixes``.

    The suffixes are compared case-insensitively.

    Examples
    --------
    >>> match = SuffixMatch("/data/", (".fts", ".fits"))
    >>> match("/data/job/a.FTS"), match("/data/job/a.list"), match("/other/a.fts")
    (True, False, False)
    """

    base: str
    suffixes: tuple[str, ...]

    def __call__(self, path: str) -> bool:
        return path.startswith(self.base) and path.lower().endswith(self.suffixes)
