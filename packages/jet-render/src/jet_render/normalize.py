"""Data normalisation: from AIA DN to 0..1 before the colour table.

The default, ``Normalization()``, is what sunpy does for an AIA map (and so what the
seed's frames showed): the interval is the frame's own minimum..maximum (matplotlib's
autoscale) and the stretch is ``asinh`` with ``a = 0.01``
(``astropy.visualization.AsinhStretch(0.01)``, sunpy's ``AIAMap`` default), i.e.
``y = asinh(x / a) / asinh(1 / a)`` of the linearly scaled value ``x``. Other intervals:
``"percentile"`` (robust: clip to the ``low``..``high`` percentiles, e.g. 0.5..99.9) and
``"fixed"`` (``low``..``high`` in DN, the same for every frame of a movie, so brightness
changes stay visible); other stretches: ``"linear"``, ``"sqrt"``, ``"log"``
(``log(a x + 1) / log(a + 1)`` with ``a = 1000``, as astropy's ``LogStretch``) and
``"asinh"``.

Examples
--------
>>> import numpy as np
>>> from jet_render.normalize import Normalization
>>> data = np.array([[0.0, 1.0], [3.0, 100.0]])
>>> [round(v, 3) for v in Normalization().apply(data).ravel().tolist()]
[0.0, 0.166, 0.343, 1.0]
>>> Normalization(interval="fixed", low=0, high=4, stretch="linear").apply(data).tolist()
[[0.0, 0.25], [0.75, 1.0]]
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

__all__ = ["Normalization", "INTERVALS", "STRETCHES"]

logger = logging.getLogger(__name__)

INTERVALS = ("minmax", "percentile", "fixed")
"""The supported intervals (what maps to 0 and to 1 before the stretch)."""
STRETCHES = ("linear", "sqrt", "log", "asinh")
"""The supported stretches."""


@dataclass(frozen=True, slots=True)
class Normalization:
    """How data values become 0..1.

    Parameters
    ----------
    interval
        ``"minmax"`` (frame min..max, sunpy's default), ``"percentile"`` (``low``..``high``
        percentiles of the finite data) or ``"fixed"`` (``low``..``high`` in data units).
    low, high
        Percentiles (``"percentile"``, defaults 0.5 and 99.9) or data values (``"fixed"``).
    stretch
        ``"linear"``, ``"sqrt"``, ``"log"`` or ``"asinh"`` (default, as sunpy for AIA).
    a
        The stretch parameter: asinh softening (default 0.01) or log scale (default 1000).
    """

    interval: Literal["minmax", "percentile", "fixed"] = "minmax"
    low: float | None = None
    high: float | None = None
    stretch: Literal["linear", "sqrt", "log", "asinh"] = "asinh"
    a: float | None = None

    def __post_init__(self) -> None:
        if self.interval not in INTERVALS:
            raise ValueError(f"unknown interval {self.interval!r}; use one of {INTERVALS}")
        if self.stretch not in STRETCHES:
            raise ValueError(f"unknown stretch {self.stretch!r}; use one of {STRETCHES}")
        if self.interval == "fixed" and (self.low is None or self.high is None):
            raise ValueError("a fixed interval needs low and high (data values)")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (stored in a Rendering's params)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Normalization:
        """The inverse of :meth:`to_dict`."""
        return cls(**data)

    def limits(self, data: npt.NDArray[Any]) -> tuple[float, float]:
        """The data values that map to 0 and to 1 for this frame."""
        if self.interval == "fixed":
            return float(self.low), float(self.high)  # type: ignore[arg-type]
        finite = data[np.isfinite(data)] if not np.isfinite(data).all() else data
        if finite.size == 0:
            return 0.0, 1.0
        if self.interval == "minmax":
            return float(finite.min()), float(finite.max())
        lo = 0.5 if self.low is None else self.low
        hi = 99.9 if self.high is None else self.high
        vmin, vmax = np.percentile(finite, [lo, hi])
        return float(vmin), float(vmax)

    def indices(self, data: npt.ArrayLike, levels: int) -> npt.NDArray[np.uint8]:
        """``rint(apply(data) * (levels - 1))`` as ``uint8`` (NaN -> 0), through a table.

        The linearly scaled value is quantised to 1/65535 and the stretch read from a
        65,536-entry table, instead of computing ``asinh``/``log``/``sqrt`` per pixel
        (about 15x faster); the result differs from :meth:`apply` only where a value
        falls within 1e-5 of a level boundary.

        Examples
        --------
        >>> import numpy as np
        >>> Normalization().indices(np.array([[0.0, 1.0], [3.0, 100.0], [np.nan, 50.0]]), 192).tolist()
        [[0, 32], [66, 191], [0, 166]]
        """
        if not 2 <= levels <= 256:
            raise ValueError(f"levels must be 2..256, not {levels}")
        arr = np.asarray(data, dtype=np.float32)
        vmin, vmax = self.limits(arr)
        span = vmax - vmin if vmax > vmin else 1.0
        x = arr - np.float32(vmin)
        x *= np.float32(_STEPS / span)
        np.clip(x, 0.0, _STEPS, out=x)
        x += np.float32(0.5)
        with np.errstate(invalid="ignore"):  # NaN -> 0, as the data's minimum
            steps = x.astype(np.uint16)
        if not np.isfinite(arr).all():
            steps[np.isnan(arr)] = 0
        out: npt.NDArray[np.uint8] = np.take(_table(self.stretch, self.a, levels), steps)
        return out

    def apply(self, data: npt.ArrayLike) -> npt.NDArray[np.float32]:
        """Scale ``data`` to 0..1 (clipped; NaN stays NaN) as ``float32``."""
        arr = np.asarray(data, dtype=np.float32)
        vmin, vmax = self.limits(arr)
        span = vmax - vmin if vmax > vmin else 1.0
        x = (arr - np.float32(vmin)) * np.float32(1.0 / span)
        np.clip(x, 0.0, 1.0, out=x)
        return _stretch(x, self.stretch, self.a)


_STEPS = 65535
"""Linear steps of the stretch tables (:meth:`Normalization.indices`)."""


@lru_cache(maxsize=32)
def _table(stretch: str, a: float | None, levels: int) -> npt.NDArray[np.uint8]:
    x = np.linspace(0.0, 1.0, _STEPS + 1, dtype=np.float32)
    y = _stretch(x, stretch, a) * np.float32(levels - 1)
    table: npt.NDArray[np.uint8] = np.rint(y).astype(np.uint8)
    table.setflags(write=False)
    return table


def _stretch(x: npt.NDArray[np.float32], stretch: str, a: float | None) -> npt.NDArray[np.float32]:
    """Apply a stretch in place to values in 0..1 (and return them)."""
    if stretch == "sqrt":
        np.sqrt(x, out=x)
    elif stretch == "asinh":
        soft = 0.01 if a is None else a
        x *= np.float32(1.0 / soft)
        np.arcsinh(x, out=x)
        x *= np.float32(1.0 / np.arcsinh(1.0 / soft))
    elif stretch == "log":
        scale = 1000.0 if a is None else a
        x *= np.float32(scale)
        np.log1p(x, out=x)
        x *= np.float32(1.0 / np.log1p(scale))
    return x
