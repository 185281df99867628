"""One fault (:class:`Fault`): a kind of failure and the trigger that says when it happens."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any, ClassVar, Protocol, TypedDict, Unpack

from jet_sandbox.errors import FaultSpecError
from jet_sandbox.faults_spec import (
    FAILURE_KINDS,
    KINDS,
    REPLACING_KINDS,
    compact_number,
    spec_fields,
)

__all__ = ["Fault", "Trigger"]


def _check_trigger(times: int | None, every: int | None, p: float | None, after: int) -> None:
    if times is not None and times < 0:
        raise FaultSpecError(f"times must be >= 0, not {times}")
    if every is not None and every < 1:
        raise FaultSpecError(f"every must be >= 1, not {every}")
    if p is not None and not 0.0 <= p <= 1.0:
        raise FaultSpecError(f"p must be a probability in [0, 1], not {p}")
    if after < 0:
        raise FaultSpecError(f"after must be >= 0, not {after}")


class Trigger(TypedDict, total=False):
    """When a fault fires (keywords of every constructor): ``times``, ``every``, ``p``, ``after``."""

    times: int | None
    every: int | None
    p: float | None
    after: int


class _MakeFault(Protocol):
    def __call__(self, **trigger: Unpack[Trigger]) -> Fault: ...


class _PlainFault:
    """A constructor of a fault kind that takes nothing but its trigger (``Fault.html(every=7)``)."""

    def __init__(self, kind: str, summary: str) -> None:
        self.kind = kind
        self.__doc__ = summary

    def __get__(self, obj: object, owner: type[Fault]) -> _MakeFault:
        kind = self.kind

        def make(**trigger: Unpack[Trigger]) -> Fault:
            return owner(kind, **trigger)

        make.__name__ = make.__qualname__ = kind
        make.__doc__ = self.__doc__
        return make


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

    The kinds that take only a trigger (:class:`Trigger`):

    >>> [f.spec() for f in (Fault.html(every=7), Fault.reset(times=3), Fault.bad_utf8(every=1),
    ...                     Fault.mixed_keys(p=0.5), Fault.empty())]
    ['html:every=7', 'reset:times=3', 'bad_utf8:every=1', 'mixed_keys:p=0.5', 'empty:times=1']
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

    html: ClassVar[_PlainFault] = _PlainFault(
        "html", "Answer 200 with an HTML outage page instead of the data."
    )
    reset: ClassVar[_PlainFault] = _PlainFault("reset", "Close the connection without answering.")
    bad_utf8: ClassVar[_PlainFault] = _PlainFault(
        "bad_utf8", "Put a latin-1 byte inside a text value of an otherwise valid answer."
    )
    mixed_keys: ClassVar[_PlainFault] = _PlainFault(
        "mixed_keys", "Let some rows of the answer lack some keys and others carry extra ones."
    )
    empty: ClassVar[_PlainFault] = _PlainFault("empty", "Answer an empty result although there is data.")

    @classmethod
    def status(cls, code: int, **trigger: Unpack[Trigger]) -> Fault:
        """Answer with HTTP ``code`` and a small HTML error page.

        Examples
        --------
        >>> Fault.status(503, times=2).spec()
        '503:times=2'
        """
        return cls("status", code=code, **trigger)

    @classmethod
    def retry_after(cls, code: int = 429, *, seconds: float = 1.0, **trigger: Unpack[Trigger]) -> Fault:
        """Answer with HTTP ``code`` (429 by default) and ``Retry-After: seconds``.

        Examples
        --------
        >>> Fault.retry_after(seconds=0.2).spec()
        '429:retry_after=0.2:times=1'
        """
        return cls("status", code=code, seconds=seconds, **trigger)

    @classmethod
    def truncate(
        cls, keep: float | None = None, *, nbytes: int | None = None, **trigger: Unpack[Trigger]
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
        return cls("truncate", keep=keep, nbytes=nbytes, **trigger)

    @classmethod
    def length(cls, delta: int, **trigger: Unpack[Trigger]) -> Fault:
        """Announce ``delta`` bytes more (or fewer) in ``Content-Length`` than the body has.

        Examples
        --------
        >>> Fault.length(-100).spec()
        'length:delta=-100:times=1'
        >>> Fault.parse("content-length:delta=+4096:every=3").delta
        4096
        """
        return cls("length", delta=delta, **trigger)

    @classmethod
    def delay(cls, seconds: float, **trigger: Unpack[Trigger]) -> Fault:
        """Wait ``seconds`` before answering (a slow or hanging service).

        Examples
        --------
        >>> Fault.delay(2, after=5).spec()
        'delay:seconds=2:times=1:after=5'
        """
        return cls("delay", seconds=seconds, **trigger)

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
        fields = spec_fields(spec)
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
            parts.append(
                f"{'retry_after' if self.kind == 'status' else 'seconds'}={compact_number(self.seconds)}"
            )
        if self.keep is not None:
            parts.append(f"keep={compact_number(self.keep)}")
        if self.nbytes is not None:
            parts.append(f"bytes={self.nbytes}")
        if self.delta is not None:
            parts.append(f"delta={self.delta}")
        if self.times is not None:
            parts.append(f"times={self.times}")
        if self.every is not None:
            parts.append(f"every={self.every}")
        if self.p is not None:
            parts.append(f"p={compact_number(self.p)}")
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
