"""A replica's request log: every request answered, and the requests read and in flight.

:class:`RequestLog` is thread-safe (one condition); :class:`~jet_sandbox.server.SandboxServer`
numbers each request it reads (:meth:`RequestLog.next_index`), counts it in flight while
it is answered (:meth:`RequestLog.enter`), and logs it once the answer's head is out
(:meth:`RequestLog.record`, corrected by :meth:`RequestLog.amend` when a body ends early).

Examples
--------
>>> from jet_sandbox.faults import FaultDecision
>>> from jet_sandbox.server_messages import Request
>>> log = RequestLog()
>>> index = log.next_index()
>>> release = log.enter("127.0.0.1")
>>> log.in_flight(), log.in_flight("127.0.0.1"), log.received
(1, 1, 1)
>>> request = Request("GET", "/x", {}, {}, b"", index, frozenset(), "127.0.0.1")
>>> log.record(request, 200, FaultDecision(), 0.0, 0.0, sent=10, size=10)
>>> release(); release()  # idempotent
>>> log.amend(index, 4)
>>> [(r.path, r.status, r.sent_bytes) for r in log.wait_for(1, timeout=1.0)], log.in_flight()
([('/x', 200, 4)], 0)
"""

from __future__ import annotations

import dataclasses
import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable

from jet_sandbox.faults import FaultDecision
from jet_sandbox.server_messages import LoggedRequest, Request

__all__ = ["RequestLog"]


class RequestLog:
    """The request log of one replica, with the counts of requests read and in flight."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._entries: list[LoggedRequest] = []
        self._counter = itertools.count(1)
        self._received = 0
        self._in_flight: Counter[str] = Counter()

    def __len__(self) -> int:
        with self._cond:
            return len(self._entries)

    def entries(self) -> list[LoggedRequest]:
        """A copy of the log, oldest first."""
        with self._cond:
            return list(self._entries)

    @property
    def received(self) -> int:
        """How many requests were read so far, including those not answered yet."""
        with self._cond:
            return self._received

    def next_index(self) -> int:
        """The number (from 1) of a request just read."""
        with self._cond:
            index = next(self._counter)
            self._received = index
            return index

    def enter(self, client: str) -> Callable[[], None]:
        """Count a request of ``client`` in flight; the function returned (idempotent) ends it."""
        with self._cond:
            self._in_flight[client] += 1
        done = threading.Event()

        def release() -> None:
            with self._cond:
                if done.is_set():
                    return
                done.set()
                self._in_flight[client] -= 1
                if self._in_flight[client] <= 0:
                    del self._in_flight[client]

        return release

    def in_flight(self, client: str | None = None) -> int:
        """Requests being answered now, from ``client`` or from all."""
        with self._cond:
            if client is None:
                return sum(self._in_flight.values())
            return self._in_flight.get(client, 0)

    def clear(self) -> None:
        """Empty the log (request numbers go on)."""
        with self._cond:
            self._entries.clear()

    def wait_for(self, n: int, timeout: float) -> list[LoggedRequest] | None:
        """The log once it holds at least ``n`` requests, or None after ``timeout`` seconds."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._entries) >= n, timeout):
                return None
            return list(self._entries)

    def record(
        self,
        request: Request,
        status: int | None,
        decision: FaultDecision,
        received: float,
        started: float,
        sent: int,
        size: int,
    ) -> None:
        """Log ``request``: read at ``received`` (wall clock) and ``started`` (monotonic)."""
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
        with self._cond:
            self._entries.append(entry)
            self._cond.notify_all()

    def amend(self, index: int, sent: int) -> None:
        """Correct the bytes sent by request ``index`` once its body has ended."""
        with self._cond:
            for i in range(len(self._entries) - 1, -1, -1):
                if self._entries[i].index == index:
                    self._entries[i] = dataclasses.replace(self._entries[i], sent_bytes=sent)
                    self._cond.notify_all()
                    break
