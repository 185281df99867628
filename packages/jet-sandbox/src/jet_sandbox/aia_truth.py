"""Where the jet is in every written frame: the records of ``truth.json``."""

from __future__ import annotations

import dataclasses
import math
from datetime import datetime
from typing import Any

import numpy as np

from jet_sandbox.aia_frames import cutout_filename
from jet_sandbox.aia_jet import JetTruth
from jet_sandbox.aia_spec import CutoutSpec
from jet_sandbox.aia_values import as_utc, iso_text
from jet_sandbox.errors import SyntheticAiaError

__all__ = ["CutoutTruth", "FrameTruth", "frame_truth"]

TRUTH_FORMAT = "jet_sandbox.aia/1"


_PIXEL_CONVENTION = "0-based (x=column, y=row) array pixel centres, as astropy WCS world_to_pixel"


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
        out["date_obs"] = iso_text(self.date_obs)
        out["base_px"], out["tip_px"] = [_null(v) for v in self.base_px], [_null(v) for v in self.tip_px]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FrameTruth:
        """The inverse of :meth:`to_dict`."""
        return cls(
            file=str(data["file"]),
            wavelength=int(data["wavelength"]),
            date_obs=as_utc(data["date_obs"]),
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


def frame_truth(spec: CutoutSpec, jet: JetTruth | None, moment: datetime, wave: int) -> FrameTruth:
    """Where the jet is in the frame of ``wave`` at ``moment`` (NaN positions without a jet)."""
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
