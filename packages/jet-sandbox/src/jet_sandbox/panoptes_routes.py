"""The Panoptes replica's routes: the path pattern and methods of every route name.

Route names are those of :data:`~jet_sandbox.panoptes_faults.ROUTES` (the names fault
plans are given for).
"""

from __future__ import annotations

import re

from jet_sandbox.panoptes_faults import ROUTES
from jet_sandbox.panoptes_media import EXPORT_PREFIX, MEDIA_PREFIX, UPLOAD_PREFIX

__all__ = ["route_of", "ROUTE_PATTERNS", "WRITE_METHODS", "path_matches"]

WRITE_METHODS = frozenset({"POST", "PUT", "DELETE", "PATCH"})
_ID = r"(\d+)"
_GET = frozenset({"GET"})
ROUTE_PATTERNS: dict[str, tuple[re.Pattern[str], frozenset[str]]] = {
    name: (re.compile(pattern), frozenset(methods))
    for name, pattern, methods in [
        ("sign_in", r"/users/sign_in", {"GET", "POST"}),
        ("token", r"/oauth/token", {"POST"}),
        ("me", r"/api/me", _GET),
        ("users", rf"/api/users(?:/{_ID})?", _GET),
        ("exports", rf"/api/projects/{_ID}/(\w+)_export", {"GET", "POST"}),
        ("projects", rf"/api/projects(?:/{_ID})?", _GET),
        ("workflows", rf"/api/workflows(?:/{_ID}(/links/subject_sets)?)?", {"GET", "POST"}),
        ("links", rf"/api/subject_sets/{_ID}/links/subjects(?:/([\d,]+))?", {"POST", "DELETE"}),
        ("subject_sets", rf"/api/subject_sets(?:/{_ID})?", {"GET", "POST", "PUT", "DELETE"}),
        ("set_member_subjects", r"/api/set_member_subjects", _GET),
        ("subjects", r"/api/subjects(?:/(queued|\d+(?:,\d+)*))?", {"GET", "POST", "PUT", "DELETE"}),
        ("subject_workflow_statuses", rf"/api/subject_workflow_statuses(?:/{_ID})?", _GET),
        ("classifications", r"/api/classifications", {"GET", "POST"}),
        ("uploads", re.escape(UPLOAD_PREFIX) + r"(.+)", {"PUT"}),
        ("media", re.escape(MEDIA_PREFIX) + r"(.+)", _GET),
        ("downloads", re.escape(EXPORT_PREFIX) + r"(.+)", _GET),
    ]
}
assert set(ROUTE_PATTERNS) == set(ROUTES)


def route_of(path: str) -> str | None:
    """The name of the route that serves ``path``, or None.

    Examples
    --------
    >>> route_of("/api/subject_sets/7/links/subjects"), route_of("/api/subjects/queued"), route_of("/x")
    ('links', 'subjects', None)
    """
    return next((name for name, (regex, _) in ROUTE_PATTERNS.items() if regex.fullmatch(path)), None)


def path_matches(regex: re.Pattern[str], path: str) -> bool:
    """Whether ``regex`` matches the whole of ``path``."""
    return regex.fullmatch(path) is not None
