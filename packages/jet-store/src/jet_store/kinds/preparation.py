"""Records of the preparation half: cutout requests, their FITS frames, the images made of them.

Examples
--------
>>> from jet_store.kinds.preparation import FitsFrame, FrameState
>>> frame = FitsFrame(url="http://x/1.fits")
>>> frame.key, frame.state == FrameState.PENDING
('http://x/1.fits', True)
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from jet_store.kinds.base import JsonDict, Record, astropy_time, hpc_coord

if TYPE_CHECKING:  # pragma: no cover - typing only
    from astropy.coordinates import SkyCoord
    from astropy.time import Time
    from astropy.wcs import WCS

__all__ = ["JobState", "FrameState", "CutoutJob", "FitsFrame", "Rendering"]


class JobState(enum.StrEnum):
    """Stage states of a :class:`CutoutJob`."""

    NEW = "new"  #: built, not yet submitted
    SUBMITTED = "submitted"  #: the service accepted it and gave a remote id
    READY = "ready"  #: the service finished; file URLs are known
    FAILED = "failed"  #: the service refused it or it timed out for good


class FrameState(enum.StrEnum):
    """Stage states of a :class:`FitsFrame`."""

    PENDING = "pending"  #: URL known, file not on disk
    DOWNLOADED = "downloaded"  #: complete, verified FITS on disk
    FAILED = "failed"  #: gave up after retries
    MISSING = "missing"  #: was downloaded, no longer on disk or corrupt


@dataclass(frozen=True, slots=True, kw_only=True)
class CutoutJob(Record):
    """One cutout request to a backend (``ssw`` or ``jsoc``) and its progress.

    ``key`` is chosen by the requester (deterministic from the request's parameters)
    so that asking twice is one job. Centre and field of view in arcsec, ``cadence``
    in s, ``wavelengths`` in Angstrom. ``remote_id`` is the service's job or request id,
    kept so a restarted run resumes polling instead of submitting again.
    """

    kind: ClassVar[str] = "cutouts"
    key_fields: ClassVar[tuple[str, ...]] = ("key",)
    index_fields: ClassVar[tuple[str, ...]] = ("event_id", "remote_id")
    compound_indexes: ClassVar[tuple[tuple[str, ...], ...]] = (("state", "key"),)
    state_field: ClassVar[str | None] = "state"

    key: str  # a field here: the natural key itself
    backend: str
    start_time: datetime
    end_time: datetime
    center_x: float
    center_y: float
    fov_x: float
    fov_y: float
    wavelengths: tuple[int, ...]
    event_id: str | None = None
    sol_standard: str | None = None
    max_frames: int | None = None
    cadence: float | None = None
    track: bool = False
    params: JsonDict = field(default_factory=dict)
    state: str = JobState.NEW
    remote_id: str | None = None
    message: str | None = None
    attempts: int = 0
    submitted_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def coord(self) -> SkyCoord:
        """The cutout centre as a helioprojective ``SkyCoord``."""
        return hpc_coord(self.center_x, self.center_y, self.start_time)

    @property
    def time(self) -> Time:
        """Start of the requested window as an astropy ``Time``."""
        return astropy_time(self.start_time)


@dataclass(frozen=True, slots=True, kw_only=True)
class FitsFrame(Record):
    """One FITS file of a cutout: where it comes from, where it is, what it shows.

    The WCS keys are copied out of the header for queries and coordinate maths
    (``crval``/``cdelt`` in ``cunit``, usually arcsec; ``crota2`` in degrees;
    ``dsun_obs`` in m; ``hgln_obs``/``hglt_obs`` in degrees; ``rsun_obs`` in arcsec);
    ``header`` keeps every card; ``message`` says why the last download failed (None
    once it succeeds).
    """

    kind: ClassVar[str] = "frames"
    key_fields: ClassVar[tuple[str, ...]] = ("url",)
    index_fields: ClassVar[tuple[str, ...]] = ("job_key", "event_id", "obs_time", "path")
    compound_indexes: ClassVar[tuple[tuple[str, ...], ...]] = (("state", "url"),)
    state_field: ClassVar[str | None] = "state"

    url: str
    job_key: str | None = None
    event_id: str | None = None
    path: str | None = None
    state: str = FrameState.PENDING
    message: str | None = None
    size_bytes: int | None = None
    sha256: str | None = None
    obs_time: datetime | None = None
    wavelength: float | None = None
    exptime: float | None = None
    naxis1: int | None = None
    naxis2: int | None = None
    ctype1: str | None = None
    ctype2: str | None = None
    cunit1: str | None = None
    cunit2: str | None = None
    crpix1: float | None = None
    crpix2: float | None = None
    crval1: float | None = None
    crval2: float | None = None
    cdelt1: float | None = None
    cdelt2: float | None = None
    crota2: float | None = None
    dsun_obs: float | None = None
    hgln_obs: float | None = None
    hglt_obs: float | None = None
    rsun_obs: float | None = None
    header: JsonDict = field(default_factory=dict)

    @property
    def time(self) -> Time:
        """Observation time as an astropy ``Time``."""
        if self.obs_time is None:
            raise ValueError(f"frame {self.url} has no observation time")
        return astropy_time(self.obs_time)

    @property
    def wcs(self) -> WCS:
        """The frame's celestial WCS, built from the full header."""
        from astropy.io import fits
        from astropy.wcs import WCS

        header = fits.Header()
        for name, value in self.header.items():
            if name not in ("COMMENT", "HISTORY", "") and not isinstance(value, (dict, list)):
                header[name] = value
        return WCS(header).celestial


@dataclass(frozen=True, slots=True, kw_only=True)
class Rendering(Record):
    """One image file made from a frame, and where its data area sits.

    The data area ``im_ll_x, im_ll_y, im_ur_x, im_ur_y`` is in fractions of the image
    (origin bottom-left); with ``width``/``height`` (pixels) and the frame's WCS it maps
    image pixels to helioprojective arcsec (see ``jet_render.coords``). ``path`` and
    ``frame_path`` (the FITS file shown) are relative to the data folder.
    """

    kind: ClassVar[str] = "renderings"
    key_fields: ClassVar[tuple[str, ...]] = ("path",)
    index_fields: ClassVar[tuple[str, ...]] = ("frame_url", "event_id", "obs_time")

    path: str
    frame_url: str
    format: str
    width: int
    height: int
    im_ll_x: float
    im_ll_y: float
    im_ur_x: float
    im_ur_y: float
    renderer: str
    params: JsonDict = field(default_factory=dict)
    event_id: str | None = None
    obs_time: datetime | None = None
    size_bytes: int | None = None
    sha256: str | None = None
    created_at: datetime | None = None
    frame_path: str | None = None
