"""A synthetic jet's truth (:class:`JetTruth`) and its emission drawn onto a frame."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

import numpy as np

from jet_sandbox.aia_channels import Channel, channel_of
from jet_sandbox.aia_spec import CutoutSpec, pixel_grid
from jet_sandbox.aia_values import FloatArray, TimeLike, as_utc, iso_text, plain_value
from jet_sandbox.errors import SyntheticAiaError

__all__ = ["JetTruth", "make_jet", "add_jet", "jet_margin"]


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
        start, peak, end = as_utc(self.start_time), as_utc(self.peak_time), as_utc(self.end_time)
        if not start < peak <= end:
            raise SyntheticAiaError(f"jet times must satisfy start < peak <= end, got {start}, {peak}, {end}")
        if not (self.max_height > 0 and self.width > 0 and self.brightness > 0):
            raise SyntheticAiaError("max_height, width and brightness must be positive")
        if self.growth not in ("linear", "ballistic"):
            raise SyntheticAiaError(f"growth must be 'linear' or 'ballistic', not {self.growth!r}")
        given: Any = self.wavelengths  # an int is accepted too
        waves = (given,) if isinstance(given, int) else tuple(given)
        for wave in waves:
            channel_of(wave)
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
        moment = as_utc(time)
        return self.start_time <= moment < self.end_time

    def height_at(self, time: TimeLike) -> float:
        """Length of the spire (arcsec) at ``time``; 0 outside the jet's life."""
        moment = as_utc(time)
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
        moment = as_utc(time)
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
            out[name] = iso_text(getattr(self, name))
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
        base_x=plain_value(base_x, "arcsec"),
        base_y=plain_value(base_y, "arcsec"),
        direction=plain_value(direction, "deg"),
        start_time=as_utc(start_time),
        peak_time=as_utc(peak_time),
        end_time=as_utc(end_time),
        max_height=plain_value(max_height, "arcsec"),
        width=plain_value(width, "arcsec"),
        growth=growth,
        wavelengths=waves,
        brightness=float(brightness),
        jet_id=jet_id,
    )


def _base_sigma(width: float) -> float:
    """Gaussian sigma (arcsec) of the base bright point of a jet of FWHM ``width``."""
    return min(max(0.2 * width, 1.2), 2.5)


def jet_margin(width: float) -> float:
    """How far (arcsec) the drawn jet reaches beyond its axis and ends."""
    return 1.5 * width + 3.0 * _base_sigma(width)


def add_jet(data: FloatArray, spec: CutoutSpec, jet: JetTruth, moment: datetime, ch: Channel) -> None:
    """Draw the jet as it is at ``moment`` onto ``data`` (in place)."""
    amplitude = jet.intensity_at(moment) * jet.brightness
    if amplitude <= 0.0:
        return
    length = jet.height_at(moment)
    tip_x, tip_y = jet.tip_at(moment)
    margin = jet_margin(jet.width) + 2.0 * spec.cdelt
    xs = np.array([min(jet.base_x, tip_x) - margin, max(jet.base_x, tip_x) + margin])
    ys = np.array([min(jet.base_y, tip_y) - margin, max(jet.base_y, tip_y) + margin])
    px, py = spec.world_to_pixel(np.repeat(xs, 2), np.tile(ys, 2))
    i0, i1 = max(int(np.floor(px.min())), 0), min(int(np.ceil(px.max())) + 1, spec.nx)
    j0, j1 = max(int(np.floor(py.min())), 0), min(int(np.ceil(py.max())) + 1, spec.ny)
    if i0 >= i1 or j0 >= j1:
        return
    tx, ty = pixel_grid(spec)
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
