"""What an upload is asked to do (:class:`UploadOptions`) and what it did (:class:`UploadSummary`).

Examples
--------
>>> from zoo_bridge.uploadtypes import UploadOptions, UploadSummary
>>> UploadOptions(project_id=11265, subject_set="June 2010").workers
4
>>> UploadOptions(project_id=11265, subject_set=" ")
Traceback (most recent call last):
...
jet_store.errors.UserError: the subject set needs a name
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from jet_store.errors import UserError

__all__ = ["UploadOptions", "UploadSummary"]


@dataclass(frozen=True)
class UploadOptions:
    """What to upload where, and how.

    Parameters
    ----------
    project_id
        The Panoptes project.
    subject_set
        The subject set's display name (created when missing).
    workers
        Subjects in flight at once (threads).
    dry_run
        Check everything, create nothing.
    lease
        Seconds a claim on a subject lasts (renewed while it is worked on).
    batch
        Subjects claimed at a time.
    attempts
        Times a subject is made again (lost answers, missing media) before it is given up.
    owner
        The claim owner (``host:pid`` by default).
    media_per_subject
        Media transfers of one subject in flight at once (PUTs, read-backs).
    """

    project_id: int
    subject_set: str
    workers: int = 4
    dry_run: bool = False
    lease: float = 120.0
    batch: int = 16
    attempts: int = 4
    owner: str | None = None
    media_per_subject: int = 4

    def __post_init__(self) -> None:
        if min(self.workers, self.batch, self.attempts, self.media_per_subject) < 1:
            raise UserError("workers, batch, attempts and media_per_subject must be >= 1")
        if not self.subject_set.strip():
            raise UserError("the subject set needs a name")


@dataclass
class UploadSummary:
    """What an upload did."""

    project_id: int
    subject_set: str
    subject_set_id: int | None = None
    dry_run: bool = False
    pending: int = 0
    created: int = 0
    adopted: int = 0
    deleted: int = 0
    lost_answers: int = 0
    remade: int = 0
    linked: int = 0
    failed: int = 0
    already: int = 0
    messages: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, name: str, n: int = 1) -> None:
        """Count something (thread-safe)."""
        with self._lock:
            setattr(self, name, getattr(self, name) + n)

    def note(self, message: str) -> None:
        """Record a message (thread-safe)."""
        with self._lock:
            self.messages.append(message)

    def line(self) -> str:
        """One summary line for the CLI."""
        if self.dry_run:
            return (
                f"dry run: {self.pending} subjects would go to set {self.subject_set!r} "
                f"({'id ' + str(self.subject_set_id) if self.subject_set_id else 'to be created'}) of "
                f"project {self.project_id}; files, metadata, credentials, project and limit checked"
            )
        return (
            f"{self.linked} subjects linked to set {self.subject_set!r} (id {self.subject_set_id}): "
            f"{self.created} created, {self.adopted} found from earlier runs, {self.remade} made again, "
            f"{self.deleted} orphans/duplicates deleted, {self.lost_answers} lost answers; "
            f"{self.already} already done, {self.failed} failed"
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        names = ("project_id", "subject_set", "subject_set_id", "dry_run", "pending", "created", "adopted",
                 "deleted", "lost_answers", "remade", "linked", "failed", "already", "messages")  # fmt: skip
        return {n: getattr(self, n) for n in names}

    @property
    def exit_code(self) -> int:
        """2 when some subject could not be uploaded, else 0."""
        return 2 if self.failed else 0
