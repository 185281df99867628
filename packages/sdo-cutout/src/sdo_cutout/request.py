"""What to ask a cutout service: :class:`CutoutParams` and the builders of cutout jobs (pure).

A cutout is a box on the Sun (centre and field of view in helioprojective arcsec), a
time window, a set of AIA wavelengths, a frame cadence and a frame cap. The builders
turn HEK events into :class:`jet_store.CutoutJob` records with the seed's defaults:

* centre = the event's ``hpc_x``/``hpc_y`` (the centre of its bounding box when it has
  no point);
* field of view = ``max(min_fov, bounding-box size)`` per axis (120 arcsec by default);
* window = event start..end, widened by ``padding`` on both sides;
* wavelengths = 304 Angstrom; cadence = 12 s (AIA's EUV cadence; the seed used 24 s);
* ``max_frames`` = ``ceil(window / cadence)``; no solar-rotation tracking.

Every value can be overridden, and :meth:`CutoutParams.build` makes a request from
explicit parameters. Times, angles and durations may be given as astropy ``Time`` /
``Quantity`` (or ``datetime``/``timedelta``/ISO strings/plain numbers in arcsec and
seconds); they are converted once, here.

**One job per jet.** HEK reports one jet once per channel: the same ``SOL_standard``
(``SOL2010-06-20T11:14:44L031C130``) comes in 171, 193 and 211 with different
``kb_archivid``. :func:`requests_for_events` groups reports by ``sol_standard`` (by
``kb_archivid`` when an event has none) and makes ONE job per group from the union of
their boxes and time windows; the job's ``params["kb_archivids"]`` lists every report.

**Idempotent keys.** A job's ``key`` is ``"<backend>:<hash>"`` where the hash covers the
canonical cutout parameters (backend, window, box, wavelengths, cadence, frame cap,
tracking) and nothing else, so requesting the same cutout twice is the same job: add
jobs with :func:`sdo_cutout.jobs.add_jobs` (or ``Store.add(jobs, update=False)``) and an
existing job keeps its progress.

Examples
--------
>>> from datetime import datetime, timezone
>>> from jet_store import HekEvent
>>> t0 = datetime(2010, 6, 20, 11, 14, 44, tzinfo=timezone.utc)
>>> t1 = datetime(2010, 6, 20, 11, 54, 26, tzinfo=timezone.utc)
>>> reports = [
...     HekEvent(kb_archivid=f"ivo://x/CJ{ch}", event_type="CJ", start_time=t0, end_time=t1,
...              sol_standard="SOL2010-06-20T11:14:44L031C130", hpc_x=813.0, hpc_y=-683.0,
...              bbox_x1=693.0, bbox_y1=-793.0, bbox_x2=932.0, bbox_y2=-572.0, channel=ch)
...     for ch in ("171", "193", "211")]
>>> jobs = requests_for_events(reports)
>>> len(jobs)
1
>>> job = jobs[0]
>>> job.key.startswith("ssw:"), job.wavelengths, job.fov_x, job.fov_y, job.max_frames
(True, (304,), 239.0, 221.0, 199)
>>> job.params["kb_archivids"]
['ivo://x/CJ171', 'ivo://x/CJ193', 'ivo://x/CJ211']
>>> requests_for_events(reports[:1])[0].key == job.key  # same cutout, same job
True
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from jet_store import CutoutJob, HekEvent

from sdo_cutout.aia import AIA_EUV_CADENCE, AIA_EUV_WAVELENGTHS, AIA_WAVELENGTHS
from sdo_cutout.backend import BACKENDS
from sdo_cutout.convert import arcsec_pair, as_arcsec, as_seconds, as_utc, as_waves, center_arcsec
from sdo_cutout.errors import CutoutRequestError
from sdo_cutout.params import DEFAULT_MIN_FOV, DEFAULT_WAVES, CutoutParams, check_backend

__all__ = [
    "BACKENDS",
    "AIA_WAVELENGTHS",
    "AIA_EUV_WAVELENGTHS",
    "AIA_EUV_CADENCE",
    "DEFAULT_WAVES",
    "DEFAULT_MIN_FOV",
    "CutoutParams",
    "request_for_event",
    "requests_for_events",
    "jet_group_key",
    "as_utc",
    "as_arcsec",
    "as_seconds",
    "as_waves",
]

log = logging.getLogger(__name__)


def jet_group_key(event: HekEvent) -> str:
    """What makes reports the same jet: ``sol_standard``, or ``kb_archivid`` without one.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> t = datetime(2010, 6, 20, tzinfo=timezone.utc)
    >>> jet_group_key(HekEvent(kb_archivid="ivo://x/1", event_type="CJ", start_time=t, end_time=t,
    ...                        sol_standard="SOL2010-06-20T11:14:44L031C130"))
    'SOL2010-06-20T11:14:44L031C130'
    >>> jet_group_key(HekEvent(kb_archivid="ivo://x/1", event_type="CJ", start_time=t, end_time=t))
    'ivo://x/1'
    """
    sol = (event.sol_standard or "").strip()
    return sol or event.kb_archivid


def _finite(*values: float | None) -> tuple[float, ...] | None:
    """The values as floats when all are set and finite, else None."""
    out: list[float] = []
    for value in values:
        if value is None:
            return None
        number = float(value)
        if not math.isfinite(number):
            return None
        out.append(number)
    return tuple(out)


@dataclass
class _Group:
    """The union of some reports of one jet."""

    events: list[HekEvent] = field(default_factory=list)

    def bbox(self) -> tuple[float, float, float, float] | None:
        boxes = [
            box
            for e in self.events
            if (box := _finite(e.bbox_x1, e.bbox_y1, e.bbox_x2, e.bbox_y2)) is not None
        ]
        if not boxes:
            return None
        return (
            min(min(b[0], b[2]) for b in boxes),
            min(min(b[1], b[3]) for b in boxes),
            max(max(b[0], b[2]) for b in boxes),
            max(max(b[1], b[3]) for b in boxes),
        )

    def center(self, bbox: tuple[float, float, float, float] | None) -> tuple[float, float] | None:
        points = [p for e in self.events if (p := _finite(e.hpc_x, e.hpc_y)) is not None]
        if points:
            return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)
        if bbox is not None:
            return (bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2
        return None

    def primary(self, waves: Sequence[int]) -> HekEvent:
        """The report that names the job: the first in a requested channel, else the first."""
        ordered = sorted(self.events, key=lambda e: e.kb_archivid)
        for wave in waves:
            for ev in ordered:
                if (ev.channel or "").strip() == str(wave):
                    return ev
        return ordered[0]


def _group_job(
    group: _Group,
    *,
    backend: str,
    waves: Any,
    min_fov: Any,
    padding: Any,
    cadence: Any,
    track: bool,
    max_frames: int | None,
    center: Any,
    fov: Any,
    start: Any,
    end: Any,
) -> CutoutJob:
    wave_tuple = as_waves(waves)
    pad = as_seconds(padding, "padding")
    if pad < 0:
        raise CutoutRequestError(f"padding must be >= 0 s, not {pad}")
    smallest = arcsec_pair(min_fov, "min_fov")
    bbox = group.bbox()
    if center is None:
        point = group.center(bbox)
        if point is None:
            ids = ", ".join(sorted(e.kb_archivid for e in group.events))
            raise CutoutRequestError(f"event {ids} has neither a position nor a bounding box; give a centre")
    else:
        point = center_arcsec(center)
    if fov is None:
        width = (bbox[2] - bbox[0], bbox[3] - bbox[1]) if bbox is not None else (0.0, 0.0)
        size = (max(smallest[0], width[0]), max(smallest[1], width[1]))
    else:
        size = arcsec_pair(fov, "fov")
    t0 = as_utc(start) if start is not None else min(e.start_time for e in group.events)
    t1 = as_utc(end) if end is not None else max(e.end_time for e in group.events)
    t0, t1 = as_utc(t0) - timedelta(seconds=pad), as_utc(t1) + timedelta(seconds=pad)
    if t1 < t0:
        raise CutoutRequestError(f"the window must end after it starts ({t0:%Y-%m-%dT%H:%M:%S}..{t1})")
    if t1 == t0:  # HEK has zero-length reports; give them one frame
        t1 = t0 + timedelta(seconds=as_seconds(cadence, "cadence"))
    params = CutoutParams(
        backend=backend,
        start_time=t0,
        end_time=t1,
        center_x=point[0],
        center_y=point[1],
        fov_x=size[0],
        fov_y=size[1],
        wavelengths=wave_tuple,
        cadence=as_seconds(cadence, "cadence"),
        max_frames=max_frames,
        track=track,
    )
    primary = group.primary(wave_tuple)
    sol = next(
        (e.sol_standard for e in sorted(group.events, key=lambda e: e.kb_archivid) if e.sol_standard), None
    )
    extra = {
        "kb_archivids": sorted({e.kb_archivid for e in group.events}),
        "channels": sorted({(e.channel or "").strip() for e in group.events if (e.channel or "").strip()}),
        "bbox": list(bbox) if bbox is not None else None,
        "padding_s": pad,
        "min_fov": list(smallest),
    }
    return params.to_job(event_id=primary.kb_archivid, sol_standard=sol, params=extra)


def request_for_event(
    event: HekEvent,
    *,
    backend: str = "ssw",
    waves: Any = DEFAULT_WAVES,
    min_fov: Any = DEFAULT_MIN_FOV,
    padding: Any = 0.0,
    cadence: Any = AIA_EUV_CADENCE,
    track: bool = False,
    max_frames: int | None = None,
    center: Any = None,
    fov: Any = None,
    start: Any = None,
    end: Any = None,
) -> CutoutJob:
    """The cutout job of one event, with the seed's defaults; every parameter overridable.

    Parameters
    ----------
    event : jet_store.HekEvent
        The event (one report).
    backend : {"ssw", "jsoc"}
        The service that makes the cutout.
    waves : int, str or sequence
        AIA wavelengths in Angstrom (default 304).
    min_fov : float, (x, y) or Quantity
        Smallest field of view in arcsec (default 120).
    padding : float, timedelta or Quantity
        Time added before the start and after the end, in s (default 0).
    cadence : float or Quantity
        Seconds between frames (default 12, AIA's EUV cadence).
    track : bool
        Follow solar rotation (default False).
    max_frames : int, optional
        Frame cap per wavelength; default ``ceil(window / cadence)``.
    center : (x, y) or SkyCoord, optional
        Overrides the event's position.
    fov : float, (x, y) or Quantity, optional
        Overrides ``max(min_fov, bbox size)``.
    start, end : str, datetime or Time, optional
        Override the event's window (padding is still added).

    Returns
    -------
    jet_store.CutoutJob
        A job in state ``new``; ``params`` holds the report ids, bbox and padding.

    Raises
    ------
    CutoutRequestError
        For impossible parameters, or an event with no position and no ``center``.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> t0 = datetime(2010, 6, 30, 3, 31, 46, tzinfo=timezone.utc)
    >>> ev = HekEvent(kb_archivid="ivo://x/CJ304", event_type="CJ", start_time=t0,
    ...               end_time=t0.replace(minute=41, second=46), hpc_x=-122.0, hpc_y=1005.0, channel="304")
    >>> job = request_for_event(ev, waves=[171, 304], padding=60)
    >>> job.start_time.isoformat(), job.end_time.isoformat(), job.max_frames, job.fov_x
    ('2010-06-30T03:30:46+00:00', '2010-06-30T03:42:46+00:00', 60, 120.0)
    >>> request_for_event(ev, backend="jsoc", fov=300).fov_y
    300.0
    """
    return _group_job(
        _Group([event]),
        backend=backend,
        waves=waves,
        min_fov=min_fov,
        padding=padding,
        cadence=cadence,
        track=track,
        max_frames=max_frames,
        center=center,
        fov=fov,
        start=start,
        end=end,
    )


def requests_for_events(
    events: Iterable[HekEvent],
    *,
    backend: str = "ssw",
    waves: Any = DEFAULT_WAVES,
    min_fov: Any = DEFAULT_MIN_FOV,
    padding: Any = 0.0,
    cadence: Any = AIA_EUV_CADENCE,
    track: bool = False,
    max_frames: int | None = None,
    fov: Any = None,
    skipped: list[str] | None = None,
) -> list[CutoutJob]:
    """One cutout job per distinct jet among ``events``.

    Reports with the same :func:`jet_group_key` (``sol_standard``, else
    ``kb_archivid``) become one job over the union of their bounding boxes and time
    windows, centred on the mean of their positions. Distinct jets that ask for the
    very same cutout share a key, hence a job.

    Parameters
    ----------
    events : iterable of jet_store.HekEvent
        Event reports, in any order.
    backend, waves, min_fov, padding, cadence, track, max_frames, fov
        As in :func:`request_for_event`, for every job.
    skipped : list of str, optional
        Receives one reason per jet that cannot be a cutout (no position and no
        bounding box); such jets are left out and logged instead of raising.

    Returns
    -------
    list of jet_store.CutoutJob
        New jobs, sorted by start time then key, distinct by key.

    Raises
    ------
    CutoutRequestError
        For parameters that are wrong for every job (unknown backend, wavelength...).

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> t = datetime(2010, 6, 1, tzinfo=timezone.utc)
    >>> evs = [HekEvent(kb_archivid="ivo://x/1", event_type="CJ", start_time=t, end_time=t, hpc_x=0.0,
    ...                 hpc_y=0.0),
    ...        HekEvent(kb_archivid="ivo://x/2", event_type="CJ", start_time=t, end_time=t)]
    >>> reasons = []
    >>> [job.event_id for job in requests_for_events(evs, skipped=reasons)], reasons
    (['ivo://x/1'], ['ivo://x/2: event ivo://x/2 has neither a position nor a bounding box; give a centre'])
    """
    waves = as_waves(waves)  # fail once, early, for parameters shared by every job
    check_backend(backend)
    groups: dict[str, _Group] = {}
    for event in events:
        groups.setdefault(jet_group_key(event), _Group()).events.append(event)
    jobs: dict[str, CutoutJob] = {}
    for name in sorted(groups):  # sorted, so the result does not depend on the events' order
        group = _Group(sorted(groups[name].events, key=lambda e: e.kb_archivid))
        try:
            job = _group_job(
                group,
                backend=backend,
                waves=waves,
                min_fov=min_fov,
                padding=padding,
                cadence=cadence,
                track=track,
                max_frames=max_frames,
                center=None,
                fov=fov,
                start=None,
                end=None,
            )
        except CutoutRequestError as err:
            reason = f"{name}: {err}"
            log.warning("no cutout for %s", reason)
            if skipped is not None:
                skipped.append(reason)
            continue
        if job.key in jobs:  # two jets, one identical cutout: one job that knows both
            known = jobs[job.key]
            merged = {
                name: sorted(set(known.params[name]) | set(job.params[name]))
                for name in ("kb_archivids", "channels")
            }
            jobs[job.key] = replace(known, params={**known.params, **merged})
        else:
            jobs[job.key] = job
    return sorted(jobs.values(), key=lambda j: (j.start_time, j.key))
