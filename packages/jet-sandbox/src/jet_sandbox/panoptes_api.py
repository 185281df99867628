"""The JSON-API resources of the Panoptes replica: what ``/api/...`` answers (no HTTP serving here).

:class:`PanoptesApi` turns requests into calls on the
:class:`~jet_sandbox.panoptes_state.PanoptesState` and answers in the shapes of
:mod:`jet_sandbox.panoptes_resources` (the project exports are in
:mod:`jet_sandbox.panoptes_export_api`); :class:`~jet_sandbox.panoptes.PanoptesServer`
routes to it, authenticates and applies the faults. Every handler takes the request,
the groups of its route's path pattern and the authenticated ``user`` (id or None).

Examples
--------
>>> from jet_sandbox.panoptes_media import MediaSigner
>>> from jet_sandbox.panoptes_state import PanoptesState
>>> from jet_sandbox.server import Request
>>> api = PanoptesApi(PanoptesState.seeded(), MediaSigner(b"k"), lambda: "http://127.0.0.1:1")
>>> answer = api.projects(Request("GET", "/api/projects/11265", {}, {}), "11265", user=None)
>>> answer.status, answer.content_type
(200, 'application/vnd.api+json; version=1')
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

from jet_sandbox.panoptes_jsonapi import (
    API_CONTENT_TYPE,
    PanoptesApiError,
    api_response,
    as_id,
    as_ids,
    etag_of,
    iso_time,
    json_body,
    links_of,
    page_of,
    resource_body,
)
from jet_sandbox.panoptes_media import MEDIA_PREFIX, UPLOAD_PREFIX, MediaSigner
from jet_sandbox.panoptes_records import Subject, SubjectSet
from jet_sandbox.panoptes_resources import (
    LINKS,
    classification_json,
    project_json,
    set_member_json,
    subject_json,
    subject_set_json,
    subject_workflow_status_json,
    user_json,
    workflow_json,
)
from jet_sandbox.panoptes_state import PanoptesState
from jet_sandbox.server import Request, Response

__all__ = ["PanoptesApi"]


class PanoptesApi:
    """The ``/api`` resources over a state.

    Parameters
    ----------
    state
        The records.
    signer
        Signs the media and export URLs.
    base_url
        Returns the server's ``http://127.0.0.1:PORT`` (known once it listens).
    clock
        Current POSIX time.
    """

    def __init__(
        self,
        state: PanoptesState,
        signer: MediaSigner,
        base_url: Callable[[], str],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.state = state
        self.signer = signer
        self.base_url = base_url
        self.clock = clock

    def user_doc(self, user_id: int, *, private: bool) -> dict[str, Any]:
        record = self.state.user(user_id)
        return user_json(record, uploaded=self.state.uploaded_subjects_count(user_id), private=private)

    def me(self, request: Request, *, user: int | None) -> Response:
        assert user is not None
        doc = self.user_doc(user, private=True)
        return api_response({"users": [doc], "links": {}, "meta": {}}, etag=etag_of([doc]))

    def users(self, request: Request, user_id: str | None, *, user: int | None) -> Response:
        records = [self.state.user(int(user_id))] if user_id else self.state.users()
        login = request.param("login")
        if login:
            records = [u for u in records if u.login.lower() in login.lower().split(",")]
        docs = [self.user_doc(u.id, private=u.id == user) for u in records]
        return self._index("users", docs, request, single=user_id is not None)

    def projects(self, request: Request, project_id: str | None, *, user: int | None) -> Response:
        records = [self.state.project(int(project_id))] if project_id else self.state.projects()
        slug = request.param("slug")
        if slug:
            records = [p for p in records if p.slug == slug]
        docs = [project_json(p, [s.id for s in self.state.subject_sets(p.id)]) for p in records]
        return self._index("projects", docs, request, single=project_id is not None)

    def workflows(
        self, request: Request, workflow_id: str | None, links: str | None, *, user: int | None
    ) -> Response:
        if request.method == "POST":
            if not workflow_id or not links or user is None:
                raise PanoptesApiError(405, "workflows are created in the project builder")
            ids = as_ids(json_body(request).get("subject_sets"))
            workflow = self.state.link_workflow_sets(user, int(workflow_id), ids)
            return api_response({"workflows": [workflow_json(workflow)], "links": LINKS["workflows"]})
        records = [self.state.workflow(int(workflow_id))] if workflow_id else self.state.workflows()
        project = request.param("project_id")
        if project:
            records = [w for w in records if str(w.project_id) == project]
        return self._index(
            "workflows", [workflow_json(w) for w in records], request, single=workflow_id is not None
        )

    def _set_doc(self, sset: SubjectSet) -> dict[str, Any]:
        workflows = [w.id for w in self.state.workflows(sset.project_id) if sset.id in w.subject_set_ids]
        return subject_set_json(sset, workflows)

    def subject_sets(self, request: Request, set_id: str | None, *, user: int | None) -> Response:
        if request.method == "POST":
            assert user is not None
            body = resource_body(request, "subject_sets")
            sset = self.state.create_subject_set(
                user,
                as_id(links_of(body).get("project")),
                str(body.get("display_name", "")),
                body.get("metadata") or {},
            )
            doc = self._set_doc(sset)
            return api_response(
                {"subject_sets": [doc], "links": LINKS["subject_sets"]}, status=201, etag=etag_of([doc])
            )
        if request.method in ("PUT", "DELETE"):
            assert user is not None
            assert set_id is not None
            self._precondition(request, self._set_doc(self.state.subject_set(int(set_id))))
            if request.method == "DELETE":
                self.state.delete_subject_set(user, int(set_id))
                return Response(204, b"", API_CONTENT_TYPE)
            sset = self.state.update_subject_set(user, int(set_id), resource_body(request, "subject_sets"))
            doc = self._set_doc(sset)
            return api_response({"subject_sets": [doc], "links": LINKS["subject_sets"]}, etag=etag_of([doc]))
        if set_id:
            records = [self.state.subject_set(int(set_id))]
        else:
            project = request.param("project_id")
            records = self.state.subject_sets(as_id(project), request.param("display_name"))
            workflow = as_id(request.param("workflow_id"))
            if workflow is not None:
                records = [s for s in records if s.id in self.state.workflow(workflow).subject_set_ids]
        docs = [self._set_doc(s) for s in records]
        return self._index("subject_sets", docs, request, single=set_id is not None)

    def links(self, request: Request, set_id: str, removed: str | None, *, user: int | None) -> Response:
        assert user is not None
        if request.method == "DELETE":
            self.state.unlink_subjects(user, int(set_id), as_ids((removed or "").split(",")))
            return Response(204, b"", API_CONTENT_TYPE)
        ids = as_ids(json_body(request).get("subjects"))
        sset = self.state.link_subjects(user, int(set_id), ids)
        return api_response({"subject_sets": [self._set_doc(sset)], "links": LINKS["subject_sets"]})

    def set_member_subjects(self, request: Request, *, user: int | None) -> Response:
        rows = self.state.set_member_subjects(
            subject_set_id=as_id(request.param("subject_set_id")),
            subject_id=as_id(request.param("subject_id")),
        )
        return self._index(
            "set_member_subjects", rows, request, single=False, render=lambda row: set_member_json(*row)
        )

    def _subject_doc(self, subject: Subject, *, upload: bool) -> dict[str, Any]:
        return subject_json(subject, self.upload_url if upload else lambda key, kind: self.media_url(key))

    def subjects(self, request: Request, subject_id: str | None, *, user: int | None) -> Response:
        if request.method == "POST":
            assert user is not None
            body = resource_body(request, "subjects")
            links = links_of(body)
            locations = body.get("locations") or []
            if not isinstance(locations, list):
                raise PanoptesApiError(422, "locations must be a list")
            subject = self.state.create_subject(
                user,
                as_id(links.get("project")),
                body.get("metadata") or {},
                locations,
                as_ids(links.get("subject_sets") or []),
            )
            doc = self._subject_doc(subject, upload=True)
            return api_response(
                {"subjects": [doc], "links": LINKS["subjects"]}, status=201, etag=etag_of([doc])
            )
        if request.method in ("PUT", "DELETE"):
            assert user is not None
            if subject_id is None or not subject_id.isdigit():
                raise PanoptesApiError(405, f"{request.method} needs one subject id")
            current = self.state.subject(int(subject_id))
            self._precondition(request, self._subject_doc(current, upload=False))
            if request.method == "DELETE":
                self.state.delete_subject(user, int(subject_id))
                return Response(204, b"", API_CONTENT_TYPE)
            body = resource_body(request, "subjects")
            metadata, locations = body.get("metadata"), body.get("locations")
            if (metadata is not None and not isinstance(metadata, dict)) or (
                locations is not None and not isinstance(locations, list)
            ):
                raise PanoptesApiError(422, "metadata must be an object and locations a list")
            updated = self.state.update_subject(user, int(subject_id), metadata=metadata, locations=locations)
            doc = self._subject_doc(updated, upload=locations is not None)
            return api_response({"subjects": [doc], "links": LINKS["subjects"]}, etag=etag_of([doc]))
        if subject_id == "queued":
            return self._queued(request, user)
        if subject_id and "," in subject_id:
            records = self.state.subjects(ids=as_ids(subject_id.split(",")))
        elif subject_id:
            records = [self.state.subject(int(subject_id))]
        else:
            ids = request.param("id") or request.param("ids")
            records = self.state.subjects(
                project_id=as_id(request.param("project_id")),
                subject_set_id=as_id(request.param("subject_set_id")),
                upload_user_id=as_id(request.param("upload_user_id")),
                ids=None if ids is None else as_ids(ids.split(",")),
            )
        single = subject_id is not None and "," not in subject_id
        return self._index("subjects", records, request, single=single, render=self._public_doc)

    def _public_doc(self, subject: Subject) -> dict[str, Any]:
        return self._subject_doc(subject, upload=False)

    def _queued(self, request: Request, user: int | None) -> Response:
        """``/subjects/queued?workflow_id=W``: what the classifier shows next (unseen, not retired)."""
        workflow = as_id(request.param("workflow_id"))
        if workflow is None:
            raise PanoptesApiError(422, "workflow_id parameter missing")
        limit = min(max(as_id(request.param("page_size")) or 10, 1), 100)
        now = iso_time(self.clock())
        docs = [
            {
                **self._subject_doc(s, upload=False),
                "retired": False,
                "already_seen": False,
                "finished_workflow": False,
                "user_has_finished_workflow": False,
                "selection_state": "normal",
                "selected_at": now,
            }
            for s in self.state.queued(workflow, user, limit)
        ]
        return api_response({"subjects": docs, "links": LINKS["subjects"], "meta": {}}, etag=etag_of(docs))

    def statuses(self, request: Request, status_id: str | None, *, user: int | None) -> Response:
        records = self.state.book.statuses(
            subject_id=as_id(request.param("subject_id")), workflow_id=as_id(request.param("workflow_id"))
        )
        if status_id is not None:
            records = [r for r in records if r.id == int(status_id)]
            if not records:
                raise PanoptesApiError(404, f"Couldn't find SubjectWorkflowStatus with 'id'={status_id}")
        docs = [subject_workflow_status_json(r) for r in records]
        return self._index("subject_workflow_statuses", docs, request, single=status_id is not None)

    def classifications(self, request: Request, *, user: int | None) -> Response:
        if request.method == "GET":
            records = self.state.book.classifications(project_id=as_id(request.param("project_id")))
            mine = [c for c in records if user is not None and c.user_id == user]
            return self._index(
                "classifications", [classification_json(c) for c in mine], request, single=False
            )
        body = resource_body(request, "classifications")
        links = links_of(body)
        annotations = body.get("annotations")
        metadata = body.get("metadata")
        if not isinstance(annotations, list) or not isinstance(metadata, dict):
            raise PanoptesApiError(
                422, "a classification needs annotations (a list) and metadata (an object)"
            )
        workflow_id = as_id(links.get("workflow"))
        if workflow_id is None:
            raise PanoptesApiError(422, "param is missing or the value is empty: workflow")
        subject_ids = as_ids(links.get("subjects") or [])
        workflow = self.state.classifiable(workflow_id, subject_ids)
        ip = (request.header("X-Forwarded-For") or request.client or "").split(",")[0].strip()
        classification = self.state.book.add(
            workflow,
            user,
            ip,
            subject_ids,
            annotations,
            metadata,
            workflow_version=str(metadata["workflow_version"]) if metadata.get("workflow_version") else None,
            gold_standard=body.get("gold_standard"),
        )
        doc = classification_json(classification)
        return api_response({"classifications": [doc], "links": {}}, status=201, etag=etag_of([doc]))

    def _index(
        self,
        key: str,
        records: Sequence[Any],
        request: Request,
        *,
        single: bool,
        render: Callable[[Any], dict[str, Any]] | None = None,
    ) -> Response:
        if single:
            docs = [render(r) for r in records] if render is not None else list(records)
            return api_response({key: docs, "links": LINKS.get(key, {}), "meta": {}}, etag=etag_of(docs))
        return page_of(key, records, request.params, links=LINKS.get(key, {}), render=render)

    def _precondition(self, request: Request, doc: dict[str, Any]) -> None:
        given = request.header("If-Match")
        if not given:
            raise PanoptesApiError(428, "Request requires If-Match header to be present")
        if given.removeprefix("W/") != etag_of([doc]):
            raise PanoptesApiError(412, "JsonApiController::PreconditionFailed")

    def upload_url(self, key: str, content_type: str) -> str:
        path = UPLOAD_PREFIX + key
        return self.base_url() + path + "?" + urlencode(self.signer.sign(path, "cw"))

    def media_url(self, key: str) -> str:
        """The public GET URL of a medium."""
        return self.base_url() + MEDIA_PREFIX + key
