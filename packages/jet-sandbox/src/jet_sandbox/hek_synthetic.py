"""Deterministic synthetic coronal-jet (CJ) reports over any years, made lazily per day.

Each UTC day has its own random generator, seeded by ``(seed, day)``: it decides how
many jets start that day (Poisson, ``jets_per_week / 7`` on average), when, where on
the Sun and in which AIA channels (171, 193, 211, 304; one to three of them, one HEK
report per channel, all sharing the jet's ``SOL_standard``). Events therefore belong
to the time axis, not to a query: the events of a window are the union of those of
its sub-windows, and a ten-year query only visits the days it overlaps (no event lasts
more than :data:`MAX_DURATION`). Only ``random.Random.random`` is used, whose sequence
Python guarantees across versions, so a seed means the same events everywhere.

The reports have the 138 fields of the recorded June-2010 answer, in its key order,
with its quirks: ``hpc_x``/``hpc_y`` int or float, points on the disk or off the limb
(a few beyond +-1200 arcsec), ``boundbox_c2ll > boundbox_c2ur`` in most reports,
``obs_channelid`` as a string or an int, empty values as ``""`` or ``null``.

Examples
--------
>>> from jet_sandbox.hek_synthetic import synthetic_events, synthetic_jets
>>> jets = list(synthetic_jets("2015-03-01", "2015-04-01", seed=0))
>>> len(jets) > 0 and all(1 <= len(j.channels) <= 3 for j in jets)
True
>>> events = synthetic_events("2015-03-01", "2015-04-01", seed=0)
>>> len(events) == sum(len(j.channels) for j in jets), len(events[0])
(True, 138)
>>> events == synthetic_events("2015-03-01", "2015-04-01", seed=0)
True
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from jet_sandbox.draws import index, poisson, uniform
from jet_sandbox.hek_annotators import ANNOTATORS, IVO, Annotator
from jet_sandbox.hek_reports import jet_reports
from jet_sandbox.hek_sun import DAY_SECONDS, sun_geometry, visible_position
from jet_sandbox.hek_times import format_time, to_utc

__all__ = [
    "SyntheticJet",
    "Annotator",
    "ANNOTATORS",
    "CHANNELS",
    "DEFAULT_JETS_PER_WEEK",
    "MAX_DURATION",
    "jets_on_day",
    "jet_reports",
    "synthetic_jets",
    "synthetic_events",
    "sun_geometry",
]

CHANNELS: tuple[int, ...] = (171, 193, 211, 304)
"""AIA channels (Å) in which jets are reported."""


DEFAULT_JETS_PER_WEEK = 3.0
"""Mean number of synthetic jets per week (each reported in 1-3 channels)."""


MAX_DURATION = timedelta(hours=6)
"""No synthetic event lasts longer than this."""


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclasses.dataclass(frozen=True, slots=True)
class SyntheticJet:
    """One synthetic jet: its core values; :meth:`reports` gives the HEK reports.

    Attributes
    ----------
    seed, day, number
        Where it comes from: generator seed, day since 1970-01-01, index that day.
    start, end
        Its span (UTC, whole seconds).
    hgs_lon, hgs_lat
        Stonyhurst longitude and latitude of its base (degrees).
    height
        Height of the reported point above the surface (R_sun).
    hpc_x, hpc_y
        Reported helioprojective point (arcsec; int or float as an annotator gave it).
    channels
        AIA channels it is reported in (one report each).
    annotator
        Index into :data:`ANNOTATORS`.
    """

    seed: int
    day: int
    number: int
    start: datetime
    end: datetime
    hgs_lon: float
    hgs_lat: float
    height: float
    hpc_x: int | float
    hpc_y: int | float
    channels: tuple[int, ...]
    annotator: int

    @property
    def starttime(self) -> str:
        """``event_starttime`` of its reports."""
        return format_time(self.start)

    def kb_archivid(self, channel: int) -> str:
        """The unique id of its report in ``channel``.

        Examples
        --------
        >>> jet = next(synthetic_jets("2016-01-01", "2016-02-01"))
        >>> jet.kb_archivid(jet.channels[0]).startswith("ivo://helio-informatics.org/CJ")
        True
        """
        who = ANNOTATORS[self.annotator].display
        return f"{IVO}CJ{channel}_{who}_{self.start:%Y%m%d_%H%M%S}"

    @property
    def kb_archivids(self) -> tuple[str, ...]:
        """The ids of all its reports, one per channel."""
        return tuple(self.kb_archivid(ch) for ch in self.channels)

    def reports(self) -> list[dict[str, Any]]:
        """Its HEK reports, one per channel (fresh dicts)."""
        return [{**report, "refs": [dict(ref) for ref in report["refs"]]} for report in jet_reports(self)]


@lru_cache(maxsize=32768)
def jets_on_day(
    seed: int, day: int, jets_per_week: float = DEFAULT_JETS_PER_WEEK
) -> tuple[SyntheticJet, ...]:
    """The jets that start on ``day`` (days since 1970-01-01 UTC), in time order.

    Examples
    --------
    >>> jets_on_day(0, 16000) == jets_on_day(0, 16000)
    True
    >>> all(j.day == 16000 for j in jets_on_day(0, 16000))
    True
    """
    rng = random.Random(f"jet-sandbox-hek:{seed}:{day}:{jets_per_week!r}")
    count = poisson(rng, jets_per_week / 7.0)
    day_start = _EPOCH + timedelta(days=day)
    used: set[int] = set()
    jets = []
    for number in range(count):
        second = index(rng, DAY_SECONDS)
        while second in used:  # distinct start seconds keep kb_archivid unique
            second = index(rng, DAY_SECONDS)
        used.add(second)
        start = day_start + timedelta(seconds=second)
        kind = rng.random()
        minutes = (
            uniform(rng, 5, 60)
            if kind < 0.7
            else uniform(rng, 60, 180)
            if kind < 0.95
            else uniform(rng, 180, 359)
        )
        end = start + timedelta(seconds=round(minutes * 60))
        radius, b0, _ = sun_geometry(start)
        lon, lat, height, x, y = visible_position(rng, b0)
        as_int = rng.random() < 0.8
        hpc_x: int | float = round(x * radius) if as_int else round(x * radius, 2)
        hpc_y: int | float = round(y * radius) if as_int else round(y * radius, 2)
        n_channels = 1 if (u := rng.random()) < 0.45 else 2 if u < 0.7 else 3
        pool = list(CHANNELS)
        channels = sorted(pool.pop(index(rng, len(pool))) for _ in range(n_channels))
        annotator = index(rng, len(ANNOTATORS))
        jets.append(
            SyntheticJet(
                seed,
                day,
                number,
                start,
                end,
                round(lon, 6),
                round(lat, 6),
                round(height, 4),
                hpc_x,
                hpc_y,
                tuple(channels),
                annotator,
            )
        )
    jets.sort(key=lambda j: j.start)
    return tuple(jets)


def synthetic_jets(
    start: Any, end: Any, *, seed: int = 0, jets_per_week: float = DEFAULT_JETS_PER_WEEK
) -> Iterator[SyntheticJet]:
    """The synthetic jets overlapping ``start..end`` (both inclusive), in time order.

    Parameters
    ----------
    start, end
        The window: datetimes, ISO strings or astropy ``Time``.
    seed
        Generator seed.
    jets_per_week
        Mean number of jets per week.

    Examples
    --------
    >>> whole = {j.start for j in synthetic_jets("2012-01-01", "2012-03-01")}
    >>> parts = ({j.start for j in synthetic_jets("2012-01-01", "2012-02-01")}
    ...          | {j.start for j in synthetic_jets("2012-02-01", "2012-03-01")})
    >>> whole == parts
    True
    """
    begin, finish = to_utc(start), to_utc(end)
    first = math.floor((begin - MAX_DURATION - _EPOCH).total_seconds() / DAY_SECONDS)
    last = math.floor((finish - _EPOCH).total_seconds() / DAY_SECONDS)
    for day in range(first, last + 1):
        for jet in jets_on_day(seed, day, jets_per_week):
            if jet.start <= finish and jet.end >= begin:
                yield jet


def synthetic_events(
    start: Any, end: Any, *, seed: int = 0, jets_per_week: float = DEFAULT_JETS_PER_WEEK
) -> list[dict[str, Any]]:
    """The HEK reports of :func:`synthetic_jets` (fresh dicts), in time order."""
    return [
        report
        for jet in synthetic_jets(start, end, seed=seed, jets_per_week=jets_per_week)
        for report in jet.reports()
    ]
