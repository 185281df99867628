"""The subject metadata contract (ZOONIVERSE.md), written and read back.

Every Zooniverse subject carries, as strings, what is needed to turn a classification
export alone into solar coordinates and times. :func:`subject_metadata` builds that
mapping from our records (a :class:`~jet_store.Subject`, its ordered
:class:`~jet_store.Rendering` records and their :class:`~jet_store.FitsFrame` records);
:func:`frame_metadata` reads it back for one frame of the flipbook.

The scheme:

* subject: ``#subject_key #sol_standard #event_id #frame_per_sub #wavelength``;
* per frame ``i`` (0-based, a mark's ``frame``): ``#file_name_<i>`` (bare file name),
  ``#date-obs_<i>`` (ISO 8601 UTC, written like FITS ``DATE-OBS``, without a zone);
* image geometry ``#width #height #im_ll_x #im_ll_y #im_ur_x #im_ur_y`` and the WCS and
  observer ``#naxis1 ... #rsun_obs`` (:data:`FRAME_KEYS`): a key without suffix holds for
  every frame, ``<key>_<i>`` holds for frame ``i`` and overrides it. The plain key takes
  the first frame's value; an override is written only for a frame whose value differs.
* for people in Talk: ``!SOL``, ``!date``, ``!wavelength``.

Every value is a string; numbers are written with ``repr`` (a float reads back exactly).

Examples
--------
>>> from datetime import datetime, timezone
>>> from jet_store import FitsFrame, Rendering, Subject
>>> t = [datetime(2012, 7, 8, 13, 5, s, tzinfo=timezone.utc) for s in (7, 19)]
>>> frames = [FitsFrame(url=f"u{i}", obs_time=t[i], wavelength=304.0, naxis1=600, naxis2=500,
...                     crpix1=300.5 + i / 10, crpix2=250.5, crval1=-300.0, crval2=200.0,
...                     cdelt1=0.6, cdelt2=0.6, cunit1="arcsec", cunit2="arcsec",
...                     ctype1="HPLN-TAN", ctype2="HPLT-TAN", crota2=0.0) for i in (0, 1)]
>>> renderings = [Rendering(path=f"renderings/j/framed/f{i}.png", frame_url=f"u{i}", format="png",
...                         width=1920, height=1440, im_ll_x=0.2, im_ll_y=0.1, im_ur_x=0.8,
...                         im_ur_y=0.9, renderer="framed", obs_time=t[i]) for i in (0, 1)]
>>> subject = Subject(key="s1", rendering_paths=tuple(r.path for r in renderings),
...                   event_id="ivo://cj1", sol_standard="SOL2012-07-08T13:05:00L100C080")
>>> meta = subject_metadata(subject, renderings, frames, frames_per_subject=15)
>>> meta["#crpix1"], meta["#crpix1_1"], "#crpix1_0" in meta, meta["#file_name_1"]
('300.5', '300.6', False, 'f1.png')
>>> fm = frame_metadata(meta, 1)
>>> fm.wcs["#crpix1"], fm.obs_time.isoformat(), fm.geometry.naxis1
('300.6', '2012-07-08T13:05:19+00:00', 600)
>>> frame_metadata({"#width": "1920"}, 0)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
zoo_bridge.errors.MetadataError: subject metadata has no '#height' (or '#height_0') for frame 0; ...
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from jet_store import FitsFrame, Rendering, Subject

from zoo_bridge.errors import MetadataError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from astropy.time import Time
    from jet_render.coords import FrameWcs
    from jet_render.geometry import ImageGeometry

__all__ = [
    "GEOMETRY_KEYS",
    "WCS_KEYS",
    "FRAME_KEYS",
    "FrameMetadata",
    "subject_metadata",
    "frame_metadata",
    "frame_count",
    "read_frame",
    "FrameLookup",
    "format_value",
    "format_time",
]

GEOMETRY_KEYS = ("width", "height", "im_ll_x", "im_ll_y", "im_ur_x", "im_ur_y")
"""Image geometry keys (from the Rendering), without the ``#``."""

WCS_KEYS = (
    "naxis1", "naxis2", "crpix1", "crpix2", "crval1", "crval2", "cdelt1", "cdelt2",
    "cunit1", "cunit2", "ctype1", "ctype2", "crota2", "dsun_obs", "hgln_obs", "hglt_obs", "rsun_obs",
)  # fmt: skip
"""WCS and observer keys (from the FitsFrame, else its header), without the ``#``."""

FRAME_KEYS = GEOMETRY_KEYS + WCS_KEYS
"""Keys written once with per-frame ``<key>_<i>`` overrides where frames differ."""

_WCS_REQUIRED = ("naxis1", "naxis2", "crpix1", "crpix2", "crval1", "crval2", "cdelt1", "cdelt2")
_INDEXED = re.compile(r"^#(?:file_name|date-obs)_(\d+)$")
_INDEXED_PREFIXES = ("#file_name_", "#date-obs_")


def format_value(value: Any) -> str:
    """One metadata value as a string: ``repr`` for floats (exact round trip).

    Examples
    --------
    >>> format_value(0.1 + 0.2), format_value(600), format_value("arcsec"), format_value(True)
    ('0.30000000000000004', '600', 'arcsec', 'true')
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if not math.isfinite(value):
            raise MetadataError(f"metadata value {value!r} is not finite")
        return repr(value)
    if isinstance(value, datetime):
        return format_time(value)
    return str(value)


def format_time(moment: datetime) -> str:
    """An aware or naive-UTC datetime as ISO 8601 UTC without a zone (like FITS ``DATE-OBS``).

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> format_time(datetime(2012, 7, 8, 13, 5, 7, 340000, tzinfo=timezone.utc))
    '2012-07-08T13:05:07.340000'
    """
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat()


def _wavelength_text(value: float | None) -> str | None:
    if value is None:
        return None
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _frame_value(frame: FitsFrame, name: str) -> Any:
    value = getattr(frame, name, None)
    if value is None:
        value = (frame.header or {}).get(name.upper())
    return value


def _per_frame(meta: dict[str, str], name: str, values: Sequence[Any]) -> None:
    """Write ``#name`` from the first frame and ``#name_<i>`` where a frame differs."""
    texts = [None if v is None else format_value(v) for v in values]
    base = texts[0]
    if base is not None:
        meta[f"#{name}"] = base
    for i, text in enumerate(texts):
        if text is not None and text != base:
            meta[f"#{name}_{i}"] = text


def subject_metadata(
    subject: Subject,
    renderings: Sequence[Rendering],
    frames: Sequence[FitsFrame],
    *,
    frames_per_subject: int | None = None,
    file_names: Sequence[str] | None = None,
) -> dict[str, str]:
    """The metadata of one subject, every value a string (the contract of ZOONIVERSE.md).

    Parameters
    ----------
    subject
        The subject (its ``key``, ``event_id`` and ``sol_standard`` are written).
    renderings, frames
        The subject's renderings in flipbook order and the FITS frame each shows
        (same length, same order).
    frames_per_subject
        The grouping's N (``#frame_per_sub``); the number of frames when not given.
    file_names
        The bare file name of each frame's image (``#file_name_<i>``); the rendering
        file's name by default.

    Raises
    ------
    MetadataError
        If the sequences are empty or of different lengths, a frame has no
        observation time, or a value is not finite.
    """
    if not renderings or len(renderings) != len(frames):
        raise MetadataError(
            f"subject {subject.key}: need one FITS frame per rendering "
            f"({len(renderings)} renderings, {len(frames)} frames)"
        )
    names = list(file_names) if file_names is not None else [PurePosixPath(r.path).name for r in renderings]
    if len(names) != len(renderings):
        raise MetadataError(f"subject {subject.key}: {len(names)} file names for {len(renderings)} frames")
    times: list[datetime] = []
    for rendering, frame in zip(renderings, frames, strict=True):
        moment = frame.obs_time or rendering.obs_time
        if moment is None:
            raise MetadataError(f"subject {subject.key}: frame {frame.url} has no observation time")
        times.append(moment)
    wavelength = _wavelength_text(next((f.wavelength for f in frames if f.wavelength is not None), None))

    meta: dict[str, str] = {"#subject_key": subject.key}
    if subject.sol_standard:
        meta["#sol_standard"] = subject.sol_standard
    if subject.event_id:
        meta["#event_id"] = subject.event_id
    meta["#frame_per_sub"] = str(frames_per_subject if frames_per_subject is not None else len(frames))
    if wavelength is not None:
        meta["#wavelength"] = wavelength
    for name in GEOMETRY_KEYS:
        _per_frame(meta, name, [getattr(r, name) for r in renderings])
    for name in WCS_KEYS:
        _per_frame(meta, name, [_frame_value(f, name) for f in frames])
    for i, (name, moment) in enumerate(zip(names, times, strict=True)):
        meta[f"#file_name_{i}"] = name
        meta[f"#date-obs_{i}"] = format_time(moment)
    if subject.sol_standard:
        meta["!SOL"] = subject.sol_standard
    meta["!date"] = format_time(times[0]).replace("T", " ")[:19]
    if wavelength is not None:
        meta["!wavelength"] = wavelength
    return meta


# ----------------------------------------------------------------------------- reading


def frame_count(metadata: Mapping[str, Any]) -> int:
    """How many frames the metadata describes (``#date-obs_<i>`` / ``#file_name_<i>`` keys).

    Examples
    --------
    >>> frame_count({"#date-obs_0": "2012-07-08T13:05:07", "#date-obs_1": "2012-07-08T13:05:19"})
    2
    """
    indices = {
        int(m.group(1))
        for key in metadata
        if (text := str(key)).startswith(_INDEXED_PREFIXES) and (m := _INDEXED.match(text))
    }
    return max(indices) + 1 if indices else 0


def _resolve(metadata: Mapping[str, Any], name: str, index: int) -> str | None:
    """``#<name>_<index>``, else ``#<name>``: the first that holds more than blanks, stripped."""
    for key in (f"#{name}_{index}", f"#{name}"):
        value = metadata.get(key)
        if value is not None and (text := str(value).strip()) != "":
            return text
    return None


def _required(value: str | None, name: str, index: int) -> str:
    if value is None:
        raise MetadataError(
            f"subject metadata has no '#{name}' (or '#{name}_{index}') for frame {index}; "
            "was the subject uploaded without the jet-hunter metadata contract?"
        )
    return value


def _parse_time(text: str, index: int) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace(" ", "T"))
    except ValueError:
        raise MetadataError(f"'#date-obs_{index}' = {text!r} is not an ISO time") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class FrameMetadata:
    """What the metadata says about frame ``index`` of a subject.

    Attributes
    ----------
    index
        0-based flipbook index (a mark's ``frame``).
    obs_time
        Observation time (aware UTC datetime); :attr:`time` as astropy ``Time``.
    file_name
        The image's bare file name, if the metadata has one.
    geometry
        Where the data sit in the image (:class:`jet_render.geometry.ImageGeometry`).
    wcs
        The frame's WCS and observer keys, overrides resolved, as a ``#``-keyed
        mapping of strings (``jet_render.coords.frame_wcs`` and every function of
        ``jet_render.coords`` accept it); ``#date-obs`` included.
    """

    index: int
    obs_time: datetime
    file_name: str | None
    geometry: ImageGeometry
    wcs: dict[str, str]

    @property
    def time(self) -> Time:
        """The observation time as an astropy ``Time`` (UTC)."""
        from astropy.time import Time

        return Time(self.obs_time, scale="utc")

    def frame_wcs(self) -> FrameWcs:
        """The resolved :class:`jet_render.coords.FrameWcs` (reuse it for many marks)."""
        from jet_render.coords import frame_wcs

        return frame_wcs(self.wcs)


def frame_metadata(metadata: Mapping[str, Any], index: int, *, frames: int | None = None) -> FrameMetadata:
    """Read frame ``index`` of a subject from its metadata, resolving ``<key>_<i>`` overrides.

    Parameters
    ----------
    metadata
        A subject's metadata (from our manifest, from Panoptes, or from the
        ``subject_data`` of a classification export); values may be strings or numbers.
    index
        The 0-based frame (a mark's ``frame``).
    frames
        :func:`frame_count` of ``metadata``, when the caller already has it (reading
        many frames of one subject); counted here when None.

    Raises
    ------
    MetadataError
        If a key needed for the geometry, the WCS or the time is missing or unreadable,
        or ``index`` is not a frame of the subject.
    """
    count = frame_count(metadata) if frames is None else frames
    return read_frame(index, count, lambda name: _resolve(metadata, name, index))


FrameLookup = Callable[[str], "str | None"]
"""A frame's value of a metadata name (``crpix1``, ``date-obs``...), overrides resolved,
stripped, None when the metadata has none."""


def read_frame(
    index: int,
    count: int,
    lookup: FrameLookup,
    geometries: dict[tuple[str | None, ...], ImageGeometry] | None = None,
) -> FrameMetadata:
    """Frame ``index`` of a subject of ``count`` frames (0: unknown) from its resolved
    values; what :func:`frame_metadata` returns. ``geometries`` memoises the image
    geometry by its values (frames of a subject mostly share one).

    Examples
    --------
    >>> values = {"width": "100", "height": "100", "im_ll_x": "0", "im_ll_y": "0", "im_ur_x": "1",
    ...           "im_ur_y": "1", "naxis1": "10", "naxis2": "10", "crpix1": "5.5", "crpix2": "5.5",
    ...           "crval1": "0", "crval2": "0", "cdelt1": "2", "cdelt2": "2",
    ...           "date-obs": "2010-06-20 11:27:26"}
    >>> read_frame(0, 1, values.get).wcs["#date-obs"]
    '2010-06-20T11:27:26'
    """
    from jet_render.geometry import GeometryError, ImageGeometry

    if count and not 0 <= index < count:
        raise MetadataError(f"frame {index} is not in this subject (it has frames 0..{count - 1})")
    if index < 0:
        raise MetadataError(f"frame index must be >= 0, not {index}")
    values = {name: _required(lookup(name), name, index) for name in GEOMETRY_KEYS}
    wcs: dict[str, str] = {}
    for name in WCS_KEYS:
        text = lookup(name)
        if text is not None:
            wcs[f"#{name}"] = text
        elif name in _WCS_REQUIRED:
            _required(text, name, index)
    obs_time = _parse_time(_required(lookup("date-obs"), "date-obs", index), index)
    wcs["#date-obs"] = format_time(obs_time)
    shape = (*values.values(), wcs["#naxis1"], wcs["#naxis2"])
    geometry = geometries.get(shape) if geometries is not None else None
    if geometry is None:
        try:
            geometry = ImageGeometry(
                **{k: float(v) for k, v in values.items()},
                naxis1=int(float(wcs["#naxis1"])),
                naxis2=int(float(wcs["#naxis2"])),
            )
        except (ValueError, GeometryError) as exc:
            raise MetadataError(f"frame {index}: unusable image geometry in the metadata: {exc}") from exc
        if geometries is not None:
            geometries[shape] = geometry
    return FrameMetadata(
        index=index, obs_time=obs_time, file_name=lookup("file_name"), geometry=geometry, wcs=wcs
    )
