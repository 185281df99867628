"""HTTP plumbing of a replica: the threaded server, its request handler, and writing answers to the socket."""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from jet_sandbox.server_faults import WirePlan
from jet_sandbox.server_messages import Response, StreamBody

if TYPE_CHECKING:
    from jet_sandbox.server import SandboxServer

__all__ = [
    "read_request",
    "send_answer",
    "write_stream",
    "LoopbackHTTPServer",
    "WireHandler",
    "reset_connection",
]

logger = logging.getLogger(__name__)


class LoopbackHTTPServer(ThreadingHTTPServer):
    """The threading HTTP server under a :class:`~jet_sandbox.server.SandboxServer`."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], sandbox: SandboxServer) -> None:
        self.sandbox = sandbox
        super().__init__(address, WireHandler)


class WireHandler(BaseHTTPRequestHandler):
    """The request handler that reads a request off the wire and sends the sandbox's answer."""

    protocol_version = "HTTP/1.1"
    # headers and body go out in two writes: without TCP_NODELAY, Nagle holds the body back
    # until the client's delayed ACK (~40 ms) on every keep-alive answer
    disable_nagle_algorithm = True
    server_version = "jet-sandbox/0.1"
    timeout = 120  # idle keep-alive connections are closed after this many seconds
    server: LoopbackHTTPServer

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

    # the names BaseHTTPRequestHandler dispatches to: every method goes to the replica
    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _dispatch  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)


def reset_connection(handler: WireHandler) -> None:
    """Drop the connection with a TCP reset instead of an answer."""
    handler.close_connection = True
    with contextlib.suppress(OSError):
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.connection.close()


def read_request(handler: WireHandler) -> tuple[str, dict[str, list[str]], dict[str, str], bytes]:
    """The path, query, headers and body of the request ``handler`` holds."""
    split = urlsplit(handler.path)
    query = parse_qs(split.query, keep_blank_values=True)
    headers = {k: v for k, v in handler.headers.items()}
    body = b""
    length = handler.headers.get("Content-Length")
    if length and length.isdigit():
        body = handler.rfile.read(int(length))
    elif handler.headers.get("Transfer-Encoding"):
        handler.close_connection = True  # chunked uploads are not supported; don't reuse
    return split.path, query, headers, body


def send_answer(
    handler: WireHandler,
    response: Response,
    plan: WirePlan,
    release: Callable[[], None],
    stopped: threading.Event,
    label: str,
) -> int:
    """Write ``response`` as ``plan`` says; return the body bytes that really went out.

    ``release`` is called just before the last bytes go out; ``stopped`` cuts a paced
    stream short when the server stops.
    """
    sent = plan.sent
    handler.send_response(response.status)
    handler.send_header("Content-Type", response.content_type)
    handler.send_header("Content-Length", str(plan.announced))
    for name, value in response.headers:
        handler.send_header(name, value)
    if plan.silent_close:
        handler.close_connection = True  # without saying so: the client finds out
    elif handler.close_connection or plan.short:
        handler.close_connection = True  # a short answer: the rest is never sent, so say so
        handler.send_header("Connection", "close")
    if not sent:
        release()
    try:
        handler.end_headers()
    except OSError:  # the client went away
        handler.close_connection = True
        return 0
    if response.stream is not None and sent:
        written = write_stream(handler, response.stream, sent, release, stopped, label)
        if written != sent:
            handler.close_connection = True
        return written
    try:
        if sent:
            release()
            handler.wfile.write(response.body[:sent])
        handler.wfile.flush()
    except OSError:  # the client went away
        handler.close_connection = True
    return sent


def write_stream(
    handler: WireHandler,
    stream: StreamBody,
    limit: int,
    release: Callable[[], None],
    stopped: threading.Event,
    label: str,
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
                if ahead > 0 and stopped.wait(ahead):
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
        logger.exception("%s failed while sending %s", label, handler.path)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return written
