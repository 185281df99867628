"""The shared records: the contract between jet-hunter packages.

Every record is a frozen, keyword-only dataclass of plain values: floats in the units
named by the field (``_x``/``_y`` positions in arcsec, ``exptime`` in s, ``wavelength``
in Angstrom), timezone-aware UTC :class:`~datetime.datetime`, strings, ints, tuples and
JSON-compatible dicts. Each has a *natural key* (``key_fields``) by which the
:class:`~jet_store.Store` makes adding idempotent. Astropy conveniences (``.time``,
``.coord``, ``.wcs``) import astropy and sunpy only when used, so reading records needs
neither.

Examples
--------
>>> from datetime import datetime, timezone
>>> from jet_store import HekEvent
>>> ev = HekEvent(
...     kb_archivid="ivo://helio-informatics.org/CJ1", event_type="CJ",
...     start_time=datetime(2010, 6, 20, 11, 14, 44, tzinfo=timezone.utc),
...     end_time=datetime(2010, 6, 20, 11, 30, tzinfo=timezone.utc),
...     hpc_x=-512.4, hpc_y=310.2, channel="304")
>>> ev.key
'ivo://helio-informatics.org/CJ1'
>>> ev.duration_s
916.0
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:  # pragma: no cover - typing only
    from astropy.coordinates import SkyCoord
    from astropy.time import Time
    from astropy.wcs import WCS

__all__ = [
    "Record",
    "HekEvent",
    "HekSearch",
    "CutoutJob",
    "JobState",
    "FitsFrame",
    "FrameState",
    "Rendering",
    "Subject",
    "SubjectState",
    "Workflow",
    "Classification",
    "Annotation",
    "ImportReport",
    "JetCluster",
    "Jet",
    "AggregationRun",
    "RECORD_TYPES",
    "record_type",
]

JsonDict = dict[str, Any]


def _astropy_time(value: datetime) -> Time:
    from astropy.time import Time

    return Time(value, scale="utc")


def _hpc_coord(
    x: float | None, y: float | None, obstime: datetime | None, observer: Any = "earth"
) -> SkyCoord:
    """A helioprojective SkyCoord (needs sunpy, imported only here)."""
    if x is None or y is None:
        raise ValueError("this record has no helioprojective position")
    import astropy.units as u
    from astropy.coordinates import SkyCoord

    try:
        from sunpy.coordinates import frames
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("helioprojective coordinates need sunpy: pip install 'jet-store[astro]'") from err
    return SkyCoord(
        x * u.arcsec,
        y * u.arcsec,
        frame=frames.Helioprojective,
        obstime=obstime,
        observer=observer,
    )


class Record:
    """Mixin of every record: its kind, natural key and stage-state field.

    Subclasses set the class variables ``kind`` (the plural name used by the store
    and the CLI), ``key_fields`` (the natural key), ``index_fields`` (columns worth an
    index) and ``state_field`` (the field holding a stage state, if any).
    """

    __slots__ = ()
    kind: ClassVar[str]
    key_fields: ClassVar[tuple[str, ...]]
    index_fields: ClassVar[tuple[str, ...]] = ()
    state_field: ClassVar[str | None] = None

    @property
    def key(self) -> Any:
        """The natural key: one value, or a tuple when the key has several fields."""
        if len(self.key_fields) == 1:
            return getattr(self, self.key_fields[0])
        return tuple(getattr(self, name) for name in self.key_fields)


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


class SubjectState(enum.StrEnum):
    """Stage states of a :class:`Subject`."""

    GROUPED = "grouped"  #: frames chosen, nothing exported
    EXPORTED = "exported"  #: written to a manifest
    CREATED = "created"  #: exists on Panoptes (has a Zooniverse id)
    UPLOADED = "uploaded"  #: its media are uploaded
    LINKED = "linked"  #: added to its subject set


@dataclass(frozen=True, slots=True, kw_only=True)
class HekEvent(Record):
    """One HEK event report (one per channel: ``sol_standard`` is not unique).

    Positions are helioprojective arcsec, ``hgc_*``/``hgs_*`` heliographic
    Carrington/Stonyhurst degrees. The bounding box is normalised so that
    ``bbox_x1 <= bbox_x2`` and ``bbox_y1 <= bbox_y2``. ``raw`` keeps the record as
    HEK sent it.
    """

    kind: ClassVar[str] = "events"
    key_fields: ClassVar[tuple[str, ...]] = ("kb_archivid",)
    index_fields: ClassVar[tuple[str, ...]] = ("sol_standard", "start_time", "event_type")

    kb_archivid: str
    event_type: str
    start_time: datetime
    end_time: datetime
    sol_standard: str | None = None
    peak_time: datetime | None = None
    hpc_x: float | None = None
    hpc_y: float | None = None
    bbox_x1: float | None = None
    bbox_y1: float | None = None
    bbox_x2: float | None = None
    bbox_y2: float | None = None
    hgc_x: float | None = None
    hgc_y: float | None = None
    hgs_x: float | None = None
    hgs_y: float | None = None
    channel: str | None = None
    instrument: str | None = None
    frm_name: str | None = None
    description: str | None = None
    raw: JsonDict = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        """Duration in seconds (end - start)."""
        return (self.end_time - self.start_time).total_seconds()

    @property
    def time(self) -> Time:
        """Start time as an astropy ``Time``."""
        return _astropy_time(self.start_time)

    @property
    def coord(self) -> SkyCoord:
        """The event's position as a helioprojective ``SkyCoord`` (Earth observer)."""
        return _hpc_coord(self.hpc_x, self.hpc_y, self.start_time)


@dataclass(frozen=True, slots=True, kw_only=True)
class HekSearch(Record):
    """One HEK search over one time window, so a re-run can skip what is covered.

    ``fingerprint`` identifies the query apart from its time range (event types, box,
    filters, returned fields); ``key`` combines the fingerprint, the window and the
    service (``base_url``), so searches of a replica never count as coverage of HEK. ``found`` is
    the number of events HEK returned, ``new`` those not stored before, ``skipped``
    the malformed ones left out; ``complete`` is true once every page was read.
    """

    kind: ClassVar[str] = "searches"
    key_fields: ClassVar[tuple[str, ...]] = ("key",)
    index_fields: ClassVar[tuple[str, ...]] = ("fingerprint", "start_time")

    key: str
    fingerprint: str
    start_time: datetime
    end_time: datetime
    base_url: str
    params: JsonDict = field(default_factory=dict)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    pages: int = 0
    found: int = 0
    new: int = 0
    skipped: int = 0
    complete: bool = False


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
    index_fields: ClassVar[tuple[str, ...]] = ("event_id", "state", "remote_id")
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
        return _hpc_coord(self.center_x, self.center_y, self.start_time)

    @property
    def time(self) -> Time:
        """Start of the requested window as an astropy ``Time``."""
        return _astropy_time(self.start_time)


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
    index_fields: ClassVar[tuple[str, ...]] = ("job_key", "event_id", "state", "obs_time", "path")
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
        return _astropy_time(self.obs_time)

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


@dataclass(frozen=True, slots=True, kw_only=True)
class Subject(Record):
    """A Zooniverse subject: an ordered flipbook of renderings of one event.

    ``key`` is the local natural key (chosen by the grouping step);
    ``zooniverse_id`` is set once Panoptes has created it. ``frame_urls`` are the
    frames shown (the subject's identity: a re-render changes ``rendering_paths``, not
    the subject), ``media_paths`` the files uploaded (frames and/or a movie, relative to
    the data folder), ``message`` why its last upload attempt failed.
    """

    kind: ClassVar[str] = "subjects"
    key_fields: ClassVar[tuple[str, ...]] = ("key",)
    index_fields: ClassVar[tuple[str, ...]] = ("event_id", "state", "zooniverse_id")
    state_field: ClassVar[str | None] = "state"

    key: str
    rendering_paths: tuple[str, ...]
    event_id: str | None = None
    sol_standard: str | None = None
    index: int = 0
    state: str = SubjectState.GROUPED
    zooniverse_id: int | None = None
    subject_set_id: int | None = None
    metadata: JsonDict = field(default_factory=dict)
    updated_at: datetime | None = None
    frame_urls: tuple[str, ...] = ()
    media_paths: tuple[str, ...] = ()
    message: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Workflow(Record):
    """One version of a Zooniverse workflow: its tasks and their tools."""

    kind: ClassVar[str] = "workflows"
    key_fields: ClassVar[tuple[str, ...]] = ("workflow_id", "version")

    workflow_id: int
    version: str
    display_name: str | None = None
    first_task: str | None = None
    tasks: JsonDict = field(default_factory=dict)
    strings: JsonDict = field(default_factory=dict)
    retirement: JsonDict = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Classification(Record):
    """One volunteer's classification of one subject, as the export gives it.

    ``annotations`` keeps the export's raw JSON; typed marks are :class:`Annotation`
    records. The volunteer's IP hash is deliberately not kept.
    """

    kind: ClassVar[str] = "classifications"
    key_fields: ClassVar[tuple[str, ...]] = ("classification_id",)
    index_fields: ClassVar[tuple[str, ...]] = ("subject_id", "workflow_id", "user_name")

    classification_id: int
    subject_id: int
    workflow_id: int
    workflow_version: str
    created_at: datetime
    user_name: str | None = None
    user_id: int | None = None
    workflow_name: str | None = None
    gold_standard: bool | None = None
    expert: str | None = None
    metadata: JsonDict = field(default_factory=dict)
    annotations: tuple[Any, ...] = ()
    subject_data: JsonDict = field(default_factory=dict)

    @property
    def time(self) -> Time:
        """When it was made, as an astropy ``Time``."""
        return _astropy_time(self.created_at)


@dataclass(frozen=True, slots=True, kw_only=True)
class Annotation(Record):
    """One answer or one mark of a classification, in image pixels (x right, y down).

    ``shape`` is ``question`` (``answer`` set, ``answer_index`` its index),
    ``point`` (``x``, ``y``), ``rectangle`` (``x``, ``y`` top-left, ``width``,
    ``height``), ``rotateRectangle`` (as rectangle, plus ``angle`` in degrees about the
    centre, in the y-down image frame), ``circle`` (``x``, ``y`` centre, ``width`` =
    ``height`` = diameter), ``ellipse`` (``x``, ``y`` centre, ``width``/``height`` the
    two diameters, ``angle``), ``line`` (``x``, ``y`` to ``x2``, ``y2``), or a temporal
    one (``temporalPoint``, ``temporalRotateRectangle``: ``display_time`` in s).
    ``frame`` is the 0-based flipbook index. Pixel values are in the subject's nominal
    ``#width`` x ``#height`` image (rescaled when the volunteer saw another size).

    ``hpc_*`` hold the same mark on the Sun, helioprojective arcsec (``hpc_x``,
    ``hpc_y`` the point, box or circle centre, or the line's start; ``hpc_width``,
    ``hpc_height`` the sides, diameters or line length; ``hpc_angle`` degrees
    counter-clockwise from solar west), and ``frame_time`` the time of the frame the
    mark was made on; all None when the subject metadata cannot map it.
    """

    kind: ClassVar[str] = "annotations"
    key_fields: ClassVar[tuple[str, ...]] = ("classification_id", "task", "mark_index")
    index_fields: ClassVar[tuple[str, ...]] = ("subject_id", "workflow_id", "shape")

    classification_id: int
    task: str
    mark_index: int
    subject_id: int
    workflow_id: int
    shape: str
    user: str | None = None
    tool: int | None = None
    tool_label: str | None = None
    answer: str | None = None
    frame: int | None = None
    x: float | None = None
    y: float | None = None
    width: float | None = None
    height: float | None = None
    angle: float | None = None
    display_time: float | None = None
    details: tuple[Any, ...] = ()
    answer_index: int | None = None
    x2: float | None = None
    y2: float | None = None
    hpc_x: float | None = None
    hpc_y: float | None = None
    hpc_width: float | None = None
    hpc_height: float | None = None
    hpc_angle: float | None = None
    frame_time: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportReport(Record):
    """What one import of an export file did, and why rows were skipped.

    ``key`` names the file's content and the import options (``<kind>:<sha256>:<options
    hash>``), so importing the same file the same way again updates this report rather
    than adding one. ``export`` is ``classifications``, ``subjects`` or ``workflows``;
    ``rows`` every data row read; ``added``/``unchanged`` how the store took the
    records; ``filtered`` rows left out on purpose by the options (workflow, version,
    dates, first/last, duplicates: counts by reason in ``filtered_counts``);
    ``skipped`` the malformed rows, counted by reason in ``skip_counts`` and the first
    of them in ``skipped_rows`` (``{"line", "id", "reason"}``).
    """

    kind: ClassVar[str] = "import_reports"
    key_fields: ClassVar[tuple[str, ...]] = ("key",)
    index_fields: ClassVar[tuple[str, ...]] = ("export", "sha256")

    key: str
    export: str
    source: str
    sha256: str
    size_bytes: int = 0
    options: JsonDict = field(default_factory=dict)
    rows: int = 0
    added: int = 0
    unchanged: int = 0
    filtered: int = 0
    skipped: int = 0
    filtered_counts: JsonDict = field(default_factory=dict)
    skip_counts: JsonDict = field(default_factory=dict)
    skipped_rows: tuple[Any, ...] = ()
    started_at: datetime | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class JetCluster(Record):
    """A cluster of volunteers' marks in one subject (a box, a start or an end point).

    Geometry in image pixels of the subject (as :class:`Annotation`); ``sigma`` is the
    cluster's spread (IoU-based for boxes, pixels for points).
    """

    kind: ClassVar[str] = "clusters"
    key_fields: ClassVar[tuple[str, ...]] = ("key",)
    index_fields: ClassVar[tuple[str, ...]] = ("subject_id", "jet_id")

    key: str
    subject_id: int
    task: str
    shape: str
    x: float
    y: float
    width: float | None = None
    height: float | None = None
    angle: float | None = None
    frame: int | None = None
    sigma: float | None = None
    n_marks: int = 0
    n_users: int = 0
    members: tuple[Any, ...] = ()
    jet_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Jet(Record):
    """A jet measured on the Sun: one row of the catalogue.

    Base point in helioprojective arcsec (``base_x``/``base_y`` mean, ``std_x``/``std_y``
    spread) and heliographic Stonyhurst degrees (``base_lon``/``base_lat``); heights
    and widths in arcsec with their +-sigma bounds; ``direction`` in degrees
    (counter-clockwise from solar west); ``velocity`` in km/s; ``flags`` the
    catalogue's bit field. ``start_time``/``end_time``/``peak_time`` are frame times
    (``start_error``/``end_error`` their spread, s); ``subject_start``/``subject_end``
    the first subject's start and the last subject's end; ``params_hash`` names the
    :class:`AggregationRun` parameters that made it.
    """

    kind: ClassVar[str] = "jets"
    key_fields: ClassVar[tuple[str, ...]] = ("jet_id",)
    index_fields: ClassVar[tuple[str, ...]] = ("event_id", "sol_standard", "start_time")

    jet_id: str
    start_time: datetime
    end_time: datetime
    base_x: float
    base_y: float
    event_id: str | None = None
    sol_standard: str | None = None
    subject_ids: tuple[int, ...] = ()
    std_x: float | None = None
    std_y: float | None = None
    base_lon: float | None = None
    base_lat: float | None = None
    direction: float | None = None
    max_height: float | None = None
    upper_height: float | None = None
    lower_height: float | None = None
    avg_width: float | None = None
    std_width: float | None = None
    velocity: float | None = None
    sigma: float | None = None
    flags: int = 0
    cluster_keys: tuple[str, ...] = ()
    peak_time: datetime | None = None
    subject_start: datetime | None = None
    subject_end: datetime | None = None
    start_error: float | None = None
    end_error: float | None = None
    direction_std: float | None = None
    velocity_error: float | None = None
    n_subjects: int | None = None
    n_volunteers: int | None = None
    params_hash: str | None = None

    @property
    def duration_min(self) -> float:
        """Duration in minutes."""
        return (self.end_time - self.start_time).total_seconds() / 60.0

    @property
    def time(self) -> Time:
        """Start time as an astropy ``Time``."""
        return _astropy_time(self.start_time)

    @property
    def coord(self) -> SkyCoord:
        """The base point as a helioprojective ``SkyCoord`` (Earth observer)."""
        return _hpc_coord(self.base_x, self.base_y, self.start_time)


@dataclass(frozen=True, slots=True, kw_only=True)
class AggregationRun(Record):
    """The parameters of an aggregation run, recorded beside its results.

    ``params_hash`` is the hash of ``params`` (the full parameter set); ``scope`` says
    what was aggregated (``"all"`` or ``"workflow:<id>"``).
    """

    kind: ClassVar[str] = "aggregation_runs"
    key_fields: ClassVar[tuple[str, ...]] = ("params_hash", "scope")

    params_hash: str
    scope: str
    params: JsonDict = field(default_factory=dict)
    n_subjects: int = 0
    n_jets: int = 0


RECORD_TYPES: dict[str, type[Record]] = {
    cls.kind: cls
    for cls in (
        HekEvent,
        HekSearch,
        CutoutJob,
        FitsFrame,
        Rendering,
        Subject,
        Workflow,
        Classification,
        Annotation,
        JetCluster,
        Jet,
        ImportReport,
        AggregationRun,
    )
}
"""Every record type by its kind name (``events``, ``cutouts``, ``frames``, ...)."""


def record_type(kind: str | type[Record]) -> type[Record]:
    """Return the record class for a kind name (or the class itself).

    Examples
    --------
    >>> record_type("events").__name__
    'HekEvent'
    """
    if isinstance(kind, type) and issubclass(kind, Record):
        return kind
    try:
        return RECORD_TYPES[str(kind)]
    except KeyError:
        from jet_store.errors import UnknownKind

        raise UnknownKind(
            f"unknown record kind {kind!r}; known kinds: {', '.join(sorted(RECORD_TYPES))}"
        ) from None
