"""The base of every replica: a threaded HTTP/1.1 server on loopback with a fault plan.

A replica subclasses :class:`SandboxServer` and lists its endpoints in :meth:`routes`;
each endpoint is a function from a :class:`Request` to a :class:`Response`. The base
class binds 127.0.0.1 on an ephemeral port, serves in a daemon thread (one thread per
connection, keep-alive with exact ``Content-Length``), applies the fault plan before
the endpoint runs, and keeps a log of every request for tests to inspect.

Large bodies (files) are answered with a :class:`StreamBody` (:meth:`Response.streamed`):
known length, sent chunk by chunk, optionally paced (seconds per MB), with the
``truncate`` and ``length`` faults applied to the bytes on the wire; the log then
records the bytes really sent. A route may carry its own fault plan
(:attr:`Route.faults`, e.g. faults for file downloads only), and a replica may refuse a
request before routing (:meth:`SandboxServer.admit`, e.g. a per-client connection limit,
with :meth:`SandboxServer.in_flight`).

Examples
--------
>>> import urllib.request
>>> from jet_sandbox.server import Response, Route, SandboxServer
>>> class Hello(SandboxServer):
...     entry_path = "/hello"
...     def routes(self):
...         return [Route("/hello", lambda request: Response.text("hi " + request.param("name", "")))]
>>> with Hello(faults=["503:1"]) as srv:
...     try:
...         urllib.request.urlopen(srv.url + "?name=sun")
...     except urllib.error.HTTPError as err:
...         print(err.code)
...     print(urllib.request.urlopen(srv.url + "?name=sun").read())
...     print([(r.path, r.status, r.faults) for r in srv.requests])
503
b'hi sun'
[('/hello', 503, ('503:times=1',)), ('/hello', 200, ())]
"""

from __future__ import annotations

import contextlib
import dataclasses
import html
import itertools
import json
import logging
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar, Self
from urllib.parse import parse_qs, urlsplit

from jet_sandbox.faults import TRANSPORT_KINDS, Fault, FaultDecision, FaultPlan, FaultSchedule

__all__ = ["SandboxServer", "Route", "Request", "Response", "StreamBody", "LoggedRequest", "as_fault_plan"]

logger = logging.getLogger(__name__)

_NO_FAULTS = FaultDecision()


def as_fault_plan(
    faults: FaultPlan | Iterable[Fault | str] | None, latency: float | None = None
) -> FaultPlan:
    """A :class:`FaultPlan` from a plan, a list of faults or spec strings, or None.

    ``latency``, when given, replaces the plan's latency.

    Examples
    --------
    >>> as_fault_plan(["503:2"], latency=0.1).describe()
    'faults 503:times=2; latency 0.1 s'
    >>> as_fault_plan(None).describe()
    'no faults'
    """
    plan = faults if isinstance(faults, FaultPlan) else FaultPlan(faults or ())
    return plan if latency is None else plan.with_latency(latency)


@dataclasses.dataclass(frozen=True, slots=True)
class Request:
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

    @property
    def params(self) -> dict[str, str]:
        """The query parameters, first value of each."""
        return {name: values[0] for name, values in self.query.items() if values}

    def header(self, name: str, default: str | None = None) -> str | None:
        """A request header, looked up case-insensitively."""
        lower = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lower), default)


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
class LoggedRequest:
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
    def params(self) -> dict[str, str]:
        """The query parameters, first value of each."""
        return {name: values[0] for name, values in self.query.items() if values}

    def header(self, name: str, default: str | None = None) -> str | None:
        """A request header, looked up case-insensitively."""
        lower = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lower), default)

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


_ERROR_PAGE = """<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">
<html><head>
<title>{code} {phrase}</title>
</head><body>
<h1>{phrase}</h1>
<p>The server is temporarily unable to service your request due to maintenance downtime or
capacity problems. Please try again later.</p>
<hr>
<address>Apache Server at 127.0.0.1 Port {port}</address>
</body></html>
"""

_OUTAGE_PAGE = """<!DOCTYPE html>
<html><head><title>Service unavailable</title></head>
<body>
<h2>This service is temporarily unavailable</h2>
<p>We are sorry for the inconvenience. The database is being maintained; please try again later.</p>
</body></html>
"""


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], sandbox: SandboxServer) -> None:
        self.sandbox = sandbox
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go out in two writes: without TCP_NODELAY, Nagle holds the body back
    # until the client's delayed ACK (~40 ms) on every keep-alive answer
    disable_nagle_algorithm = True
    server_version = "jet-sandbox/0.1"
    timeout = 120  # idle keep-alive connections are closed after this many seconds
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.sandbox._track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.sandbox._track(self.connection, False)

    def _dispatch(self) -> None:
        self.server.sandbox._dispatch(self)

    # the names BaseHTTPRequestHandler dispatches to
    def do_GET(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_OPTIONS(self) -> None:
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)


class SandboxServer:
    """A replica: subclass it, list endpoints in :meth:`routes`, use it as a context manager.

    Parameters
    ----------
    faults
        A :class:`FaultPlan`, or a list of :class:`Fault` or spec strings.
    latency
        Seconds added before every answer of a fault-subject endpoint (replaces the
        plan's latency when given).
    host, port
        Where to listen; port 0 picks a free port.

    Attributes
    ----------
    name : str
        Short name of the replica (``hek``); the CLI's ``sandbox serve NAME``.
    label : str
        What people call it (``HEK replica``).
    env_var : str or None
        The jet-hunter environment variable that points a client at it.
    entry_path : str
        Path of the main endpoint; :attr:`url` is the base URL plus this.
    """

    name: ClassVar[str] = "sandbox"
    label: ClassVar[str] = "replica"
    env_var: ClassVar[str | None] = None
    entry_path: ClassVar[str] = "/"

    def __init__(
        self,
        *,
        faults: FaultPlan | Iterable[Fault | str] | None = None,
        latency: float | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.fault_plan = as_fault_plan(faults, latency)
        self.host = host
        self._requested_port = port
        self._httpd: _HTTPServer | None = None
        self._port: int | None = None
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()
        self._stopped.set()
        self._lock = threading.Condition()
        self._log: list[LoggedRequest] = []
        self._counter = itertools.count(1)
        self._received = 0
        self._schedule: FaultSchedule = self.fault_plan.schedule()
        self._connections: set[socket.socket] = set()
        self._routes: tuple[Route, ...] = ()
        self._route_schedules: dict[int, FaultSchedule] = {}
        self._in_flight: Counter[str] = Counter()

    # -- to be provided by replicas ----------------------------------------------------

    def routes(self) -> Sequence[Route]:
        """The endpoints of this replica."""
        raise NotImplementedError

    def admit(self, request: Request) -> Response | None:
        """Answer ``request`` before routing and faults, or None to let it through.

        The default lets every request through; a replica overrides it for a
        per-client limit (see :meth:`in_flight`). The answer is logged like any other.
        """
        return None

    def environment(self) -> dict[str, str]:
        """The environment variables that point jet-hunter at this replica (for the CLI).

        Examples
        --------
        >>> from jet_sandbox.hek import HekServer
        >>> with HekServer() as srv:
        ...     list(srv.environment()) == ["JET_HUNTER_HEK_URL"]
        True
        """
        return {} if self.env_var is None else {self.env_var: self.url}

    # -- life cycle --------------------------------------------------------------------

    def start(self) -> Self:
        """Bind the port and serve in a daemon thread (no-op if already running)."""
        if self._httpd is not None:
            return self
        self._routes = tuple(self.routes())
        self._schedule = self.fault_plan.schedule()
        self._route_schedules = {}
        httpd = _HTTPServer((self.host, self._requested_port), self)
        self._httpd = httpd
        self._port = int(httpd.server_address[1])
        self._stopped.clear()
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"jet-sandbox-{self.name}-{self.port}",
            daemon=True,
        )
        self._thread.start()
        logger.info("%s listening at %s (%s)", self.label, self.url, self.fault_plan.describe())
        return self

    def stop(self) -> None:
        """Stop serving, close open connections and free the port (idempotent)."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopped.set()  # wakes requests waiting out a delay
        httpd.shutdown()
        httpd.server_close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:  # wakes threads blocked on idle keep-alive connections
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
        logger.info("%s stopped after %d requests", self.label, len(self._log))

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the server is stopped (or ``timeout`` passes); True if stopped."""
        return self._stopped.wait(timeout)

    @property
    def running(self) -> bool:
        """Whether the server is serving."""
        return self._httpd is not None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- addresses ---------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The port the server listens on (or listened on, once stopped)."""
        if self._port is None:
            raise RuntimeError(f"the {self.label} was never started; call start() or use it in a with block")
        return self._port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """The URL of the main endpoint (the one clients are configured with)."""
        return self.base_url + self.entry_path

    # -- request log -------------------------------------------------------------------

    @property
    def requests(self) -> list[LoggedRequest]:
        """A copy of the request log, oldest first."""
        with self._lock:
            return list(self._log)

    @property
    def received(self) -> int:
        """How many requests were read so far, including those not answered yet."""
        with self._lock:
            return self._received

    def in_flight(self, client: str | None = None) -> int:
        """Requests being answered now (body still being sent included), from ``client`` or all.

        Examples
        --------
        >>> from jet_sandbox.hek import HekServer
        >>> HekServer().in_flight()
        0
        """
        with self._lock:
            if client is None:
                return sum(self._in_flight.values())
            return self._in_flight.get(client, 0)

    def clear_requests(self) -> None:
        """Empty the request log (request numbers and fault counters go on)."""
        with self._lock:
            self._log.clear()

    def wait_for_requests(self, n: int, timeout: float = 10.0) -> list[LoggedRequest]:
        """Wait until the log holds at least ``n`` requests; return the log.

        Raises
        ------
        TimeoutError
            If fewer than ``n`` requests arrived within ``timeout`` seconds.
        """
        with self._lock:
            if not self._lock.wait_for(lambda: len(self._log) >= n, timeout):
                raise TimeoutError(f"{self.label}: {len(self._log)} requests after {timeout} s, expected {n}")
            return list(self._log)

    # -- request handling --------------------------------------------------------------

    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def _route(self, path: str) -> Route | None:
        return next((r for r in self._routes if r.matches(path)), None)

    def _error_page(self, code: int) -> str:
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "Error"
        return _ERROR_PAGE.format(code=code, phrase=html.escape(phrase), port=self.port)

    def _fault_response(self, fault: Fault) -> Response:
        if fault.kind == "html":
            return Response.html(_OUTAGE_PAGE)
        headers = [] if fault.seconds is None else [("Retry-After", _seconds_header(fault.seconds))]
        assert fault.code is not None
        return Response.html(self._error_page(fault.code), status=fault.code, headers=headers)

    def _dispatch(self, handler: _Handler) -> None:
        client = str(handler.client_address[0]) if handler.client_address else ""
        with self._lock:
            self._in_flight[client] += 1
        done = threading.Event()

        def release() -> None:
            # called just before the last bytes of the answer go out, so that a client that has
            # the whole answer never finds its request still counted as in flight
            with self._lock:
                if done.is_set():
                    return
                done.set()
                self._in_flight[client] -= 1
                if self._in_flight[client] <= 0:
                    del self._in_flight[client]

        try:
            self._answer(handler, client, release)
        finally:
            release()

    def _answer(self, handler: _Handler, client: str, release: Callable[[], None]) -> None:
        started = time.monotonic()
        received = time.time()
        split = urlsplit(handler.path)
        path = split.path
        query = parse_qs(split.query, keep_blank_values=True)
        headers = {k: v for k, v in handler.headers.items()}
        body = b""
        length = handler.headers.get("Content-Length")
        if length and length.isdigit():
            body = handler.rfile.read(int(length))
        elif handler.headers.get("Transfer-Encoding"):
            handler.close_connection = True  # chunked uploads are not supported; don't reuse
        with self._lock:
            index = next(self._counter)
            self._received = index
        request = Request(handler.command, path, query, headers, body, index, frozenset(), client)
        route = self._route(path)
        decision = _NO_FAULTS
        refusal = self.admit(request)
        if refusal is not None:
            response = refusal
        elif route is None:
            response = Response.text(f"{path} not found on this {self.label}\n", status=404)
        elif handler.command not in route.methods and not (
            handler.command == "HEAD" and "GET" in route.methods
        ):
            response = Response.text(
                f"{handler.command} not allowed on {path}\n",
                status=405,
                headers=[("Allow", ", ".join(sorted(route.methods)))],
            )
        else:
            if route.accepts:
                decision = self._schedule_for(route).decide(route.accepts)
            if decision.delay > 0 and self._stopped.wait(decision.delay):
                handler.close_connection = True
                return
            if decision.response is not None and decision.response.kind == "reset":
                self._record(request, None, decision, received, started, 0, 0)
                _reset(handler)
                return
            if decision.response is not None:
                response = self._fault_response(decision.response)
            else:
                request = dataclasses.replace(request, transforms=decision.transforms)
                try:
                    response = route.handler(request)
                except Exception as err:  # a bug in a replica must not look like a hang
                    logger.exception("%s failed on %s", self.label, handler.path)
                    response = Response.text(f"internal error in the {self.label}: {err!r}\n", status=500)
        payload = response.body
        size = response.length
        sent = size
        announced = size
        if decision.truncate is not None:
            cut = decision.truncate
            sent = min(cut.nbytes, size) if cut.nbytes is not None else int(size * (cut.keep or 0.0))
        if decision.length is not None:
            announced = max(0, size + (decision.length.delta or 0))
            sent = min(size, announced)
        if handler.command == "HEAD":
            sent = 0
        self._record(request, response.status, decision, received, started, sent, size)
        handler.send_response(response.status)
        handler.send_header("Content-Type", response.content_type)
        handler.send_header("Content-Length", str(announced))
        for name, value in response.headers:
            handler.send_header(name, value)
        short = decision.length is not None and announced < size
        if decision.truncate is not None or (decision.length is not None and not short):
            handler.close_connection = True  # without saying so: the client finds out
        elif handler.close_connection or short:
            handler.close_connection = True  # a short answer: the rest is never sent, so say so
            handler.send_header("Connection", "close")
        if not sent:
            release()
        try:
            handler.end_headers()
        except OSError:  # the client went away
            handler.close_connection = True
            if sent:
                self._amend(index, 0)
            return
        if response.stream is not None and sent:
            written = self._write_stream(handler, response.stream, sent, release)
            if written != sent:
                handler.close_connection = True
                self._amend(index, written)
            return
        try:
            if sent:
                release()
                handler.wfile.write(payload[:sent])
            handler.wfile.flush()
        except OSError:  # the client went away
            handler.close_connection = True

    def _schedule_for(self, route: Route) -> FaultSchedule:
        if route.faults is None:
            return self._schedule
        with self._lock:
            schedule = self._route_schedules.get(id(route.faults))
            if schedule is None:
                schedule = self._route_schedules[id(route.faults)] = route.faults.schedule()
            return schedule

    def _write_stream(
        self, handler: _Handler, stream: StreamBody, limit: int, release: Callable[[], None]
    ) -> int:
        """Send up to ``limit`` bytes of ``stream``, paced; return how many went out."""
        written = 0
        began = time.monotonic()
        pace = max(stream.seconds_per_mb, 0.0) / 1e6
        chunks = stream.chunks()
        try:
            for chunk in chunks:
                if written >= limit:
                    break
                piece = chunk[: limit - written]
                if not piece:
                    continue
                if pace:
                    ahead = began + (written + len(piece)) * pace - time.monotonic()
                    if ahead > 0 and self._stopped.wait(ahead):
                        break
                if written + len(piece) >= limit:
                    release()
                try:
                    handler.wfile.write(piece)
                except OSError:  # the client went away (or reset the connection)
                    break
                written += len(piece)
            with contextlib.suppress(OSError):
                handler.wfile.flush()
        except Exception:  # a broken body source must not look like a hang
            logger.exception("%s failed while sending %s", self.label, handler.path)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        return written

    def _amend(self, index: int, sent: int) -> None:
        """Correct the bytes sent by request ``index`` once its body has ended."""
        with self._lock:
            for i in range(len(self._log) - 1, -1, -1):
                if self._log[i].index == index:
                    self._log[i] = dataclasses.replace(self._log[i], sent_bytes=sent)
                    self._lock.notify_all()
                    break

    def _record(
        self,
        request: Request,
        status: int | None,
        decision: FaultDecision,
        received: float,
        started: float,
        sent: int,
        size: int,
    ) -> None:
        entry = LoggedRequest(
            request.index,
            request.method,
            request.path,
            request.query,
            status,
            decision.labels,
            received,
            time.monotonic() - started,
            sent,
            size,
            request.headers,
            request.client,
        )
        with self._lock:
            self._log.append(entry)
            self._lock.notify_all()


def _seconds_header(seconds: float) -> str:
    """``Retry-After`` value: whole seconds as an integer, fractions as a decimal."""
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:g}"


def _reset(handler: _Handler) -> None:
    """Drop the connection with a TCP reset instead of an answer."""
    handler.close_connection = True
    with contextlib.suppress(OSError):
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.connection.close()
