"""The Panoptes resources an upload needs besides subjects: the project, the user's subject
room and the subject set (found by name or created), and deleting a resource.

Each takes the signed-in :class:`~zoo_bridge.connection.PanoptesConnection`; tests drive
them against the Panoptes replica of ``jet_sandbox`` (``tests/zoo_bridge/test_upload.py``).
"""

from __future__ import annotations

import logging
from typing import Any

from zoo_bridge.connection import AnswerLost, PanoptesConnection
from zoo_bridge.errors import PanoptesError, PanoptesNotFound

__all__ = ["check_project", "delete", "find_sets", "subject_set", "user_room"]

logger = logging.getLogger(__name__)


def user_room(conn: PanoptesConnection) -> tuple[int, int]:
    """The signed-in user's ``(subject_limit, uploaded_subjects_count)``."""
    answer = conn.request("GET", f"/users/{conn.user_id}")
    user = (answer.body or {}).get("users", [{}])[0]
    limit = int(user.get("subject_limit") or 10_000)
    used = int(user.get("uploaded_subjects_count") or 0)
    return limit, used


def check_project(conn: PanoptesConnection, project_id: int) -> dict[str, Any]:
    """The project's resource; :class:`PanoptesNotFound` when the user cannot see it."""
    try:
        answer = conn.request("GET", f"/projects/{project_id}")
    except PanoptesNotFound:
        raise PanoptesNotFound(
            f"project {project_id} does not exist or is not visible to this user"
        ) from None
    projects = (answer.body or {}).get("projects") or []
    if not projects:
        raise PanoptesNotFound(f"project {project_id} does not exist or is not visible to this user")
    project: dict[str, Any] = projects[0]
    return project


def find_sets(conn: PanoptesConnection, project_id: int, name: str) -> list[int]:
    """Ids of the project's subject sets called ``name``, oldest first."""
    found = conn.pages("/subject_sets", "subject_sets", {"project_id": project_id, "display_name": name})
    return sorted(int(s["id"]) for s in found if s.get("display_name") == name)


def subject_set(conn: PanoptesConnection, project_id: int, name: str) -> int:
    """The set's id: found by name, else created (a race of two creators keeps the oldest)."""
    existing = find_sets(conn, project_id, name)
    if existing:
        return existing[0]
    body = {"subject_sets": {"display_name": name, "links": {"project": str(project_id)}}}
    mine: int | None = None
    try:
        answer = conn.create("/subject_sets", body)
        mine = int(answer.body["subject_sets"][0]["id"])
    except AnswerLost as err:
        logger.info("creating subject set %r: %s; looking it up", name, err)
    found = find_sets(conn, project_id, name)
    if not found:
        raise PanoptesError(f"subject set {name!r} was not created and cannot be found")
    for extra in found[1:]:
        if extra == mine:  # another uploader made the same set first: ours goes
            delete(conn, "subject_sets", extra)
    return found[0]


def delete(conn: PanoptesConnection, kind: str, ident: int) -> bool:
    """Delete one resource (GET for its ETag, DELETE with If-Match); False if it was gone."""
    try:
        got = conn.request("GET", f"/{kind}/{ident}")
        conn.request("DELETE", f"/{kind}/{ident}", etag=got.etag, ok=(200, 204, 404))
    except PanoptesNotFound:
        return False
    return True
