"""Synthetic SDO/AIA cutouts with a coronal jet of known truth.

A :class:`CutoutSpec` says what an SSW cutout request would ask for (centre and field
of view in helioprojective arcsec, time window, wavelengths, cadence) plus a seed; a
:class:`JetTruth` says where the jet is (base point, direction, growth, timing, size).
:func:`frame` renders one time step as a ``float32`` image in DN with a level-1.5
style AIA header (``HPLN-TAN``/``HPLT-TAN``, CDELT 0.6 arcsec, observer keys computed
for the date with astropy), :func:`frame_bytes` gives the FITS file as bytes (for a
replica that serves files without writing them), and :func:`write_cutout` writes one
FITS file per time step with SSW cutout names plus ``truth.json``, which
:func:`load_truth` reads back with the jet's pixel position in every frame.

The image: the solar disk (limb brightening, a chromospheric network in 304 Å, a
log-normal coronal texture in 171/193/211 Å), off-limb emission falling with height,
radial striations above the limb, photon-like noise (variance proportional to the
signal), and the jet on top: a narrowing Gaussian spire from the base point along the
direction, its length growing with the truth's growth law, under a brighter base
point whose peak is exactly at the truth's base pixel.

Conventions:

* ``direction`` is in degrees counter-clockwise from solar west (+x, ``Tx``);
  heights and widths in arcsec; times timezone-aware UTC; ``width`` is the FWHM of the
  spire at its base.
* The frame's time is ``DATE-OBS`` (start of the exposure, rounded to 10 ms, as AIA
  writes it); the jet is drawn as it is at that time. ``T_OBS`` is mid-exposure (sunpy
  uses it as the map's reference date) and the observer keys are computed for it.
* ``CRVAL1/2 = 0`` (the tangent point is Sun centre, as in level-1.5 AIA and ``im_patch``
  cutouts) and ``CRPIX1/2`` (1-based, FITS) put the requested centre exactly on the
  array's middle. Pixel positions in the truth are 0-based ``(x, y)`` array pixel
  centres, as astropy's ``WCS.world_to_pixel`` / ``all_world2pix(..., 0)`` give them.
* The jet is fixed in helioprojective coordinates (no solar rotation over the window,
  like a ``notrack=1`` cutout); the observer is the Earth's centre (SDO's orbit ignored).
* Data are ``float32`` (``BITPIX = -32``): ``4 * nx * ny`` bytes plus a 2880-byte-block
  header, so the default 600x500 is 1.2 MB and ``shape=(1000, 500)`` about 2 MB.
* The same spec, truth and time give the same bytes on an installation (noise seeded
  by seed, wavelength and time; ``DATE`` derived from the observation time, never the
  clock). Jets and specs drawn by :func:`random_jet` / :func:`random_spec` use Python's
  string-seeded ``random``, stable across versions; image pixels may differ in the last
  bit between numpy versions or CPUs (vectorised float maths).
* :func:`frame` and :func:`frame_bytes` may be called from several threads: the
  per-spec caches (pixel grid, static background, WCS) are read-only once built.

Examples
--------
>>> import numpy as np
>>> from jet_sandbox.aia import CutoutSpec, frame, random_jet
>>> spec = CutoutSpec(center_x=-300.0, center_y=200.0, shape=(120, 100),
...                   start_time="2012-07-08T13:00:00", end_time="2012-07-08T13:20:00")
>>> jet = random_jet(1, spec)
>>> data, header = frame(spec, jet, jet.peak_time)
>>> data.shape, data.dtype.name, header["CTYPE1"], header["WAVELNTH"]
((100, 120), 'float32', 'HPLN-TAN', 304)
>>> x, y = spec.world_to_pixel(jet.base_x, jet.base_y)
>>> bool(data[round(y), round(x)] > 3 * float(np.median(data)))
True
"""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import math
import os
import random
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from astropy.io import fits
from astropy.wcs import WCS
from jet_store.errors import UserError

from jet_sandbox.errors import SandboxError

__all__ = [
    "AIA_CHANNELS",
    "Channel",
    "CutoutSpec",
    "CutoutTruth",
    "FrameTruth",
    "JetTruth",
    "Observer",
    "RSUN_REF",
    "SyntheticAiaError",
    "TRUTH_FILE",
    "cutout_filename",
    "frame",
    "frame_bytes",
    "list_filename",
    "load_truth",
    "make_jet",
    "observer_at",
    "random_jet",
    "random_spec",
    "write_cutout",
]

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float32]
TimeLike = Any
"""A ``datetime`` (naive means UTC), an ISO 8601 string or an astropy ``Time``."""

RSUN_REF = 696_000_000.0
"""Solar radius used by AIA headers (``RSUN_REF``), in m."""
TRUTH_FILE = "truth.json"
"""Name of the truth file :func:`write_cutout` writes beside the FITS files."""
TRUTH_FORMAT = "jet_sandbox.aia/1"

_RSUN_IAU = 695_700_000.0  # m, nominal radius (sunpy's light-travel-time to the nearest point)
_LIGHT = 299_792_458.0  # m/s
_POLE_RA, _POLE_DEC = math.radians(286.13), math.radians(63.87)  # IAU solar rotation axis
_W0, _ROTATION = 84.176, 14.1844  # deg, deg/day: IAU prime meridian (Carrington)
_TIME_GRID_EPOCH = datetime(2010, 1, 1, tzinfo=UTC)
_MJD_EPOCH = datetime(1858, 11, 17, tzinfo=UTC)
_PIXEL_CONVENTION = "0-based (x=column, y=row) array pixel centres, as astropy WCS world_to_pixel"
_READ_NOISE = 1.2  # DN
_MIN_SIDE = 16


class SyntheticAiaError(SandboxError, UserError, ValueError):
    """A synthetic cutout or jet was asked for with impossible parameters."""


# --------------------------------------------------------------------------- channels


@dataclasses.dataclass(frozen=True, slots=True)
class Channel:
    """How one AIA channel looks in the synthetic images.

    Intensities are in DN for the channel's exposure; lengths in arcsec.
    """

    wavelength: int
    instrument: str
    """``INSTRUME``: the AIA telescope that carries the channel."""
    wave_str: str
    exptime: float
    """Exposure time (s)."""
    phase: float
    """Seconds after the 12 s grid at which AIA takes this channel (e.g. 304 at hh:mm:07.12)."""
    disk: float
    """Quiet-Sun disk-centre intensity (DN)."""
    limb: float
    """Limb brightening: intensity at the limb over the disk-centre value."""
    limb_width: float
    """How far in from the limb (in mu = cos of the heliocentric angle) brightening reaches."""
    scale_low: float
    """Off-limb scale height of the low (chromospheric / inner corona) component (arcsec)."""
    scale_high: float
    """Off-limb scale height of the extended component (arcsec)."""
    high_fraction: float
    contrast: float
    """Strength of the disk texture."""
    texture_scale: float
    """Size of the texture cells (arcsec)."""
    network: bool
    """A cellular network (304) rather than a log-normal coronal texture."""
    jet: float
    """Peak DN of the jet spire (brightness 1)."""
    base: float
    """Peak DN of the base bright point (brightness 1); larger than ``jet``."""
    gain: float
    """Noise variance per DN of signal (photon statistics)."""


AIA_CHANNELS: dict[int, Channel] = {
    304: Channel(
        wavelength=304,
        instrument="AIA_4",
        wave_str="304_THIN",
        exptime=2.901,
        phase=7.12,
        disk=80.0,
        limb=1.6,
        limb_width=0.08,
        scale_low=6.0,
        scale_high=45.0,
        high_fraction=0.12,
        contrast=0.55,
        texture_scale=30.0,
        network=True,
        jet=260.0,
        base=700.0,
        gain=1.0,
    ),
    171: Channel(
        wavelength=171,
        instrument="AIA_3",
        wave_str="171_THIN",
        exptime=1.999,
        phase=11.34,
        disk=420.0,
        limb=2.2,
        limb_width=0.25,
        scale_low=60.0,
        scale_high=150.0,
        high_fraction=0.25,
        contrast=0.3,
        texture_scale=18.0,
        network=False,
        jet=650.0,
        base=1600.0,
        gain=0.6,
    ),
    193: Channel(
        wavelength=193,
        instrument="AIA_2",
        wave_str="193_THIN",
        exptime=2.000,
        phase=6.84,
        disk=650.0,
        limb=2.0,
        limb_width=0.25,
        scale_low=75.0,
        scale_high=180.0,
        high_fraction=0.25,
        contrast=0.3,
        texture_scale=22.0,
        network=False,
        jet=800.0,
        base=1900.0,
        gain=0.6,
    ),
    211: Channel(
        wavelength=211,
        instrument="AIA_2",
        wave_str="211_THIN",
        exptime=2.901,
        phase=0.62,
        disk=160.0,
        limb=2.0,
        limb_width=0.25,
        scale_low=65.0,
        scale_high=160.0,
        high_fraction=0.25,
        contrast=0.35,
        texture_scale=20.0,
        network=False,
        jet=260.0,
        base=650.0,
        gain=0.8,
    ),
}
"""The supported channels (Å) and their synthetic appearance."""


def _channel(wave: int) -> Channel:
    try:
        return AIA_CHANNELS[int(wave)]
    except (KeyError, ValueError, TypeError):
        raise SyntheticAiaError(
            f"unsupported AIA wavelength {wave!r}; use one of {sorted(AIA_CHANNELS)}"
        ) from None


# --------------------------------------------------------------------------- time helpers


def _utc(value: TimeLike) -> datetime:
    """Convert a datetime (naive = UTC), ISO string or astropy Time to an aware UTC datetime."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1]
        try:
            return _utc(datetime.fromisoformat(text))
        except ValueError:
            raise SyntheticAiaError(f"cannot read {value!r} as an ISO 8601 time") from None
    to_datetime = getattr(value, "to_datetime", None)
    if to_datetime is not None:  # astropy Time
        return _utc(value.utc.to_datetime(timezone=UTC))
    raise SyntheticAiaError(f"cannot read {value!r} as a time")


def _round_10ms(moment: datetime) -> datetime:
    micro = round(moment.microsecond / 10_000) * 10_000
    return moment.replace(microsecond=0) + timedelta(microseconds=micro)


def _fits_time(moment: datetime, suffix: str = "") -> str:
    moment = _round_10ms(moment)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 10_000:02d}{suffix}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _value(value: Any, unit: str) -> float:
    """A plain float from a number or an astropy Quantity (converted to ``unit``)."""
    to_value = getattr(value, "to_value", None)
    if to_value is not None:
        return float(to_value(unit))
    return float(value)


# --------------------------------------------------------------------------- observer


@dataclasses.dataclass(frozen=True, slots=True)
class Observer:
    """Where the (Earth-centre) observer is, as AIA headers record it.

    ``dsun_obs`` in m; ``hgln_obs``, ``hglt_obs`` (Stonyhurst; ``hglt_obs`` is B0),
    ``crln_obs``, ``crlt_obs`` (Carrington) in degrees; ``rsun_obs`` the angular radius
    of a sphere of :data:`RSUN_REF` in arcsec.
    """

    dsun_obs: float
    hgln_obs: float
    hglt_obs: float
    crln_obs: float
    crlt_obs: float
    rsun_obs: float


def _observers(times: Sequence[datetime]) -> list[Observer]:
    """Vectorised :func:`observer_at` (astropy's built-in ephemeris, IAU solar pole)."""
    import astropy.units as u
    from astropy.coordinates import get_body_barycentric
    from astropy.time import Time

    if not times:
        return []
    stamps = Time([t.astimezone(UTC).replace(tzinfo=None) for t in times], scale="utc")
    earth = get_body_barycentric("earth", stamps).xyz.to_value(u.m)
    sun = get_body_barycentric("sun", stamps).xyz.to_value(u.m)
    vec = np.asarray(earth - sun, dtype=float).reshape(3, -1)
    dist = np.sqrt((vec**2).sum(axis=0))
    unit = vec / dist
    pole = np.array(
        [
            math.cos(_POLE_DEC) * math.cos(_POLE_RA),
            math.cos(_POLE_DEC) * math.sin(_POLE_RA),
            math.sin(_POLE_DEC),
        ]
    )
    node = np.array([-math.sin(_POLE_RA), math.cos(_POLE_RA), 0.0])  # ascending node of the solar equator
    east = np.cross(pole, node)

    def dot(axis: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        # element by element (not BLAS), so a time gives the same bits alone or in a batch
        return axis[0] * unit[0] + axis[1] * unit[1] + axis[2] * unit[2]  # type: ignore[no-any-return]

    b0 = np.degrees(np.arcsin(np.clip(dot(pole), -1.0, 1.0)))
    lon = np.degrees(np.arctan2(dot(east), dot(node)))
    tt = stamps.tt
    days = (tt.jd1 - 2451545.0) + tt.jd2 - (dist - _RSUN_IAU) / _LIGHT / 86400.0  # light travel time
    crln = np.mod(lon - (_W0 + _ROTATION * np.atleast_1d(days)), 360.0)
    rsun = np.degrees(np.arcsin(RSUN_REF / dist)) * 3600.0
    return [  # rounded far below any use, to keep header bytes stable
        Observer(
            round(float(d), 3),
            0.0,
            round(float(b), 10),
            round(float(c), 10),
            round(float(b), 10),
            round(float(r), 8),
        )
        for d, b, c, r in zip(dist, b0, crln, rsun, strict=True)
    ]


def observer_at(time: TimeLike) -> Observer:
    """The Earth observer's header keys at ``time`` (astropy only, no sunpy).

    The Sun-Earth vector comes from astropy's built-in ephemeris; B0 and the
    Carrington longitude from the IAU rotation elements that sunpy also uses (with the
    light travel time from the Sun), so they agree with ``sunpy.coordinates.sun`` to
    well under 0.001 degree.

    Examples
    --------
    >>> from jet_sandbox.aia import observer_at
    >>> obs = observer_at("2012-07-08T13:05:44")
    >>> round(obs.dsun_obs / 1.495978707e11, 4), round(obs.hglt_obs, 2), round(obs.rsun_obs, 1)
    (1.0167, 3.71, 943.9)
    """
    return _observers([_utc(time)])[0]


# --------------------------------------------------------------------------- the cutout


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CutoutSpec:
    """What a synthetic cutout shows: field of view, time window, channels, seed.

    Times may be given as datetimes (naive means UTC), ISO strings or astropy ``Time``;
    they are stored as aware UTC datetimes.

    Parameters
    ----------
    center_x, center_y
        Centre of the field of view, helioprojective arcsec (``Tx``, ``Ty``).
    start_time, end_time
        The window; frames are taken on AIA's time grid inside it.
    shape
        ``(nx, ny)`` in pixels (``NAXIS1``, ``NAXIS2``); the array is ``(ny, nx)``.
    cdelt
        Pixel size in arcsec (``CDELT1 = CDELT2``).
    waves
        Wavelengths (Å) among :data:`AIA_CHANNELS`.
    cadence
        Seconds between frames of a channel (AIA EUV: 12 s).
    crota2
        Image rotation in degrees (``CROTA2`` and a matching ``PCi_j`` matrix).
    seed
        Seeds the background texture and the noise (a non-negative int).
    noise
        Add photon-like noise (turn off for exact model images).

    Examples
    --------
    >>> from jet_sandbox.aia import CutoutSpec
    >>> spec = CutoutSpec(center_x=-850, center_y=400, start_time="2012-07-08T13:00",
    ...                   end_time="2012-07-08T13:01")
    >>> spec.shape, spec.fov, [t.strftime("%H:%M:%S.%f")[:11] for t in spec.frame_times()]
    ((600, 500), (360.0, 300.0), ['13:00:07.12', '13:00:19.12', '13:00:31.12', '13:00:43.12', '13:00:55.12'])
    """

    center_x: float
    center_y: float
    start_time: datetime
    end_time: datetime
    shape: tuple[int, int] = (600, 500)
    cdelt: float = 0.6
    waves: tuple[int, ...] = (304,)
    cadence: float = 12.0
    crota2: float = 0.0
    seed: int = 0
    noise: bool = True

    def __post_init__(self) -> None:
        start, end = _utc(self.start_time), _utc(self.end_time)
        if end <= start:
            raise SyntheticAiaError(f"end_time {end} is not after start_time {start}")
        shape = tuple(int(n) for n in self.shape)
        if len(shape) != 2 or min(shape) < _MIN_SIDE:
            raise SyntheticAiaError(f"shape must be (nx, ny) with both >= {_MIN_SIDE}, not {self.shape!r}")
        given: Any = self.waves  # an int is accepted too
        waves = (given,) if isinstance(given, int) else tuple(int(w) for w in given)
        if not waves:
            raise SyntheticAiaError("waves is empty")
        for wave in waves:
            _channel(wave)
        if not self.cdelt > 0 or not self.cadence > 0:
            raise SyntheticAiaError("cdelt and cadence must be positive")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise SyntheticAiaError(f"seed must be a non-negative int, not {self.seed!r}")
        for name, value in (
            ("center_x", _value(self.center_x, "arcsec")),
            ("center_y", _value(self.center_y, "arcsec")),
            ("cdelt", _value(self.cdelt, "arcsec")),
            ("cadence", _value(self.cadence, "s")),
            ("crota2", _value(self.crota2, "deg")),
        ):
            if not math.isfinite(value):
                raise SyntheticAiaError(f"{name} must be finite")
            object.__setattr__(self, name, value)
        object.__setattr__(self, "start_time", start)
        object.__setattr__(self, "end_time", end)
        object.__setattr__(self, "shape", shape)
        object.__setattr__(self, "waves", waves)

    @classmethod
    def from_request(
        cls,
        xcen: float,
        ycen: float,
        fovx: float,
        fovy: float,
        starttime: TimeLike,
        endtime: TimeLike,
        waves: str | int | Iterable[int] = 304,
        **options: Any,
    ) -> CutoutSpec:
        """The spec of what the SSW cutout service returns for a request's parameters.

        ``fovx``/``fovy`` in arcsec become ``shape = round(fov / cdelt)``; ``waves`` may be
        the service's comma list (``"171,304"``). Other options are passed on.

        Examples
        --------
        >>> from jet_sandbox.aia import CutoutSpec
        >>> spec = CutoutSpec.from_request(100, -200, 120, 90, "2012-07-08T13:00:00",
        ...                                "2012-07-08T13:30:00", waves="171,304")
        >>> spec.shape, spec.waves
        ((200, 150), (171, 304))
        """
        cdelt = float(options.pop("cdelt", 0.6))
        if isinstance(waves, str):
            wave_list = tuple(int(w) for w in waves.split(",") if w.strip())
        elif isinstance(waves, int):
            wave_list = (waves,)
        else:
            wave_list = tuple(int(w) for w in waves)
        shape = (
            max(_MIN_SIDE, round(_value(fovx, "arcsec") / cdelt)),
            max(_MIN_SIDE, round(_value(fovy, "arcsec") / cdelt)),
        )
        return cls(
            center_x=_value(xcen, "arcsec"),
            center_y=_value(ycen, "arcsec"),
            start_time=_utc(starttime),
            end_time=_utc(endtime),
            shape=shape,
            cdelt=cdelt,
            waves=wave_list,
            **options,
        )

    @property
    def nx(self) -> int:
        """Number of columns (``NAXIS1``)."""
        return self.shape[0]

    @property
    def ny(self) -> int:
        """Number of rows (``NAXIS2``)."""
        return self.shape[1]

    @property
    def fov(self) -> tuple[float, float]:
        """Field of view ``(fovx, fovy)`` in arcsec."""
        return (round(self.nx * self.cdelt, 9), round(self.ny * self.cdelt, 9))

    def frame_times(self, wave: int | None = None) -> list[datetime]:
        """The ``DATE-OBS`` of every frame of channel ``wave`` in the window.

        AIA takes each EUV channel every 12 s at a fixed phase (304 at hh:mm:07.12,
        19.12, ...); the grid runs continuously from 2010-01-01, so different specs over
        the same time agree.
        """
        channel = _channel(self.waves[0] if wave is None else wave)
        cadence_us = round(self.cadence * 1e6)
        phase_us = round(channel.phase * 1e6) % cadence_us
        first_us = _micro(self.start_time - _TIME_GRID_EPOCH) - phase_us
        k = -(-first_us // cadence_us)
        times: list[datetime] = []
        while True:
            moment = _round_10ms(_TIME_GRID_EPOCH + timedelta(microseconds=phase_us + k * cadence_us))
            if moment > self.end_time:
                return times
            if moment >= self.start_time:
                times.append(moment)
            k += 1

    def wcs(self) -> WCS:
        """The celestial WCS of the cutout's frames (a fresh object each call)."""
        return WCS(_wcs_header(self))

    def world_to_pixel(self, x: float | npt.ArrayLike, y: float | npt.ArrayLike) -> tuple[Any, Any]:
        """0-based pixel ``(x, y)`` of helioprojective arcsec (scalars or arrays)."""
        w = _cached_wcs(self)
        xa, ya = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        px, py = w.all_world2pix(xa / 3600.0, ya / 3600.0, 0)
        if px.ndim == 0:
            return float(px), float(py)
        return px, py

    def pixel_to_world(self, px: float | npt.ArrayLike, py: float | npt.ArrayLike) -> tuple[Any, Any]:
        """Helioprojective arcsec of 0-based pixel ``(x, y)`` (scalars or arrays)."""
        w = _cached_wcs(self)
        lon, lat = w.all_pix2world(np.asarray(px, dtype=float), np.asarray(py, dtype=float), 0)
        tx = (np.mod(lon + 180.0, 360.0) - 180.0) * 3600.0
        ty = np.asarray(lat) * 3600.0
        if tx.ndim == 0:
            return float(tx), float(ty)
        return tx, ty

    def scene(self) -> Literal["disk", "limb", "off-limb"]:
        """Whether the field of view lies on the disk, across the limb, or above it."""
        radius = observer_at(self.start_time).rsun_obs
        corners_x = np.array([-0.5, self.nx - 0.5, self.nx - 0.5, -0.5])
        corners_y = np.array([-0.5, -0.5, self.ny - 0.5, self.ny - 0.5])
        tx, ty = self.pixel_to_world(corners_x, corners_y)
        far = float(np.max(np.hypot(tx, ty)))
        sx, sy = self.world_to_pixel(0.0, 0.0)
        near_x, near_y = self.pixel_to_world(
            min(max(sx, -0.5), self.nx - 0.5), min(max(sy, -0.5), self.ny - 0.5)
        )
        near = math.hypot(near_x, near_y)
        if far < radius:
            return "disk"
        if near > radius:
            return "off-limb"
        return "limb"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (times as ISO strings)."""
        out = dataclasses.asdict(self)
        out["start_time"], out["end_time"] = _iso(self.start_time), _iso(self.end_time)
        out["shape"], out["waves"] = list(self.shape), list(self.waves)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CutoutSpec:
        """The inverse of :meth:`to_dict`."""
        fields = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in fields}
        values["shape"] = tuple(values["shape"])
        values["waves"] = tuple(values["waves"])
        return cls(**values)


def _micro(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _pc_matrix(crota2: float) -> tuple[float, float, float, float]:
    c, s = math.cos(math.radians(crota2)), math.sin(math.radians(crota2))
    return (c, -s, s, c)


@lru_cache(maxsize=64)
def _crpix(spec: CutoutSpec) -> tuple[float, float]:
    """CRPIX (1-based) that puts (center_x, center_y) on the middle of the array."""
    header = _wcs_header(spec, crpix=(0.0, 0.0))
    px, py = WCS(header).all_world2pix(spec.center_x / 3600.0, spec.center_y / 3600.0, 1)
    return ((spec.nx + 1) / 2.0 - float(px), (spec.ny + 1) / 2.0 - float(py))


def _wcs_header(spec: CutoutSpec, crpix: tuple[float, float] | None = None) -> fits.Header:
    crpix1, crpix2 = _crpix(spec) if crpix is None else crpix
    pc11, pc12, pc21, pc22 = _pc_matrix(spec.crota2)
    header = fits.Header()
    header["NAXIS"] = 2
    header["NAXIS1"] = spec.nx
    header["NAXIS2"] = spec.ny
    for key, value in (
        ("CTYPE1", "HPLN-TAN"),
        ("CTYPE2", "HPLT-TAN"),
        ("CUNIT1", "arcsec"),
        ("CUNIT2", "arcsec"),
        ("CRVAL1", 0.0),
        ("CRVAL2", 0.0),
        ("CDELT1", spec.cdelt),
        ("CDELT2", spec.cdelt),
        ("CRPIX1", crpix1),
        ("CRPIX2", crpix2),
        ("PC1_1", pc11),
        ("PC1_2", pc12),
        ("PC2_1", pc21),
        ("PC2_2", pc22),
    ):
        header[key] = value
    return header


@lru_cache(maxsize=64)
def _cached_wcs(spec: CutoutSpec) -> WCS:
    w = spec.wcs()
    w.wcs.set()  # set up now, so that threads sharing it only read it
    return w


@lru_cache(maxsize=4)
def _grid(spec: CutoutSpec) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Helioprojective arcsec (Tx, Ty) of every pixel centre, arrays of shape (ny, nx)."""
    py, px = np.mgrid[0 : spec.ny, 0 : spec.nx]
    tx, ty = spec.pixel_to_world(px.ravel(), py.ravel())
    return tx.reshape(spec.ny, spec.nx), ty.reshape(spec.ny, spec.nx)


# --------------------------------------------------------------------------- background


def _smooth_noise(
    rng: np.random.Generator, shape: tuple[int, int], scales_px: Sequence[float]
) -> list[FloatArray]:
    """Unit-variance Gaussian random fields smoothed at each scale (pixels), one white noise."""
    white = rng.standard_normal(shape, dtype=np.float32)
    spectrum = np.fft.rfft2(white)
    fy = np.fft.fftfreq(shape[0]).astype(np.float32)[:, None]
    fx = np.fft.rfftfreq(shape[1]).astype(np.float32)[None, :]
    f2 = fx**2 + fy**2
    fields = []
    for scale in scales_px:
        smoothed = np.fft.irfft2(spectrum * np.exp(-2.0 * np.pi**2 * scale**2 * f2), s=shape)
        field: FloatArray = smoothed.astype(np.float32)
        field -= field.mean()
        field /= max(float(field.std()), 1e-12)
        fields.append(field)
    return fields


@lru_cache(maxsize=8)
def _background(spec: CutoutSpec, wave: int) -> FloatArray:
    """The static Sun of one channel (DN, no jet, no noise), shape (ny, nx)."""
    ch = _channel(wave)
    tx, ty = _grid(spec)
    radius = observer_at(spec.start_time).rsun_obs
    rho = np.hypot(tx, ty).astype(np.float32)
    rng = np.random.default_rng([spec.seed, wave, 1])
    scale = ch.texture_scale / spec.cdelt / 4.0  # smoothing sigma (px) giving cells of texture_scale
    grain, small, cell, big = _smooth_noise(rng, rho.shape, (1.0, scale / 2.0, scale, 2.0 * scale))
    if ch.network:  # bright, patchy lanes along the zero crossings of a band-passed field
        band = cell - 0.8 * big
        band /= max(float(band.std()), 1e-12)
        lanes = np.exp(-(band**2) / 0.1) * (0.5 + 0.5 * np.tanh(small))
        texture = 0.75 + ch.contrast * lanes + 0.06 * grain + 0.05 * small
    else:  # log-normal patches
        texture = np.exp(ch.contrast * (0.6 * big + 0.4 * cell) + 0.05 * grain)
    mu = np.sqrt(np.clip(1.0 - (rho / radius) ** 2, 0.0, 1.0))
    disk = ch.disk * (1.0 + (ch.limb - 1.0) * np.exp(-mu / ch.limb_width))
    height = np.maximum(rho - radius, 0.0)
    above = (
        ch.disk
        * ch.limb
        * (
            (1.0 - ch.high_fraction) * np.exp(-height / ch.scale_low)
            + ch.high_fraction * np.exp(-height / ch.scale_high)
        )
    )
    angle = np.arctan2(ty, tx).astype(np.float32)
    stria_rng = random.Random(f"jet_sandbox.aia.striae:{spec.seed}:{wave}")
    striae = np.ones_like(rho)
    for _ in range(6):
        k = stria_rng.randint(40, 400)
        striae += 0.04 * np.sin(k * angle + stria_rng.uniform(0, 2 * math.pi)).astype(np.float32)
    on_disk = np.clip((radius - rho) / 4.0, 0.0, 1.0)  # 4 arcsec blend across the limb
    image = on_disk * disk * texture + (1.0 - on_disk) * above * (striae * (0.9 + 0.1 * texture))
    image = np.asarray(image, dtype=np.float32)
    image.setflags(write=False)
    return image


# --------------------------------------------------------------------------- the jet


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class JetTruth:
    """A synthetic jet, exactly as drawn.

    The spire starts at the base point and points along ``direction`` (degrees
    counter-clockwise from solar west); its length grows from 0 at ``start_time`` to
    ``max_height`` at ``peak_time`` (``growth`` ``"linear"``, or ``"ballistic"``:
    decelerating, ``1 - (1 - tau)**2``), then it keeps its length and fades linearly to
    nothing at ``end_time``. ``width`` is the FWHM of the spire at its base (it narrows
    to half that at ``max_height``). The base bright point (peak exactly at the base)
    follows the same brightness curve. Positions and lengths in arcsec.

    Examples
    --------
    >>> from jet_sandbox.aia import make_jet
    >>> jet = make_jet(-320.0, 210.0, 45.0, "2012-07-08T13:05", "2012-07-08T13:15",
    ...                "2012-07-08T13:25", max_height=60.0, width=8.0)
    >>> jet.height_at("2012-07-08T13:10"), jet.intensity_at("2012-07-08T13:20")
    (30.0, 0.5)
    >>> [round(v, 3) for v in jet.tip_at("2012-07-08T13:15")]
    [-277.574, 252.426]
    """

    base_x: float
    base_y: float
    direction: float
    start_time: datetime
    peak_time: datetime
    end_time: datetime
    max_height: float
    width: float
    growth: Literal["linear", "ballistic"] = "linear"
    wavelengths: tuple[int, ...] = (304,)
    brightness: float = 1.0
    jet_id: str = "synthetic-jet"

    def __post_init__(self) -> None:
        start, peak, end = _utc(self.start_time), _utc(self.peak_time), _utc(self.end_time)
        if not start < peak <= end:
            raise SyntheticAiaError(f"jet times must satisfy start < peak <= end, got {start}, {peak}, {end}")
        if not (self.max_height > 0 and self.width > 0 and self.brightness > 0):
            raise SyntheticAiaError("max_height, width and brightness must be positive")
        if self.growth not in ("linear", "ballistic"):
            raise SyntheticAiaError(f"growth must be 'linear' or 'ballistic', not {self.growth!r}")
        given: Any = self.wavelengths  # an int is accepted too
        waves = (given,) if isinstance(given, int) else tuple(given)
        for wave in waves:
            _channel(wave)
        for name in ("base_x", "base_y", "max_height", "width", "brightness"):
            value = float(getattr(self, name))
            if not math.isfinite(value):
                raise SyntheticAiaError(f"{name} must be finite")
            object.__setattr__(self, name, value)
        object.__setattr__(self, "direction", float(self.direction) % 360.0)
        object.__setattr__(self, "start_time", start)
        object.__setattr__(self, "peak_time", peak)
        object.__setattr__(self, "end_time", end)
        object.__setattr__(self, "wavelengths", tuple(int(w) for w in waves))

    def active_at(self, time: TimeLike) -> bool:
        """Whether the jet is visible at ``time`` (``start_time <= time < end_time``)."""
        moment = _utc(time)
        return self.start_time <= moment < self.end_time

    def height_at(self, time: TimeLike) -> float:
        """Length of the spire (arcsec) at ``time``; 0 outside the jet's life."""
        moment = _utc(time)
        if not self.active_at(moment):
            return 0.0
        if moment >= self.peak_time:
            return self.max_height
        tau = (moment - self.start_time) / (self.peak_time - self.start_time)
        if self.growth == "ballistic":
            tau = 1.0 - (1.0 - tau) ** 2
        return self.max_height * tau

    def intensity_at(self, time: TimeLike) -> float:
        """Brightness factor in 0..1 at ``time`` (1 while rising, then a linear fade)."""
        moment = _utc(time)
        if not self.active_at(moment):
            return 0.0
        if moment < self.peak_time:
            return 1.0
        return 1.0 - (moment - self.peak_time) / (self.end_time - self.peak_time)

    def tip_at(self, time: TimeLike) -> tuple[float, float]:
        """Helioprojective arcsec of the spire's tip at ``time`` (the base when not active)."""
        length = self.height_at(time)
        angle = math.radians(self.direction)
        return (self.base_x + length * math.cos(angle), self.base_y + length * math.sin(angle))

    @property
    def rise_speed(self) -> float:
        """Mean rise speed of the tip, arcsec per second."""
        return self.max_height / (self.peak_time - self.start_time).total_seconds()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (times as ISO strings)."""
        out = dataclasses.asdict(self)
        for name in ("start_time", "peak_time", "end_time"):
            out[name] = _iso(getattr(self, name))
        out["wavelengths"] = list(self.wavelengths)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JetTruth:
        """The inverse of :meth:`to_dict`."""
        fields = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in fields}
        values["wavelengths"] = tuple(values.get("wavelengths", (304,)))
        return cls(**values)

    def to_jet(self) -> Any:
        """The truth as a :class:`jet_store.Jet` record (for comparison with a catalogue)."""
        from jet_store import Jet

        return Jet(
            jet_id=self.jet_id,
            start_time=self.start_time,
            end_time=self.end_time,
            base_x=self.base_x,
            base_y=self.base_y,
            direction=self.direction,
            max_height=self.max_height,
            avg_width=self.width,
        )


def make_jet(
    base_x: Any,
    base_y: Any,
    direction: Any,
    start_time: TimeLike,
    peak_time: TimeLike,
    end_time: TimeLike,
    *,
    max_height: Any,
    width: Any,
    growth: Literal["linear", "ballistic"] = "linear",
    wavelengths: int | Iterable[int] = (304,),
    brightness: float = 1.0,
    jet_id: str = "synthetic-jet",
) -> JetTruth:
    """A :class:`JetTruth` from plain values or astropy ``Quantity``/``Time``.

    Positions and sizes are arcsec (or any angle Quantity), ``direction`` degrees.

    Examples
    --------
    >>> import astropy.units as u
    >>> from jet_sandbox.aia import make_jet
    >>> jet = make_jet(0.1 * u.deg, -200 * u.arcsec, 90, "2012-07-08T13:05:00",
    ...                "2012-07-08T13:10:00", "2012-07-08T13:20:00",
    ...                max_height=1 * u.arcmin, width=6, wavelengths=[171, 304])
    >>> jet.base_x, jet.max_height, jet.wavelengths
    (360.0, 60.0, (171, 304))
    """
    waves = (wavelengths,) if isinstance(wavelengths, int) else tuple(int(w) for w in wavelengths)
    return JetTruth(
        base_x=_value(base_x, "arcsec"),
        base_y=_value(base_y, "arcsec"),
        direction=_value(direction, "deg"),
        start_time=_utc(start_time),
        peak_time=_utc(peak_time),
        end_time=_utc(end_time),
        max_height=_value(max_height, "arcsec"),
        width=_value(width, "arcsec"),
        growth=growth,
        wavelengths=waves,
        brightness=float(brightness),
        jet_id=jet_id,
    )


def _base_sigma(width: float) -> float:
    """Gaussian sigma (arcsec) of the base bright point of a jet of FWHM ``width``."""
    return min(max(0.2 * width, 1.2), 2.5)


def _jet_margin(width: float) -> float:
    """How far (arcsec) the drawn jet reaches beyond its axis and ends."""
    return 1.5 * width + 3.0 * _base_sigma(width)


def _add_jet(data: FloatArray, spec: CutoutSpec, jet: JetTruth, moment: datetime, ch: Channel) -> None:
    """Draw the jet as it is at ``moment`` onto ``data`` (in place)."""
    amplitude = jet.intensity_at(moment) * jet.brightness
    if amplitude <= 0.0:
        return
    length = jet.height_at(moment)
    tip_x, tip_y = jet.tip_at(moment)
    margin = _jet_margin(jet.width) + 2.0 * spec.cdelt
    xs = np.array([min(jet.base_x, tip_x) - margin, max(jet.base_x, tip_x) + margin])
    ys = np.array([min(jet.base_y, tip_y) - margin, max(jet.base_y, tip_y) + margin])
    px, py = spec.world_to_pixel(np.repeat(xs, 2), np.tile(ys, 2))
    i0, i1 = max(int(np.floor(px.min())), 0), min(int(np.ceil(px.max())) + 1, spec.nx)
    j0, j1 = max(int(np.floor(py.min())), 0), min(int(np.ceil(py.max())) + 1, spec.ny)
    if i0 >= i1 or j0 >= j1:
        return
    tx, ty = _grid(spec)
    dx = tx[j0:j1, i0:i1] - jet.base_x
    dy = ty[j0:j1, i0:i1] - jet.base_y
    cos_a, sin_a = math.cos(math.radians(jet.direction)), math.sin(math.radians(jet.direction))
    along = dx * cos_a + dy * sin_a
    across = -dx * sin_a + dy * cos_a
    sigma_bp = _base_sigma(jet.width)
    bump = np.exp(-(along**2 + across**2) / (2.0 * sigma_bp**2))
    sigma_w = jet.width * (1.0 - 0.5 * np.clip(along / jet.max_height, 0.0, 1.0)) / 2.3548
    tip_soft = max(1.0, 0.04 * jet.max_height)
    body = (
        np.where(along > 0.0, 1.0 - np.exp(-(along**2) / (2.0 * sigma_bp**2)), 0.0)
        * np.clip((length - along) / tip_soft + 0.5, 0.0, 1.0)
        * np.exp(-np.maximum(along, 0.0) / (1.5 * jet.max_height))
        * np.exp(-(across**2) / (2.0 * sigma_w**2))
    )
    data[j0:j1, i0:i1] += (amplitude * (ch.jet * body + ch.base * bump)).astype(np.float32)


def _uniform(rng: random.Random, low: float, high: float) -> float:
    return low + (high - low) * rng.random()


def random_jet(seed: int, spec: CutoutSpec, *, attempts: int = 500) -> JetTruth:
    """A random, realistic jet that lies wholly inside ``spec``'s field of view and window.

    Across the limb the base sits just inside the limb and the jet points outward
    (radial within about 15 degrees); on the disk the direction is uniform; above the
    limb the jet is radial. The spire at its full length, its width and the base bright
    point all stay at least a few pixels inside the image. The jet lasts 40-85 % of the
    window (at most 40 min), rises for 30-65 % of its life, and is seen in every channel
    of the spec. Deterministic in ``seed`` and ``spec`` (Python's ``random`` with a
    string seed, whose sequence is stable across versions).

    Examples
    --------
    >>> from jet_sandbox.aia import CutoutSpec, random_jet
    >>> spec = CutoutSpec(center_x=0, center_y=-940, shape=(300, 250),
    ...                   start_time="2014-02-01T10:00", end_time="2014-02-01T10:30")
    >>> jet = random_jet(7, spec)
    >>> spec.scene(), 180 < jet.direction < 360, jet == random_jet(7, spec)
    ('limb', True, True)
    """
    rng = random.Random(f"jet_sandbox.aia.jet:{seed}")
    radius = observer_at(spec.start_time).rsun_obs
    scene = spec.scene()
    fov_min = min(spec.fov)
    nx, ny = spec.nx, spec.ny
    if 2.0 * (_jet_margin(fov_min / 9.0) / spec.cdelt + 2.0) + 10.0 >= min(nx, ny):
        raise SyntheticAiaError(f"the field of view {spec.fov} arcsec is too small for a jet")
    for attempt in range(attempts):
        width = _uniform(rng, min(4.0, fov_min / 12.0), min(10.0, fov_min / 9.0))
        margin = _jet_margin(width) / spec.cdelt + 2.0
        bx, by = spec.pixel_to_world(
            _uniform(rng, margin, nx - 1 - margin), _uniform(rng, margin, ny - 1 - margin)
        )
        r = math.hypot(bx, by)
        radial = math.degrees(math.atan2(by, bx))
        if scene == "limb" and attempt < attempts // 2:
            scale = (radius - _uniform(rng, 0.5, 6.0)) / max(r, 1e-9)
            bx, by = bx * scale, by * scale
            direction = radial + rng.gauss(0.0, 15.0)
        elif scene == "disk" or r < radius:
            direction = _uniform(rng, 0.0, 360.0)
        else:
            direction = radial + rng.gauss(0.0, 15.0)
        room = _room(spec, bx, by, direction, margin)
        shortest = max(2.5 * width, 8.0)
        if room >= shortest:
            cap = min(room, 150.0)
            max_height = _uniform(rng, max(shortest, 0.55 * cap), max(shortest, 0.95 * cap))
            break
    else:
        raise SyntheticAiaError(f"found no jet that fits inside the field of view of {spec!r}")
    window = (spec.end_time - spec.start_time).total_seconds()
    duration = min(_uniform(rng, 0.4, 0.85) * window, 2400.0)
    lead = _uniform(rng, 0.0, window - duration)
    start = spec.start_time + timedelta(seconds=round(lead, 3))
    rise = max(round(duration * _uniform(rng, 0.3, 0.65), 3), 0.001)
    peak = start + timedelta(seconds=rise)
    end = max(start + timedelta(seconds=round(duration, 3)), peak)
    growth: Literal["linear", "ballistic"] = "linear" if rng.random() < 0.5 else "ballistic"
    return JetTruth(
        base_x=round(bx, 4),
        base_y=round(by, 4),
        direction=round(direction % 360.0, 4),
        start_time=start,
        peak_time=peak,
        end_time=end,
        max_height=round(max_height, 4),
        width=round(width, 4),
        growth=growth,
        wavelengths=spec.waves,
        brightness=round(_uniform(rng, 0.8, 1.3), 4),
        jet_id=f"synthetic-jet-{seed}",
    )


def _room(spec: CutoutSpec, bx: float, by: float, direction: float, margin: float) -> float:
    """Arcsec from (bx, by) along ``direction`` to ``margin`` pixels inside the image edge."""
    angle = math.radians(direction)
    px, py = spec.world_to_pixel(np.array([bx, bx + math.cos(angle)]), np.array([by, by + math.sin(angle)]))
    x0, y0 = float(px[0]), float(py[0])
    lo_x, hi_x, lo_y, hi_y = margin, spec.nx - 1 - margin, margin, spec.ny - 1 - margin
    if not (lo_x <= x0 <= hi_x and lo_y <= y0 <= hi_y):
        return 0.0
    room = math.inf
    for start, step, low, high in ((x0, float(px[1]) - x0, lo_x, hi_x), (y0, float(py[1]) - y0, lo_y, hi_y)):
        if step > 1e-12:
            room = min(room, (high - start) / step)
        elif step < -1e-12:
            room = min(room, (low - start) / step)
    return room


def random_spec(
    seed: int,
    *,
    where: Literal["disk", "limb", "any"] = "any",
    start_time: TimeLike | None = None,
    duration: float = 1800.0,
    **options: Any,
) -> CutoutSpec:
    """A random cutout spec: its field of view on the disk, across the limb, or either.

    Without ``start_time`` the window starts at a random second of 2010-06 .. 2020-06.
    ``duration`` is in seconds; other options (``shape``, ``cdelt``, ``waves``, ...)
    are passed on to :class:`CutoutSpec`, whose ``seed`` defaults to ``seed``.

    Examples
    --------
    >>> from jet_sandbox.aia import random_spec
    >>> [random_spec(s, where="limb", shape=(200, 160)).scene() for s in range(3)]
    ['limb', 'limb', 'limb']
    >>> random_spec(3, where="disk").scene()
    'disk'
    """
    rng = random.Random(f"jet_sandbox.aia.spec:{seed}")
    if start_time is None:
        span = int((datetime(2020, 6, 1, tzinfo=UTC) - datetime(2010, 6, 1, tzinfo=UTC)).total_seconds())
        start = datetime(2010, 6, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(span))
    else:
        start = _utc(start_time)
    options.setdefault("seed", seed)
    shape = tuple(options.get("shape", (600, 500)))
    cdelt = float(options.get("cdelt", 0.6))
    half_diag = 0.5 * math.hypot(shape[0] * cdelt, shape[1] * cdelt)
    radius = observer_at(start).rsun_obs
    if where == "any":
        where = "disk" if rng.random() < 0.5 else "limb"
    angle = _uniform(rng, 0.0, 2.0 * math.pi)
    if where == "limb":
        r = radius + _uniform(rng, -0.2, 0.2) * min(shape) * cdelt
    elif where == "disk":
        if half_diag + 10.0 >= radius:
            raise SyntheticAiaError(f"a field of view of {shape} pixels does not fit on the disk")
        r = (radius - half_diag - 10.0) * math.sqrt(rng.random())
    else:
        raise SyntheticAiaError(f"where must be 'disk', 'limb' or 'any', not {where!r}")
    return CutoutSpec(
        center_x=round(r * math.cos(angle), 3),
        center_y=round(r * math.sin(angle), 3),
        start_time=start,
        end_time=start + timedelta(seconds=duration),
        **options,
    )


# --------------------------------------------------------------------------- frames


def _header(spec: CutoutSpec, ch: Channel, moment: datetime, obs: Observer, data: FloatArray) -> fits.Header:
    t_obs = moment + timedelta(seconds=ch.exptime / 2.0)
    crpix1, crpix2 = _crpix(spec)
    pc11, pc12, pc21, pc22 = _pc_matrix(spec.crota2)
    created = moment.replace(microsecond=0) + timedelta(hours=3)
    cards: list[tuple[str, Any, str]] = [
        ("SIMPLE", True, "conforms to FITS standard"),
        ("BITPIX", -32, "array data type"),
        ("NAXIS", 2, "number of array dimensions"),
        ("NAXIS1", spec.nx, ""),
        ("NAXIS2", spec.ny, ""),
        ("DATE", f"{created:%Y-%m-%dT%H:%M:%S}", "file creation (derived from DATE-OBS)"),
        ("ORIGIN", "SDO/JSOC-SDP", ""),
        ("TELESCOP", "SDO/AIA", ""),
        ("INSTRUME", ch.instrument, ""),
        ("DETECTOR", "AIA", ""),
        ("DATE-OBS", _fits_time(moment), "start of exposure, UTC"),
        ("T_OBS", _fits_time(t_obs, "Z"), "middle of exposure, UTC"),
        ("MJD-OBS", _micro(_round_10ms(moment) - _MJD_EPOCH) / 86_400e6, "[d] DATE-OBS as MJD"),
        ("EXPTIME", ch.exptime, "[s] exposure time"),
        ("WAVELNTH", ch.wavelength, "[angstrom] wavelength"),
        ("WAVEUNIT", "angstrom", ""),
        ("WAVE_STR", ch.wave_str, ""),
        ("IMG_TYPE", "LIGHT", ""),
        ("LVL_NUM", 1.5, "data level"),
        ("QUALITY", 0, ""),
        ("BUNIT", "DN", ""),
        ("DATAMIN", float(np.min(data)), ""),
        ("DATAMAX", float(np.max(data)), ""),
        ("DATAMEAN", float(np.mean(data, dtype=np.float64)), ""),
        ("CTYPE1", "HPLN-TAN", ""),
        ("CTYPE2", "HPLT-TAN", ""),
        ("CUNIT1", "arcsec", ""),
        ("CUNIT2", "arcsec", ""),
        ("CRVAL1", 0.0, "[arcsec] Sun centre"),
        ("CRVAL2", 0.0, "[arcsec] Sun centre"),
        ("CDELT1", spec.cdelt, "[arcsec/pixel]"),
        ("CDELT2", spec.cdelt, "[arcsec/pixel]"),
        ("CRPIX1", crpix1, "[pixel] 1-based, Sun centre"),
        ("CRPIX2", crpix2, "[pixel] 1-based, Sun centre"),
        ("CROTA2", spec.crota2, "[deg]"),
        ("PC1_1", pc11, ""),
        ("PC1_2", pc12, ""),
        ("PC2_1", pc21, ""),
        ("PC2_2", pc22, ""),
        ("XCEN", spec.center_x, "[arcsec] centre of the field of view"),
        ("YCEN", spec.center_y, "[arcsec] centre of the field of view"),
        ("DSUN_OBS", obs.dsun_obs, "[m] observer to Sun centre"),
        ("DSUN_REF", 149597870691.0, "[m] 1 AU"),
        ("RSUN_REF", RSUN_REF, "[m]"),
        ("RSUN_OBS", obs.rsun_obs, "[arcsec] angular radius of RSUN_REF"),
        ("R_SUN", obs.rsun_obs / spec.cdelt, "[pixel] solar radius"),
        ("HGLN_OBS", obs.hgln_obs, "[deg] Stonyhurst longitude of the observer"),
        ("HGLT_OBS", obs.hglt_obs, "[deg] Stonyhurst latitude of the observer (B0)"),
        ("CRLN_OBS", obs.crln_obs, "[deg] Carrington longitude of the observer"),
        ("CRLT_OBS", obs.crlt_obs, "[deg] Carrington latitude of the observer"),
    ]
    header = fits.Header(cards)
    header["COMMENT"] = f"Synthetic AIA cutout made by jet_sandbox.aia (seed {spec.seed}); not real data."
    return header


def _render(
    spec: CutoutSpec, jet: JetTruth | None, moment: datetime, wave: int, obs: Observer
) -> tuple[FloatArray, fits.Header]:
    ch = _channel(wave)
    data = _background(spec, wave).copy()
    if jet is not None and wave in jet.wavelengths:
        _add_jet(data, spec, jet, moment, ch)
    if spec.noise:
        stamp = _micro(moment - _TIME_GRID_EPOCH) // 10_000
        rng = np.random.default_rng([spec.seed, wave, 2, stamp % 2**32, stamp >> 32])
        sigma = np.sqrt(np.maximum(data, 0.0) * ch.gain + _READ_NOISE**2)
        sigma *= rng.standard_normal(data.shape, dtype=np.float32)
        data += sigma
    return data, _header(spec, ch, moment, obs, data)


def _frame_wave(spec: CutoutSpec, wave: int | None) -> int:
    chosen = spec.waves[0] if wave is None else int(wave)
    _channel(chosen)
    return chosen


def frame(
    spec: CutoutSpec, truth: JetTruth | None, time: TimeLike, wave: int | None = None
) -> tuple[FloatArray, fits.Header]:
    """One synthetic frame: ``float32`` data in DN (shape ``(ny, nx)``) and its header.

    ``time`` becomes ``DATE-OBS`` (rounded to 10 ms) and the jet is drawn as it is then;
    ``wave`` defaults to the spec's first wavelength; ``truth=None`` gives the Sun
    without a jet. The first frame of a spec computes its static background (about
    0.1 s for 600x500); later frames reuse it.

    Examples
    --------
    >>> from astropy.wcs import WCS
    >>> from jet_sandbox.aia import CutoutSpec, frame
    >>> spec = CutoutSpec(center_x=500, center_y=-100, shape=(64, 48), waves=(171,),
    ...                   start_time="2011-01-01T00:00", end_time="2011-01-01T00:10")
    >>> data, header = frame(spec, None, "2011-01-01T00:00:11.34")
    >>> header["DATE-OBS"], header["T_OBS"], header["EXPTIME"], header["INSTRUME"]
    ('2011-01-01T00:00:11.34', '2011-01-01T00:00:12.34Z', 1.999, 'AIA_3')
    >>> [round(float(v) * 3600, 6) for v in WCS(header).all_pix2world(31.5, 23.5, 0)]
    [500.0, -100.0]
    """
    moment = _round_10ms(_utc(time))
    wave = _frame_wave(spec, wave)
    t_obs = moment + timedelta(seconds=_channel(wave).exptime / 2.0)
    return _render(spec, truth, moment, wave, _observers([t_obs])[0])


def _fits_bytes(data: FloatArray, header: fits.Header) -> bytes:
    buffer = io.BytesIO()
    fits.PrimaryHDU(data=data, header=header).writeto(buffer, output_verify="exception")
    return buffer.getvalue()


def frame_bytes(spec: CutoutSpec, truth: JetTruth | None, time: TimeLike, wave: int | None = None) -> bytes:
    """The FITS file of :func:`frame` as bytes (what a replica serves).

    Examples
    --------
    >>> from jet_sandbox.aia import CutoutSpec, frame_bytes
    >>> spec = CutoutSpec(center_x=0, center_y=0, shape=(64, 48),
    ...                   start_time="2011-01-01T00:00", end_time="2011-01-01T00:10")
    >>> blob = frame_bytes(spec, None, "2011-01-01T00:00:07.12")
    >>> blob[:9], len(blob), blob == frame_bytes(spec, None, "2011-01-01T00:00:07.12")
    (b'SIMPLE  =', 20160, True)
    """
    return _fits_bytes(*frame(spec, truth, time, wave))


def cutout_filename(time: TimeLike, wave: int, suffix: str = ".fts") -> str:
    """The SSW cutout service's name for a frame: ``ssw_cutout_YYYYmmdd_HHMMSS_AIA_<wave>_.fts``.

    Examples
    --------
    >>> from jet_sandbox.aia import cutout_filename
    >>> cutout_filename("2012-07-08T13:05:43.12", 304)
    'ssw_cutout_20120708_130543_AIA_304_.fts'
    """
    moment = _round_10ms(_utc(time))
    return f"ssw_cutout_{moment:%Y%m%d_%H%M%S}_AIA_{int(wave)}_{suffix}"


def list_filename(start_time: TimeLike, wave: int) -> str:
    """The name of the SSW job's per-wavelength file list (``..._AIA_<wave>_.list``).

    Examples
    --------
    >>> from jet_sandbox.aia import list_filename
    >>> list_filename("2012-09-23T00:00:00", 171)
    'ssw_cutout_20120923_000000_AIA_171_.list'
    """
    return cutout_filename(start_time, wave, suffix=".list")


# --------------------------------------------------------------------------- truth files


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class FrameTruth:
    """Where the jet is in one written frame.

    ``base_px``/``tip_px`` are 0-based ``(x, y)`` array pixel centres; ``height`` the
    spire's length (arcsec), ``intensity`` its brightness factor (0..1, 0 = not visible).
    """

    file: str
    wavelength: int
    date_obs: datetime
    height: float
    intensity: float
    tip_x: float
    tip_y: float
    base_px: tuple[float, float]
    tip_px: tuple[float, float]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (NaN, for a cutout without a jet, becomes ``null``)."""
        out = {k: _null(v) for k, v in dataclasses.asdict(self).items()}
        out["date_obs"] = _iso(self.date_obs)
        out["base_px"], out["tip_px"] = [_null(v) for v in self.base_px], [_null(v) for v in self.tip_px]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FrameTruth:
        """The inverse of :meth:`to_dict`."""
        return cls(
            file=str(data["file"]),
            wavelength=int(data["wavelength"]),
            date_obs=_utc(data["date_obs"]),
            height=float(data["height"]),
            intensity=float(data["intensity"]),
            tip_x=_nan(data["tip_x"]),
            tip_y=_nan(data["tip_y"]),
            base_px=(_nan(data["base_px"][0]), _nan(data["base_px"][1])),
            tip_px=(_nan(data["tip_px"][0]), _nan(data["tip_px"][1])),
        )


def _null(value: Any) -> Any:
    return None if isinstance(value, float) and math.isnan(value) else value


def _nan(value: Any) -> float:
    return math.nan if value is None else float(value)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CutoutTruth:
    """What :func:`write_cutout` wrote: the spec, the jet (or None) and every frame."""

    spec: CutoutSpec
    jet: JetTruth | None
    frames: tuple[FrameTruth, ...]

    def to_dict(self) -> dict[str, Any]:
        """The content of ``truth.json``."""
        return {
            "format": TRUTH_FORMAT,
            "pixel_convention": _PIXEL_CONVENTION,
            "jet": None if self.jet is None else self.jet.to_dict(),
            "spec": self.spec.to_dict(),
            "frames": [f.to_dict() for f in self.frames],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CutoutTruth:
        """The inverse of :meth:`to_dict`."""
        if data.get("format") != TRUTH_FORMAT:
            raise SyntheticAiaError(f"not a {TRUTH_FORMAT} truth file (format {data.get('format')!r})")
        return cls(
            spec=CutoutSpec.from_dict(data["spec"]),
            jet=None if data.get("jet") is None else JetTruth.from_dict(data["jet"]),
            frames=tuple(FrameTruth.from_dict(f) for f in data["frames"]),
        )


def _frame_truth(spec: CutoutSpec, jet: JetTruth | None, moment: datetime, wave: int) -> FrameTruth:
    if jet is None:
        nan = math.nan
        return FrameTruth(
            file=cutout_filename(moment, wave),
            wavelength=wave,
            date_obs=moment,
            height=0.0,
            intensity=0.0,
            tip_x=nan,
            tip_y=nan,
            base_px=(nan, nan),
            tip_px=(nan, nan),
        )
    tip_x, tip_y = jet.tip_at(moment)
    px, py = spec.world_to_pixel(np.array([jet.base_x, tip_x]), np.array([jet.base_y, tip_y]))
    visible = wave in jet.wavelengths
    return FrameTruth(
        file=cutout_filename(moment, wave),
        wavelength=wave,
        date_obs=moment,
        height=jet.height_at(moment) if visible else 0.0,
        intensity=jet.intensity_at(moment) if visible else 0.0,
        tip_x=tip_x,
        tip_y=tip_y,
        base_px=(float(px[0]), float(py[0])),
        tip_px=(float(px[1]), float(py[1])),
    )


def _write_atomic(path: Path, payload: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(payload)
    os.replace(tmp, path)


def write_cutout(
    spec: CutoutSpec,
    truth: JetTruth | None,
    folder: str | os.PathLike[str],
    *,
    waves: Iterable[int] | None = None,
) -> list[Path]:
    """Write one FITS file per frame of every wavelength, and ``truth.json`` beside them.

    Files are named as the SSW cutout service names them (:func:`cutout_filename`) and
    written atomically (temporary name, then rename); the same arguments give the same
    bytes. ``waves`` defaults to the spec's. Returns the FITS paths in time order per
    wavelength.

    Examples
    --------
    >>> import tempfile
    >>> from jet_sandbox.aia import CutoutSpec, load_truth, random_jet, write_cutout
    >>> spec = CutoutSpec(center_x=-400, center_y=300, shape=(96, 80), start_time="2012-07-08T13:05",
    ...                   end_time="2012-07-08T13:06")
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     paths = write_cutout(spec, random_jet(0, spec), tmp)
    ...     truth = load_truth(tmp)
    >>> [p.name for p in paths][:2]
    ['ssw_cutout_20120708_130507_AIA_304_.fts', 'ssw_cutout_20120708_130519_AIA_304_.fts']
    >>> len(truth.frames), truth.frames[0].file == paths[0].name
    (5, True)
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    chosen = spec.waves if waves is None else tuple(_frame_wave(spec, w) for w in waves)
    paths: list[Path] = []
    frames: list[FrameTruth] = []
    for wave in chosen:
        ch = _channel(wave)
        times = spec.frame_times(wave)
        observers = _observers([t + timedelta(seconds=ch.exptime / 2.0) for t in times])
        for moment, obs in zip(times, observers, strict=True):
            path = out / cutout_filename(moment, wave)
            _write_atomic(path, _fits_bytes(*_render(spec, truth, moment, wave, obs)))
            paths.append(path)
            frames.append(_frame_truth(spec, truth, moment, wave))
            logger.debug("wrote %s", path)
    record = CutoutTruth(spec=spec, jet=truth, frames=tuple(frames))
    text = json.dumps(record.to_dict(), indent=2, allow_nan=False) + "\n"
    _write_atomic(out / TRUTH_FILE, text.encode("utf-8"))
    logger.info("wrote %d synthetic AIA frames and %s to %s", len(paths), TRUTH_FILE, out)
    return paths


def load_truth(path: str | os.PathLike[str]) -> CutoutTruth:
    """Read the ``truth.json`` written by :func:`write_cutout` (give the file or its folder).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from jet_sandbox.aia import CutoutSpec, load_truth, make_jet, write_cutout
    >>> spec = CutoutSpec(center_x=0, center_y=0, shape=(64, 64), start_time="2012-07-08T13:05:00",
    ...                   end_time="2012-07-08T13:05:30")
    >>> jet = make_jet(5, 5, 30, "2012-07-08T13:05", "2012-07-08T13:05:20", "2012-07-08T13:06",
    ...                max_height=12, width=4)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = write_cutout(spec, jet, tmp)
    ...     truth = load_truth(Path(tmp) / "truth.json")
    >>> truth.jet == jet, truth.spec == spec, [round(f.height, 2) for f in truth.frames]
    (True, True, [4.27, 11.47])
    """
    target = Path(path)
    if target.is_dir():
        target = target / TRUTH_FILE
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise SyntheticAiaError(f"cannot read the truth file {target}: {err}") from err
    return CutoutTruth.from_dict(data)
