"""What a synthetic cutout shows (:class:`CutoutSpec`) and its celestial WCS.

The WCS is level-1.5 AIA's: ``HPLN-TAN``/``HPLT-TAN`` with the tangent point at Sun
centre and ``CRPIX1/2`` chosen so that the requested centre falls on the array's middle.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from astropy.io import fits
from astropy.wcs import WCS

from jet_sandbox.aia_channels import channel_of
from jet_sandbox.aia_observer import observer_at
from jet_sandbox.aia_values import (
    TIME_GRID_EPOCH,
    TimeLike,
    as_utc,
    iso_text,
    microseconds,
    plain_value,
    round_10ms,
)
from jet_sandbox.errors import SyntheticAiaError

__all__ = ["CutoutSpec", "centred_crpix", "pixel_grid", "pc_matrix"]

_MIN_SIDE = 16


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
        start, end = as_utc(self.start_time), as_utc(self.end_time)
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
            channel_of(wave)
        if not self.cdelt > 0 or not self.cadence > 0:
            raise SyntheticAiaError("cdelt and cadence must be positive")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise SyntheticAiaError(f"seed must be a non-negative int, not {self.seed!r}")
        for name, value in (
            ("center_x", plain_value(self.center_x, "arcsec")),
            ("center_y", plain_value(self.center_y, "arcsec")),
            ("cdelt", plain_value(self.cdelt, "arcsec")),
            ("cadence", plain_value(self.cadence, "s")),
            ("crota2", plain_value(self.crota2, "deg")),
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
            max(_MIN_SIDE, round(plain_value(fovx, "arcsec") / cdelt)),
            max(_MIN_SIDE, round(plain_value(fovy, "arcsec") / cdelt)),
        )
        return cls(
            center_x=plain_value(xcen, "arcsec"),
            center_y=plain_value(ycen, "arcsec"),
            start_time=as_utc(starttime),
            end_time=as_utc(endtime),
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
        channel = channel_of(self.waves[0] if wave is None else wave)
        cadence_us = round(self.cadence * 1e6)
        phase_us = round(channel.phase * 1e6) % cadence_us
        first_us = microseconds(self.start_time - TIME_GRID_EPOCH) - phase_us
        k = -(-first_us // cadence_us)
        times: list[datetime] = []
        while True:
            moment = round_10ms(TIME_GRID_EPOCH + timedelta(microseconds=phase_us + k * cadence_us))
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
        out["start_time"], out["end_time"] = iso_text(self.start_time), iso_text(self.end_time)
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


def pc_matrix(crota2: float) -> tuple[float, float, float, float]:
    """PC1_1, PC1_2, PC2_1, PC2_2 of a rotation by ``crota2`` degrees."""
    c, s = math.cos(math.radians(crota2)), math.sin(math.radians(crota2))
    return (c, -s, s, c)


@lru_cache(maxsize=64)
def centred_crpix(spec: CutoutSpec) -> tuple[float, float]:
    """CRPIX (1-based) that puts (center_x, center_y) on the middle of the array."""
    header = _wcs_header(spec, crpix=(0.0, 0.0))
    px, py = WCS(header).all_world2pix(spec.center_x / 3600.0, spec.center_y / 3600.0, 1)
    return ((spec.nx + 1) / 2.0 - float(px), (spec.ny + 1) / 2.0 - float(py))


def _wcs_header(spec: CutoutSpec, crpix: tuple[float, float] | None = None) -> fits.Header:
    crpix1, crpix2 = centred_crpix(spec) if crpix is None else crpix
    pc11, pc12, pc21, pc22 = pc_matrix(spec.crota2)
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
def pixel_grid(spec: CutoutSpec) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Helioprojective arcsec (Tx, Ty) of every pixel centre, arrays of shape (ny, nx)."""
    py, px = np.mgrid[0 : spec.ny, 0 : spec.nx]
    tx, ty = spec.pixel_to_world(px.ravel(), py.ravel())
    return tx.reshape(spec.ny, spec.nx), ty.reshape(spec.ny, spec.nx)
