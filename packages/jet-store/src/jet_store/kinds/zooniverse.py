"""Records of Zooniverse: subjects, workflows, volunteers' classifications and their marks.

Examples
--------
>>> from jet_store.kinds.zooniverse import Workflow
>>> Workflow(workflow_id=18563, version="5.19").key
(18563, '5.19')
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from jet_store.kinds.base import JsonDict, Record, astropy_time

if TYPE_CHECKING:  # pragma: no cover - typing only
    from astropy.time import Time

__all__ = ["SubjectState", "Subject", "Workflow", "Classification", "Annotation", "ImportReport"]


class SubjectState(enum.StrEnum):
    """Stage states of a :class:`Subject`."""

    GROUPED = "grouped"  #: frames chosen, nothing exported
    EXPORTED = "exported"  #: written to a manifest
    CREATED = "created"  #: exists on Panoptes (has a Zooniverse id)
    UPLOADED = "uploaded"  #: its media are uploaded
    LINKED = "linked"  #: added to its subject set


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
    index_fields: ClassVar[tuple[str, ...]] = ("event_id", "zooniverse_id")
    compound_indexes: ClassVar[tuple[tuple[str, ...], ...]] = (("state", "key"),)
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
        return astropy_time(self.created_at)


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
