"""JSON shapes of the Panoptes resources, as the real serializers write them.

Attributes and links follow the Panoptes serializers (``UserSerializer``,
``SubjectSerializer``, ``SubjectSetSerializer``, ...): ids and linked ids are strings,
times are ISO UTC, and a subject's ``locations`` is a list of ``{media type: URL}``
(signed PUT URLs in the answer to its creation, GET URLs otherwise).

Examples
--------
>>> from jet_sandbox.panoptes_records import PanoptesUser
>>> doc = user_json(PanoptesUser(7, "ann", "pw"), uploaded=3, private=True)
>>> doc["id"], doc["subject_limit"], doc["uploaded_subjects_count"], "password" in doc
('7', 10000, 3, False)
>>> "subject_limit" in user_json(PanoptesUser(7, "ann", "pw"), uploaded=3, private=False)
False
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jet_sandbox.panoptes_jsonapi import iso_time
from jet_sandbox.panoptes_records import Classification, PanoptesUser, Project, Subject, SubjectSet, Workflow

__all__ = [
    "user_json",
    "project_json",
    "workflow_json",
    "subject_set_json",
    "subject_json",
    "set_member_json",
    "classification_json",
    "export_medium_json",
    "LINKS",
]

LINKS: dict[str, dict[str, dict[str, str]]] = {
    "subjects": {
        "subjects.project": {"href": "/projects/{subjects.project}", "type": "projects"},
        "subjects.collections": {"href": "/collections?subject_id={subjects.id}", "type": "collections"},
        "subjects.subject_sets": {"href": "/subject_sets?subject_id={subjects.id}", "type": "subject_sets"},
    },
    "subject_sets": {
        "subject_sets.project": {"href": "/projects/{subject_sets.project}", "type": "projects"},
        "subject_sets.workflows": {
            "href": "/workflows?subject_set_id={subject_sets.id}",
            "type": "workflows",
        },
    },
    "projects": {
        "projects.workflows": {"href": "/workflows?project_id={projects.id}", "type": "workflows"},
        "projects.subject_sets": {"href": "/subject_sets?project_id={projects.id}", "type": "subject_sets"},
    },
    "workflows": {
        "workflows.project": {"href": "/projects/{workflows.project}", "type": "projects"},
        "workflows.subject_sets": {
            "href": "/subject_sets?workflow_id={workflows.id}",
            "type": "subject_sets",
        },
    },
    "set_member_subjects": {
        "set_member_subjects.subject": {
            "href": "/subjects/{set_member_subjects.subject}",
            "type": "subjects",
        },
        "set_member_subjects.subject_set": {
            "href": "/subject_sets/{set_member_subjects.subject_set}",
            "type": "subject_sets",
        },
    },
}
"""The top-level ``links`` templates of each resource type's answers."""

_PRIVATE_USER = (
    "email",
    "languages",
    "global_email_communication",
    "project_email_communication",
    "beta_email_communication",
    "nasa_email_communication",
    "uploaded_subjects_count",
    "subject_limit",
    "admin",
    "login_prompt",
    "zooniverse_id",
    "upload_whitelist",
    "valid_email",
    "ux_testing_email_communication",
    "intervention_notifications",
    "banned",
    "confirmed_at",
)


def user_json(user: PanoptesUser, *, uploaded: int, private: bool) -> dict[str, Any]:
    """A user; the me-only attributes (limit, count, e-mail, ...) only when ``private``."""
    created = iso_time(user.created_at)
    doc: dict[str, Any] = {
        "id": str(user.id),
        "login": user.login,
        "display_name": user.display_name or user.login,
        "credited_name": user.login,
        "email": user.email,
        "languages": ["en"],
        "created_at": created,
        "updated_at": created,
        "type": "users",
        "global_email_communication": False,
        "project_email_communication": False,
        "beta_email_communication": False,
        "nasa_email_communication": False,
        "subject_limit": user.subject_limit,
        "uploaded_subjects_count": uploaded,
        "admin": user.admin,
        "href": f"/users/{user.id}",
        "login_prompt": False,
        "private_profile": True,
        "zooniverse_id": f"panoptes-{user.id}",
        "upload_whitelist": False,
        "avatar_src": None,
        "valid_email": True,
        "ux_testing_email_communication": False,
        "intervention_notifications": True,
        "banned": False,
        "confirmed_at": created,
        "links": {},
    }
    if not private:
        for key in _PRIVATE_USER:
            doc.pop(key)
    return doc


def project_json(project: Project, subject_set_ids: list[int]) -> dict[str, Any]:
    """A project with its workflow and subject set links."""
    return {
        "id": str(project.id),
        "display_name": project.display_name,
        "slug": project.slug,
        "description": "Help us find jets on the Sun!",
        "introduction": "",
        "private": False,
        "live": True,
        "launch_approved": True,
        "primary_language": "en",
        "configuration": {},
        "tags": ["space"],
        "created_at": iso_time(project.created_at),
        "updated_at": iso_time(project.updated_at),
        "href": f"/projects/{project.id}",
        "links": {
            "owner": {
                "id": str(project.owner_id),
                "display_name": "",
                "type": "users",
                "href": f"/users/{project.owner_id}",
            },
            "workflows": [str(w) for w in project.workflow_ids],
            "active_workflows": [str(w) for w in project.workflow_ids],
            "subject_sets": [str(s) for s in subject_set_ids],
        },
    }


def workflow_json(workflow: Workflow) -> dict[str, Any]:
    """A workflow at its current version (tasks, strings, first task, retirement)."""
    row = workflow.current.row
    return {
        "id": str(workflow.id),
        "display_name": workflow.display_name,
        "tasks": workflow.current.tasks,
        "strings": workflow.current.strings,
        "first_task": row.get("first_task", ""),
        "primary_language": row.get("primary_language", "en"),
        "version": workflow.version,
        "active": row.get("active") == "true",
        "grouped": row.get("grouped") == "true",
        "prioritized": row.get("prioritized") == "true",
        "pairwise": row.get("pairwise") == "true",
        "retirement": _json_or_empty(row.get("retirement", "")),
        "classifications_count": int(row.get("classifications_count") or 0),
        "updated_at": iso_time(workflow.updated_at),
        "href": f"/workflows/{workflow.id}",
        "links": {
            "project": str(workflow.project_id),
            "subject_sets": [str(s) for s in workflow.subject_set_ids],
        },
    }


def _json_or_empty(text: str) -> Any:
    import json

    try:
        return json.loads(text) if text else {}
    except ValueError:
        return {}


def subject_set_json(sset: SubjectSet, workflow_ids: list[int]) -> dict[str, Any]:
    """A subject set (``set_member_subjects_count``, links to project and workflows)."""
    return {
        "id": str(sset.id),
        "display_name": sset.display_name,
        "set_member_subjects_count": len(sset.subject_ids),
        "metadata": dict(sset.metadata),
        "created_at": iso_time(sset.created_at),
        "updated_at": iso_time(sset.updated_at),
        "href": f"/subject_sets/{sset.id}",
        "completeness": {},
        "links": {"project": str(sset.project_id), "workflows": [str(w) for w in workflow_ids]},
    }


def subject_json(subject: Subject, url_for: Callable[[str, str], str]) -> dict[str, Any]:
    """A subject; ``url_for(key, media type)`` gives each location's URL (signed PUT or GET)."""
    locations = [
        {m.content_type: m.external_url if m.external_url else url_for(m.key, m.content_type)}
        for m in subject.media
    ]
    return {
        "id": str(subject.id),
        "metadata": dict(subject.metadata),
        "locations": locations,
        "zooniverse_id": None,
        "external_id": None,
        "created_at": iso_time(subject.created_at),
        "updated_at": iso_time(subject.updated_at),
        "href": f"/subjects/{subject.id}",
        "links": {
            "project": str(subject.project_id),
            "collections": [],
            "subject_sets": [str(s) for s in subject.subject_set_ids],
        },
    }


def set_member_json(sms_id: int, set_id: int, subject_id: int) -> dict[str, Any]:
    """A set member subject (the join of a set and a subject)."""
    return {
        "id": str(sms_id),
        "created_at": None,
        "updated_at": None,
        "priority": None,
        "href": f"/set_member_subjects/{sms_id}",
        "links": {"subject_set": str(set_id), "subject": str(subject_id), "retired_workflows": []},
    }


def classification_json(classification: Classification) -> dict[str, Any]:
    """A classification as the API answers its creation."""
    return {
        "id": str(classification.id),
        "annotations": list(classification.annotations),
        "metadata": dict(classification.metadata),
        "created_at": iso_time(classification.created_at),
        "updated_at": iso_time(classification.created_at),
        "completed": True,
        "gold_standard": classification.gold_standard,
        "workflow_version": classification.workflow_version,
        "href": f"/classifications/{classification.id}",
        "links": {
            "project": str(classification.project_id),
            "workflow": str(classification.workflow_id),
            "user": None if classification.user_id is None else str(classification.user_id),
            "subjects": [str(s) for s in classification.subject_ids],
        },
    }


def export_medium_json(
    medium_id: int, kind: str, project_id: int, src: str, created: float, state: str
) -> dict[str, Any]:
    """The medium of a project export (``media[0]``: ``src`` to download, ``metadata.state``)."""
    when = iso_time(created)
    return {
        "id": str(medium_id),
        "href": f"/projects/{project_id}/{kind}_export",
        "src": src,
        "content_type": "text/csv",
        "media_type": f"project_{kind}_export",
        "external_link": False,
        "created_at": when,
        "metadata": {"recipients": [], "state": state},
        "updated_at": when,
        "links": {"linked": {"href": f"/projects/{project_id}", "id": str(project_id), "type": "projects"}},
    }
