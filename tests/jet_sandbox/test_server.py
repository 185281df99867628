"""The replica base: life cycle, HTTP/1.1 keep-alive, request log, transport faults, concurrency."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from jet_sandbox.faults import Fault, FaultPlan
from jet_sandbox.server import Request, Response, Route, SandboxServer


class Echo(SandboxServer):
    """A tiny replica: /echo answers its parameters, /admin is outside the fault plan."""

    name = "echo"
    label = "echo replica"
    entry_path = "/echo"

    def __init__(self, *, barrier: threading.Barrier | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.barrier = barrier

    def routes(self) -> Sequence[Route]:
        return [
            Route("/echo", self._echo, methods=frozenset({"GET", "POST"})),
            Route("/admin", lambda request: Response.text("ok"), accepts=frozenset()),
            Route("/boom", self._boom),
            Route("/files/", lambda request: Response.text(request.path), prefix=True),
        ]

    def _echo(self, request: Request) -> Response:
        if self.barrier is not None:
            self.barrier.wait(timeout=10)
        return Response.json(
            {
                "method": request.method,
                "params": request.params,
                "index": request.index,
                "body": request.body.decode(),
                "payload": "x" * 2000,
            }
        )

    def _boom(self, request: Request) -> Response:
        raise RuntimeError("replica bug")


def test_context_manager_starts_and_stops(fetch: Any) -> None:
    srv = Echo()
    with pytest.raises(RuntimeError, match="never started"):
        _ = srv.url
    with srv:
        assert srv.running and srv.url == f"http://127.0.0.1:{srv.port}/echo"
        reply = fetch(srv.url, {"a": "1"})
        assert reply.status == 200 and reply.json()["params"] == {"a": "1"}
        port = srv.port
    assert not srv.running and srv.wait(0)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    srv.stop()  # idempotent


def test_start_stop_methods_and_restart(fetch: Any) -> None:
    srv = Echo().start()
    try:
        assert srv.start() is srv  # no-op when running
        assert fetch(srv.url).status == 200
    finally:
        srv.stop()
    with srv:  # a stopped replica can start again
        assert fetch(srv.url).status == 200


def test_request_log_records_what_was_asked_and_sent(fetch: Any) -> None:
    with Echo() as srv:
        before = time.time()
        fetch(srv.url, {"q": "1", "empty": ""})
        fetch(srv.base_url + "/nowhere")
        fetch(srv.url, method="PUT")
        log = srv.wait_for_requests(3)
    assert [(r.index, r.method, r.path, r.status) for r in log] == [
        (1, "GET", "/echo", 200),
        (2, "GET", "/nowhere", 404),
        (3, "PUT", "/echo", 405),
    ]
    assert log[0].query == {"q": ["1"], "empty": [""]} and log[0].params == {"q": "1", "empty": ""}
    assert before <= log[0].received <= log[1].received <= log[2].received
    assert log[0].faults == () and log[0].sent_bytes == log[0].body_bytes > 2000
    srv.clear_requests()
    assert srv.requests == []


def test_keep_alive_with_exact_content_length() -> None:
    with Echo() as srv:
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        try:
            sockets = set()
            for i in range(5):
                if i % 2:
                    conn.request("POST", f"/echo?i={i}", body=b"hello")
                else:
                    conn.request("GET", f"/echo?i={i}")
                resp = conn.getresponse()
                body = resp.read()
                assert resp.status == 200 and int(resp.getheader("Content-Length")) == len(body)
                assert resp.version == 11 and not resp.will_close
                sockets.add(id(conn.sock))
            assert len(sockets) == 1  # all five on one connection
        finally:
            conn.close()
        assert [r.params["i"] for r in srv.requests] == ["0", "1", "2", "3", "4"]


def test_head_404_405_prefix_and_handler_errors(fetch: Any) -> None:
    with Echo() as srv:
        head = fetch(srv.url, method="HEAD")
        assert head.status == 200 and head.body == b"" and int(head.headers["content-length"]) > 0
        assert fetch(srv.base_url + "/missing").status == 404
        reply = fetch(srv.base_url + "/admin", method="POST")
        assert reply.status == 405 and reply.headers["allow"] == "GET"
        assert fetch(srv.base_url + "/files/a/b.fits").body == b"/files/a/b.fits"
        boom = fetch(srv.base_url + "/boom")
        assert boom.status == 500 and b"replica bug" in boom.body
        assert fetch(srv.url).status == 200  # still serving


def test_status_and_retry_after(fetch: Any) -> None:
    plan = FaultPlan(
        [Fault.status(503, times=2), Fault.retry_after(429, seconds=0.2), Fault.retry_after(503, seconds=3)]
    )
    with Echo(faults=plan) as srv:
        replies = [fetch(srv.url) for _ in range(5)]
    assert [r.status for r in replies] == [503, 503, 429, 503, 200]
    assert replies[0].headers["content-type"].startswith("text/html") and b"503" in replies[0].body
    assert "retry-after" not in replies[0].headers
    assert replies[2].headers["retry-after"] == "0.2" and replies[3].headers["retry-after"] == "3"
    assert [r.faults for r in srv.requests][:2] == [("503:times=2",)] * 2


def test_html_on_200(fetch: Any) -> None:
    with Echo(faults=["html:every=2"]) as srv:
        replies = [fetch(srv.url) for _ in range(4)]
    assert [r.status for r in replies] == [200] * 4
    kinds = [r.headers["content-type"].split(";")[0] for r in replies]
    assert kinds == ["application/json", "text/html"] * 2
    assert replies[1].body.lstrip().startswith(b"<!DOCTYPE html>")


def test_reset_drops_the_connection(fetch: Any) -> None:
    with Echo(faults=["reset:1"]) as srv:
        with pytest.raises((ConnectionResetError, http.client.RemoteDisconnected)):
            fetch(srv.url)
        assert fetch(srv.url).status == 200
        log = srv.wait_for_requests(2)
    assert (log[0].status, log[0].faults) == (None, ("reset:times=1",))


def test_truncate_sends_less_than_content_length() -> None:
    with Echo(faults=[Fault.truncate(0.25, times=1)]) as srv:
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
        conn.request("GET", "/echo")
        resp = conn.getresponse()
        announced = int(resp.getheader("Content-Length"))
        with pytest.raises(http.client.IncompleteRead) as info:
            resp.read()
        conn.close()
        assert len(info.value.partial) == announced // 4 < announced
        entry = srv.requests[0]
        assert (entry.sent_bytes, entry.body_bytes) == (announced // 4, announced)


def test_latency_and_delay(fetch: Any) -> None:
    with Echo(faults=["delay=0.3:1"], latency=0.25) as srv:
        timings = []
        for _ in range(2):
            started = time.monotonic()
            assert fetch(srv.url).status == 200
            timings.append(time.monotonic() - started)
        started = time.monotonic()
        fetch(srv.base_url + "/admin")  # outside the plan: no latency
        admin = time.monotonic() - started
    assert timings[0] >= 0.55 and 0.25 <= timings[1] < 0.55 and admin < 0.25
    assert srv.requests[0].duration >= 0.55 and srv.requests[2].duration < 0.25


def test_endpoints_outside_the_plan_neither_fail_nor_count(fetch: Any) -> None:
    with Echo(faults=["500:2"]) as srv:
        assert [fetch(srv.base_url + "/admin").status for _ in range(3)] == [200] * 3
        assert [fetch(srv.url).status for _ in range(3)] == [500, 500, 200]


def test_fault_specs_and_plan_are_accepted(fetch: Any) -> None:
    with Echo(faults=FaultPlan(["500:1"], latency=1.0), latency=0.0) as srv:
        assert srv.fault_plan.latency == 0.0  # latency= wins over the plan's
        assert fetch(srv.url).status == 500


def test_serves_clients_concurrently(fetch: Any) -> None:
    clients = 8
    # each answer waits until all 8 requests are in
    with Echo(barrier=threading.Barrier(clients)) as srv, ThreadPoolExecutor(clients) as pool:
        replies = list(pool.map(lambda i: fetch(srv.url, {"i": i}), range(clients)))
    assert sorted(int(r.json()["params"]["i"]) for r in replies) == list(range(clients))
    assert len({r.json()["index"] for r in replies}) == clients


def test_stop_is_prompt_with_idle_connections_and_long_delays() -> None:
    srv = Echo(faults=["delay=60:every=1"]).start()
    idle = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
    waiting = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
    waiting.sendall(b"GET /echo HTTP/1.1\r\nHost: x\r\n\r\n")
    deadline = time.monotonic() + 5
    while srv.received == 0 and time.monotonic() < deadline:  # poll: the request is read, now delayed
        time.sleep(0.01)
    assert srv.received == 1 and srv.requests == []
    started = time.monotonic()
    srv.stop()
    assert time.monotonic() - started < 3
    assert waiting.recv(100) == b""  # closed without an answer
    idle.close()
    waiting.close()


def test_held_requests_wait_until_resumed_then_all_are_answered(fetch: Any) -> None:
    with Echo() as srv, ThreadPoolExecutor(3) as pool:
        srv.hold()
        answers = [pool.submit(fetch, srv.url) for _ in range(3)]
        deadline = time.monotonic() + 10
        while srv.in_flight() < 3:  # all three read and waiting, none answered
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert not any(a.done() for a in answers) and srv.requests == []
        srv.resume()
        assert [a.result(timeout=10).status for a in answers] == [200] * 3
        assert len(srv.requests) == 3


def test_stopping_a_held_server_drops_the_waiting_requests() -> None:
    srv = Echo().start()
    srv.hold()
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    conn.request("GET", "/echo")
    deadline = time.monotonic() + 10
    while srv.in_flight() < 1:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    srv.stop()  # must not wait for a resume that never comes
    with pytest.raises((http.client.HTTPException, OSError)):
        conn.getresponse()
    assert srv.requests == []
