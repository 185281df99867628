"""What the HEK replica knows: recorded events plus synthetic ones, and how it answers a query.

:class:`HekCatalog` is pure (no HTTP): :meth:`HekCatalog.search` answers one
:class:`~jet_sandbox.hek_query.HekQuery` page the way HEK does, and
:meth:`HekCatalog.expected` gives the truth set of ``kb_archivid`` for a query over all
pages, for tests. Results are sorted by (``event_starttime``, ``kb_archivid``), so
pages are stable and their concatenation equals one big page.

By default the catalog holds the recorded June-2010 answer, and synthetic jets
everywhere else in time: synthetic events overlapping the recorded month are left out,
so that the recorded query gets exactly the recorded answer.

Examples
--------
>>> from jet_sandbox.hek_catalog import HekCatalog
>>> catalog = HekCatalog(seed=0)
>>> len(catalog.expected("2010-06-01T00:00:00", "2010-07-01T00:00:00"))
16
>>> sorted(catalog.expected("2010-06-01", "2010-07-01", filters=[("obs_channelid", "=", "304")]))[0]
'ivo://helio-informatics.org/CJ304_AlbertoSainzDalda_20100630_222401'
>>> len(catalog.expected("2011-01-01", "2011-02-01")) > 0  # synthetic jets
True
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

from jet_sandbox.hek_data import RECORDED_SPAN, recorded_events
from jet_sandbox.hek_query import AttributeFilter, HekQuery, event_times, filters_from, format_time, to_utc
from jet_sandbox.hek_synthetic import DEFAULT_JETS_PER_WEEK, jet_reports, synthetic_jets

__all__ = ["HekCatalog", "HekAnswer"]


SortKey = tuple[str, str]


@dataclasses.dataclass(frozen=True, slots=True)
class HekAnswer:
    """One page of an answer.

    Attributes
    ----------
    result
        The events of the page (fresh dicts, ``return`` projection applied).
    overmax
        True when another page exists.
    total
        Number of events matching the query over all pages.
    """

    result: list[dict[str, Any]]
    overmax: bool
    total: int

    def to_doc(self) -> dict[str, Any]:
        """The JSON document HEK answers: ``{"result": [...], "overmax": ..., "association": []}``."""
        return {"result": self.result, "overmax": self.overmax, "association": []}


@dataclasses.dataclass(frozen=True, slots=True)
class _Recorded:
    key: SortKey
    start: datetime
    end: datetime
    event: Mapping[str, Any]


class HekCatalog:
    """Recorded plus synthetic HEK events, searchable like HEK.

    Parameters
    ----------
    events
        Recorded events (HEK-shaped dicts) to serve; None means the packaged June-2010
        answer. Events without a usable ``event_starttime`` never match.
    synthetic
        Also serve synthetic coronal jets (:mod:`jet_sandbox.hek_synthetic`).
    seed
        Seed of the synthetic events.
    jets_per_week
        Mean number of synthetic jets per week (each reported in 1-3 channels).
    recorded_span
        Synthetic events overlapping this (start, end) window are left out. ``"auto"``:
        the June-2010 month when ``events`` is None, else no window.

    Examples
    --------
    >>> catalog = HekCatalog([], seed=3)
    >>> q = HekQuery(to_utc("2014-01-01"), to_utc("2014-03-01"), ("cj",), limit=5)
    >>> page = catalog.search(q)
    >>> len(page.result), page.overmax, page.total == len(catalog.expected("2014-01-01", "2014-03-01"))
    (5, True, True)
    """

    def __init__(
        self,
        events: Iterable[Mapping[str, Any]] | None = None,
        *,
        synthetic: bool = True,
        seed: int = 0,
        jets_per_week: float = DEFAULT_JETS_PER_WEEK,
        recorded_span: tuple[Any, Any] | Literal["auto"] | None = "auto",
    ) -> None:
        if isinstance(recorded_span, str):  # "auto"
            recorded_span = RECORDED_SPAN if events is None else None
        self.synthetic = synthetic
        self.seed = seed
        self.jets_per_week = jets_per_week
        self.recorded_span = (
            None if recorded_span is None else (to_utc(recorded_span[0]), to_utc(recorded_span[1]))
        )
        source = recorded_events() if events is None else [dict(e) for e in events]
        recorded = []
        for event in source:
            times = event_times(event)
            if times is None:
                continue
            key = (format_time(times[0]), str(event.get("kb_archivid", "")))
            recorded.append(_Recorded(key, times[0], times[1], event))
        self._recorded: tuple[_Recorded, ...] = tuple(recorded)

    @property
    def recorded(self) -> list[dict[str, Any]]:
        """The recorded events (copies), in sort order."""
        return [dict(r.event) for r in sorted(self._recorded, key=lambda r: r.key)]

    def _candidates(self, query: HekQuery) -> list[tuple[SortKey, Callable[[], Mapping[str, Any]]]]:
        """Every matching event as (sort key, getter), sorted."""
        found: list[tuple[SortKey, Callable[[], Mapping[str, Any]]]] = []
        for rec in self._recorded:
            if query.overlaps(rec.start, rec.end) and query.matches(rec.event):
                found.append((rec.key, functools.partial(_identity, rec.event)))
        if self.synthetic and query.wants_type("CJ"):
            gap = self.recorded_span
            for jet in synthetic_jets(
                query.start, query.end, seed=self.seed, jets_per_week=self.jets_per_week
            ):
                if gap is not None and jet.start <= gap[1] and jet.end >= gap[0]:
                    continue
                if not query.in_box(jet.hpc_x, jet.hpc_y):
                    continue
                if query.filters:
                    for report in jet_reports(jet):
                        if query.matches_filters(report):
                            key = (jet.starttime, report["kb_archivid"])
                            found.append((key, functools.partial(_identity, report)))
                else:
                    for index, archivid in enumerate(jet.kb_archivids):
                        found.append(((jet.starttime, archivid), functools.partial(_nth_report, jet, index)))
        found.sort(key=lambda item: item[0])
        return found

    def search(self, query: HekQuery) -> HekAnswer:
        """One page of the answer to ``query``.

        Examples
        --------
        >>> catalog = HekCatalog(synthetic=False)
        >>> q = HekQuery(to_utc("2010-06-01"), to_utc("2010-07-01"), limit=10, page=2, fields=("frm_name",))
        >>> answer = catalog.search(q)
        >>> len(answer.result), answer.overmax, sorted(answer.result[0])
        (6, False, ['frm_name', 'kb_archivid'])
        """
        found = self._candidates(query)
        first = (query.page - 1) * query.limit
        page = [query.project(get()) for _, get in found[first : first + query.limit]]
        return HekAnswer(page, len(found) > query.page * query.limit, len(found))

    def count(self, query: HekQuery) -> int:
        """Number of events matching ``query`` over all pages."""
        return len(self._candidates(query))

    def expected(
        self,
        start: Any,
        end: Any,
        *,
        event_types: str | Sequence[str] = "**",
        box: Sequence[float] | None = None,
        filters: Iterable[AttributeFilter | Sequence[str]] = (),
    ) -> set[str]:
        """The ``kb_archivid`` of every event a query would return over all its pages.

        Parameters
        ----------
        start, end
            The window (datetime, ISO string or astropy ``Time``); overlapping events match.
        event_types
            ``"cj"``, ``"cj,fl"``, ``["cj"]`` or ``"**"`` (all).
        box
            ``(x1, y1, x2, y2)`` helioprojective arcsec, or None.
        filters
            ``(param, op, value)`` triples or :class:`AttributeFilter` items.

        Examples
        --------
        >>> catalog = HekCatalog(synthetic=False)
        >>> len(catalog.expected("2010-06-01", "2010-07-01", box=(0, -1200, 1200, 1200)))  # west half
        7
        >>> catalog.expected("2010-06-01", "2010-07-01", event_types="fl")
        set()
        """
        types = (
            tuple(t.strip() for t in event_types.split(","))
            if isinstance(event_types, str)
            else tuple(event_types)
        )
        query = HekQuery(
            to_utc(start),
            to_utc(end),
            types,
            None if box is None else (box[0], box[1], box[2], box[3]),
            filters_from(filters),
        )
        return {key[1] for key, _ in self._candidates(query)}


def _identity(event: Mapping[str, Any]) -> Mapping[str, Any]:
    return event


def _nth_report(jet: Any, index: int) -> Mapping[str, Any]:
    return jet_reports(jet)[index]
