"""The fault plan of the Panoptes replica: per-route faults, lost answers, early token expiry.

Built from the ordinary :class:`~jet_sandbox.faults.FaultPlan` of every replica:

``routes``
    ``{route: plan}``: faults applied before the route's handler runs (latency, 502,
    503, resets, ...), with the route's own counters; routes without one use the
    server's ``faults``. ``{"links": ["409:p=0.2"]}`` answers 409 to a fifth of the
    link requests, ``{"uploads": ["500:p=0.1"]}`` fails a tenth of the media PUTs.
``lost``
    ``{route: plan}`` of status faults applied AFTER a write (POST, PUT, DELETE) was
    done: the resource is created (or linked, or deleted) and the client gets the
    status instead of the answer (``{"subjects": ["504:p=0.1"]}``: a gateway timeout
    whose subject exists anyway).
``expire``
    A plan whose firing on an authenticated API request expires the token in use
    there and then (401 from that request on, until the client refreshes).

Route names (:data:`ROUTES`): ``sign_in``, ``token``, ``me``, ``users``, ``projects``,
``exports``, ``workflows``, ``links``, ``subject_sets``, ``set_member_subjects``,
``subjects``, ``classifications``, ``uploads`` (signed media PUTs), ``media`` (media
GETs), ``downloads`` (export files).

Examples
--------
>>> faults = PanoptesFaults.parse(routes={"links": ["409:p=0.5"]}, lost={"subjects": ["504:2"]}, seed=3)
>>> faults.routes["links"].specs(), faults.lost["subjects"].specs(), faults.routes["links"].seed
(['409:p=0.5'], ['504:times=2'], 3)
>>> PanoptesFaults.parse(routes={"nope": ["500"]})  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
jet_sandbox.errors.FaultSpecError: unknown Panoptes route 'nope'; known: classifications, downloads, ...
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

from jet_sandbox.errors import FaultSpecError
from jet_sandbox.faults import Fault, FaultPlan

__all__ = ["PanoptesFaults", "ROUTES"]

ROUTES: tuple[str, ...] = (
    "sign_in",
    "token",
    "me",
    "users",
    "projects",
    "exports",
    "workflows",
    "links",
    "subject_sets",
    "set_member_subjects",
    "subjects",
    "classifications",
    "uploads",
    "media",
    "downloads",
)
"""The names of the replica's routes, for per-route faults and request counts."""

PlanLike = FaultPlan | Iterable[Fault | str]


def _plan(value: PlanLike, latency: float, seed: int) -> FaultPlan:
    return value if isinstance(value, FaultPlan) else FaultPlan(value, latency=latency, seed=seed)


def _checked(names: Iterable[str]) -> None:
    for name in names:
        if name not in ROUTES:
            raise FaultSpecError(f"unknown Panoptes route {name!r}; known: {', '.join(sorted(ROUTES))}")


@dataclasses.dataclass(frozen=True, slots=True)
class PanoptesFaults:
    """Per-route plans, lost-answer plans and the early-expiry plan (see the module docstring)."""

    routes: Mapping[str, FaultPlan] = dataclasses.field(default_factory=dict)
    lost: Mapping[str, FaultPlan] = dataclasses.field(default_factory=dict)
    expire: FaultPlan | None = None

    def __post_init__(self) -> None:
        _checked(self.routes)
        _checked(self.lost)
        for name, plan in self.lost.items():
            if any(f.kind != "status" for f in plan.faults):
                raise FaultSpecError(f"lost answers of {name!r} must be status faults (e.g. 504:p=0.1)")

    @classmethod
    def parse(
        cls,
        *,
        routes: Mapping[str, PlanLike] | None = None,
        lost: Mapping[str, PlanLike] | None = None,
        expire: PlanLike | None = None,
        latency: float = 0.0,
        seed: int = 0,
    ) -> PanoptesFaults:
        """Plans from spec strings (or plans); ``latency`` applies to the per-route plans."""
        return cls(
            {k: _plan(v, latency, seed) for k, v in (routes or {}).items()},
            {k: _plan(v, 0.0, seed) for k, v in (lost or {}).items()},
            None if expire is None else _plan(expire, 0.0, seed),
        )

    @classmethod
    def from_specs(cls, items: Iterable[str], *, latency: float = 0.0, seed: int = 0) -> PanoptesFaults:
        """From CLI items ``ROUTE=SPEC``, ``lost:ROUTE=SPEC`` and ``expire=SPEC``.

        Examples
        --------
        >>> f = PanoptesFaults.from_specs(["uploads=500:p=0.1", "lost:subjects=504:1", "expire=401:after=5"])
        >>> f.routes["uploads"].specs(), f.lost["subjects"].specs(), f.expire.specs()
        (['500:p=0.1'], ['504:times=1'], ['401:times=1:after=5'])
        """
        routes: dict[str, list[str]] = {}
        lost: dict[str, list[str]] = {}
        expire: list[str] = []
        for item in items:
            name, eq, spec = item.partition("=")
            if not eq or not spec:
                raise FaultSpecError(f"expected ROUTE=SPEC, lost:ROUTE=SPEC or expire=SPEC, not {item!r}")
            if name == "expire":
                expire.append(spec)
            elif name.startswith("lost:"):
                lost.setdefault(name[5:], []).append(spec)
            else:
                routes.setdefault(name, []).append(spec)
        return cls.parse(routes=routes, lost=lost, expire=expire or None, latency=latency, seed=seed)

    def describe(self) -> str:
        """One line for people."""
        parts = [f"{k}: {v.describe()}" for k, v in self.routes.items()]
        parts += [f"lost {k}: {', '.join(v.specs())}" for k, v in self.lost.items()]
        if self.expire is not None:
            parts.append(f"expire: {', '.join(self.expire.specs())}")
        return "; ".join(parts) or "no route faults"
