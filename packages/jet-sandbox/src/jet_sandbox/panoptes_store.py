"""The records of the Panoptes replica behind one lock: adding them and reading them (no HTTP here).

:class:`PanoptesStore` keeps the users, projects, workflows, subject sets, subjects and
exports; reads raise :class:`~jet_sandbox.panoptes_jsonapi.PanoptesApiError` 404 for a
missing record, as the API answers.

Examples
--------
>>> store = PanoptesStore.seeded(username="ann")
>>> store.user_by_login("ann").login, [w.id for w in store.workflows(11265)]
('ann', [18563, 19650])
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import Self, TypeVar

from jet_sandbox.panoptes_classifications import ClassificationBook
from jet_sandbox.panoptes_jsonapi import PanoptesApiError
from jet_sandbox.panoptes_media import MediaStore
from jet_sandbox.panoptes_records import (
    DEFAULT_SUBJECT_LIMIT,
    SOLAR_JET_HUNTER,
    ExportFile,
    PanoptesUser,
    Project,
    Subject,
    SubjectSet,
    Workflow,
    WorkflowVersion,
    seed_workflows,
)

__all__ = ["PanoptesStore"]

_T = TypeVar("_T")


class PanoptesStore:
    """Users, projects, workflows, subject sets, subjects, media, classifications, exports.

    The records behind one lock, added and read; :class:`~jet_sandbox.panoptes_state.PanoptesState`
    adds the API's writes and their rules. Build it with :meth:`seeded` (the Solar Jet
    Hunter project and its two real workflows) or empty and add records. Every method is
    thread-safe.

    Parameters
    ----------
    clock
        Returns the current POSIX time (creation times, token expiry).
    media_root
        Folder that keeps uploaded media (large uploads); None keeps them in memory.
    """

    def __init__(
        self, *, clock: Callable[[], float] = time.time, media_root: str | os.PathLike[str] | None = None
    ) -> None:
        self.clock = clock
        self.media = MediaStore(media_root)
        self.book = ClassificationBook(clock=clock)
        self._lock = threading.RLock()
        self._users: dict[int, PanoptesUser] = {}
        self._projects: dict[int, Project] = {}
        self._workflows: dict[int, Workflow] = {}
        self._sets: dict[int, SubjectSet] = {}
        self._subjects: dict[int, Subject] = {}
        self._exports: dict[tuple[int, str], ExportFile] = {}
        self._set_ids = itertools.count(100_001)
        self._subject_ids = itertools.count(90_000_001)
        self._medium_ids = itertools.count(5_000_001)
        self._sms_ids = itertools.count(200_000_001)
        self._sms: dict[tuple[int, int], int] = {}

    @classmethod
    def seeded(
        cls,
        *,
        username: str = "jet-hunter",
        password: str = "sandbox-password",
        user_id: int = 1_325_316,
        subject_limit: int = DEFAULT_SUBJECT_LIMIT,
        clock: Callable[[], float] = time.time,
        media_root: str | os.PathLike[str] | None = None,
    ) -> Self:
        """Solar Jet Hunter (11265) owned by one user, with workflows 18563 and 19650."""
        state = cls(clock=clock, media_root=media_root)
        now = clock()
        state.add_user(
            PanoptesUser(
                user_id,
                username,
                password,
                display_name=username,
                email=f"{username}@example.org",
                subject_limit=subject_limit,
                created_at=now,
            )
        )
        by_id: dict[int, list[WorkflowVersion]] = {}
        for version in seed_workflows():
            by_id.setdefault(int(version.row["workflow_id"]), []).append(version)
        state.add_project(
            Project(
                SOLAR_JET_HUNTER,
                "Solar Jet Hunter",
                "ramanakumars/solar-jet-hunter",
                user_id,
                tuple(sorted(by_id)),
                now,
                now,
            )
        )
        for wid, versions in sorted(by_id.items()):
            versions.sort(key=lambda v: (v.major, v.minor))
            state.add_workflow(Workflow(wid, SOLAR_JET_HUNTER, tuple(versions), (), now))
        return state

    # -- adding records ------------------------------------------------------------

    def add_user(self, user: PanoptesUser) -> None:
        with self._lock:
            self._users[user.id] = user

    def add_project(self, project: Project) -> None:
        with self._lock:
            self._projects[project.id] = project

    def add_workflow(self, workflow: Workflow) -> None:
        with self._lock:
            self._workflows[workflow.id] = workflow

    # -- reading -------------------------------------------------------------------

    def user(self, user_id: int) -> PanoptesUser:
        with self._lock:
            return _found(self._users.get(user_id), "User", user_id)

    def user_by_login(self, login: str) -> PanoptesUser:
        with self._lock:
            user = next((u for u in self._users.values() if u.login.lower() == login.lower()), None)
            return _found(user, "User", login)

    def users(self) -> list[PanoptesUser]:
        with self._lock:
            return sorted(self._users.values(), key=lambda u: u.id)

    def check_password(self, login: str, password: str) -> int | None:
        """The id of the user with this login and password, or None."""
        with self._lock:
            user = next((u for u in self._users.values() if u.login.lower() == login.lower()), None)
            return user.id if user is not None and user.password == password else None

    def uploaded_subjects_count(self, user_id: int) -> int:
        """Subjects the user created (deleted ones included: they used up the quota)."""
        with self._lock:
            return sum(1 for s in self._subjects.values() if s.uploader_id == user_id)

    def project(self, project_id: int) -> Project:
        with self._lock:
            return _found(self._projects.get(project_id), "Project", project_id)

    def projects(self) -> list[Project]:
        with self._lock:
            return sorted(self._projects.values(), key=lambda p: p.id)

    def workflow(self, workflow_id: int) -> Workflow:
        with self._lock:
            return _found(self._workflows.get(workflow_id), "Workflow", workflow_id)

    def workflows(self, project_id: int | None = None) -> list[Workflow]:
        with self._lock:
            chosen = [w for w in self._workflows.values() if project_id in (None, w.project_id)]
            return sorted(chosen, key=lambda w: w.id)

    def subject_set(self, set_id: int) -> SubjectSet:
        with self._lock:
            return _found(self._sets.get(set_id), "SubjectSet", set_id)

    def subject_sets(
        self, project_id: int | None = None, display_name: str | None = None
    ) -> list[SubjectSet]:
        with self._lock:
            return [
                s
                for _, s in sorted(self._sets.items())
                if project_id in (None, s.project_id) and display_name in (None, s.display_name)
            ]

    def subject(self, subject_id: int, *, deleted: bool = False) -> Subject:
        """A subject with its media; deleted ones only when ``deleted``."""
        with self._lock:
            subject = self._subjects.get(subject_id)
            if subject is None or (subject.deleted and not deleted):
                raise PanoptesApiError(404, f"Couldn't find Subject with 'id'={subject_id}")
            return self._with_media(subject)

    def subjects(
        self,
        *,
        project_id: int | None = None,
        subject_set_id: int | None = None,
        upload_user_id: int | None = None,
        ids: Iterable[int] | None = None,
        deleted: bool = False,
    ) -> list[Subject]:
        """Subjects matching every filter given, by id; deleted ones only when ``deleted``."""
        wanted = None if ids is None else set(ids)
        with self._lock:
            members = None if subject_set_id is None else set(self.subject_set(subject_set_id).subject_ids)
            return [
                self._with_media(s)
                for _, s in sorted(self._subjects.items())
                if (deleted or not s.deleted)
                and project_id in (None, s.project_id)
                and upload_user_id in (None, s.uploader_id)
                and (members is None or s.id in members)
                and (wanted is None or s.id in wanted)
            ]

    def set_member_subjects(
        self, *, subject_set_id: int | None = None, subject_id: int | None = None
    ) -> list[tuple[int, int, int]]:
        """``(set member id, set id, subject id)`` for each membership matching the filters."""
        with self._lock:
            return [
                (sms_id, sid, subj)
                for (sid, subj), sms_id in sorted(self._sms.items(), key=lambda item: item[1])
                if subject_set_id in (None, sid) and subject_id in (None, subj)
            ]

    def queued(self, workflow_id: int, user_id: int | None, limit: int) -> list[Subject]:
        """Subjects a volunteer is shown next: in the workflow's sets, not retired, not yet seen."""
        with self._lock:
            workflow = self.workflow(workflow_id)
            skip = self.book.seen_by(user_id, workflow_id)
            chosen: list[Subject] = []
            for set_id in workflow.subject_set_ids:
                for subject_id in self._sets[set_id].subject_ids:
                    if subject_id in skip or self.book.retired(subject_id, workflow_id):
                        continue
                    skip.add(subject_id)
                    chosen.append(self._with_media(self._subjects[subject_id]))
                    if len(chosen) >= limit:
                        return chosen
            return chosen

    def export(self, project_id: int, kind: str) -> ExportFile | None:
        with self._lock:
            return self._exports.get((project_id, kind))

    def exports(self) -> list[ExportFile]:
        with self._lock:
            return list(self._exports.values())

    def _with_media(self, subject: Subject) -> Subject:
        media = tuple(m for m in (self.media.get(k) for k in subject.location_keys) if m is not None)
        return dataclasses.replace(subject, media=media)


def _found(record: _T | None, kind: str, key: object) -> _T:
    if record is None:
        raise PanoptesApiError(404, f"Couldn't find {kind} with 'id'={key}")
    return record
