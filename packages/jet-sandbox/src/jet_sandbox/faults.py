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

import dataclasses
import logging
import math
import random
import threading
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from jet_sandbox.errors import FaultSpecError

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

logger = logging.getLogger(__name__)

REPLACING_KINDS: frozenset[str] = frozenset({"status", "html", "reset"})
"""Kinds that replace the answer (at most one fires per request)."""
FAILURE_KINDS: frozenset[str] = REPLACING_KINDS | {"truncate", "length"}
"""Kinds that make the request fail (at most one fires per request)."""
TRANSPORT_KINDS: frozenset[str] = FAILURE_KINDS | {"delay"}
"""Kinds that any endpoint accepts: they need no knowledge of the answer's content."""
DATA_KINDS: frozenset[str] = frozenset({"bad_utf8", "mixed_keys", "empty"})
"""Kinds that only endpoints which know their data can apply."""
KINDS: frozenset[str] = TRANSPORT_KINDS | DATA_KINDS
"""Every fault kind."""

_ALIASES = {
    "bad-utf8": "bad_utf8",
    "latin1": "bad_utf8",
    "non-utf8": "bad_utf8",
    "mixed-keys": "mixed_keys",
    "hang": "delay",
    "slow": "delay",
    "cut": "truncate",
    "content-length": "length",
    "content_length": "length",
}
_ITEM_ALIASES = {"retry-after": "retry_after", "retry_after": "retry_after", "prob": "p", "n": "times"}


def _check_trigger(times: int | None, every: int | None, p: float | None, after: int) -> None:
    if times is not None and times < 0:
        raise FaultSpecError(f"times must be >= 0, not {times}")
    if every is not None and every < 1:
        raise FaultSpecError(f"every must be >= 1, not {every}")
    if p is not None and not 0.0 <= p <= 1.0:
        raise FaultSpecError(f"p must be a probability in [0, 1], not {p}")
    if after < 0:
        raise FaultSpecError(f"after must be >= 0, not {after}")


def _number(value: float) -> str:
    """A compact decimal: ``2`` rather than ``2.0``."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


@dataclasses.dataclass(frozen=True, slots=True)
class Fault:
    """One kind of failure and when it happens (see the module docstring).

    Build faults with the class methods (:meth:`status`, :meth:`retry_after`,
    :meth:`html`, :meth:`reset`, :meth:`truncate`, :meth:`length`, :meth:`delay`,
    :meth:`bad_utf8`, :meth:`mixed_keys`, :meth:`empty`) or from a spec string with :meth:`parse`.

    Parameters
    ----------
    kind
        One of :data:`KINDS`.
    code
        HTTP status of a ``status`` fault.
    seconds
        ``Retry-After`` of a ``status`` fault, or the wait of a ``delay`` fault.
    keep
        Fraction of the body bytes that a ``truncate`` fault sends (0 <= keep < 1).
    times, every, p, after
        The trigger. Without ``times``, ``every`` and ``p`` the fault fires once.
    nbytes
        Number of body bytes that a ``truncate`` fault sends (instead of ``keep``;
        ``bytes=`` in a spec).
    delta
        Bytes that a ``length`` fault adds to (or, negative, takes from) the true
        ``Content-Length``.

    Examples
    --------
    >>> Fault.html(every=7)  # doctest: +NORMALIZE_WHITESPACE
    Fault(kind='html', code=None, seconds=None, keep=None, times=None, every=7, p=None, after=0,
          nbytes=None, delta=None)
    >>> str(Fault.status(500, p=0.25))
    '500:p=0.25'
    >>> Fault.parse("truncate:keep=0.25:2")  # doctest: +NORMALIZE_WHITESPACE
    Fault(kind='truncate', code=None, seconds=None, keep=0.25, times=2, every=None, p=None, after=0,
          nbytes=None, delta=None)
    """

    kind: str
    code: int | None = None
    seconds: float | None = None
    keep: float | None = None
    times: int | None = None
    every: int | None = None
    p: float | None = None
    after: int = 0
    nbytes: int | None = None
    delta: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise FaultSpecError(f"unknown fault kind {self.kind!r}; known: {', '.join(sorted(KINDS))}")
        if self.times is None and self.every is None and self.p is None:
            object.__setattr__(self, "times", 1)
        _check_trigger(self.times, self.every, self.p, self.after)
        if self.kind == "status":
            if self.code is None or not 400 <= self.code <= 599:
                raise FaultSpecError(f"a status fault needs an HTTP error code 400-599, not {self.code}")
        elif self.code is not None:
            raise FaultSpecError(f"only status faults take a status code (got {self.code} for {self.kind})")
        if self.kind == "delay" and self.seconds is None:
            raise FaultSpecError("a delay fault needs seconds (e.g. 'delay=2')")
        if self.seconds is not None:
            if self.kind not in ("status", "delay"):
                raise FaultSpecError(f"{self.kind} faults take no seconds")
            if not math.isfinite(self.seconds) or self.seconds < 0:
                raise FaultSpecError(f"seconds must be >= 0, not {self.seconds}")
        if self.kind == "truncate":
            if self.keep is not None and self.nbytes is not None:
                raise FaultSpecError("a truncate fault takes keep or bytes, not both")
            if self.nbytes is not None:
                if self.nbytes < 0:
                    raise FaultSpecError(f"bytes must be >= 0, not {self.nbytes}")
            elif self.keep is None:
                object.__setattr__(self, "keep", 0.5)
            elif not 0.0 <= self.keep < 1.0:
                raise FaultSpecError(f"keep must be in [0, 1), not {self.keep}")
        elif self.keep is not None or self.nbytes is not None:
            raise FaultSpecError(f"only truncate faults take keep or bytes (got one for {self.kind})")
        if self.kind == "length":
            if not self.delta:
                raise FaultSpecError("a length fault needs a non-zero delta (e.g. 'length:delta=-100')")
        elif self.delta is not None:
            raise FaultSpecError(f"only length faults take delta (got it for {self.kind})")

    # -- constructors ----------------------------------------------------------------

    @classmethod
    def status(
        cls,
        code: int,
        *,
        times: int | None = None,
        every: int | None = None,
        p: float | None = None,
        after: int = 0,
    ) -> Fault:
        """Answer with HTTP ``code`` and a small HTML error page.

        Examples
        --------
        >>> Fault.status(503, times=2).spec()
        '503:times=2'
        """
        return cls("status", code=code, times=times, every=every, p=p, after=after)

    @classmethod
    def retry_after(
        cls,
        code: int = 429,
        *,
        seconds: float = 1.0,
        times: int | None = None,
        every: int | None = None,
        p: float | None = None,
        after: int = 0,
    ) -> Fault:
        """Answer with HTTP ``code`` (429 by default) and ``Retry-After: seconds``.

        Examples
        --------
        >>> Fault.retry_after(seconds=0.2).spec()
        '429:retry_after=0.2:times=1'
        """
        return cls("status", code=code, seconds=seconds, times=times, every=every, p=p, after=after)

    @classmethod
    def html(
        cls, *, times: int | None = None, every: int | None = None, p: float | None = None, after: int = 0
    ) -> Fault:
        """Answer 200 with an HTML outage page instead of the data.

        Examples
        --------
        >>> Fault.html(every=7).spec()
        'html:every=7'
        """
        return cls("html", times=times, every=every, p=p, after=after)

    @classmethod
    def reset(
        cls, *, times: int | None = None, every: int | None = None, p: float | None = None, after: int = 0
    ) -> Fault:
        """Close the connection without answering.

        Examples
        --------
        >>> Fault.reset(times=3).spec()
        'reset:times=3'
        """
        return cls("reset", times=times, every=every, p=p, after=after)

    @classmethod
    def truncate(
        cls,
        keep: float | None = None,
        *,
        nbytes: int | None = None,
        times: int | None = None,
        every: int | None = None,
        p: float | None = None,
        after: int = 0,
    ) -> Fault:
        """Promise the whole body in ``Content-Length``, send the fraction ``keep`` (0.5
        by default) or the first ``nbytes`` bytes, close.

        Examples
        --------
        >>> Fault.truncate(every=5).spec()
        'truncate:keep=0.5:every=5'
        >>> Fault.truncate(nbytes=65536, times=2).spec()
        'truncate:bytes=65536:times=2'
        """
        return cls("truncate", keep=keep, nbytes=nbytes, times=times, every=every, p=p, after=after)

    @classmethod
    def length(
        cls,
        delta: int,
        *,
        times: int | None = None,
        every: int | None = None,
        p: float | None = None,
        after: int = 0,
    ) -> Fault:
        """Announce ``delta`` bytes more (or fewer) in ``Content-Length`` than the body has.

        Examples
        --------
        >>> Fault.length(-100).spec()
        'length:delta=-100:times=1'
        >>> Fault.parse("content-length:delta=+4096:every=3").delta
        4096
        """
        return cls("length", delta=delta, times=times, every=every, p=p, after=after)

    @classmethod
    def delay(
        cls,
        seconds: float,
        *,
        times: int | None = None,
        every: int | None = None,
        p: float | None = None,
        after: int = 0,
    ) -> Fault:
        """Wait ``seconds`` before answering (a slow or hanging service).

        Examples
        --------
        >>> Fault.delay(2, after=5).spec()
        'delay:seconds=2:times=1:after=5'
        """
        return cls("delay", seconds=seconds, times=times, every=every, p=p, after=after)

    @classmethod
    def bad_utf8(
        cls, *, times: int | None = None, every: int | None = None, p: float | None = None, after: int = 0
    ) -> Fault:
        """Put a latin-1 byte inside a text value of an otherwise valid answer.

        Examples
        --------
        >>> Fault.bad_utf8(every=1).spec()
        'bad_utf8:every=1'
        """
        return cls("bad_utf8", times=times, every=every, p=p, after=after)

    @classmethod
    def mixed_keys(
        cls, *, times: int | None = None, every: int | None = None, p: float | None = None, after: int = 0
    ) -> Fault:
        """Let some rows of the answer lack some keys and others carry extra ones.

        Examples
        --------
        >>> Fault.mixed_keys(p=0.5).spec()
        'mixed_keys:p=0.5'
        """
        return cls("mixed_keys", times=times, every=every, p=p, after=after)

    @classmethod
    def empty(
        cls, *, times: int | None = None, every: int | None = None, p: float | None = None, after: int = 0
    ) -> Fault:
        """Answer an empty result although there is data.

        Examples
        --------
        >>> Fault.empty().spec()
        'empty:times=1'
        """
        return cls("empty", times=times, every=every, p=p, after=after)

    # -- spec strings and dicts ------------------------------------------------------

    @classmethod
    def parse(cls, spec: str) -> Fault:
        """Read one spec string such as ``"503:2"`` or ``"html:every=7"``.

        Raises
        ------
        FaultSpecError
            If the spec cannot be understood.

        Examples
        --------
        >>> Fault.parse("429:retry-after=0.5:after=1")  # doctest: +NORMALIZE_WHITESPACE
        Fault(kind='status', code=429, seconds=0.5, keep=None, times=1, every=None, p=None, after=1,
              nbytes=None, delta=None)
        >>> Fault.parse("delay=1.5:every=4").seconds
        1.5
        """
        text = spec.strip()
        if not text:
            raise FaultSpecError("empty fault spec")
        head, *items = text.split(":")
        name, _, head_value = head.strip().partition("=")
        name = _ALIASES.get(name.lower(), name.lower())
        fields: dict[str, Any] = {}
        try:
            if name.isdigit():
                fields.update(kind="status", code=int(name))
                if head_value:
                    fields["seconds"] = float(head_value)
            else:
                fields["kind"] = name
                if head_value and name == "length":
                    fields["delta"] = int(head_value)
                elif head_value:
                    fields["keep" if name == "truncate" else "seconds"] = float(head_value)
            for raw in items:
                item = raw.strip()
                key, eq, value = item.partition("=")
                if not eq:
                    fields["times"] = int(item)
                    continue
                key = _ITEM_ALIASES.get(key.lower(), key.lower())
                if key == "retry_after":
                    key = "seconds"
                if key == "bytes":
                    key = "nbytes"
                if key in ("times", "every", "after", "code", "nbytes", "delta"):
                    fields[key] = int(value)
                elif key in ("p", "seconds", "keep"):
                    fields[key] = float(value)
                else:
                    raise FaultSpecError(f"unknown item {key!r} in fault spec {spec!r}")
        except ValueError as err:
            if isinstance(err, FaultSpecError):
                raise
            raise FaultSpecError(f"cannot read fault spec {spec!r}: {err}") from None
        try:
            return cls(**fields)
        except FaultSpecError as err:
            raise FaultSpecError(f"fault spec {spec!r}: {err}") from None

    def spec(self) -> str:
        """The canonical spec string; ``Fault.parse(f.spec()) == f``.

        Examples
        --------
        >>> Fault.parse("html:every=7:after=2").spec()
        'html:every=7:after=2'
        """
        parts = [str(self.code) if self.kind == "status" else self.kind]
        if self.seconds is not None:
            parts.append(f"{'retry_after' if self.kind == 'status' else 'seconds'}={_number(self.seconds)}")
        if self.keep is not None:
            parts.append(f"keep={_number(self.keep)}")
        if self.nbytes is not None:
            parts.append(f"bytes={self.nbytes}")
        if self.delta is not None:
            parts.append(f"delta={self.delta}")
        if self.times is not None:
            parts.append(f"times={self.times}")
        if self.every is not None:
            parts.append(f"every={self.every}")
        if self.p is not None:
            parts.append(f"p={_number(self.p)}")
        if self.after:
            parts.append(f"after={self.after}")
        return ":".join(parts)

    def __str__(self) -> str:
        return self.spec()

    def to_dict(self) -> dict[str, Any]:
        """The fault as a JSON-ready dict (only the fields that are set).

        Examples
        --------
        >>> Fault.status(503, times=2).to_dict()
        {'kind': 'status', 'code': 503, 'times': 2}
        """
        doc = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return {k: v for k, v in doc.items() if v is not None and not (k == "after" and v == 0)}

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Fault:
        """Inverse of :meth:`to_dict`.

        Examples
        --------
        >>> Fault.from_dict({"kind": "html", "every": 3}).spec()
        'html:every=3'
        """
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(doc) - known
        if unknown:
            raise FaultSpecError(f"unknown fault field(s): {', '.join(sorted(unknown))}")
        return cls(**dict(doc))

    @property
    def replaces_answer(self) -> bool:
        """Whether this fault replaces the answer (``status``, ``html``, ``reset``)."""
        return self.kind in REPLACING_KINDS

    @property
    def fails(self) -> bool:
        """Whether this fault makes the request fail (the replacing kinds, ``truncate``, ``length``)."""
        return self.kind in FAILURE_KINDS


@dataclasses.dataclass(frozen=True, slots=True, init=False)
class FaultPlan:
    """An ordered list of faults, a latency added to every request, and a seed.

    Parameters
    ----------
    faults
        :class:`Fault` items or spec strings, in priority order.
    latency
        Seconds every request to a fault-subject endpoint waits before it is answered.
    seed
        Seed of the random draws of probabilistic (``p=``) faults.

    Examples
    --------
    >>> plan = FaultPlan(["503:2", Fault.html(every=7)], latency=0.15, seed=1)
    >>> plan.to_dict()
    {'faults': ['503:times=2', 'html:every=7'], 'latency': 0.15, 'seed': 1}
    >>> FaultPlan.from_dict(plan.to_dict()) == plan
    True
    >>> FaultPlan().faults
    ()
    """

    faults: tuple[Fault, ...]
    latency: float
    seed: int

    def __init__(self, faults: Iterable[Fault | str] = (), *, latency: float = 0.0, seed: int = 0) -> None:
        items = tuple(f if isinstance(f, Fault) else Fault.parse(f) for f in faults)
        if not math.isfinite(latency) or latency < 0:
            raise FaultSpecError(f"latency must be >= 0 seconds, not {latency}")
        object.__setattr__(self, "faults", items)
        object.__setattr__(self, "latency", float(latency))
        object.__setattr__(self, "seed", int(seed))

    @classmethod
    def parse(cls, specs: Iterable[str], *, latency: float = 0.0, seed: int = 0) -> FaultPlan:
        """A plan from spec strings (as given to ``--fault``).

        Examples
        --------
        >>> FaultPlan.parse(["503:2", "html:every=7"], latency=0.15).specs()
        ['503:times=2', 'html:every=7']
        """
        return cls([Fault.parse(s) for s in specs], latency=latency, seed=seed)

    def specs(self) -> list[str]:
        """The faults as canonical spec strings."""
        return [f.spec() for f in self.faults]

    def to_dict(self) -> dict[str, Any]:
        """The plan as a JSON-ready dict (faults as spec strings)."""
        return {"faults": self.specs(), "latency": self.latency, "seed": self.seed}

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> FaultPlan:
        """A plan from :meth:`to_dict` output; faults may be spec strings or dicts.

        Examples
        --------
        >>> FaultPlan.from_dict({"faults": [{"kind": "status", "code": 500}], "latency": 0}).specs()
        ['500:times=1']
        """
        unknown = set(doc) - {"faults", "latency", "seed"}
        if unknown:
            raise FaultSpecError(f"unknown fault plan field(s): {', '.join(sorted(unknown))}")
        faults = [
            Fault.from_dict(f) if isinstance(f, Mapping) else Fault.parse(str(f))
            for f in doc.get("faults", ())
        ]
        return cls(faults, latency=float(doc.get("latency", 0.0)), seed=int(doc.get("seed", 0)))

    def with_latency(self, latency: float) -> FaultPlan:
        """The same plan with another latency.

        Examples
        --------
        >>> FaultPlan(["503"]).with_latency(0.5).latency
        0.5
        """
        return FaultPlan(self.faults, latency=latency, seed=self.seed)

    def describe(self) -> str:
        """One line for people: the faults and the latency.

        Examples
        --------
        >>> FaultPlan(["503:2"], latency=0.15).describe()
        'faults 503:times=2; latency 0.15 s'
        >>> FaultPlan().describe()
        'no faults'
        """
        parts = []
        if self.faults:
            parts.append("faults " + ", ".join(self.specs()))
        if self.latency:
            parts.append(f"latency {_number(self.latency)} s")
        return "; ".join(parts) or "no faults"

    def schedule(self) -> FaultSchedule:
        """Fresh counters for one run of a replica."""
        return FaultSchedule(self)


@dataclasses.dataclass(frozen=True, slots=True)
class FaultDecision:
    """What to do with one request.

    Attributes
    ----------
    delay
        Seconds to wait before answering (latency plus delay faults).
    response
        The answer-replacing fault (``status``, ``html`` or ``reset``), if any.
    truncate
        The ``truncate`` fault to apply to the normal answer, if any.
    length
        The ``length`` fault (wrong ``Content-Length``) to apply to the normal answer, if any.
    transforms
        The data fault kinds the endpoint should apply to its answer.
    fired
        Every fault that fired, in plan order (for the request log).
    """

    delay: float = 0.0
    response: Fault | None = None
    truncate: Fault | None = None
    transforms: frozenset[str] = frozenset()
    fired: tuple[Fault, ...] = ()
    length: Fault | None = None

    @property
    def labels(self) -> tuple[str, ...]:
        """Spec strings of the faults that fired."""
        return tuple(f.spec() for f in self.fired)


class FaultSchedule:
    """The mutable state of a :class:`FaultPlan` during one run (thread-safe).

    Examples
    --------
    >>> schedule = FaultPlan(["html:every=2", "empty:every=3"]).schedule()
    >>> [schedule.decide().labels for _ in range(6)]  # doctest: +NORMALIZE_WHITESPACE
    [(), ('html:every=2',), ('empty:every=3',), ('html:every=2',), (),
     ('html:every=2',)]
    >>> schedule = FaultPlan(["bad_utf8:every=1"]).schedule()
    >>> schedule.decide(accepts={"status"}).transforms  # the endpoint cannot apply it
    frozenset()
    """

    def __init__(self, plan: FaultPlan) -> None:
        self.plan = plan
        self._lock = threading.Lock()
        n = len(plan.faults)
        self._seen = [0] * n
        self._fired = [0] * n
        specs = [f.spec() for f in plan.faults]
        # keyed by the fault itself (not its position), so that adding a fault leaves the others' draws alone
        self._rngs = [
            random.Random(f"jet-sandbox-faults:{plan.seed}:{spec}:{specs[:i].count(spec)}")
            for i, spec in enumerate(specs)
        ]

    def decide(self, accepts: Collection[str] = KINDS) -> FaultDecision:
        """Count one request to an endpoint that accepts the fault kinds ``accepts``.

        Parameters
        ----------
        accepts
            The kinds the endpoint can apply; other faults neither fire nor count.
        """
        with self._lock:
            triggered: list[bool] = []
            for i, fault in enumerate(self.plan.faults):
                if fault.kind not in accepts:
                    triggered.append(False)
                    continue
                self._seen[i] += 1
                n = self._seen[i] - fault.after
                draw = self._rngs[i].random() if fault.p is not None else 0.0
                triggered.append(
                    n > 0
                    and (fault.every is None or n % fault.every == 0)
                    and (fault.p is None or draw < fault.p)
                    and (fault.times is None or self._fired[i] < fault.times)
                )
            fired: set[int] = set()
            failure: Fault | None = None
            for i, fault in enumerate(self.plan.faults):
                if triggered[i] and fault.kind in FAILURE_KINDS and failure is None:
                    failure = fault
                    fired.add(i)
            for i, fault in enumerate(self.plan.faults):
                if triggered[i] and (fault.kind == "delay" or (fault.kind in DATA_KINDS and failure is None)):
                    fired.add(i)
            for i in fired:
                self._fired[i] += 1
        chosen = [f for i, f in enumerate(self.plan.faults) if i in fired]
        response = failure if failure is not None and failure.replaces_answer else None
        truncate = failure if failure is not None and failure.kind == "truncate" else None
        length = failure if failure is not None and failure.kind == "length" else None
        delay = self.plan.latency + sum(f.seconds or 0.0 for f in chosen if f.kind == "delay")
        transforms = frozenset(f.kind for f in chosen if f.kind in DATA_KINDS)
        if chosen:
            logger.debug("faults fired: %s", ", ".join(f.spec() for f in chosen))
        return FaultDecision(
            delay=delay,
            response=response,
            truncate=truncate,
            transforms=transforms,
            fired=tuple(chosen),
            length=length,
        )
