"""The base of every replica: a threaded HTTP/1.1 server on loopback with a fault plan.

A replica subclasses :class:`SandboxServer` and lists its endpoints in :meth:`routes`;
each endpoint is a function from a :class:`Request` to a :class:`Response`. The base
class binds 127.0.0.1 on an ephemeral port, serves in a daemon thread (one thread per
connection, keep-alive with exact ``Content-Length``), applies the fault plan before
the endpoint runs, and keeps a log of every request for tests to inspect
(:mod:`jet_sandbox.server_log`).

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
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from types import TracebackType
from typing import ClassVar, Self

from jet_sandbox.faults import Fault, FaultPlan, FaultSchedule
from jet_sandbox.server_faults import NO_FAULTS, as_fault_plan, fault_response, wire_plan
from jet_sandbox.server_log import RequestLog
from jet_sandbox.server_messages import Handler, LoggedRequest, Request, Response, Route, StreamBody
from jet_sandbox.server_wire import (
    LoopbackHTTPServer,
    WireHandler,
    read_request,
    reset_connection,
    send_answer,
)

__all__ = [
    "SandboxServer",
    "Route",
    "Request",
    "Response",
    "StreamBody",
    "LoggedRequest",
    "as_fault_plan",
    "Handler",
]

logger = logging.getLogger(__name__)


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
        self._httpd: LoopbackHTTPServer | None = None
        self._port: int | None = None
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()
        self._stopped.set()
        self._lock = threading.Lock()
        self._log = RequestLog()
        self._schedule: FaultSchedule = self.fault_plan.schedule()
        self._connections: set[socket.socket] = set()
        self._routes: tuple[Route, ...] = ()
        self._route_schedules: dict[int, FaultSchedule] = {}
        self._open = threading.Event()  # cleared by hold(): requests wait, counted in flight
        self._open.set()

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
        httpd = LoopbackHTTPServer((self.host, self._requested_port), self)
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

    def hold(self) -> None:
        """Keep every new request waiting, read but unanswered, until :meth:`resume`.

        A test starts several clients, waits until :meth:`in_flight` counts each one's
        first request, and lets them all go at once, so that they really run together
        however slowly each one started.
        """
        self._open.clear()

    def resume(self) -> None:
        """Answer the requests held by :meth:`hold`, and every later one, as usual."""
        self._open.set()

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
        return self._log.entries()

    @property
    def received(self) -> int:
        """How many requests were read so far, including those not answered yet."""
        return self._log.received

    def in_flight(self, client: str | None = None) -> int:
        """Requests being answered now (body still being sent included), from ``client`` or all.

        Examples
        --------
        >>> from jet_sandbox.hek import HekServer
        >>> HekServer().in_flight()
        0
        """
        return self._log.in_flight(client)

    def clear_requests(self) -> None:
        """Empty the request log (request numbers and fault counters go on)."""
        self._log.clear()

    def wait_for_requests(self, n: int, timeout: float = 10.0) -> list[LoggedRequest]:
        """Wait until the log holds at least ``n`` requests; return the log.

        Raises
        ------
        TimeoutError
            If fewer than ``n`` requests arrived within ``timeout`` seconds.
        """
        entries = self._log.wait_for(n, timeout)
        if entries is None:
            raise TimeoutError(f"{self.label}: {len(self._log)} requests after {timeout} s, expected {n}")
        return entries

    # -- request handling --------------------------------------------------------------

    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def _route(self, path: str) -> Route | None:
        return next((r for r in self._routes if r.matches(path)), None)

    def _fault_response(self, fault: Fault) -> Response:
        """The answer of a status or HTML fault (a replica overrides it for its own error shape)."""
        return fault_response(fault, self.port)

    def _dispatch(self, handler: WireHandler) -> None:
        client = str(handler.client_address[0]) if handler.client_address else ""
        # release is called just before the last bytes of the answer go out, so that a client
        # that has the whole answer never finds its request still counted as in flight
        release = self._log.enter(client)
        try:
            self._answer(handler, client, release)
        finally:
            release()

    def _answer(self, handler: WireHandler, client: str, release: Callable[[], None]) -> None:
        started = time.monotonic()
        received = time.time()
        path, query, headers, body = read_request(handler)
        index = self._log.next_index()
        request = Request(handler.command, path, query, headers, body, index, frozenset(), client)
        while not self._open.wait(0.05):
            if self._stopped.is_set():
                handler.close_connection = True
                return
        route = self._route(path)
        decision = NO_FAULTS
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
                self._log.record(request, None, decision, received, started, 0, 0)
                reset_connection(handler)
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
        plan = wire_plan(decision, response.length, handler.command)
        self._log.record(request, response.status, decision, received, started, plan.sent, response.length)
        written = send_answer(handler, response, plan, release, self._stopped, self.label)
        if written != plan.sent:
            self._log.amend(index, written)

    def _schedule_for(self, route: Route) -> FaultSchedule:
        if route.faults is None:
            return self._schedule
        with self._lock:
            schedule = self._route_schedules.get(id(route.faults))
            if schedule is None:
                schedule = self._route_schedules[id(route.faults)] = route.faults.schedule()
            return schedule
