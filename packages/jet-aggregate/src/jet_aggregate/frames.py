"""The frames of one subject as its metadata contract describes them (ZOONIVERSE.md).

Each frame's image geometry, WCS (:func:`jet_render.coords.frame_wcs`) and time, read
through :func:`zoo_bridge.metadata.frame_metadata`, so that every mark goes to the Sun
through its own frame's WCS.

Examples
--------
>>> from jet_sandbox.aia import CutoutSpec, make_jet
>>> from jet_sandbox.volunteers import simulate_event
>>> from jet_aggregate.frames import SubjectFrames
>>> spec = CutoutSpec(center_x=-300.0, center_y=200.0, start_time="2012-07-08T13:00",
...                   end_time="2012-07-08T13:02:50")
>>> sim = simulate_event(spec, [], seed=2)
>>> frames = SubjectFrames.from_metadata(1, sim.subjects[0].metadata)
>>> len(frames.times) > 1, frames.cadence, frames.frame(-3), frames.frame(None)
(True, 12.0, 0, 0)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from jet_render.coords import ImageGeometry, frame_wcs, pixel_to_world
from zoo_bridge.metadata import frame_count, frame_metadata

from jet_aggregate.errors import MetadataError

__all__ = ["SubjectFrames"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SubjectFrames:
    """The frames of one subject as the metadata contract describes them."""

    subject_id: int
    geometry: tuple[ImageGeometry, ...]
    wcs: tuple[Any, ...]
    times: tuple[datetime, ...]
    sol_standard: str | None
    event_id: str | None
    observer: dict[str, str]

    @classmethod
    def from_metadata(cls, subject_id: int, metadata: Mapping[str, Any]) -> SubjectFrames:
        """Read every frame (geometry, WCS, time) of a subject's metadata."""
        n = frame_count(metadata)
        if n == 0:
            raise MetadataError(f"subject {subject_id}: metadata has no '#date-obs_<i>' frames")
        frames = [frame_metadata(metadata, i) for i in range(n)]
        return cls(
            subject_id,
            tuple(f.geometry for f in frames),
            tuple(frame_wcs(f.wcs) for f in frames),
            tuple(f.obs_time for f in frames),
            metadata.get("#sol_standard") or None,
            metadata.get("#event_id") or None,
            {
                k: str(v)
                for k, v in frames[0].wcs.items()
                if k in ("#dsun_obs", "#hgln_obs", "#hglt_obs", "#rsun_obs")
            },
        )

    def frame(self, index: int | None) -> int:
        """A mark's frame clipped to the subject (marks without a frame are frame 0)."""
        return min(max(int(index or 0), 0), len(self.times) - 1)

    def to_world(self, x: FloatArray, y: FloatArray, frames: Sequence[int]) -> tuple[FloatArray, FloatArray]:
        """Image pixels -> helioprojective arcsec, each mark through its own frame."""
        tx = np.empty(len(x))
        ty = np.empty(len(x))
        fr = np.asarray([self.frame(f) for f in frames])
        for f in np.unique(fr):
            idx = fr == f
            tx[idx], ty[idx] = pixel_to_world(x[idx], y[idx], self.geometry[f], self.wcs[f])
        return tx, ty

    @property
    def cadence(self) -> float:
        """Median seconds between frames."""
        if len(self.times) < 2:
            return 12.0
        return float(np.median(np.diff([t.timestamp() for t in self.times])))
