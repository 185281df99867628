"""The canonical parameters of one cutout, :class:`CutoutParams`, and their key (pure).

Times are whole UTC seconds, positions and sizes arcsec rounded to 0.001, wavelengths
sorted and distinct, so that float noise never changes a job's key: the key is
``"<backend>:<hash>"`` of :meth:`CutoutParams.canonical` and nothing else, and asking for
the same cutout twice is the same job.

Examples
--------
>>> from sdo_cutout.params import CutoutParams
>>> a = CutoutParams.build("2010-06-20T11:14:44.2", "2010-06-20T11:54:26", center=(813.00001, -683))
>>> b = CutoutParams.build("2010-06-20T11:14:44", "2010-06-20T11:54:26", center=(813, -683))
>>> a.key == b.key, a.start_time.isoformat()
(True, '2010-06-20T11:14:44+00:00')
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from jet_store import CutoutJob

from sdo_cutout.aia import AIA_EUV_CADENCE, AIA_EUV_WAVELENGTHS
from sdo_cutout.backend import BACKENDS
from sdo_cutout.convert import arcsec_pair, as_arcsec, as_seconds, as_utc, as_waves, center_arcsec
from sdo_cutout.errors import CutoutRequestError

__all__ = ["CutoutParams", "DEFAULT_WAVES", "DEFAULT_MIN_FOV", "check_backend"]

DEFAULT_WAVES: tuple[int, ...] = (304,)
"""Default wavelengths in Angstrom."""

DEFAULT_MIN_FOV = 120.0
"""Smallest field of view per axis in arcsec."""

_DECIMALS = 3  # arcsec and seconds are kept to 1/1000: float noise must not change a key


def check_backend(backend: str) -> None:
    """Refuse a backend name no cutout service is registered under.

    Examples
    --------
    >>> check_backend("ftp")
    Traceback (most recent call last):
    ...
    sdo_cutout.errors.CutoutRequestError: unknown cutout backend 'ftp'; use one of ssw, jsoc
    """
    if backend not in BACKENDS:
        raise CutoutRequestError(f"unknown cutout backend {backend!r}; use one of {', '.join(BACKENDS)}")


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
    >>> from sdo_cutout.params import CutoutParams
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
        check_backend(self.backend)
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
        cx, cy = center_arcsec(center)
        fx, fy = arcsec_pair(fov, "fov")
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
