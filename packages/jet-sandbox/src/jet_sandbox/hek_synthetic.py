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
import logging
import math
import random
import struct
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from jet_sandbox.hek_data import template_event
from jet_sandbox.hek_query import format_time, to_utc

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

logger = logging.getLogger(__name__)

CHANNELS: tuple[int, ...] = (171, 193, 211, 304)
"""AIA channels (Å) in which jets are reported."""
DEFAULT_JETS_PER_WEEK = 3.0
"""Mean number of synthetic jets per week (each reported in 1-3 channels)."""
MAX_DURATION = timedelta(hours=6)
"""No synthetic event lasts longer than this."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_J2000 = datetime(2000, 1, 1, 12, tzinfo=UTC)
_DAY = 86400
_IVO = "ivo://helio-informatics.org/"


@dataclasses.dataclass(frozen=True, slots=True)
class Annotator:
    """Who reports a synthetic jet (fictional HEK accounts named after solar astronomers)."""

    frm_name: str
    archivist: str
    display: str
    institute: str


ANNOTATORS: tuple[Annotator, ...] = (
    Annotator("carrington", "carrington_richard", "RichardCarrington", "LMSAL"),
    Annotator("hale", "hale_george", "GeorgeHale", "LMSAL"),
    Annotator("secchi", "secchi_angelo", "AngeloSecchi", "SAO"),
    Annotator("maunder", "maunder_annie", "AnnieMaunder", "LMSAL"),
    Annotator("lockyer", "lockyer_norman", "NormanLockyer", "NSO"),
    Annotator("evershed", "evershed_john", "JohnEvershed", "LMSAL"),
)
"""The fictional annotators of synthetic reports."""

_DESCRIPTIONS = (
    "Coronal jet at the east limb.",
    "Polar jet in the north polar coronal hole.",
    "Blowout jet with a twisting spire.",
    "Small standard jet from an emerging bipole.",
    "Jet with retraction",
    "Recurrent jet from the same bright point, third in two hours.",
    "Jet-like eruption above the west limb, faint in 304.",
    "Narrow collimated jet along open field lines.",
    "Coronal jet associated with a mini-filament eruption just to the south.",
    "Two-sided loop jet near an active region.",
)
_TITLES = ("Coronal jet", "Polar Jet", "Jet", "Limb jet", "Blowout jet", "Coronal cusp/jet")
_IDENTIFIERS = ("Annotator", "Annotator-build_20100621-avc", "Annotator-build_20100621-ext")


def sun_geometry(moment: datetime) -> tuple[float, float, float]:
    """Apparent solar radius (arcsec), B0 and L0 (degrees) seen from Earth, approximately.

    Low-precision almanac formulas (good to a fraction of a degree), enough to place
    synthetic events consistently in helioprojective, Stonyhurst and Carrington
    coordinates.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> radius, b0, l0 = sun_geometry(datetime(2010, 9, 8, tzinfo=UTC))
    >>> round(radius), round(b0, 1)
    (952, 7.2)
    """
    days = (moment - _J2000).total_seconds() / _DAY
    anomaly = math.radians(357.529 + 0.98560028 * days)
    mean_lon = 280.459 + 0.98564736 * days
    ecliptic_lon = math.radians(mean_lon + 1.915 * math.sin(anomaly) + 0.020 * math.sin(2 * anomaly))
    distance = 1.00014 - 0.01671 * math.cos(anomaly) - 0.00014 * math.cos(2 * anomaly)
    julian = days + 2451545.0
    node = math.radians(73.6667 + 1.3958333 * (julian - 2396758.0) / 36525.0)
    b0 = math.degrees(math.asin(math.sin(ecliptic_lon - node) * math.sin(math.radians(7.25))))
    l0 = (360.0 - ((julian - 2398167.4) / 27.2753 % 1.0) * 360.0) % 360.0
    return 959.63 / distance, b0, l0


def _uniform(rng: random.Random, low: float, high: float) -> float:
    return low + (high - low) * rng.random()


def _index(rng: random.Random, n: int) -> int:
    return min(int(rng.random() * n), n - 1)


def _poisson(rng: random.Random, mean: float) -> int:
    limit = math.exp(-mean)
    count, product = 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _project(lon: float, lat: float, height: float, b0: float) -> tuple[float, float, float]:
    """Stonyhurst (deg, R_sun above the surface) -> observer frame in R_sun (x west, y north, z to us)."""
    lon_r, lat_r, b0_r = math.radians(lon), math.radians(lat), math.radians(b0)
    r = 1.0 + height
    x = r * math.cos(lat_r) * math.sin(lon_r)
    y = r * (math.sin(lat_r) * math.cos(b0_r) - math.cos(lat_r) * math.cos(lon_r) * math.sin(b0_r))
    z = r * (math.sin(lat_r) * math.sin(b0_r) + math.cos(lat_r) * math.cos(lon_r) * math.cos(b0_r))
    return x, y, z


def _position(rng: random.Random, b0: float) -> tuple[float, float, float, float, float]:
    """(lon, lat, height, x, y) of a visible jet; x, y in R_sun."""
    for _ in range(50):
        polar = rng.random() < 0.4
        sign = 1.0 if rng.random() < 0.5 else -1.0
        lat = sign * (_uniform(rng, 60.0, 85.0) if polar else _uniform(rng, 5.0, 40.0))
        lon = _uniform(rng, -100.0, 100.0)
        height = _uniform(rng, 0.0, 0.12) if rng.random() < 0.92 else _uniform(rng, 0.15, 0.35)
        x, y, z = _project(lon, lat, height, b0)
        if z >= 0 or math.hypot(x, y) >= 1.0:
            return lon, lat, height, x, y
    lon = 90.0 if rng.random() < 0.5 else -90.0  # pragma: no cover - 50 hidden draws in a row
    x, y, _ = _project(lon, 0.0, 0.05, b0)
    return lon, 0.0, 0.05, x, y


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
        return f"{_IVO}CJ{channel}_{who}_{self.start:%Y%m%d_%H%M%S}"

    @property
    def kb_archivids(self) -> tuple[str, ...]:
        """The ids of all its reports, one per channel."""
        return tuple(self.kb_archivid(ch) for ch in self.channels)

    def reports(self) -> list[dict[str, Any]]:
        """Its HEK reports, one per channel (fresh dicts)."""
        return [{**report, "refs": [dict(ref) for ref in report["refs"]]} for report in _reports(self)]


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
    count = _poisson(rng, jets_per_week / 7.0)
    day_start = _EPOCH + timedelta(days=day)
    used: set[int] = set()
    jets = []
    for number in range(count):
        second = _index(rng, _DAY)
        while second in used:  # distinct start seconds keep kb_archivid unique
            second = _index(rng, _DAY)
        used.add(second)
        start = day_start + timedelta(seconds=second)
        kind = rng.random()
        minutes = (
            _uniform(rng, 5, 60)
            if kind < 0.7
            else _uniform(rng, 60, 180)
            if kind < 0.95
            else _uniform(rng, 180, 359)
        )
        end = start + timedelta(seconds=round(minutes * 60))
        radius, b0, _ = sun_geometry(start)
        lon, lat, height, x, y = _position(rng, b0)
        as_int = rng.random() < 0.8
        hpc_x: int | float = round(x * radius) if as_int else round(x * radius, 2)
        hpc_y: int | float = round(y * radius) if as_int else round(y * radius, 2)
        n_channels = 1 if (u := rng.random()) < 0.45 else 2 if u < 0.7 else 3
        pool = list(CHANNELS)
        channels = sorted(pool.pop(_index(rng, len(pool))) for _ in range(n_channels))
        annotator = _index(rng, len(ANNOTATORS))
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
    first = math.floor((begin - MAX_DURATION - _EPOCH).total_seconds() / _DAY)
    last = math.floor((finish - _EPOCH).total_seconds() / _DAY)
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


# -- the full reports -------------------------------------------------------------------


def _num(value: float, digits: int = 6) -> str:
    """A number as HEK writes it in WKT: integers bare, others with up to ``digits`` decimals."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.{digits}f}".rstrip("0").rstrip(".")


def _polygon(points: Sequence[tuple[float, float]], digits: int = 6) -> str:
    ring = [*points, points[0]]
    return "POLYGON((" + ",".join(f"{_num(x, digits)} {_num(y, digits)}" for x, y in ring) + "))"


def _wkb_polygon(points: Sequence[tuple[float, float]]) -> str:
    ring = [*points, points[0]]
    blob = struct.pack("<BIII", 1, 3, 1, len(ring)) + b"".join(struct.pack("<dd", x, y) for x, y in ring)
    return blob.hex().upper()


def _wrap180(angle: float) -> float:
    return (angle + 180.0) % 360.0 - 180.0


def _hrc(x: float, y: float, radius: float) -> tuple[float, float]:
    return math.hypot(x, y) / radius, math.degrees(math.atan2(-x, y)) % 360.0


@lru_cache(maxsize=1)
def _empty_keys() -> tuple[str, ...]:
    template = template_event()
    return tuple(k for k, v in template.items() if v in ("", None) and k not in _SET_KEYS)


_SET_KEYS = frozenset(
    {
        "gs_thumburl",
        "hpc_bbox",
        "hgc_coord",
        "hpc_coord",
        "gs_imageurl",
        "hrc_coord",
        "event_starttime",
        "event_type",
        "obs_meanwavel",
        "hpc_geom",
        "hgc_bbox",
        "obs_channelid",
        "SOL_standard",
        "event_avg_rating",
        "frm_name",
        "frm_identifier",
        "event_description",
        "boundbox_c2ur",
        "boundbox_c2ll",
        "frm_institute",
        "hrc_bbox",
        "gs_movieurl",
        "event_probability",
        "frm_daterun",
        "hpc_y",
        "hpc_x",
        "kb_archivdate",
        "kb_archivist",
        "kb_archivid",
        "boundbox_c1ur",
        "boundbox_c1ll",
        "event_c2error",
        "hrc_r",
        "hgs_y",
        "hgs_x",
        "event_title",
        "event_c1error",
        "hpc_radius",
        "event_endtime",
        "event_importance",
        "event_coord2",
        "event_coord1",
        "hgc_x",
        "hrc_a",
        "event_peaktime",
        "hgc_y",
        "gs_galleryid",
        "hgs_coord",
        "search_channelid",
        "hgs_bbox",
        "refs",
    }
)


def jet_reports(jet: SyntheticJet) -> tuple[dict[str, Any], ...]:
    """The HEK reports of ``jet``, cached and shared: read them, never modify them.

    Examples
    --------
    >>> jet = next(synthetic_jets("2016-01-01", "2016-02-01"))
    >>> [r["kb_archivid"] for r in jet_reports(jet)] == list(jet.kb_archivids)
    True
    """
    return _reports(jet)


@lru_cache(maxsize=16384)
def _reports(jet: SyntheticJet) -> tuple[dict[str, Any], ...]:
    rng = random.Random(f"jet-sandbox-hek-details:{jet.seed}:{jet.day}:{jet.number}")
    template = template_event()
    who = ANNOTATORS[jet.annotator]
    radius, _, l0 = sun_geometry(jet.start)
    archive = jet.end + timedelta(seconds=round(_uniform(rng, 2 * 3600, 3 * _DAY)))
    x, y = float(jet.hpc_x), float(jet.hpc_y)
    width, height = _uniform(rng, 120, 450), _uniform(rng, 100, 350)
    x1 = round(x - width * _uniform(rng, 0.3, 0.7))
    y1 = round(y - height * _uniform(rng, 0.3, 0.7))
    x2, y2 = x1 + round(width), y1 + round(height)
    swapped = rng.random() < 0.8
    corners = [(x1, y1), (x2, y1), (x2, y2), (x1, y2)]
    lat = jet.hgs_lat
    hgc_lon = round(_wrap180(jet.hgs_lon + l0), 6)
    dlon = math.degrees(width / 2 / radius) / max(math.cos(math.radians(lat)), 0.2)
    dlat = math.degrees(height / 2 / radius)
    hgs_box = [
        (jet.hgs_lon - dlon, max(lat - dlat, -90.0)),
        (jet.hgs_lon + dlon, max(lat - dlat, -90.0)),
        (jet.hgs_lon + dlon, min(lat + dlat, 90.0)),
        (jet.hgs_lon - dlon, min(lat + dlat, 90.0)),
    ]
    hgc_box = [(_wrap180(lon + l0), la) for lon, la in hgs_box]
    hrc_r, hrc_a = _hrc(x, y, radius)
    hrc_box = [_hrc(cx, cy, radius) for cx, cy in corners]
    carrington = round(hgc_lon % 360.0) % 360
    sol = f"SOL{jet.start:%Y-%m-%dT%H:%M:%S}L{carrington:03d}C{round(90 - lat):03d}"
    description: str | None = _DESCRIPTIONS[_index(rng, len(_DESCRIPTIONS))]
    if rng.random() < 0.03:
        description = None if rng.random() < 0.5 else ""
    title = _TITLES[_index(rng, len(_TITLES))]
    importance = (0.2, 0.4, 0.6, 0.8, 1)[_index(rng, 5)]
    probability = 1 if rng.random() < 0.3 else None
    identifier = _IDENTIFIERS[_index(rng, len(_IDENTIFIERS))]
    gallery_time = archive - timedelta(hours=7, seconds=round(_uniform(rng, 0, 600)))
    gallery = f"pod_{who.archivist}_{gallery_time:%Y%m%dT%H:%M:%S}.{_index(rng, 1000):03d}"
    channels_desc = list(reversed(jet.channels))
    panorama = (
        f"panorama_{who.frm_name}_{'_'.join(f'AIA-{c}' for c in channels_desc)}_"
        f"{jet.start:%Y%m%dT%H%M%S}_at_{archive - timedelta(seconds=65):%Y%m%dT%H%M%S}.jpg"
    )
    pod_url = f"http://www.lmsal.com/hpkb/podimages/{quote(gallery, safe='')}"
    movie = (
        f"http://sdowww.lmsal.com/sdomedia/h264/{jet.start:%Y/%m/%d}/AVC_{who.display}_"
        f"{jet.start:%Y%m%dT%H%M%S}-{jet.end:%Y%m%dT%H%M%S}_SDO_{'-'.join(map(str, channels_desc))}_"
        f"{_uniform(rng, 150, 400):.1f}_{archive:%Y%m%d_%H%M%S}.mov"
    )
    shared = {
        "gs_thumburl": f"{pod_url}/thumb/{panorama}",
        "hpc_bbox": _polygon(corners),
        "hgc_coord": f"POINT({_num(hgc_lon)} {_num(lat)})",
        "hpc_coord": f"POINT({_num(x, 2)} {_num(y, 2)})",
        "gs_imageurl": f"{pod_url}/{panorama}",
        "hrc_coord": f"POINT({hrc_r:.15g} {hrc_a:.15g})",
        "event_starttime": format_time(jet.start),
        "event_type": "CJ",
        "hpc_geom": _wkb_polygon([(float(cx), float(cy)) for cx, cy in corners]),
        "hgc_bbox": _polygon(hgc_box),
        "SOL_standard": sol,
        "event_avg_rating": importance,
        "frm_name": who.frm_name,
        "frm_identifier": identifier,
        "event_description": description,
        "boundbox_c2ur": y1 if swapped else y2,
        "boundbox_c2ll": y2 if swapped else y1,
        "frm_institute": who.institute,
        "hrc_bbox": _polygon(hrc_box),
        "gs_movieurl": movie,
        "event_probability": probability,
        "frm_daterun": format_time(archive - timedelta(seconds=4)),
        "hpc_y": jet.hpc_y,
        "hpc_x": jet.hpc_x,
        "kb_archivist": who.archivist,
        "boundbox_c1ur": x2,
        "boundbox_c1ll": x1,
        "event_c2error": round(height / 2, 2),
        "hrc_r": hrc_r,
        "hgs_y": lat,
        "hgs_x": jet.hgs_lon,
        "event_title": title,
        "event_c1error": round(width / 2, 2),
        "hpc_radius": f"{math.hypot(x, y):.14f}",
        "event_endtime": format_time(jet.end),
        "event_importance": importance,
        "event_coord2": jet.hpc_y,
        "event_coord1": jet.hpc_x,
        "hgc_x": hgc_lon,
        "hrc_a": hrc_a,
        "hgc_y": lat,
        "gs_galleryid": gallery,
        "hgs_coord": f"POINT({_num(jet.hgs_lon)} {_num(lat)})",
        "hgs_bbox": _polygon(hgs_box),
    }
    ids = jet.kb_archivids
    reports = []
    for k, channel in enumerate(jet.channels):
        report = dict(template)
        report.update(shared)
        report["kb_archivid"] = ids[k]
        report["kb_archivdate"] = format_time(archive + timedelta(seconds=k + 1))
        report["obs_channelid"] = str(channel) if rng.random() < 0.75 else channel
        report["search_channelid"] = str(channel)
        report["obs_meanwavel"] = float(f"{channel}e-8")
        report["event_peaktime"] = "" if rng.random() < 0.8 else None
        report["refs"] = [
            *(
                {"ref_name": "CJ:  HER Entry", "ref_type": "ivorn", "ref_url": other}
                for other in ids
                if other != ids[k]
            ),
            {"ref_name": "Movie", "ref_type": "movie", "ref_url": movie},
            {"ref_name": "Event_MapURL", "ref_type": "unknown", "ref_url": ""},
            {"ref_name": "FRM_URL", "ref_type": "unknown", "ref_url": "n/a"},
        ]
        for key in _empty_keys():
            if rng.random() < 0.12:
                report[key] = None if report[key] == "" else ""
        reports.append(report)
    return tuple(reports)
