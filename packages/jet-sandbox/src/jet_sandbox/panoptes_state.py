"""The state of the Panoptes replica and the rules of the real API over it (no HTTP here).

:class:`PanoptesState` holds the records of :mod:`jet_sandbox.panoptes_records` behind
one lock and applies what Panoptes checks: the per-user subject limit (403 "User has
uploaded N subjects of M maximum"), that only a project's owner creates sets and
subjects in it, unique set names per project (400), a subject linked to a set only
once (422), media types the API allows (422), missing resources (404).

Examples
--------
>>> state = PanoptesState.seeded(username="ann", password="pw", subject_limit=2)
>>> owner = state.user_by_login("ann").id
>>> sset = state.create_subject_set(owner, 11265, "June 2010", {})
>>> first = state.create_subject(owner, 11265, {"#subject_key": "a"}, ["image/png"], [sset.id])
>>> state.subject_set(sset.id).subject_ids == (first.id,)
True
>>> second = state.create_subject(owner, 11265, {}, ["image/png"], [])
>>> try:
...     state.create_subject(owner, 11265, {}, ["image/png"], [])
... except PanoptesApiError as err:
...     print(err.status, err)
403 User has uploaded 2 subjects of 2 maximum
"""

from __future__ import annotations

import dataclasses
import itertools
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from jet_sandbox.panoptes_jsonapi import PanoptesApiError
from jet_sandbox.panoptes_records import (
    DEFAULT_SUBJECT_LIMIT,
    SOLAR_JET_HUNTER,
    Classification,
    ExportFile,
    Medium,
    PanoptesUser,
    Project,
    Subject,
    SubjectSet,
    Workflow,
    WorkflowVersion,
    seed_workflows,
)

__all__ = ["PanoptesState", "ALLOWED_MIME_TYPES", "EXTENSIONS"]

_T = TypeVar("_T")

EXTENSIONS: dict[str, str] = {
    "image/jpeg": "jpeg",
    "image/png": "png",
    "image/gif": "gif",
    "image/svg+xml": "svg",
    "audio/mpeg": "mp3",
    "video/mp4": "mp4",
    "audio/mp4": "m4a",
    "video/mpeg": "mpeg",
    "text/plain": "txt",
    "application/json": "json",
}
"""File extension of each media type Panoptes accepts for subject locations."""
ALLOWED_MIME_TYPES = frozenset(EXTENSIONS)
"""Media types Panoptes accepts for subject locations."""


class PanoptesState:
    """Users, projects, workflows, subject sets, subjects, media, classifications, exports.

    Build it with :meth:`seeded` (the Solar Jet Hunter project and its two real
    workflows) or empty and add records. Every method is thread-safe.

    Parameters
    ----------
    clock
        Returns the current POSIX time (creation times, token expiry).
    """

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._lock = threading.RLock()
        self._users: dict[int, PanoptesUser] = {}
        self._projects: dict[int, Project] = {}
        self._workflows: dict[int, Workflow] = {}
        self._sets: dict[int, SubjectSet] = {}
        self._subjects: dict[int, Subject] = {}
        self._media: dict[str, Medium] = {}
        self._classifications: list[Classification] = []
        self._exports: dict[tuple[int, str], ExportFile] = {}
        self._set_ids = itertools.count(100_001)
        self._subject_ids = itertools.count(90_000_001)
        self._classification_ids = itertools.count(400_000_001)
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
    ) -> PanoptesState:
        """Solar Jet Hunter (11265) owned by one user, with workflows 18563 and 19650."""
        state = cls(clock=clock)
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

    def medium(self, key: str) -> Medium | None:
        with self._lock:
            return self._media.get(key)

    def media(self) -> list[Medium]:
        with self._lock:
            return [m for _, m in sorted(self._media.items())]

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

    def classifications(
        self, *, project_id: int | None = None, workflow_id: int | None = None
    ) -> list[Classification]:
        with self._lock:
            return [
                c
                for c in self._classifications
                if project_id in (None, c.project_id) and workflow_id in (None, c.workflow_id)
            ]

    def export(self, project_id: int, kind: str) -> ExportFile | None:
        with self._lock:
            return self._exports.get((project_id, kind))

    def exports(self) -> list[ExportFile]:
        with self._lock:
            return list(self._exports.values())

    def _with_media(self, subject: Subject) -> Subject:
        media = tuple(self._media[k] for k in subject.location_keys)
        return dataclasses.replace(subject, media=media)

    # -- writing -------------------------------------------------------------------

    def _owned_project(self, user_id: int, project_id: int | None) -> Project:
        project = self._projects.get(project_id) if project_id is not None else None
        if project is None or project.owner_id != user_id:
            raise PanoptesApiError(422, "Couldn't find linked project for current user")
        return project

    def create_subject_set(
        self, user_id: int, project_id: int | None, display_name: str, metadata: Mapping[str, Any]
    ) -> SubjectSet:
        """A new set in the user's project (names unique per project)."""
        with self._lock:
            project = self._owned_project(user_id, project_id)
            if any(
                s.project_id == project.id and s.display_name == display_name for s in self._sets.values()
            ):
                raise PanoptesApiError(400, "Validation failed: Display name has already been taken")
            now = self.clock()
            sset = SubjectSet(next(self._set_ids), project.id, display_name, dict(metadata), (), now, now)
            self._sets[sset.id] = sset
            return sset

    def update_subject_set(self, user_id: int, set_id: int, changes: Mapping[str, Any]) -> SubjectSet:
        with self._lock:
            sset = self.subject_set(set_id)
            self._owned_project(user_id, sset.project_id)
            fields = {k: v for k, v in changes.items() if k in ("display_name", "metadata")}
            updated = dataclasses.replace(sset, **fields, updated_at=self.clock())
            self._sets[set_id] = updated
            return updated

    def delete_subject_set(self, user_id: int, set_id: int) -> None:
        with self._lock:
            sset = self.subject_set(set_id)
            self._owned_project(user_id, sset.project_id)
            for subject_id in sset.subject_ids:
                self._unlink(set_id, subject_id)
            del self._sets[set_id]

    def create_subject(
        self,
        user_id: int,
        project_id: int | None,
        metadata: Mapping[str, Any],
        locations: Sequence[str | Mapping[str, str]],
        subject_set_ids: Sequence[int],
    ) -> Subject:
        """A new subject with a medium slot per location (a media type, or ``{type: url}``)."""
        with self._lock:
            user = self.user(user_id)
            count = self.uploaded_subjects_count(user_id)
            if not user.admin and count >= user.subject_limit:
                raise PanoptesApiError(
                    403, f"User has uploaded {count} subjects of {user.subject_limit} maximum"
                )
            project = self._owned_project(user_id, project_id)
            for set_id in subject_set_ids:
                sset = self._sets.get(set_id)
                if sset is None or sset.project_id != project.id:
                    raise PanoptesApiError(422, "Couldn't find linked subject_sets for current user")
            media = [_medium(location) for location in locations]
            now = self.clock()
            subject = Subject(
                next(self._subject_ids),
                project.id,
                user_id,
                dict(metadata),
                tuple(m.key for m in media),
                (),
                now,
                now,
            )
            for medium in media:
                self._media[medium.key] = medium
            self._subjects[subject.id] = subject
            for set_id in subject_set_ids:
                self._link(set_id, subject.id)
            return self._with_media(self._subjects[subject.id])

    def delete_subject(self, user_id: int, subject_id: int) -> None:
        with self._lock:
            subject = self.subject(subject_id)
            self._owned_project(user_id, subject.project_id)
            for set_id in subject.subject_set_ids:
                self._unlink(set_id, subject_id)
            self._subjects[subject_id] = dataclasses.replace(
                self._subjects[subject_id], deleted=True, updated_at=self.clock()
            )

    def link_subjects(self, user_id: int, set_id: int, subject_ids: Sequence[int]) -> SubjectSet:
        """Add subjects to a set; all or nothing (422 if one is already in it)."""
        with self._lock:
            sset = self.subject_set(set_id)
            self._owned_project(user_id, sset.project_id)
            for subject_id in subject_ids:
                subject = self._subjects.get(subject_id)
                if subject is None or subject.deleted or subject.project_id != sset.project_id:
                    raise PanoptesApiError(422, "Couldn't find linked subjects for current user")
                if (set_id, subject_id) in self._sms:
                    raise PanoptesApiError(
                        422,
                        "PG::UniqueViolation: ERROR:  duplicate key value violates unique constraint "
                        '"index_set_member_subjects_on_subject_set_id_and_subject_id"\n'
                        f"DETAIL:  Key (subject_set_id, subject_id)=({set_id}, {subject_id}) "
                        "already exists.\n",
                    )
            if len(set(subject_ids)) != len(subject_ids):
                raise PanoptesApiError(422, "Validation failed: Subject has already been taken")
            for subject_id in subject_ids:
                self._link(set_id, subject_id)
            return self._sets[set_id]

    def unlink_subjects(self, user_id: int, set_id: int, subject_ids: Sequence[int]) -> None:
        with self._lock:
            sset = self.subject_set(set_id)
            self._owned_project(user_id, sset.project_id)
            for subject_id in subject_ids:
                self._unlink(set_id, subject_id)

    def _link(self, set_id: int, subject_id: int) -> None:
        now = self.clock()
        sset = self._sets[set_id]
        self._sets[set_id] = dataclasses.replace(
            sset, subject_ids=(*sset.subject_ids, subject_id), updated_at=now
        )
        subject = self._subjects[subject_id]
        self._subjects[subject_id] = dataclasses.replace(
            subject, subject_set_ids=(*subject.subject_set_ids, set_id), updated_at=now
        )
        self._sms[(set_id, subject_id)] = next(self._sms_ids)

    def _unlink(self, set_id: int, subject_id: int) -> None:
        if self._sms.pop((set_id, subject_id), None) is None:
            return
        now = self.clock()
        sset = self._sets[set_id]
        kept = tuple(s for s in sset.subject_ids if s != subject_id)
        self._sets[set_id] = dataclasses.replace(sset, subject_ids=kept, updated_at=now)
        subject = self._subjects[subject_id]
        sets = tuple(s for s in subject.subject_set_ids if s != set_id)
        self._subjects[subject_id] = dataclasses.replace(subject, subject_set_ids=sets, updated_at=now)

    def link_workflow_sets(self, user_id: int, workflow_id: int, set_ids: Sequence[int]) -> Workflow:
        """Attach subject sets to a workflow (volunteers then see their subjects)."""
        with self._lock:
            workflow = self.workflow(workflow_id)
            self._owned_project(user_id, workflow.project_id)
            for set_id in set_ids:
                if self.subject_set(set_id).project_id != workflow.project_id:
                    raise PanoptesApiError(422, "Couldn't find linked subject_sets for current user")
            added = tuple(s for s in set_ids if s not in workflow.subject_set_ids)
            updated = dataclasses.replace(
                workflow, subject_set_ids=(*workflow.subject_set_ids, *added), updated_at=self.clock()
            )
            self._workflows[workflow_id] = updated
            return updated

    def store_medium(self, key: str, data: bytes) -> Medium:
        """Record an upload into slot ``key`` (the last upload wins, as in blob storage)."""
        with self._lock:
            medium = self._media[key]
            stored = dataclasses.replace(medium, data=bytes(data), puts=medium.puts + 1)
            self._media[key] = stored
            return stored

    def add_classification(
        self,
        user_id: int | None,
        user_ip: str,
        workflow_id: int,
        subject_ids: Sequence[int],
        annotations: Sequence[Any],
        metadata: Mapping[str, Any],
        *,
        workflow_version: str | None = None,
        gold_standard: bool | None = None,
    ) -> Classification:
        """Record a classification of existing subjects in a workflow."""
        with self._lock:
            workflow = self.workflow(workflow_id)
            if not subject_ids:
                raise PanoptesApiError(422, "classification must have at least one subject")
            for subject_id in subject_ids:
                self.subject(subject_id)
            version = workflow_version or str(metadata.get("workflow_version") or workflow.version)
            classification = Classification(
                next(self._classification_ids),
                workflow.project_id,
                workflow_id,
                version,
                user_id,
                user_ip,
                tuple(annotations),
                dict(metadata),
                tuple(subject_ids),
                self.clock(),
                gold_standard,
            )
            self._classifications.append(classification)
            return classification

    def store_export(self, project_id: int, kind: str, data: bytes) -> ExportFile:
        with self._lock:
            export = ExportFile(project_id, kind, next(self._medium_ids), data, self.clock())
            self._exports[(project_id, kind)] = export
            return export


def _found(record: _T | None, kind: str, key: object) -> _T:
    if record is None:
        raise PanoptesApiError(404, f"Couldn't find {kind} with 'id'={key}")
    return record


def _medium(location: str | Mapping[str, str]) -> Medium:
    if isinstance(location, Mapping):
        if len(location) != 1:
            raise PanoptesApiError(422, "a remote location maps one media type to one URL")
        ((content_type, url),) = location.items()
        external = str(url)
    else:
        content_type, external = str(location), None
    if content_type not in ALLOWED_MIME_TYPES:
        raise PanoptesApiError(
            422,
            f"Location's content type {content_type} is not one of: {', '.join(sorted(ALLOWED_MIME_TYPES))}",
        )
    key = f"subject_location/{uuid.uuid4()}.{EXTENSIONS[content_type]}"
    return Medium(key, content_type, None, 0, external)
