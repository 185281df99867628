"""The Panoptes replica: the Zooniverse API as the real panoptes-client sees it, on loopback.

Usage
-----
::

    from panoptes_client import Panoptes, Project, Subject, SubjectSet
    from jet_sandbox.panoptes import PanoptesServer

    with PanoptesServer(username="ann", password="pw", latency=0.05) as srv:
        Panoptes.connect(username="ann", password="pw", endpoint=srv.url)
        sset = SubjectSet(); sset.links.project = Project(11265); sset.display_name = "June"; sset.save()
        subject = Subject(); subject.links.project = 11265
        subject.add_location("frame.png", manual_mimetype="image/png"); subject.save()
        sset.add([subject])
        assert srv.subjects()[0].complete and srv.subject_set(int(sset.id)).subject_ids

From a shell: ``jet-hunter sandbox serve panoptes``.

What it serves (``srv.url`` is the endpoint, ``PANOPTES_ENDPOINT``): the Devise sign-in
with its CSRF flow and Doorkeeper tokens (:mod:`jet_sandbox.panoptes_auth`); under
``/api`` JSON-API resources (:mod:`jet_sandbox.panoptes_jsonapi`): ``me``, ``users``,
``projects`` (Solar Jet Hunter 11265, owned by the test user), ``workflows`` (18563
and 19650, every version from the real workflow export), ``subject_sets`` (create,
filter by ``project_id`` and ``display_name``, ``links/subjects``), ``subjects``
(create with media types -> signed PUT URLs; filters ``project_id``,
``subject_set_id``, ``upload_user_id``, ``id``/``ids``; delete with ``If-Match``),
``set_member_subjects``, ``classifications`` (what front ends POST, anonymous or not)
and the three project exports (:mod:`jet_sandbox.panoptes_exports`); the signed media
uploads and reads (:mod:`jet_sandbox.panoptes_media`). Faults: the server's plan for
every route, plus :class:`~jet_sandbox.panoptes_faults.PanoptesFaults` (per-route
plans, lost answers of writes, tokens expiring early).

Examples
--------
>>> import json, urllib.request
>>> with PanoptesServer() as srv:
...     doc = json.load(urllib.request.urlopen(srv.url + "/api/projects/11265"))
...     doc["projects"][0]["display_name"], doc["projects"][0]["links"]["workflows"]
('Solar Jet Hunter', ['18563', '19650'])
"""

from __future__ import annotations

import functools
import json
import logging
import re
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from http.cookies import SimpleCookie
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlencode

from jet_sandbox.faults import Fault, FaultPlan, FaultSchedule
from jet_sandbox.files import ServedFile, file_response
from jet_sandbox.panoptes_auth import SESSION_COOKIE, PanoptesAuth, TokenRejected
from jet_sandbox.panoptes_exports import (
    CLASSIFICATION_COLUMNS,
    EXPORT_KINDS,
    SUBJECT_COLUMNS,
    classification_rows,
    subject_rows,
    to_csv,
    workflow_export,
)
from jet_sandbox.panoptes_faults import ROUTES, PanoptesFaults
from jet_sandbox.panoptes_jsonapi import (
    API_CONTENT_TYPE,
    PanoptesApiError,
    api_response,
    error_response,
    etag_of,
    page_of,
)
from jet_sandbox.panoptes_media import (
    AUTH_FAILED,
    EXPORT_PREFIX,
    MAX_MEDIA_BYTES,
    MEDIA_PREFIX,
    TOO_LARGE,
    UPLOAD_PREFIX,
    MediaSigner,
)
from jet_sandbox.panoptes_records import (
    DEFAULT_SUBJECT_LIMIT,
    Classification,
    ExportFile,
    Medium,
    PanoptesUser,
    Subject,
    SubjectSet,
)
from jet_sandbox.panoptes_resources import (
    LINKS,
    classification_json,
    export_medium_json,
    project_json,
    set_member_json,
    subject_json,
    subject_set_json,
    user_json,
    workflow_json,
)
from jet_sandbox.panoptes_state import PanoptesState
from jet_sandbox.server import Request, Response, Route, SandboxServer

__all__ = ["PanoptesServer", "LostAnswer"]

logger = logging.getLogger(__name__)

_SIGN_IN_PAGE = """<!DOCTYPE html>
<html><head><title>Zooniverse</title>
<meta name="csrf-param" content="authenticity_token" />
<meta name="csrf-token" content="{token}" />
</head><body><form action="/users/sign_in" method="post">
<input type="text" name="user[login]"><input type="password" name="user[password]">
</form></body></html>
"""

_FAULT_MESSAGES = {
    401: "You must be logged in to access this resource.",
    403: "You do not have access to this resource",
    404: "Not found",
    409: "Attempted to update a stale object: SubjectSet.",
    422: "Unprocessable entity",
    429: "Rate limit exceeded",
}
_WRITES = frozenset({"POST", "PUT", "DELETE", "PATCH"})
_ID = r"(\d+)"
_GET = frozenset({"GET"})
_PATTERNS: dict[str, tuple[re.Pattern[str], frozenset[str]]] = {
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
        ("subjects", r"/api/subjects(?:/(\d+(?:,\d+)*))?", {"GET", "POST", "PUT", "DELETE"}),
        ("classifications", r"/api/classifications", {"GET", "POST"}),
        ("uploads", re.escape(UPLOAD_PREFIX) + r"(.+)", {"PUT"}),
        ("media", re.escape(MEDIA_PREFIX) + r"(.+)", _GET),
        ("downloads", re.escape(EXPORT_PREFIX) + r"(.+)", _GET),
    ]
}
assert set(_PATTERNS) == set(ROUTES)


class LostAnswer(tuple[int, str, str]):
    """``(request index, route, fault spec)`` of a write whose answer was replaced."""


class PanoptesServer(SandboxServer):
    """The Panoptes replica (see the module docstring).

    Parameters
    ----------
    username, password
        The seeded account, owner of project 11265.
    user_id
        Its id.
    subject_limit
        Its upload limit (10,000 by default, as on zooniverse.org).
    users
        More accounts (:class:`~jet_sandbox.panoptes_records.PanoptesUser`).
    token_lifetime
        Seconds a bearer token lives (Panoptes: 7200).
    advertised_lifetime
        What the token answer's ``expires_in`` says, if not the truth.
    export_polls
        Describes of a freshly generated export that still answer ``creating``.
    max_media_bytes
        Largest medium a signed PUT accepts (1 MiB).
    clock
        Current POSIX time (tests move it forward to expire tokens).
    panoptes_faults
        Per-route, lost-answer and early-expiry plans (:class:`PanoptesFaults`).
    faults, latency, host, port
        As for :class:`~jet_sandbox.server.SandboxServer` (the plan of routes without their own).

    Attributes
    ----------
    state : PanoptesState
        Everything the replica holds (records, with accessors).
    auth : PanoptesAuth
        Sessions and tokens.
    """

    name: ClassVar[str] = "panoptes"
    label: ClassVar[str] = "Panoptes replica"
    env_var: ClassVar[str | None] = "JET_HUNTER_PANOPTES_URL"
    entry_path: ClassVar[str] = ""

    def __init__(
        self,
        *,
        username: str = "jet-hunter",
        password: str = "sandbox-password",
        user_id: int = 1_325_316,
        subject_limit: int = DEFAULT_SUBJECT_LIMIT,
        users: Iterable[PanoptesUser] = (),
        token_lifetime: float = 7200.0,
        advertised_lifetime: float | None = None,
        export_polls: int = 0,
        max_media_bytes: int = MAX_MEDIA_BYTES,
        clock: Callable[[], float] = time.time,
        panoptes_faults: PanoptesFaults | None = None,
        faults: FaultPlan | Iterable[Fault | str] | None = None,
        latency: float | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(faults=faults, latency=latency, host=host, port=port)
        self.username, self.password = username, password
        self.state = PanoptesState.seeded(
            username=username, password=password, user_id=user_id, subject_limit=subject_limit, clock=clock
        )
        for user in users:
            self.state.add_user(user)
        self.auth = PanoptesAuth(
            self.state.check_password,
            token_lifetime=token_lifetime,
            advertised_lifetime=advertised_lifetime,
            clock=clock,
        )
        self.signer = MediaSigner(secrets.token_bytes(32), clock=clock)
        self.panoptes_faults = panoptes_faults or PanoptesFaults()
        self.export_polls = export_polls
        self.max_media_bytes = max_media_bytes
        self.clock = clock
        self._salt = secrets.token_hex(8)
        self._lost: list[LostAnswer] = []
        self._lost_schedules: dict[str, FaultSchedule] = {}
        self._expire_schedule: FaultSchedule | None = None
        self._export_describes: Counter[tuple[int, str]] = Counter()

    # -- environment ---------------------------------------------------------------

    def environment(self) -> dict[str, str]:
        """``JET_HUNTER_PANOPTES_URL`` and the client's own ``PANOPTES_*`` variables."""
        return {
            "JET_HUNTER_PANOPTES_URL": self.url,
            "PANOPTES_ENDPOINT": self.url,
            "PANOPTES_USERNAME": self.username,
            "PANOPTES_PASSWORD": self.password,
        }

    # -- routes --------------------------------------------------------------------

    def routes(self) -> Sequence[Route]:
        """One route per name of :data:`~jet_sandbox.panoptes_faults.ROUTES`."""
        self._lost_schedules = {k: v.schedule() for k, v in self.panoptes_faults.lost.items()}
        expire = self.panoptes_faults.expire
        self._expire_schedule = None if expire is None else expire.schedule()
        handlers: dict[str, Callable[..., Response]] = {
            "sign_in": self._sign_in,
            "token": self._token,
            "me": self._me,
            "users": self._users,
            "exports": self._exports,
            "projects": self._projects,
            "workflows": self._workflows,
            "links": self._links,
            "subject_sets": self._subject_sets,
            "set_member_subjects": self._set_member_subjects,
            "subjects": self._subjects,
            "classifications": self._classifications,
            "uploads": self._upload,
            "media": self._media,
            "downloads": self._download,
        }
        routes = []
        for name, (regex, methods) in _PATTERNS.items():
            plan = self.panoptes_faults.routes.get(name)
            if plan is not None and not plan.latency and self.fault_plan.latency:
                plan = plan.with_latency(self.fault_plan.latency)
            routes.append(
                Route(
                    name,
                    self._wrap(name, regex, handlers[name]),
                    methods=methods,
                    faults=plan,
                    match=functools.partial(_matches, regex),
                )
            )
        return routes

    @staticmethod
    def route_of(path: str) -> str | None:
        """The name of the route that serves ``path`` (see :data:`~jet_sandbox.panoptes_faults.ROUTES`).

        Examples
        --------
        >>> PanoptesServer.route_of("/api/subject_sets/7/links/subjects"), PanoptesServer.route_of("/x")
        ('links', None)
        """
        return next((name for name, (regex, _) in _PATTERNS.items() if regex.fullmatch(path)), None)

    def request_counts(self) -> Counter[str]:
        """Requests per ``METHOD route`` so far (``POST subjects``, ``PUT uploads``, ...)."""
        return Counter(f"{r.method} {self.route_of(r.path)}" for r in self.requests)

    @property
    def lost_answers(self) -> list[LostAnswer]:
        """The writes that were done but whose answer was replaced by a ``lost`` fault."""
        with self._lock:
            return list(self._lost)

    def _wrap(
        self, name: str, regex: re.Pattern[str], handler: Callable[..., Response]
    ) -> Callable[[Request], Response]:
        def answer(request: Request) -> Response:
            match = regex.fullmatch(request.path)
            assert match is not None
            try:
                user = self._user_for(name, request)
                response = handler(request, *match.groups(), user=user)
            except TokenRejected as err:
                return Response(401, b"", API_CONTENT_TYPE, (("WWW-Authenticate", err.challenge),))
            except PanoptesApiError as err:
                return error_response(err.status, err.message)
            if request.method in _WRITES and 200 <= response.status < 300 and name in self._lost_schedules:
                lost = self._lost_schedules[name].decide({"status"})
                if lost.response is not None:
                    with self._lock:
                        self._lost.append(LostAnswer((request.index, name, lost.response.spec())))
                    logger.info(
                        "%s: %s %s done, answer lost (%s)",
                        self.label,
                        request.method,
                        request.path,
                        lost.response.spec(),
                    )
                    return self._fault_response(lost.response)
            return response

        return answer

    def _user_for(self, name: str, request: Request) -> int | None:
        """The authenticated user; writes and ``me`` insist on a valid token."""
        if not request.path.startswith("/api/"):
            return None
        header = request.header("Authorization")
        strict = request.method in _WRITES or name == "me"
        if not strict:
            try:
                return self.auth.authenticate(header)
            except TokenRejected:
                return None
        schedule = self._expire_schedule
        if header and schedule is not None and schedule.decide({"status"}).response is not None:
            self.auth.expire(header.partition(" ")[2].strip())
        user = self.auth.authenticate(header)
        if request.method in _WRITES and request.body:
            kind = (request.header("Content-Type") or "").split(";")[0].strip()
            if kind not in ("application/json", "application/vnd.api+json"):
                raise PanoptesApiError(
                    415,
                    "Only requests with Content-Type: application/json, application/vnd.api+json "
                    "are accepted",
                )
        if user is None and name != "classifications":
            raise PanoptesApiError(401, "You must be logged in to access this resource.")
        return user

    # -- sign-in and tokens --------------------------------------------------------

    def _session_of(self, request: Request) -> str | None:
        cookie = SimpleCookie()
        try:
            cookie.load(request.header("Cookie") or "")
        except Exception:  # a malformed cookie header is no session
            return None
        morsel = cookie.get(SESSION_COOKIE)
        return None if morsel is None else morsel.value

    def _sign_in(self, request: Request, *, user: int | None) -> Response:
        session, csrf = self.auth.new_session(self._session_of(request))
        headers = [("Set-Cookie", f"{SESSION_COOKIE}={session}; path=/; HttpOnly; SameSite=Lax")]
        if request.method == "GET":
            headers += [("X-CSRF-Param", "authenticity_token"), ("X-CSRF-Token", csrf)]
            if "json" in (request.header("Accept") or ""):
                return Response.json({"login": "/users/sign_in"}, headers=headers)
            return Response.html(_SIGN_IN_PAGE.format(token=csrf), headers=headers)
        doc = _json_body(request)
        given = request.header("X-CSRF-Token") or doc.get("authenticity_token")
        found = doc.get("user")
        creds: dict[str, Any] = found if isinstance(found, dict) else {}
        try:
            user_id = self.auth.sign_in(
                session,
                str(given) if given else None,
                str(creds.get("login", "")),
                str(creds.get("password", "")),
            )
        except PanoptesApiError as err:
            return Response.json({"error": err.message}, status=err.status, headers=headers)
        headers += [("X-CSRF-Param", "authenticity_token"), ("X-CSRF-Token", self.auth.csrf_of(session))]
        me = self._user_doc(user_id, private=True)
        return Response.json({"users": [me], "links": {}, "meta": {}}, headers=headers)

    def _token(self, request: Request, *, user: int | None) -> Response:
        kind = (request.header("Content-Type") or "").split(";")[0].strip()
        if kind == "application/json":
            params = {k: str(v) for k, v in _json_body(request).items()}
        else:
            parsed = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
            params = {k: v[0] for k, v in parsed.items()}
        doc = self.auth.grant(params, self._session_of(request))
        status = 200 if "access_token" in doc else 401 if doc["error"] == "invalid_client" else 400
        return Response.json(
            doc, status=status, headers=[("Cache-Control", "no-store"), ("Pragma", "no-cache")]
        )

    def _user_doc(self, user_id: int, *, private: bool) -> dict[str, Any]:
        record = self.state.user(user_id)
        return user_json(record, uploaded=self.state.uploaded_subjects_count(user_id), private=private)

    # -- resources -----------------------------------------------------------------

    def _me(self, request: Request, *, user: int | None) -> Response:
        assert user is not None
        doc = self._user_doc(user, private=True)
        return api_response({"users": [doc], "links": {}, "meta": {}}, etag=etag_of([doc]))

    def _users(self, request: Request, user_id: str | None, *, user: int | None) -> Response:
        records = [self.state.user(int(user_id))] if user_id else self.state.users()
        login = request.param("login")
        if login:
            records = [u for u in records if u.login.lower() in login.lower().split(",")]
        docs = [self._user_doc(u.id, private=u.id == user) for u in records]
        return self._index("users", docs, request, single=user_id is not None)

    def _projects(self, request: Request, project_id: str | None, *, user: int | None) -> Response:
        records = [self.state.project(int(project_id))] if project_id else self.state.projects()
        slug = request.param("slug")
        if slug:
            records = [p for p in records if p.slug == slug]
        docs = [project_json(p, [s.id for s in self.state.subject_sets(p.id)]) for p in records]
        return self._index("projects", docs, request, single=project_id is not None)

    def _workflows(
        self, request: Request, workflow_id: str | None, links: str | None, *, user: int | None
    ) -> Response:
        if request.method == "POST":
            if not workflow_id or not links or user is None:
                raise PanoptesApiError(405, "workflows are created in the project builder")
            ids = _ids(_json_body(request).get("subject_sets"))
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

    def _subject_sets(self, request: Request, set_id: str | None, *, user: int | None) -> Response:
        if request.method == "POST":
            assert user is not None
            body = _resource_body(request, "subject_sets")
            sset = self.state.create_subject_set(
                user,
                _int(_links(body).get("project")),
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
            sset = self.state.update_subject_set(user, int(set_id), _resource_body(request, "subject_sets"))
            doc = self._set_doc(sset)
            return api_response({"subject_sets": [doc], "links": LINKS["subject_sets"]}, etag=etag_of([doc]))
        if set_id:
            records = [self.state.subject_set(int(set_id))]
        else:
            project = request.param("project_id")
            records = self.state.subject_sets(_int(project), request.param("display_name"))
            workflow = _int(request.param("workflow_id"))
            if workflow is not None:
                records = [s for s in records if s.id in self.state.workflow(workflow).subject_set_ids]
        docs = [self._set_doc(s) for s in records]
        return self._index("subject_sets", docs, request, single=set_id is not None)

    def _links(self, request: Request, set_id: str, removed: str | None, *, user: int | None) -> Response:
        assert user is not None
        if request.method == "DELETE":
            self.state.unlink_subjects(user, int(set_id), _ids((removed or "").split(",")))
            return Response(204, b"", API_CONTENT_TYPE)
        ids = _ids(_json_body(request).get("subjects"))
        sset = self.state.link_subjects(user, int(set_id), ids)
        return api_response({"subject_sets": [self._set_doc(sset)], "links": LINKS["subject_sets"]})

    def _set_member_subjects(self, request: Request, *, user: int | None) -> Response:
        rows = self.state.set_member_subjects(
            subject_set_id=_int(request.param("subject_set_id")), subject_id=_int(request.param("subject_id"))
        )
        docs = [set_member_json(*row) for row in rows]
        return self._index("set_member_subjects", docs, request, single=False)

    def _subject_doc(self, subject: Subject, *, upload: bool) -> dict[str, Any]:
        return subject_json(subject, self._upload_url if upload else lambda key, kind: self.media_url(key))

    def _subjects(self, request: Request, subject_id: str | None, *, user: int | None) -> Response:
        if request.method == "POST":
            assert user is not None
            body = _resource_body(request, "subjects")
            links = _links(body)
            locations = body.get("locations") or []
            if not isinstance(locations, list):
                raise PanoptesApiError(422, "locations must be a list")
            subject = self.state.create_subject(
                user,
                _int(links.get("project")),
                body.get("metadata") or {},
                locations,
                _ids(links.get("subject_sets") or []),
            )
            doc = self._subject_doc(subject, upload=True)
            return api_response(
                {"subjects": [doc], "links": LINKS["subjects"]}, status=201, etag=etag_of([doc])
            )
        if request.method in ("PUT", "DELETE"):
            assert user is not None
            if subject_id is None or "," in subject_id:
                raise PanoptesApiError(405, f"{request.method} needs one subject id")
            current = self.state.subject(int(subject_id))
            self._precondition(request, self._subject_doc(current, upload=False))
            if request.method == "DELETE":
                self.state.delete_subject(user, int(subject_id))
                return Response(204, b"", API_CONTENT_TYPE)
            raise PanoptesApiError(405, "this replica does not update subjects")
        if subject_id and "," in subject_id:
            records = self.state.subjects(ids=_ids(subject_id.split(",")))
        elif subject_id:
            records = [self.state.subject(int(subject_id))]
        else:
            ids = request.param("id") or request.param("ids")
            records = self.state.subjects(
                project_id=_int(request.param("project_id")),
                subject_set_id=_int(request.param("subject_set_id")),
                upload_user_id=_int(request.param("upload_user_id")),
                ids=None if ids is None else _ids(ids.split(",")),
            )
        docs = [self._subject_doc(s, upload=False) for s in records]
        return self._index("subjects", docs, request, single=subject_id is not None)

    def _classifications(self, request: Request, *, user: int | None) -> Response:
        if request.method == "GET":
            records = self.state.classifications(project_id=_int(request.param("project_id")))
            mine = [c for c in records if user is not None and c.user_id == user]
            return self._index(
                "classifications", [classification_json(c) for c in mine], request, single=False
            )
        body = _resource_body(request, "classifications")
        links = _links(body)
        annotations = body.get("annotations")
        metadata = body.get("metadata")
        if not isinstance(annotations, list) or not isinstance(metadata, dict):
            raise PanoptesApiError(
                422, "a classification needs annotations (a list) and metadata (an object)"
            )
        workflow = _int(links.get("workflow"))
        if workflow is None:
            raise PanoptesApiError(422, "param is missing or the value is empty: workflow")
        ip = (request.header("X-Forwarded-For") or request.client or "").split(",")[0].strip()
        classification = self.state.add_classification(
            user,
            ip,
            workflow,
            _ids(links.get("subjects") or []),
            annotations,
            metadata,
            workflow_version=str(metadata["workflow_version"]) if metadata.get("workflow_version") else None,
            gold_standard=body.get("gold_standard"),
        )
        doc = classification_json(classification)
        return api_response({"classifications": [doc], "links": {}}, status=201, etag=etag_of([doc]))

    def _index(self, key: str, docs: list[dict[str, Any]], request: Request, *, single: bool) -> Response:
        if single:
            return api_response({key: docs, "links": LINKS.get(key, {}), "meta": {}}, etag=etag_of(docs))
        return page_of(key, docs, request.params, links=LINKS.get(key, {}))

    def _precondition(self, request: Request, doc: dict[str, Any]) -> None:
        given = request.header("If-Match")
        if not given:
            raise PanoptesApiError(428, "Request requires If-Match header to be present")
        if given.removeprefix("W/") != etag_of([doc]):
            raise PanoptesApiError(412, "JsonApiController::PreconditionFailed")

    # -- media ---------------------------------------------------------------------

    def _upload_url(self, key: str, content_type: str) -> str:
        path = UPLOAD_PREFIX + key
        return self.base_url + path + "?" + urlencode(self.signer.sign(path, "cw"))

    def media_url(self, key: str) -> str:
        """The public GET URL of a medium."""
        return self.base_url + MEDIA_PREFIX + key

    def _upload(self, request: Request, key: str, *, user: int | None) -> Response:
        if not self.signer.verify(request.path, request.query, "cw"):
            return Response(403, AUTH_FAILED.encode(), "application/xml")
        medium = self.state.medium(key)
        if medium is None:
            return Response(404, b"", "application/xml")
        given = (request.header("Content-Type") or "").split(";")[0].strip()
        if given != medium.content_type:
            return Response.text(
                f"Content-Type {given or '(none)'} does not match the location's {medium.content_type}\n",
                status=400,
            )
        if len(request.body) > self.max_media_bytes:
            return Response(413, TOO_LARGE.encode(), "application/xml")
        self.state.store_medium(key, request.body)
        return Response(201, b"", "application/xml", (("ETag", f'"{secrets.token_hex(8)}"'),))

    def _media(self, request: Request, key: str, *, user: int | None) -> Response:
        medium = self.state.medium(key)
        if medium is None or medium.data is None:
            return Response.text("The specified blob does not exist.\n", status=404)
        served = ServedFile.from_bytes(
            medium.data, content_type=medium.content_type, last_modified=self.clock()
        )
        return file_response(request, served)

    # -- exports -------------------------------------------------------------------

    def _exports(self, request: Request, project_id: str, kind: str, *, user: int | None) -> Response:
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

    def _fault_response(self, fault: Fault) -> Response:
        """4xx faults come from the API itself (JSON-API errors); 5xx ones from the gateway (HTML)."""
        if fault.kind == "status" and fault.code is not None and fault.code < 500:
            headers = [] if fault.seconds is None else [("Retry-After", f"{fault.seconds:g}")]
            return error_response(fault.code, _FAULT_MESSAGES.get(fault.code, "Error"), headers=headers)
        return super()._fault_response(fault)

    def _export_doc(self, export: ExportFile, state: str) -> dict[str, Any]:
        path = EXPORT_PREFIX + export.name
        src = self.base_url + path + "?" + urlencode(self.signer.sign(path, "r"))
        return export_medium_json(
            export.medium_id, export.kind, export.project_id, src, export.created_at, state
        )

    def generate_export(self, project_id: int, kind: str) -> ExportFile:
        """Build the ``kind`` export of a project now (what ``generate=True`` asks for)."""
        if kind == "workflows":
            data = workflow_export(self.state.workflows(project_id))
        elif kind == "subjects":
            set_workflows: dict[int, list[int]] = {}
            for workflow in self.state.workflows(project_id):
                for set_id in workflow.subject_set_ids:
                    set_workflows.setdefault(set_id, []).append(workflow.id)
            counts = Counter(
                (s, c.workflow_id)
                for c in self.state.classifications(project_id=project_id)
                for s in c.subject_ids
            )
            rows = subject_rows(
                self.state.subjects(project_id=project_id), set_workflows, counts, self.media_url
            )
            data = to_csv(SUBJECT_COLUMNS, rows)
        else:
            classifications = self.state.classifications(project_id=project_id)
            wanted = {s for c in classifications for s in c.subject_ids}
            subjects = {s.id: s for s in self.state.subjects(ids=wanted, deleted=True)}
            workflows = {w.id: w for w in self.state.workflows(project_id)}
            logins = {u.id: u.login for u in self.state.users()}
            rows = classification_rows(classifications, workflows, subjects, logins, salt=self._salt)
            data = to_csv(CLASSIFICATION_COLUMNS, rows)
        return self.state.store_export(project_id, kind, data)

    def _download(self, request: Request, name: str, *, user: int | None) -> Response:
        if not self.signer.verify(request.path, request.query, "r"):
            return Response(403, AUTH_FAILED.encode(), "application/xml")
        export = next((e for e in self.state.exports() if e.name == name), None)
        if export is None:
            return Response.text("The specified blob does not exist.\n", status=404)
        served = ServedFile.from_bytes(export.data, content_type="text/csv", last_modified=export.created_at)
        return file_response(request, served)

    # -- accessors for tests -------------------------------------------------------

    def subjects(self, **filters: Any) -> list[Subject]:
        """Subjects with their media (filters of :meth:`PanoptesState.subjects`)."""
        return self.state.subjects(**filters)

    def subject_set(self, set_id: int) -> SubjectSet:
        return self.state.subject_set(set_id)

    def subject_sets(
        self, project_id: int | None = None, display_name: str | None = None
    ) -> list[SubjectSet]:
        return self.state.subject_sets(project_id, display_name)

    def media(self) -> list[Medium]:
        return self.state.media()

    def classifications(self, **filters: Any) -> list[Classification]:
        return self.state.classifications(**filters)

    def expire_tokens(self) -> int:
        """Expire every token issued so far (the next API write answers 401)."""
        return self.auth.expire()


def _matches(regex: re.Pattern[str], path: str) -> bool:
    return regex.fullmatch(path) is not None


def _json_body(request: Request) -> dict[str, Any]:
    if not request.body:
        return {}
    try:
        doc = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise PanoptesApiError(400, "the request body is not JSON") from None
    if not isinstance(doc, dict):
        raise PanoptesApiError(400, "the request body must be a JSON object")
    return doc


def _resource_body(request: Request, key: str) -> dict[str, Any]:
    body = _json_body(request).get(key)
    if isinstance(body, list) and len(body) == 1:
        body = body[0]
    if not isinstance(body, dict):
        raise PanoptesApiError(422, f"param is missing or the value is empty: {key}")
    return body


def _links(body: Mapping[str, Any]) -> dict[str, Any]:
    links = body.get("links")
    return links if isinstance(links, dict) else {}


def _int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise PanoptesApiError(422, f"not an id: {value!r}") from None


def _ids(values: Any) -> list[int]:
    if isinstance(values, (str, int)):
        values = [values]
    if not isinstance(values, list):
        raise PanoptesApiError(422, "expected a list of ids")
    return [i for i in (_int(v) for v in values) if i is not None]
