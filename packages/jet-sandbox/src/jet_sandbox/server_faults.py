"""The fault layer of a replica: the plan, the pages faults answer with, the bytes on the wire.

:func:`wire_plan` says what ``truncate`` and ``length`` faults do to an answer's body and
``Content-Length``; :func:`fault_response` is the answer of a status or HTML fault.
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Iterable
from http import HTTPStatus

from jet_sandbox.faults import Fault, FaultDecision, FaultPlan
from jet_sandbox.server_messages import Response

__all__ = [
    "as_fault_plan",
    "file_fault_plan",
    "error_page",
    "fault_response",
    "WirePlan",
    "wire_plan",
    "NO_FAULTS",
    "seconds_header",
]

NO_FAULTS = FaultDecision()


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


def file_fault_plan(
    file_faults: FaultPlan | Iterable[Fault | str] | None, server_plan: FaultPlan
) -> FaultPlan | None:
    """The separate fault plan of a replica's files, or None to let the server's plan apply.

    A list of faults or spec strings takes the server's latency; a plan keeps its own.

    Examples
    --------
    >>> server = FaultPlan(["503:1"], latency=0.5)
    >>> file_fault_plan(["cut:bytes=10"], server).describe(), file_fault_plan(None, server)
    ('faults truncate:bytes=10:times=1; latency 0.5 s', None)
    """
    if file_faults is None:
        return None
    return as_fault_plan(file_faults, None if isinstance(file_faults, FaultPlan) else server_plan.latency)


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


def seconds_header(seconds: float) -> str:
    """``Retry-After`` value: whole seconds as an integer, fractions as a decimal."""
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:g}"


def error_page(code: int, port: int) -> str:
    """The Apache-style HTML page a status fault answers with.

    Examples
    --------
    >>> "<title>503 Service Unavailable</title>" in error_page(503, 8080)
    True
    """
    try:
        phrase = HTTPStatus(code).phrase
    except ValueError:
        phrase = "Error"
    return _ERROR_PAGE.format(code=code, phrase=html.escape(phrase), port=port)


def fault_response(fault: Fault, port: int) -> Response:
    """The answer of an answer-replacing fault (``status`` or ``html``; not ``reset``).

    Examples
    --------
    >>> answer = fault_response(Fault.parse("429:retry-after=2.5"), 8080)
    >>> answer.status, answer.headers
    (429, (('Retry-After', '2.5'),))
    >>> fault_response(Fault.parse("html"), 8080).status
    200
    """
    if fault.kind == "html":
        return Response.html(_OUTAGE_PAGE)
    headers = [] if fault.seconds is None else [("Retry-After", seconds_header(fault.seconds))]
    assert fault.code is not None
    return Response.html(error_page(fault.code, port), status=fault.code, headers=headers)


@dataclasses.dataclass(frozen=True, slots=True)
class WirePlan:
    """How much of an answer goes on the wire once ``truncate``/``length`` faults apply.

    Attributes
    ----------
    sent
        Body bytes to write (0 for ``HEAD``).
    announced
        The ``Content-Length`` to send.
    silent_close
        Close the connection afterwards without saying so (the client finds out).
    short
        ``Content-Length`` is below the body: the rest is never sent, so say
        ``Connection: close``.
    """

    sent: int
    announced: int
    silent_close: bool
    short: bool


def wire_plan(decision: FaultDecision, size: int, method: str) -> WirePlan:
    """The :class:`WirePlan` of a ``size``-byte answer to a ``method`` request.

    Examples
    --------
    >>> from jet_sandbox.faults import FaultDecision
    >>> wire_plan(FaultDecision(), 100, "GET")
    WirePlan(sent=100, announced=100, silent_close=False, short=False)
    >>> wire_plan(FaultDecision(truncate=Fault.parse("truncate=0.5")), 100, "GET")
    WirePlan(sent=50, announced=100, silent_close=True, short=False)
    >>> wire_plan(FaultDecision(length=Fault.parse("length=-10")), 100, "HEAD")
    WirePlan(sent=0, announced=90, silent_close=False, short=True)
    """
    sent = size
    announced = size
    if decision.truncate is not None:
        cut = decision.truncate
        sent = min(cut.nbytes, size) if cut.nbytes is not None else int(size * (cut.keep or 0.0))
    if decision.length is not None:
        announced = max(0, size + (decision.length.delta or 0))
        sent = min(size, announced)
    if method == "HEAD":
        sent = 0
    short = decision.length is not None and announced < size
    silent = decision.truncate is not None or (decision.length is not None and not short)
    return WirePlan(sent, announced, silent, short)
