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
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

import numpy as np
from jet_render.coords import FrameWcs, ImageGeometry, box_to_world, frame_wcs, pixel_to_world
from jet_render.geometry import CoordinateError

from zoo_bridge.errors import MetadataError
from zoo_bridge.marks import Mark
from zoo_bridge.subject_frames import SubjectFrames

__all__ = ["SUN_FIELDS", "SunMark", "SunMapper", "SunRequest", "frame_time"]

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


def _sun(frame_time: datetime | None = None) -> SunMark:
    """A mark the metadata cannot map: its frame's time (if known), no position."""
    return {"hpc_x": None, "hpc_y": None, "hpc_width": None, "hpc_height": None, "hpc_angle": None,
            "frame_time": frame_time}  # fmt: skip


def _finite(values: Any, n: int) -> list[float | None]:
    """``float(v)`` of each value of an array (or a list), None where it is not finite;
    ``n`` Nones for None."""
    if values is None:
        return [None] * n
    array = np.asarray(values, dtype=np.float64).ravel()
    return [v if ok else None for v, ok in zip(array.tolist(), np.isfinite(array).tolist(), strict=True)]


def _suns(
    whens: list[datetime], x: Any, y: Any, width: Any = None, height: Any = None, angle: Any = None
) -> list[SunMark]:
    """The marks on the Sun from their columns (arrays, lists or None), one per time."""
    n = len(whens)
    columns = zip(
        _finite(x, n), _finite(y, n), _finite(width, n), _finite(height, n), _finite(angle, n), whens,
        strict=True,
    )  # fmt: skip
    return [{"hpc_x": a, "hpc_y": b, "hpc_width": w, "hpc_height": h, "hpc_angle": t, "frame_time": when}
            for a, b, w, h, t, when in columns]  # fmt: skip


_Frame = tuple[ImageGeometry, FrameWcs, datetime, tuple[float, float]]
"""A frame: its geometry, a WCS, its time, and the array-pixel shift to apply before
that WCS maps (non-zero when the WCS is another frame's that differs only in CRPIX)."""
SunRequest = tuple[Mapping[str, Any], Mark, "int | None"]
"""One mark to map: its subject's metadata, the mark, the subject id (or None)."""
#: subjects whose metadata is kept read (:class:`SubjectFrames`): an export lists a
#: subject's classifications together, and its frames, once built, are in the frame cache
_SUBJECTS_KEPT = 64
_JITTER_KEYS = frozenset({"#crpix1", "#crpix2", "#crval1", "#crval2", "#date-obs"})
_SHIFT_KEYS = frozenset({"#crpix1", "#crpix2", "#date-obs"})


def _kind(mark: Mark) -> str | None:
    if mark.x is None or mark.y is None:
        return None
    if mark.shape == "line" and mark.x2 is not None and mark.y2 is not None:
        return "line"
    return "point" if mark.width is None or mark.height is None else "box"


class SunMapper:
    """Maps marks of many subjects, keeping the last ``cache_size`` frames' WCS.

    Build one per import: the geometry and WCS of a frame are built once however many
    marks it has; frames of a subject that differ from its first one only in CRPIX (the
    pointing jitter of cutouts) share its WCS, their marks shifted by the CRPIX
    difference (exact: a WCS maps ``pixel - CRPIX``), so that :meth:`map_many` maps all
    the marks of a subject in a few vectorised calls.
    """

    def __init__(self, cache_size: int = 4096) -> None:
        self._cache: OrderedDict[Any, _Frame | None] = OrderedDict()
        self._bases: dict[int, tuple[dict[str, str], FrameWcs]] = {}
        self._shapes: dict[frozenset[tuple[str, str]], tuple[dict[str, str], FrameWcs]] = {}
        self._subjects: dict[int, SubjectFrames] = {}  # each subject's metadata read once
        self._size = cache_size

    def _frame(self, metadata: Mapping[str, Any], index: int, subject_id: int | None) -> _Frame | None:
        key = (subject_id, index)
        if subject_id is not None and key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        frames = self._subjects.get(subject_id) if subject_id is not None else None
        try:
            if frames is None:
                frames = SubjectFrames(metadata)
                if subject_id is not None:
                    self._subjects[subject_id] = frames
                    if len(self._subjects) > _SUBJECTS_KEPT:
                        self._subjects.pop(next(iter(self._subjects)))
            meta = frames.frame(index)
            fw, shift = self._wcs(meta.wcs, subject_id)
            found: _Frame | None = (meta.geometry, fw, meta.obs_time, shift)
        except (MetadataError, CoordinateError, ValueError, TypeError):
            found = None
        if subject_id is None:
            return found
        self._cache[key] = found
        if len(self._cache) > self._size:
            self._cache.popitem(last=False)
        return found

    def _wcs(self, keys: dict[str, str], subject_id: int | None) -> tuple[FrameWcs, tuple[float, float]]:
        """The frame's WCS and array-pixel shift.

        Frames of one subject that differ from the first one built only in CRPIX (and
        DATE-OBS, which does not move a pixel) share its WCS with a shift. A frame whose
        WCS keys differ from one already built (of this subject or of another, found by
        the fingerprint of its other keys) only in CRPIX/CRVAL/DATE-OBS copies it with
        those values set, 25x faster than building one from its keys.
        """
        in_arcsec = all(keys.get(f"#cunit{i}", "arcsec").strip().lower() == "arcsec" for i in (1, 2))
        own = self._bases.get(subject_id) if subject_id is not None else None
        if own is not None and in_arcsec:
            base_keys, base_wcs = own
            changed = {k for k, _ in keys.items() ^ base_keys.items()}  # the keys whose values differ
            if changed <= _SHIFT_KEYS and all(k in keys for k in changed):
                crpix = [float(keys[f"#crpix{i}"]) for i in (1, 2)]
                shift = (crpix[0] - base_wcs.wcs.wcs.crpix[0], crpix[1] - base_wcs.wcs.wcs.crpix[1])
                if all(math.isfinite(d) for d in shift):
                    return base_wcs, shift
        fingerprint = frozenset((k, v) for k, v in keys.items() if k not in _JITTER_KEYS)
        like = self._shapes.get(fingerprint) if in_arcsec else None
        if like is not None and all(k in keys for k in ("#crpix1", "#crpix2", "#crval1", "#crval2")):
            like_wcs = like[1]
            wcs = like_wcs.wcs.deepcopy()
            wcs.wcs.crpix = [float(keys["#crpix1"]), float(keys["#crpix2"])]
            wcs.wcs.crval = [float(keys["#crval1"]) / like_wcs.lon_to_arcsec,
                             float(keys["#crval2"]) / like_wcs.lat_to_arcsec]  # fmt: skip
            if "#date-obs" in keys:
                wcs.wcs.dateobs = keys["#date-obs"]
            wcs.wcs.set()
            built = FrameWcs(wcs, like_wcs.pixel_shape, like_wcs.lon_to_arcsec, like_wcs.lat_to_arcsec)
        else:
            built = frame_wcs(keys)
            self._shapes[fingerprint] = (keys, built)
            if len(self._shapes) > self._size:
                self._shapes.pop(next(iter(self._shapes)))
        if subject_id is not None and own is None:
            self._bases[subject_id] = (keys, built)
            if len(self._bases) > self._size:
                self._bases.pop(next(iter(self._bases)))
        return built, (0.0, 0.0)

    def map(self, metadata: Mapping[str, Any], mark: Mark, subject_id: int | None = None) -> SunMark:
        """The mark on the Sun; ``None`` fields where the metadata cannot say.

        ``subject_id`` names the metadata so that each frame's WCS is built once (the
        same subject always carries the same metadata).
        """
        return self.map_many([(metadata, mark, subject_id)])[0]

    def map_many(self, requests: Sequence[SunRequest]) -> list[SunMark]:
        """The marks on the Sun, as :meth:`map` gives them one by one, faster.

        The marks are grouped by the WCS that maps them (one per subject, mostly), and
        the points, boxes and lines of a group are each mapped in one vectorised call.

        Examples
        --------
        >>> from zoo_bridge.marks import Mark
        >>> meta = {"#width": "100", "#height": "100", "#im_ll_x": "0", "#im_ll_y": "0",
        ...         "#im_ur_x": "1", "#im_ur_y": "1", "#naxis1": "10", "#naxis2": "10",
        ...         "#crpix1": "5.5", "#crpix2": "5.5", "#crpix1_1": "6.5", "#crval1": "0",
        ...         "#crval2": "0", "#cdelt1": "2", "#cdelt2": "2",
        ...         "#date-obs_0": "2010-06-20T11:27:26", "#date-obs_1": "2010-06-20T11:27:38"}
        >>> marks = [Mark(shape="point", tool=0, tool_label=None, frame=f, x=float(x), y=50.0)
        ...          for f, x in ((0, 50), (0, 60), (1, 50))]
        >>> [round(sun["hpc_x"], 6) for sun in SunMapper().map_many([(meta, m, 7) for m in marks])]
        [0.0, 2.0, -2.0]
        """
        out: list[SunMark] = [_sun()] * len(requests)
        groups: dict[Any, tuple[ImageGeometry, FrameWcs, dict[str, list[tuple[int, _Frame]]]]] = {}
        for i, (metadata, mark, subject_id) in enumerate(requests):
            frame = self._frame(metadata, mark.frame, subject_id)
            kind = _kind(mark)
            if frame is None or kind is None:
                out[i] = _sun(frame[2] if frame is not None else frame_time(metadata, mark.frame))
                continue
            geometry, fw = frame[0], frame[1]
            group = groups.setdefault((id(fw), geometry), (geometry, fw, {}))
            group[2].setdefault(kind, []).append((i, frame))
        for geometry, fw, kinds in groups.values():
            for kind, members in kinds.items():
                marks = [requests[i][1] for i, _ in members]
                frames = [frame for _, frame in members]
                try:
                    found = _vectorised(kind, marks, frames, geometry, fw)
                except (CoordinateError, ValueError):  # one bad mark: map them one by one
                    found = [
                        _one(kind, mark, frame, geometry, fw)
                        for mark, frame in zip(marks, frames, strict=True)
                    ]
                for (i, _), sun in zip(members, found, strict=True):
                    out[i] = sun
        return out


def _one(kind: str, mark: Mark, frame: _Frame, geometry: ImageGeometry, fw: FrameWcs) -> SunMark:
    try:
        return _vectorised(kind, [mark], [frame], geometry, fw)[0]
    except (CoordinateError, ValueError):
        return _sun(frame[2])


def _vectorised(
    kind: str, marks: list[Mark], frames: list[_Frame], geometry: ImageGeometry, fw: FrameWcs
) -> list[SunMark]:
    """Marks of one kind mapped by one WCS, in one call; each mark's frame gives its time
    and its CRPIX shift (turned into image pixels: the image -> array map is affine)."""
    whens = [frame[2] for frame in frames]
    # array pixels per image pixel, per axis (y is flipped)
    per_x = geometry.naxis1 / (geometry.width * (geometry.im_ur_x - geometry.im_ll_x))
    per_y = -geometry.naxis2 / (geometry.height * (geometry.im_ur_y - geometry.im_ll_y))
    sx = np.array([frame[3][0] for frame in frames], dtype=np.float64) / per_x
    sy = np.array([frame[3][1] for frame in frames], dtype=np.float64) / per_y
    xs = np.array([m.x for m in marks], dtype=np.float64) - sx
    ys = np.array([m.y for m in marks], dtype=np.float64) - sy
    if kind == "point":
        tx, ty = pixel_to_world(xs, ys, geometry, fw)
        return _suns(whens, tx, ty)
    if kind == "line":
        x2 = np.array([m.x2 for m in marks], dtype=np.float64) - sx
        y2 = np.array([m.y2 for m in marks], dtype=np.float64) - sy
        tx, ty = pixel_to_world(np.concatenate([xs, x2]), np.concatenate([ys, y2]), geometry, fw)
        n = len(marks)
        lengths: list[float] = []
        directions: list[float] = []
        for k in range(n):
            dx, dy = float(tx[n + k] - tx[k]), float(ty[n + k] - ty[k])
            lengths.append(math.hypot(dx, dy))
            directions.append(math.degrees(math.atan2(dy, dx)) % 360.0)
        return _suns(whens, tx[:n], ty[:n], lengths, None, directions)
    ws = np.array([m.width for m in marks], dtype=np.float64)
    hs = np.array([m.height for m in marks], dtype=np.float64)
    centred = np.array([m.shape in ("circle", "ellipse") for m in marks])  # x, y is the centre
    lefts, tops = np.where(centred, xs - ws / 2.0, xs), np.where(centred, ys - hs / 2.0, ys)
    angles = np.array([m.angle or 0.0 for m in marks], dtype=np.float64)
    box = box_to_world(lefts, tops, ws, hs, angles, geometry, fw)
    return _suns(whens, box.center_tx, box.center_ty, box.width, box.height, box.angle)
