"""The project exports of the Panoptes replica: ``/api/projects/<id>/<kind>_export``.

:class:`ExportApi` generates an export on ``POST`` (the project's owner only) and
describes the latest one on ``GET``: ``creating`` for the first ``export_polls``
describes after it was generated, then ``ready`` with a signed ``src`` URL. The
exports are built from the state by :mod:`jet_sandbox.panoptes_exports` (classifications,
subjects, workflows, in Panoptes' CSV shapes).

Examples
--------
>>> import json
>>> from jet_sandbox.panoptes_media import MediaSigner
>>> from jet_sandbox.panoptes_state import PanoptesState
>>> from jet_sandbox.server import Request
>>> state = PanoptesState.seeded()
>>> api = ExportApi(state, MediaSigner(b"k"), lambda: "http://127.0.0.1:1", lambda key: key, export_polls=1)
>>> export = api.generate_export(11265, "workflows")
>>> describe = lambda: api.exports(Request("GET", "/", {}, {}), "11265", "workflows", user=None)
>>> [json.loads(describe().body)["media"][0]["metadata"]["state"] for _ in range(2)]
['creating', 'ready']
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from jet_sandbox.panoptes_exports import (
    CLASSIFICATION_COLUMNS,
    EXPORT_KINDS,
    SUBJECT_COLUMNS,
    classification_rows,
    subject_rows,
    to_csv,
    workflow_export,
)
from jet_sandbox.panoptes_jsonapi import PanoptesApiError, api_response
from jet_sandbox.panoptes_media import EXPORT_PREFIX, MediaSigner
from jet_sandbox.panoptes_records import ExportFile
from jet_sandbox.panoptes_resources import export_medium_json
from jet_sandbox.panoptes_state import PanoptesState
from jet_sandbox.server import Request, Response

__all__ = ["ExportApi"]


class ExportApi:
    """The project exports over a state.

    Parameters
    ----------
    state
        The records.
    signer
        Signs the export URLs.
    base_url
        Returns the server's ``http://127.0.0.1:PORT`` (known once it listens).
    media_url
        The public URL of a medium by key (the subjects export lists them).
    export_polls
        Describes of a freshly generated export that still answer ``creating``.
    """

    def __init__(
        self,
        state: PanoptesState,
        signer: MediaSigner,
        base_url: Callable[[], str],
        media_url: Callable[[str], str],
        *,
        export_polls: int = 0,
    ) -> None:
        self.state = state
        self.signer = signer
        self.base_url = base_url
        self.media_url = media_url
        self.export_polls = export_polls
        self._export_describes: Counter[tuple[int, str]] = Counter()

    def exports(self, request: Request, project_id: str, kind: str, *, user: int | None) -> Response:
        """Generate (``POST``) or describe (``GET``) a project's ``kind`` export."""
        project = self.state.project(int(project_id))
        if kind not in EXPORT_KINDS:
            raise PanoptesApiError(404, f"No {kind}_export exists for project #{project.id}")
        if request.method == "POST":
            if user is None or project.owner_id != user:
                raise PanoptesApiError(403, "You do not have access to this resource")
            export = self.generate_export(project.id, kind)
            self._export_describes[(project.id, kind)] = 0
            return api_response(
                {"media": [self._export_doc(export, "creating" if self.export_polls else "ready")]},
                status=201,
            )
        latest = self.state.export(project.id, kind)
        if latest is None:
            raise PanoptesApiError(404, f"No {kind}_export exists for project #{project.id}")
        self._export_describes[(project.id, kind)] += 1
        ready = self._export_describes[(project.id, kind)] > self.export_polls
        return api_response({"media": [self._export_doc(latest, "ready" if ready else "creating")]})

    def _export_doc(self, export: ExportFile, state: str) -> dict[str, Any]:
        path = EXPORT_PREFIX + export.name
        src = self.base_url() + path + "?" + urlencode(self.signer.sign(path, "r"))
        return export_medium_json(
            export.medium_id, export.kind, export.project_id, src, export.created_at, state
        )

    def generate_export(self, project_id: int, kind: str) -> ExportFile:
        """Build the ``kind`` export of a project now (what ``generate=True`` asks for)."""
        statuses = {(st.subject_id, st.workflow_id): st for st in self.state.book.statuses()}
        if kind == "workflows":
            data = workflow_export(self.state.workflows(project_id))
        elif kind == "subjects":
            set_workflows: dict[int, list[int]] = {}
            for workflow in self.state.workflows(project_id):
                for set_id in workflow.subject_set_ids:
                    set_workflows.setdefault(set_id, []).append(workflow.id)
            rows = subject_rows(
                self.state.subjects(project_id=project_id), set_workflows, statuses, self.media_url
            )
            data = to_csv(SUBJECT_COLUMNS, rows)
        else:
            classifications = self.state.book.classifications(project_id=project_id)
            wanted = {s for c in classifications for s in c.subject_ids}
            subjects = {s.id: s for s in self.state.subjects(ids=wanted, deleted=True)}
            workflows = {w.id: w for w in self.state.workflows(project_id)}
            logins = {u.id: u.login for u in self.state.users()}
            salt = secrets.token_hex(8)  # Panoptes draws new IP stand-ins for every export
            rows = classification_rows(classifications, workflows, subjects, logins, statuses, salt=salt)
            data = to_csv(CLASSIFICATION_COLUMNS, rows)
        return self.state.store_export(project_id, kind, data)
