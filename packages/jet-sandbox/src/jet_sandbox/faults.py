"""Fault plans: which requests to a replica fail, and how, deterministically.

A :class:`FaultPlan` is a declarative list of :class:`Fault` items plus a fixed latency
and a seed. A replica turns it into a :class:`FaultSchedule` (the mutable counters) when
it starts, and asks the schedule, request by request, what to do. The same plan and the
same sequence of requests always give the same faults.

Fault kinds
-----------
``status``
    Answer with an HTTP error status (``500``, ``503``, ``429``, ...) and a small HTML
    error page, optionally with a ``Retry-After`` header (seconds; fractions allowed so
    that tests stay fast).
``html``
    Answer ``200`` with an HTML "service unavailable" page instead of the data.
``reset``
    Close the connection without answering (TCP reset).
``truncate`` (alias ``cut``)
    Send ``Content-Length`` of the full answer but only a part of its bytes (the
    fraction ``keep``, or the first ``bytes``), then close the connection: a body cut
    mid-stream.
``length``
    Announce a wrong ``Content-Length``: ``delta`` bytes more (then send the whole body
    and close, so the client waits for bytes that never come) or fewer (send only that
    many bytes with ``Connection: close``, so the answer looks complete but is short).
``delay``
    Wait ``seconds`` before answering (on top of the plan's ``latency``).
``bad_utf8``, ``mixed_keys``, ``empty``
    Data faults, applied only by endpoints that know how: a latin-1 byte inside an
    otherwise valid JSON answer, rows with different key sets, an empty result.

``status``, ``html``, ``reset``, ``truncate`` and ``length`` are failures: at most one fires per
request (the first in plan order that triggers; the others neither fire nor use up
their ``times``). The data faults combine with each other, on answers that did not
fail. ``delay`` combines with anything.

Triggers
--------
``times=N``
    fire at most N times (a bare number in a spec means this);
``every=K``
    fire on every K-th eligible request (K, 2K, ...; counted after ``after``);
``p=P``
    fire with probability P, drawn from a random generator seeded by the plan's seed
    and the fault's spec, so it is reproducible (and other faults do not change it);
``after=M``
    ignore the first M eligible requests.

Triggers combine (``every=3:times=2`` fires on requests 3 and 6). A fault without
``times``, ``every`` or ``p`` fires once: ``every=1`` makes it permanent. Requests count
per fault, among the requests of the endpoints that accept that kind of fault.

Spec strings (the CLI's ``--fault``) are ``HEAD[:ITEM]...`` where ``HEAD`` is a status
code or a kind name and ``ITEM`` is a number (times) or ``key=value``::

    503:2                  503 on the first two requests
    429:retry_after=0.2    one 429 with "Retry-After: 0.2"
    html:every=7           200 + HTML on every 7th request
    truncate:keep=0.3:p=0.1
    cut:bytes=65536:2      two answers cut after 64 KiB
    length:delta=-100      one answer announcing 100 bytes fewer than it has
    delay=2:after=5        one request waits 2 s, after five normal ones
    bad_utf8:every=1       a latin-1 byte in every answer

Examples
--------
>>> from jet_sandbox.faults import Fault, FaultPlan
>>> plan = FaultPlan([Fault.status(503, times=2), Fault.retry_after(429, seconds=0.2)], latency=0.01)
>>> plan.specs()
['503:times=2', '429:retry_after=0.2:times=1']
>>> FaultPlan.parse(["503:2", "429:retry_after=0.2"], latency=0.01) == plan
True
>>> schedule = plan.schedule()
>>> [schedule.decide().labels for _ in range(4)]
[('503:times=2',), ('503:times=2',), ('429:retry_after=0.2:times=1',), ()]
"""

from __future__ import annotations

from jet_sandbox.faults_item import Fault
from jet_sandbox.faults_plan import FaultDecision, FaultPlan, FaultSchedule
from jet_sandbox.faults_spec import DATA_KINDS, FAILURE_KINDS, KINDS, REPLACING_KINDS, TRANSPORT_KINDS

__all__ = [
    "Fault",
    "FaultPlan",
    "FaultSchedule",
    "FaultDecision",
    "KINDS",
    "TRANSPORT_KINDS",
    "DATA_KINDS",
    "REPLACING_KINDS",
    "FAILURE_KINDS",
]
