"""A fault plan (:class:`FaultPlan`) and its schedule, which decides request by request what fires."""

from __future__ import annotations

import dataclasses
import logging
import math
import random
import threading
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from jet_sandbox.errors import FaultSpecError
from jet_sandbox.faults_item import Fault
from jet_sandbox.faults_spec import DATA_KINDS, FAILURE_KINDS, KINDS, compact_number

__all__ = ["FaultPlan", "FaultSchedule", "FaultDecision"]

logger = logging.getLogger(__name__)


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
            parts.append(f"latency {compact_number(self.latency)} s")
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
