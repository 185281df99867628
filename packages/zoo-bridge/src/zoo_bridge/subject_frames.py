"""The frames of one subject's metadata, read as :func:`zoo_bridge.metadata.frame_metadata`
reads them, with the metadata scanned once rather than once per frame.

A subject's metadata holds each frame-dependent value once (``#crpix1``) and a
``#crpix1_<i>`` override for each frame that differs: :class:`SubjectFrames` splits the
keys into those two tables once, so a frame is a few dictionary look-ups, and frames
that share their image geometry share one :class:`jet_render.geometry.ImageGeometry`.

Examples
--------
>>> from dataclasses import asdict
>>> from zoo_bridge.metadata import frame_metadata
>>> meta = {"#width": "100", "#height": "100", "#im_ll_x": "0", "#im_ll_y": "0", "#im_ur_x": "1",
...         "#im_ur_y": "1", "#naxis1": "10", "#naxis2": "10", "#crpix1": "5.5", "#crpix2": "5.5",
...         "#crval1": "0", "#crval2": "0", "#crval1_1": "100", "#cdelt1": "2", "#cdelt2": "2",
...         "#date-obs_0": "2010-06-20T11:27:26", "#date-obs_1": "2010-06-20T11:27:38.5"}
>>> frames = SubjectFrames(meta)
>>> frames.count, frames.frame(1).wcs["#crval1"], asdict(frames.frame(1)) == asdict(frame_metadata(meta, 1))
(2, '100', True)
>>> frames.frame(0).geometry is frames.frame(1).geometry
True
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from zoo_bridge.metadata import FRAME_KEYS, FrameMetadata, frame_count, read_frame

if TYPE_CHECKING:  # pragma: no cover - typing only
    from jet_render.geometry import ImageGeometry

__all__ = ["SubjectFrames"]

#: the names a frame reads (``#<name>`` and its ``#<name>_<i>`` overrides)
_NAMES = frozenset((*FRAME_KEYS, "date-obs", "file_name"))
#: ``#<name>_<i>`` with ``i`` written as :func:`frame_metadata` looks it up (no leading 0)
_OVERRIDE = re.compile(r"#(.+)_(0|[1-9][0-9]*)")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


class SubjectFrames:
    """The frames of one subject's metadata.

    Parameters
    ----------
    metadata
        The subject's metadata (the metadata contract).
    frames
        Its :func:`~zoo_bridge.metadata.frame_count`, when known; counted otherwise.
    """

    __slots__ = ("_base", "_geometries", "_overrides", "count")

    def __init__(self, metadata: Mapping[str, Any], frames: int | None = None) -> None:
        self.count = frame_count(metadata) if frames is None else frames
        self._base = {name: _text(metadata.get(f"#{name}")) for name in _NAMES}
        overrides: dict[int, dict[str, str]] = {}
        for key, value in metadata.items():
            match = _OVERRIDE.fullmatch(key) if isinstance(key, str) else None
            if match is not None and match.group(1) in _NAMES and (text := _text(value)) is not None:
                overrides.setdefault(int(match.group(2)), {})[match.group(1)] = text
        self._overrides = overrides
        self._geometries: dict[tuple[str | None, ...], ImageGeometry] = {}

    def frame(self, index: int) -> FrameMetadata:
        """Frame ``index``: what ``frame_metadata(metadata, index)`` returns (or raises).

        Raises
        ------
        MetadataError
            As :func:`~zoo_bridge.metadata.frame_metadata`.
        """
        base = self._base
        own = self._overrides.get(index)
        if own is None:
            return read_frame(index, self.count, base.__getitem__, self._geometries)
        return read_frame(index, self.count, lambda name: own.get(name) or base[name], self._geometries)
