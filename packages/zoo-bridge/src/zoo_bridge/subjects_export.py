"""Subjects export -> our :class:`jet_store.Subject` records, linked by Zooniverse id.

A Panoptes subjects export has one row per subject and workflow (``subject_id,
project_id, workflow_id, subject_set_id, metadata, locations, ...``). A subject whose
metadata names one of ours (``#subject_key``) gets its ``zooniverse_id`` and
``subject_set_id``; any other (uploaded by another tool, as the seed's were) becomes a
subject of its own, ``zooniverse-<id>``, holding the export's metadata, so its
classifications can be related to events (``#event_id``, ``#sol_standard``).

Examples
--------
>>> from zoo_bridge.subjects_export import parse_subject_row
>>> row = {"subject_id": "48193910", "subject_set_id": "85000", "metadata":
...        '{"#subject_key": "SOL2010-06-20/304/0", "#sol_standard": "SOL2010-06-20T11:14:44L031C130"}'}
>>> link = parse_subject_row(row)
>>> link.zooniverse_id, link.key, link.metadata["#sol_standard"][:13]
(48193910, 'SOL2010-06-20/304/0', 'SOL2010-06-20')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from jet_store import Store, Subject, SubjectState

from zoo_bridge.cells import load_json
from zoo_bridge.errors import RowError
from zoo_bridge.exports import ExportStream
from zoo_bridge.import_report import ImportSummary

__all__ = ["SubjectLink", "parse_subject_row", "import_subjects"]

_REQUIRED = ("subject_id", "metadata")


@dataclass(frozen=True, slots=True)
class SubjectLink:
    """One subject of the export: its Zooniverse id, our key and its metadata."""

    zooniverse_id: int
    key: str
    metadata: dict[str, Any]
    subject_set_id: int | None = None
    ours: bool = False
    """True when the metadata named one of our subjects (``#subject_key``)."""


def _id(value: Any, what: str) -> int | None:
    text = str(value or "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 18:
        raise RowError("bad_id", f"{what} is not a whole number ({text[:30]!r})")
    return int(text)


def parse_subject_row(row: Mapping[str, Any]) -> SubjectLink:
    """One subjects-export row -> :class:`SubjectLink`.

    Raises
    ------
    RowError
        No subject id, or metadata that is not a JSON object.
    """
    zooniverse_id = _id(row.get("subject_id"), "subject_id")
    if zooniverse_id is None:
        raise RowError("bad_id", "row without subject_id")
    metadata = load_json(row.get("metadata") or "{}", "metadata", dict)
    key = metadata.get("#subject_key")
    ours = isinstance(key, str) and bool(key.strip())
    return SubjectLink(
        zooniverse_id=zooniverse_id,
        key=key.strip() if ours else f"zooniverse-{zooniverse_id}",
        metadata=metadata,
        subject_set_id=_id(row.get("subject_set_id"), "subject_set_id"),
        ours=ours,
    )


def _linked(store: Store, link: SubjectLink, now: datetime) -> Subject | None:
    """The subject to store for this link, or None when the store already has it so."""
    current = store.get(Subject, link.key)
    if current is None:
        meta = link.metadata
        return Subject(
            key=link.key,
            rendering_paths=(),
            event_id=str(meta["#event_id"]) if meta.get("#event_id") else None,
            sol_standard=str(meta["#sol_standard"]) if meta.get("#sol_standard") else None,
            state=SubjectState.LINKED,
            zooniverse_id=link.zooniverse_id,
            subject_set_id=link.subject_set_id,
            metadata=link.metadata,
            updated_at=now,
        )
    if current.zooniverse_id == link.zooniverse_id and (
        link.subject_set_id is None or current.subject_set_id == link.subject_set_id
    ):
        return None
    return replace(
        current,
        zooniverse_id=link.zooniverse_id,
        subject_set_id=link.subject_set_id if link.subject_set_id is not None else current.subject_set_id,
        updated_at=now,
    )


def import_subjects(store: Store, path: str | Path, *, progress: bool = True) -> ImportSummary:
    """Link the subjects of a subjects export to ours (or add them); return the report.

    Rows repeat a subject once per workflow; each subject is linked once. Importing the
    same export again changes nothing.
    """
    path = Path(path)
    summary = ImportSummary(export="subjects", source=path.name)
    now = datetime.now(timezone.utc)
    with ExportStream(path, required=_REQUIRED, progress=progress) as stream:
        summary.size_bytes = stream.size_bytes
        batch: dict[str, Subject] = {}
        for line, row in stream:
            summary.rows += 1
            try:
                if "__error__" in row:
                    raise RowError("bad_csv", row["__error__"])
                link = parse_subject_row(row)
            except RowError as err:
                summary.skip(line, str(row.get("subject_id", ""))[:30] or None, err.reason, str(err))
                continue
            subject = None if link.key in batch else _linked(store, link, now)
            if subject is None:  # already linked (rows repeat a subject once per workflow)
                summary.unchanged += 1
                continue
            batch[link.key] = subject
            if len(batch) >= 1000:
                summary.added += _flush(store, batch)
        summary.added += _flush(store, batch)
        summary.sha256 = stream.sha256
    summary.finished_at = datetime.now(timezone.utc)
    store.add([summary.to_record()])
    return summary


def _flush(store: Store, batch: dict[str, Subject]) -> int:
    result = store.add(batch.values())
    batch.clear()
    return result.added + result.updated
