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
from collections.abc import Mapping, Sequence
from typing import Any

from jet_sandbox.panoptes_jsonapi import PanoptesApiError
from jet_sandbox.panoptes_records import (
    ExportFile,
    Project,
    Subject,
    SubjectSet,
    Workflow,
)
from jet_sandbox.panoptes_store import PanoptesStore

__all__ = ["PanoptesState"]


class PanoptesState(PanoptesStore):
    """The replica's state: the stored records, and the API's writes with the rules Panoptes applies.

    Reading and adding records, and the parameters, are
    :class:`~jet_sandbox.panoptes_store.PanoptesStore`'s.
    """

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
            media = [self.media.new_slot(location) for location in locations]
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
            self._subjects[subject.id] = subject
            for set_id in subject_set_ids:
                self._link(set_id, subject.id)
            return self._with_media(self._subjects[subject.id])

    def update_subject(
        self,
        user_id: int,
        subject_id: int,
        *,
        metadata: Mapping[str, Any] | None = None,
        locations: Sequence[str | Mapping[str, str]] | None = None,
    ) -> Subject:
        """Replace a subject's metadata and/or locations (new locations get new, empty slots)."""
        with self._lock:
            subject = self.subject(subject_id)
            self._owned_project(user_id, subject.project_id)
            changes: dict[str, Any] = {"updated_at": self.clock()}
            if metadata is not None:
                changes["metadata"] = dict(metadata)
            if locations is not None:
                changes["location_keys"] = tuple(self.media.new_slot(loc).key for loc in locations)
            self._subjects[subject_id] = dataclasses.replace(self._subjects[subject_id], media=(), **changes)
            return self._with_media(self._subjects[subject_id])

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

    def classifiable(self, workflow_id: int, subject_ids: Sequence[int]) -> Workflow:
        """The workflow, once it and every subject exist (a classification may then go to :attr:`book`)."""
        with self._lock:
            workflow = self.workflow(workflow_id)
            if not subject_ids:
                raise PanoptesApiError(422, "classification must have at least one subject")
            for subject_id in subject_ids:
                self.subject(subject_id)
            return workflow

    def store_export(self, project_id: int, kind: str, data: bytes) -> ExportFile:
        with self._lock:
            export = ExportFile(project_id, kind, next(self._medium_ids), data, self.clock())
            self._exports[(project_id, kind)] = export
            return export
