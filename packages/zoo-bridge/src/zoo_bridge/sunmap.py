"""Marks on the Sun: image pixels -> helioprojective arcsec and the frame's time.

Everything comes from the subject's metadata as the classification export carries it,
read with :func:`zoo_bridge.metadata.frame_metadata` (the metadata contract: geometry,
per-frame WCS with ``<key>_<i>`` overrides, ``#date-obs_<i>``); the mapping itself is
:mod:`jet_render.coords`'. A subject whose metadata cannot map a frame (the seed's
subjects carry no WCS) gives ``None`` values, not an error: the pixel mark is still
good, and the frame's time still comes from ``#file_name_<i>`` when it holds one.

Examples
--------
>>> from zoo_bridge.marks import Mark
>>> from zoo_bridge.sunmap import SunMapper, frame_time
>>> meta = {"#width": "100", "#height": "100", "#im_ll_x": "0", "#im_ll_y": "0", "#im_ur_x": "1",
...         "#im_ur_y": "1", "#naxis1": "10", "#naxis2": "10", "#crpix1": "5.5", "#crpix2": "5.5",
...         "#crval1": "0", "#crval2": "0", "#crval1_1": "100", "#cdelt1": "2", "#cdelt2": "2",
...         "#date-obs_0": "2010-06-20T11:27:26", "#date-obs_1": "2010-06-20T11:27:38.5"}
>>> sun = SunMapper().map(meta, Mark(shape="point", tool=0, tool_label=None, frame=1, x=50.0, y=50.0))
>>> round(sun["hpc_x"], 6), round(sun["hpc_y"], 6), sun["frame_time"].second
(100.0, 0.0, 38)
>>> frame_time({"#file_name_0": "ssw_cutout_20100620_112726_aia_304_.png"}, 0).isoformat()
'2010-06-20T11:27:26+00:00'

"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from jet_render.coords import FrameWcs, ImageGeometry, box_to_world, frame_wcs, pixel_to_world
from jet_render.geometry import CoordinateError

from zoo_bridge.errors import MetadataError
from zoo_bridge.marks import Mark
from zoo_bridge.metadata import frame_metadata

__all__ = ["SUN_FIELDS", "SunMark", "SunMapper", "frame_time"]

_FILE_TIME = re.compile(r"(\d{8})_(\d{6})")


def _parse_time(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def frame_time(metadata: Mapping[str, Any], index: int) -> datetime | None:
    """The UTC time of frame ``index`` from what older subjects carry: ``#date-obs_<i>``,
    else the ``YYYYMMDD_HHMMSS`` in ``#file_name_<i>``; or None."""
    for key in (f"#date-obs_{index}", f"#date_obs_{index}"):
        text = metadata.get(key)
        if isinstance(text, str) and (value := _parse_time(text)) is not None:
            return value
    name = metadata.get(f"#file_name_{index}")
    if isinstance(name, str) and (match := _FILE_TIME.search(name)):
        try:
            return datetime.strptime("".join(match.groups()), "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)
        except ValueError:
            return None
    return None


SUN_FIELDS = ("hpc_x", "hpc_y", "hpc_width", "hpc_height", "hpc_angle", "frame_time")
"""The :class:`jet_store.Annotation` fields a mark on the Sun fills (arcsec, degrees
counter-clockwise from solar west, the frame's UTC time)."""

SunMark = dict[str, Any]
"""A mark on the Sun: :data:`SUN_FIELDS` -> value (None where the metadata cannot say)."""


def _sun(*values: Any, frame_time: datetime | None = None) -> SunMark:
    floats = [None if v is None else _finite_or_none(v) for v in values]
    floats += [None] * (5 - len(floats))
    return {**dict(zip(SUN_FIELDS[:5], floats, strict=True)), "frame_time": frame_time}


_Frame = tuple[ImageGeometry, FrameWcs, datetime]
_JITTER_KEYS = frozenset({"#crpix1", "#crpix2", "#crval1", "#crval2", "#date-obs"})


def _finite_or_none(value: Any) -> float | None:
    number = float(value)
    return number if math.isfinite(number) else None


class SunMapper:
    """Maps marks of many subjects, keeping the last ``cache_size`` frames' WCS.

    Build one per import: the geometry and WCS of a frame are built once however many
    marks it has.
    """

    def __init__(self, cache_size: int = 4096) -> None:
        self._cache: OrderedDict[Any, _Frame | None] = OrderedDict()
        self._bases: dict[int, tuple[dict[str, str], FrameWcs]] = {}
        self._size = cache_size

    def _frame(self, metadata: Mapping[str, Any], index: int, subject_id: int | None) -> _Frame | None:
        key = (subject_id, index)
        if subject_id is not None and key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        try:
            meta = frame_metadata(metadata, index)
            found: _Frame | None = (meta.geometry, self._wcs(meta.wcs, subject_id), meta.obs_time)
        except (MetadataError, CoordinateError, ValueError, TypeError):
            found = None
        if subject_id is None:
            return found
        self._cache[key] = found
        if len(self._cache) > self._size:
            self._cache.popitem(last=False)
        return found

    def _wcs(self, keys: dict[str, str], subject_id: int | None) -> FrameWcs:
        """The frame's WCS; frames of one subject that differ from the first one built
        only in CRPIX/CRVAL/DATE-OBS (the jitter of real cutouts) copy its WCS with those
        values set, 25x faster than building one from its keys."""
        base = self._bases.get(subject_id) if subject_id is not None else None
        if base is not None:
            base_keys, base_wcs = base
            changed = {k for k in keys.keys() | base_keys.keys() if keys.get(k) != base_keys.get(k)}
            in_arcsec = all(keys.get(f"#cunit{i}", "arcsec").strip().lower() == "arcsec" for i in (1, 2))
            if in_arcsec and changed <= _JITTER_KEYS and all(k in keys for k in changed):
                wcs = base_wcs.wcs.deepcopy()
                wcs.wcs.crpix = [float(keys["#crpix1"]), float(keys["#crpix2"])]
                wcs.wcs.crval = [float(keys["#crval1"]) / base_wcs.lon_to_arcsec,
                                 float(keys["#crval2"]) / base_wcs.lat_to_arcsec]  # fmt: skip
                if "#date-obs" in keys:
                    wcs.wcs.dateobs = keys["#date-obs"]
                wcs.wcs.set()
                return FrameWcs(wcs, base_wcs.pixel_shape, base_wcs.lon_to_arcsec, base_wcs.lat_to_arcsec)
        built = frame_wcs(keys)
        if subject_id is not None:
            self._bases[subject_id] = (keys, built)
            if len(self._bases) > self._size:
                self._bases.pop(next(iter(self._bases)))
        return built

    def map(self, metadata: Mapping[str, Any], mark: Mark, subject_id: int | None = None) -> SunMark:
        """The mark on the Sun; ``None`` fields where the metadata cannot say.

        ``subject_id`` names the metadata so that each frame's WCS is built once (the
        same subject always carries the same metadata).
        """
        frame = self._frame(metadata, mark.frame, subject_id)
        if frame is None or mark.x is None or mark.y is None:
            when = frame[2] if frame is not None else frame_time(metadata, mark.frame)
            return _sun(frame_time=when)
        geometry, fw, when = frame
        try:
            return self._map(geometry, fw, mark, when)
        except (CoordinateError, ValueError):
            return _sun(frame_time=when)

    @staticmethod
    def _map(geometry: ImageGeometry, fw: FrameWcs, mark: Mark, when: datetime | None) -> SunMark:
        if mark.x is None or mark.y is None:  # pragma: no cover - map() checked it
            return _sun(frame_time=when)
        if mark.shape == "line" and mark.x2 is not None and mark.y2 is not None:
            tx, ty = pixel_to_world([mark.x, mark.x2], [mark.y, mark.y2], geometry, fw)
            dx, dy = float(tx[1] - tx[0]), float(ty[1] - ty[0])
            angle = math.degrees(math.atan2(dy, dx)) % 360.0
            return _sun(tx[0], ty[0], math.hypot(dx, dy), None, angle, frame_time=when)
        if mark.width is None or mark.height is None:
            tx, ty = pixel_to_world(mark.x, mark.y, geometry, fw)
            return _sun(tx, ty, frame_time=when)
        if mark.shape in ("circle", "ellipse"):  # x, y is the centre: map the bounding box
            left, top = mark.x - mark.width / 2.0, mark.y - mark.height / 2.0
        else:
            left, top = mark.x, mark.y
        box = box_to_world(left, top, mark.width, mark.height, mark.angle or 0.0, geometry, fw)
        return _sun(box.center_tx, box.center_ty, box.width, box.height, box.angle, frame_time=when)
