"""What the Panoptes replica keeps: users, projects, workflows, sets, subjects, media, classifications.

Frozen records; :class:`~jet_sandbox.panoptes_state.PanoptesState` holds them and
replaces a record when it changes, so what a test reads is a consistent snapshot.

Examples
--------
>>> medium = Medium("subject_location/ab.png", "image/png", b"\\x89PNG")
>>> medium.uploaded, medium.size, medium.sha256[:12]
(True, 4, '0f4636c78f65')
>>> Medium("subject_location/cd.png", "image/png").uploaded
False
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
from collections.abc import Mapping
from importlib import resources
from typing import Any

__all__ = [
    "PanoptesUser",
    "Project",
    "Workflow",
    "WorkflowVersion",
    "SubjectSet",
    "Subject",
    "Medium",
    "Classification",
    "ExportFile",
    "DEFAULT_SUBJECT_LIMIT",
    "SOLAR_JET_HUNTER",
    "seed_workflows",
]

DEFAULT_SUBJECT_LIMIT = 10_000
"""Subjects a user may upload unless the admins raise it (``Panoptes.max_subjects``)."""
SOLAR_JET_HUNTER = 11265
"""Id of the Solar Jet Hunter project on zooniverse.org."""


@dataclasses.dataclass(frozen=True, slots=True)
class PanoptesUser:
    """A Zooniverse account."""

    id: int
    login: str
    password: str
    display_name: str = ""
    email: str = ""
    subject_limit: int = DEFAULT_SUBJECT_LIMIT
    admin: bool = False
    created_at: float = 0.0


@dataclasses.dataclass(frozen=True, slots=True)
class Project:
    """A project and its owner."""

    id: int
    display_name: str
    slug: str
    owner_id: int
    workflow_ids: tuple[int, ...] = ()
    created_at: float = 0.0
    updated_at: float = 0.0


@dataclasses.dataclass(frozen=True, slots=True)
class WorkflowVersion:
    """One row of the workflow export: every column (strings) and the CSV line it was read from."""

    row: Mapping[str, str]
    line: str = ""

    @property
    def major(self) -> int:
        return int(self.row["version"])

    @property
    def minor(self) -> int:
        return int(self.row["minor_version"])

    @property
    def tasks(self) -> dict[str, Any]:
        tasks = json.loads(self.row["tasks"] or "{}")
        return tasks if isinstance(tasks, dict) else {}

    @property
    def strings(self) -> dict[str, Any]:
        strings = json.loads(self.row["strings"] or "{}")
        return strings if isinstance(strings, dict) else {}


@dataclasses.dataclass(frozen=True, slots=True)
class Workflow:
    """A workflow: its versions (oldest first; the last is current) and its subject sets."""

    id: int
    project_id: int
    versions: tuple[WorkflowVersion, ...]
    subject_set_ids: tuple[int, ...] = ()
    updated_at: float = 0.0

    @property
    def current(self) -> WorkflowVersion:
        return self.versions[-1]

    @property
    def display_name(self) -> str:
        return self.current.row["display_name"]

    @property
    def version(self) -> str:
        """``major.minor`` as classifications record it."""
        return f"{self.current.major}.{self.current.minor}"

    def at(self, version: str) -> WorkflowVersion:
        """The version ``major.minor`` (the current one when unknown)."""
        for item in self.versions:
            if f"{item.major}.{item.minor}" == version:
                return item
        return self.current


@dataclasses.dataclass(frozen=True, slots=True)
class SubjectSet:
    """A subject set and its members, in the order they were linked."""

    id: int
    project_id: int
    display_name: str
    metadata: Mapping[str, Any]
    subject_ids: tuple[int, ...] = ()
    created_at: float = 0.0
    updated_at: float = 0.0


@dataclasses.dataclass(frozen=True, slots=True)
class Medium:
    """One file slot: its key (``subject_location/<uuid>.png``), type and bytes once uploaded.

    Attributes
    ----------
    puts
        Successful uploads into this slot.
    """

    key: str
    content_type: str
    data: bytes | None = None
    puts: int = 0
    external_url: str | None = None

    @property
    def uploaded(self) -> bool:
        return self.data is not None

    @property
    def size(self) -> int:
        return 0 if self.data is None else len(self.data)

    @property
    def sha256(self) -> str | None:
        return None if self.data is None else hashlib.sha256(self.data).hexdigest()


@dataclasses.dataclass(frozen=True, slots=True)
class Subject:
    """A subject: metadata, media keys in location order, links.

    Attributes
    ----------
    media
        The :class:`Medium` of each location (filled in by the state's accessors).
    deleted
        Whether it was deleted (it then no longer appears in the API).
    """

    id: int
    project_id: int
    uploader_id: int
    metadata: Mapping[str, Any]
    location_keys: tuple[str, ...]
    subject_set_ids: tuple[int, ...] = ()
    created_at: float = 0.0
    updated_at: float = 0.0
    deleted: bool = False
    media: tuple[Medium, ...] = ()

    @property
    def sha256s(self) -> tuple[str | None, ...]:
        """The sha256 of each location's bytes (None where nothing arrived)."""
        return tuple(m.sha256 for m in self.media)

    @property
    def complete(self) -> bool:
        """Whether every location has its bytes."""
        return bool(self.media) and all(m.uploaded or m.external_url for m in self.media)


@dataclasses.dataclass(frozen=True, slots=True)
class Classification:
    """One classification as a front end sent it."""

    id: int
    project_id: int
    workflow_id: int
    workflow_version: str
    user_id: int | None
    user_ip: str
    annotations: tuple[Any, ...]
    metadata: Mapping[str, Any]
    subject_ids: tuple[int, ...]
    created_at: float
    gold_standard: bool | None = None
    expert: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class ExportFile:
    """A generated export: its CSV bytes and when it was made."""

    project_id: int
    kind: str
    medium_id: int
    data: bytes
    created_at: float

    @property
    def name(self) -> str:
        return f"{self.kind}_export_{self.project_id}_{self.medium_id}.csv"


def seed_workflows() -> list[WorkflowVersion]:
    """Every version of workflows 18563 and 19650 from the real workflow export (package data).

    Examples
    --------
    >>> versions = seed_workflows()
    >>> sorted({v.row["workflow_id"] for v in versions}), versions[0].row["display_name"]
    (['18563', '19650'], 'Jet or Not')
    """
    data = resources.files("jet_sandbox").joinpath("data/panoptes_workflows_18563_19650.csv")
    header, *lines = data.read_text("utf-8").split("\n")
    columns = next(csv.reader([header]))
    # one version per line in this file (no field holds a line break), so each keeps its exact bytes
    return [
        WorkflowVersion(dict(zip(columns, next(csv.reader([line])), strict=True)), line)
        for line in lines
        if line
    ]
