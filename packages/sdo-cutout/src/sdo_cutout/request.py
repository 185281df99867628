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

import hashlib
import json
import logging
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any

from jet_store import CutoutJob, HekEvent

from sdo_cutout.backend import BACKENDS
from sdo_cutout.errors import CutoutRequestError

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


AIA_EUV_WAVELENGTHS: tuple[int, ...] = (94, 131, 171, 193, 211, 304, 335)
"""AIA's EUV channels in Angstrom (JSOC series ``aia.lev1_euv_12s``)."""

AIA_WAVELENGTHS: tuple[int, ...] = (*AIA_EUV_WAVELENGTHS, 1600, 1700, 4500)
"""Every AIA channel in Angstrom (UV and visible ones only through the SSW service)."""

AIA_EUV_CADENCE = 12.0
"""AIA's EUV cadence in s (the seed assumed 24 s and asked for half the frames)."""

DEFAULT_WAVES: tuple[int, ...] = (304,)
"""Default wavelengths in Angstrom."""

DEFAULT_MIN_FOV = 120.0
"""Smallest field of view per axis in arcsec."""

_DECIMALS = 3  # arcsec and seconds are kept to 1/1000: float noise must not change a key


# -- conversions at the boundary ------------------------------------------------------


def as_utc(value: str | datetime | date | Any) -> datetime:
    """A timezone-aware UTC datetime from a string, datetime, date or astropy ``Time``.

    Naive datetimes and strings without a zone are taken as UTC.

    Examples
    --------
    >>> as_utc("2010-06-20T11:14:44")
    datetime.datetime(2010, 6, 20, 11, 14, 44, tzinfo=datetime.timezone.utc)
    >>> from astropy.time import Time
    >>> as_utc(Time("2010-06-20 11:14:44", scale="utc")).isoformat()
    '2010-06-20T11:14:44+00:00'
    """
    if isinstance(value, datetime):
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    if isinstance(value, str):
        text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
        if re.match(r"^\d{4}/\d{1,2}/\d{1,2}", text):
            text = text.replace("/", "-", 2)
        try:
            return as_utc(datetime.fromisoformat(text))
        except ValueError:
            pass
    try:
        from astropy.time import Time

        t = value if isinstance(value, Time) else Time(value)
        if not t.isscalar:
            raise CutoutRequestError(f"expected one time, got {t.size}")
        result = t.utc.to_datetime(timezone=timezone.utc)
    except CutoutRequestError:
        raise
    except Exception as err:  # astropy raises many types for unreadable input
        raise CutoutRequestError(f"not a time: {value!r} ({err})") from None
    assert isinstance(result, datetime)
    return result


def _quantity_value(value: Any, unit: str, what: str) -> float | None:
    if not hasattr(value, "unit"):
        return None
    import astropy.units as u

    try:
        return float(value.to_value(u.Unit(unit)))
    except (u.UnitsError, TypeError, ValueError) as err:
        raise CutoutRequestError(f"{what} must be in units of {unit}, not {value!r} ({err})") from None


def as_arcsec(value: float | Any, what: str = "angle") -> float:
    """A float in arcsec from a number (taken as arcsec) or an angular astropy ``Quantity``.

    Examples
    --------
    >>> import astropy.units as u
    >>> as_arcsec(2 * u.arcmin), as_arcsec(120)
    (120.0, 120.0)
    """
    number = _quantity_value(value, "arcsec", what)
    if number is None:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise CutoutRequestError(
                f"{what} must be a number of arcsec or an angle, not {value!r}"
            ) from None
    if not math.isfinite(number):
        raise CutoutRequestError(f"{what} must be finite, not {number}")
    return number


def as_seconds(value: float | timedelta | Any, what: str = "duration") -> float:
    """A float in s from a number (taken as s), a ``timedelta`` or a time ``Quantity``.

    Examples
    --------
    >>> import astropy.units as u
    >>> from datetime import timedelta
    >>> as_seconds(2 * u.min), as_seconds(timedelta(minutes=1)), as_seconds(12)
    (120.0, 60.0, 12.0)
    """
    if isinstance(value, timedelta):
        return value.total_seconds()
    number = _quantity_value(value, "s", what)
    if number is None:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise CutoutRequestError(
                f"{what} must be a number of seconds or a duration, not {value!r}"
            ) from None
    if not math.isfinite(number):
        raise CutoutRequestError(f"{what} must be finite, not {number}")
    return number


def as_waves(waves: Any) -> tuple[int, ...]:
    """Sorted distinct AIA wavelengths in Angstrom from ints, strings (``"171,304"``) or Quantities.

    Raises
    ------
    CutoutRequestError
        For an empty list, a value that is not a finite number, or a wavelength AIA
        does not have.

    Examples
    --------
    >>> import astropy.units as u
    >>> as_waves(["304", 171, "171,193"]), as_waves(30.4 * u.nm)
    ((171, 193, 304), (304,))
    >>> as_waves("inf")
    Traceback (most recent call last):
    ...
    sdo_cutout.errors.CutoutRequestError: not a wavelength: 'inf' (a wavelength must be finite)
    """
    single = isinstance(waves, (str, int, float)) or hasattr(waves, "unit")
    items: list[Any] = [waves] if single else list(waves)
    found: set[int] = set()
    for item in items:
        if hasattr(item, "unit"):
            value = _quantity_value(item, "Angstrom", "wavelength")
            assert value is not None
            parts: list[Any] = [value]
        elif isinstance(item, str):
            parts = [p for p in re.split(r"[,\s]+", item.strip()) if p]
        else:
            parts = [item]
        for part in parts:
            try:
                number = float(part)
            except (TypeError, ValueError):
                raise CutoutRequestError(f"not a wavelength: {part!r}") from None
            if not math.isfinite(number):  # round() would raise OverflowError / ValueError
                raise CutoutRequestError(f"not a wavelength: {part!r} (a wavelength must be finite)")
            wave = round(number)
            if abs(number - wave) > 1e-6 or wave not in AIA_WAVELENGTHS:
                raise CutoutRequestError(
                    f"AIA has no {part} Angstrom channel; use one of {', '.join(map(str, AIA_WAVELENGTHS))}"
                )
            found.add(wave)
    if not found:
        raise CutoutRequestError("no wavelength given; e.g. --wave 304")
    return tuple(sorted(found))


def _pair(value: Any, what: str) -> tuple[float, float]:
    """``(x, y)`` in arcsec from a scalar (both axes), a pair, or a 2-element Quantity."""
    if hasattr(value, "unit") and getattr(value, "shape", ()) == ():
        v = as_arcsec(value, what)
        return v, v
    if isinstance(value, (int, float)):
        v = as_arcsec(value, what)
        return v, v
    try:
        x, y = value
    except (TypeError, ValueError):
        raise CutoutRequestError(f"{what} must be a number or an (x, y) pair, not {value!r}") from None
    return as_arcsec(x, what), as_arcsec(y, what)


def _center(value: Any) -> tuple[float, float]:
    """A centre from an ``(x, y)`` pair or a helioprojective ``SkyCoord``."""
    if hasattr(value, "Tx") and hasattr(value, "Ty"):
        return as_arcsec(value.Tx, "centre x"), as_arcsec(value.Ty, "centre y")
    return _pair(value, "centre")


# -- parameters --------------------------------------------------------------------


def _floor_second(t: datetime) -> datetime:
    return t.replace(microsecond=0)


def _ceil_second(t: datetime) -> datetime:
    return t if t.microsecond == 0 else t.replace(microsecond=0) + timedelta(seconds=1)


def _round(x: float) -> float:
    value = round(float(x), _DECIMALS)
    return 0.0 if value == 0 else value  # no -0.0 in keys


@dataclass(frozen=True, slots=True)
class CutoutParams:
    """The canonical parameters of one cutout; their hash is the job's key.

    Times are whole UTC seconds (the start rounded down, the end up), positions and
    sizes in arcsec rounded to 0.001, wavelengths sorted and distinct. ``max_frames``
    defaults to ``ceil((end - start) / cadence)`` (at least 1).

    Parameters
    ----------
    backend : str
        ``"ssw"`` or ``"jsoc"``.
    start_time, end_time : datetime
        The window (UTC).
    center_x, center_y : float
        Centre in helioprojective arcsec.
    fov_x, fov_y : float
        Field of view in arcsec (> 0).
    wavelengths : tuple of int
        AIA channels in Angstrom.
    cadence : float
        Seconds between frames.
    max_frames : int, optional
        Cap on frames per wavelength.
    track : bool
        Follow solar rotation (SSW without ``notrack``; JSOC ``im_patch`` ``t=0``).

    Examples
    --------
    >>> p = CutoutParams.build("2010-06-20T11:14:44", "2010-06-20T11:54:26", center=(813, -683))
    >>> p.fov_x, p.max_frames, p.key
    (120.0, 199, 'ssw:6afad99ba54cd163')
    >>> CutoutParams.build("2010-06-20T11:14:44", "2010-06-20T11:54:26", center=(813, -683),
    ...                    backend="jsoc", waves=[171, 304]).key
    'jsoc:1b01274e4fa4a89c'
    """

    backend: str
    start_time: datetime
    end_time: datetime
    center_x: float
    center_y: float
    fov_x: float
    fov_y: float
    wavelengths: tuple[int, ...] = DEFAULT_WAVES
    cadence: float = AIA_EUV_CADENCE
    max_frames: int | None = None
    track: bool = False

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise CutoutRequestError(
                f"unknown cutout backend {self.backend!r}; use one of {', '.join(BACKENDS)}"
            )
        start = _floor_second(as_utc(self.start_time))
        end = _ceil_second(as_utc(self.end_time))
        if end <= start:
            raise CutoutRequestError(
                f"the window must end after it starts ({start:%Y-%m-%dT%H:%M:%S}..{end})"
            )
        waves = as_waves(self.wavelengths)
        if self.backend == "jsoc" and not set(waves) <= set(AIA_EUV_WAVELENGTHS):
            raise CutoutRequestError(
                f"JSOC's aia.lev1_euv_12s has only the EUV channels {AIA_EUV_WAVELENGTHS}; "
                f"use the ssw backend for {sorted(set(waves) - set(AIA_EUV_WAVELENGTHS))}"
            )
        cadence = as_seconds(self.cadence, "cadence")
        if cadence <= 0:
            raise CutoutRequestError(f"cadence must be > 0 s, not {cadence}")
        fov_x, fov_y = as_arcsec(self.fov_x, "fov x"), as_arcsec(self.fov_y, "fov y")
        if fov_x <= 0 or fov_y <= 0:
            raise CutoutRequestError(f"the field of view must be > 0 arcsec, not {fov_x} x {fov_y}")
        max_frames = self.max_frames
        if max_frames is None:
            max_frames = max(1, math.ceil((end - start).total_seconds() / cadence - 1e-9))
        elif int(max_frames) != max_frames or max_frames < 1:
            raise CutoutRequestError(f"max_frames must be a whole number >= 1, not {max_frames}")
        set_ = object.__setattr__
        set_(self, "start_time", start)
        set_(self, "end_time", end)
        set_(self, "center_x", _round(as_arcsec(self.center_x, "centre x")))
        set_(self, "center_y", _round(as_arcsec(self.center_y, "centre y")))
        set_(self, "fov_x", _round(fov_x))
        set_(self, "fov_y", _round(fov_y))
        set_(self, "wavelengths", waves)
        set_(self, "cadence", _round(cadence))
        set_(self, "max_frames", int(max_frames))
        set_(self, "track", bool(self.track))

    @classmethod
    def build(
        cls,
        start: str | datetime | Any,
        end: str | datetime | Any,
        *,
        center: Any,
        fov: Any = DEFAULT_MIN_FOV,
        backend: str = "ssw",
        waves: Any = DEFAULT_WAVES,
        cadence: float | Any = AIA_EUV_CADENCE,
        max_frames: int | None = None,
        track: bool = False,
    ) -> CutoutParams:
        """Parameters from explicit values (astropy ``Time``/``Quantity``/``SkyCoord`` accepted).

        Parameters
        ----------
        start, end : str, datetime or astropy.time.Time
            The window.
        center : (x, y) or SkyCoord
            Centre in helioprojective arcsec (numbers) or angles.
        fov : float, (x, y) or Quantity
            Field of view in arcsec; one value for both axes.
        backend, waves, cadence, max_frames, track
            As in :class:`CutoutParams` (cadence may be a time ``Quantity``).

        Examples
        --------
        >>> import astropy.units as u
        >>> p = CutoutParams.build("2012-07-08T13:05", "2012-07-08T13:35",
        ...                        center=(100 * u.arcsec, -2 * u.arcmin), fov=(3 * u.arcmin, 150))
        >>> p.center_y, p.fov_x, p.fov_y, p.max_frames
        (-120.0, 180.0, 150.0, 150)
        """
        cx, cy = _center(center)
        fx, fy = _pair(fov, "fov")
        return cls(
            backend=backend,
            start_time=as_utc(start),
            end_time=as_utc(end),
            center_x=cx,
            center_y=cy,
            fov_x=fx,
            fov_y=fy,
            wavelengths=as_waves(waves),
            cadence=as_seconds(cadence, "cadence"),
            max_frames=max_frames,
            track=track,
        )

    @classmethod
    def from_job(cls, job: CutoutJob) -> CutoutParams:
        """The parameters a stored job was made from.

        Examples
        --------
        >>> p = CutoutParams.build("2010-06-20T11:14:44", "2010-06-20T11:54:26", center=(813, -683))
        >>> CutoutParams.from_job(p.to_job()) == p
        True
        """
        return cls(
            backend=job.backend,
            start_time=job.start_time,
            end_time=job.end_time,
            center_x=job.center_x,
            center_y=job.center_y,
            fov_x=job.fov_x,
            fov_y=job.fov_y,
            wavelengths=tuple(job.wavelengths),
            cadence=job.cadence if job.cadence is not None else AIA_EUV_CADENCE,
            max_frames=job.max_frames,
            track=job.track,
        )

    def canonical(self) -> dict[str, Any]:
        """The JSON-compatible dict whose hash is :attr:`key`."""
        return {
            "backend": self.backend,
            "start": self.start_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end": self.end_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "center": [self.center_x, self.center_y],
            "fov": [self.fov_x, self.fov_y],
            "waves": list(self.wavelengths),
            "cadence": self.cadence,
            "max_frames": self.max_frames,
            "track": self.track,
        }

    @property
    def key(self) -> str:
        """``"<backend>:<16 hex digits>"``, deterministic from :meth:`canonical`."""
        text = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"))
        return f"{self.backend}:{hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]}"

    @property
    def duration_s(self) -> float:
        """Length of the window in s."""
        return (self.end_time - self.start_time).total_seconds()

    def to_job(
        self,
        *,
        event_id: str | None = None,
        sol_standard: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> CutoutJob:
        """A new :class:`jet_store.CutoutJob` (state ``new``) for these parameters."""
        return CutoutJob(
            key=self.key,
            backend=self.backend,
            start_time=self.start_time,
            end_time=self.end_time,
            center_x=self.center_x,
            center_y=self.center_y,
            fov_x=self.fov_x,
            fov_y=self.fov_y,
            wavelengths=self.wavelengths,
            event_id=event_id,
            sol_standard=sol_standard,
            max_frames=self.max_frames,
            cadence=self.cadence,
            track=self.track,
            params=dict(params or {}),
        )


# -- from events ---------------------------------------------------------------------


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
    smallest = _pair(min_fov, "min_fov")
    bbox = group.bbox()
    if center is None:
        point = group.center(bbox)
        if point is None:
            ids = ", ".join(sorted(e.kb_archivid for e in group.events))
            raise CutoutRequestError(f"event {ids} has neither a position nor a bounding box; give a centre")
    else:
        point = _center(center)
    if fov is None:
        width = (bbox[2] - bbox[0], bbox[3] - bbox[1]) if bbox is not None else (0.0, 0.0)
        size = (max(smallest[0], width[0]), max(smallest[1], width[1]))
    else:
        size = _pair(fov, "fov")
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
    if backend not in BACKENDS:
        raise CutoutRequestError(f"unknown cutout backend {backend!r}; use one of {', '.join(BACKENDS)}")
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
