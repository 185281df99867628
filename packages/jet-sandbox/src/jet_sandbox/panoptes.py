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
with its CSRF flow and Doorkeeper tokens (:mod:`jet_sandbox.panoptes_auth`,
:mod:`jet_sandbox.panoptes_devise`); under ``/api`` JSON-API resources
(:mod:`jet_sandbox.panoptes_api`, :mod:`jet_sandbox.panoptes_jsonapi`): ``me``, ``users``,
``projects`` (Solar Jet Hunter 11265, owned by the test user), ``workflows`` (18563
and 19650, every version from the real workflow export), ``subject_sets`` (create,
filter by ``project_id`` and ``display_name``, ``links/subjects``), ``subjects``
(create with media types -> signed PUT URLs; filters ``project_id``,
``subject_set_id``, ``upload_user_id``, ``id``/``ids``; PUT and DELETE with ``If-Match``;
``subjects/queued?workflow_id=`` for volunteers), ``set_member_subjects``,
``subject_workflow_statuses`` (counts, retirement at the workflow's count),
``classifications`` (what front ends POST, anonymous or not) and the three project
exports (:mod:`jet_sandbox.panoptes_exports`); the signed media uploads and reads
(:mod:`jet_sandbox.panoptes_media`). Faults: the server's plan for every route, plus
:class:`~jet_sandbox.panoptes_faults.PanoptesFaults` (per-route plans, lost answers of
writes, tokens expiring early).

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
import logging
import os
import re
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar, NamedTuple

from jet_sandbox.faults import Fault, FaultPlan, FaultSchedule
from jet_sandbox.panoptes_api import PanoptesApi
from jet_sandbox.panoptes_auth import PanoptesAuth, TokenRejected
from jet_sandbox.panoptes_blobs import BlobRoutes
from jet_sandbox.panoptes_devise import DeviseRoutes
from jet_sandbox.panoptes_export_api import ExportApi
from jet_sandbox.panoptes_faults import PanoptesFaults
from jet_sandbox.panoptes_jsonapi import (
    API_CONTENT_TYPE,
    PanoptesApiError,
    error_response,
)
from jet_sandbox.panoptes_media import (
    MAX_MEDIA_BYTES,
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
from jet_sandbox.panoptes_routes import ROUTE_PATTERNS, WRITE_METHODS, path_matches, route_of
from jet_sandbox.panoptes_state import PanoptesState
from jet_sandbox.server import Request, Response, Route, SandboxServer

__all__ = ["PanoptesServer", "LostAnswer"]

logger = logging.getLogger(__name__)

_FAULT_MESSAGES = {
    401: "You must be logged in to access this resource.",
    403: "You do not have access to this resource",
    404: "Not found",
    409: "Attempted to update a stale object: SubjectSet.",
    422: "Unprocessable entity",
    429: "Rate limit exceeded",
}


class LostAnswer(NamedTuple):
    """A write that was done but whose answer a ``lost`` fault replaced."""

    request: int
    """Number of the request in the server's run (its :attr:`LoggedRequest.index`)."""
    route: str
    """The route's name (``subjects``, ``links``, ...)."""
    fault: str
    """Spec of the fault that replaced the answer (``504:times=1``)."""


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
    media_root
        Folder for the uploaded media (for large uploads); None keeps them in memory.
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
    api : PanoptesApi
        The ``/api`` handlers.
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
        media_root: str | os.PathLike[str] | None = None,
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
            username=username,
            password=password,
            user_id=user_id,
            subject_limit=subject_limit,
            clock=clock,
            media_root=media_root,
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
        self.blobs = BlobRoutes(self.state, self.signer, max_media_bytes=max_media_bytes, clock=clock)
        self.devise = DeviseRoutes(self.auth, lambda user_id: self.api.user_doc(user_id, private=True))
        self.api = PanoptesApi(self.state, self.signer, lambda: self.base_url, clock=clock)
        self.export_api = ExportApi(
            self.state, self.signer, lambda: self.base_url, self.api.media_url, export_polls=export_polls
        )
        self.panoptes_faults = panoptes_faults or PanoptesFaults()
        self.clock = clock
        self._lost: list[LostAnswer] = []
        self._lost_schedules: dict[str, FaultSchedule] = {}
        self._expire_schedule: FaultSchedule | None = None

    # -- environment ---------------------------------------------------------------

    def environment(self) -> dict[str, str]:
        """``JET_HUNTER_PANOPTES_URL``, ``PANOPTES_ENDPOINT`` and ``PANOPTES_USERNAME``.

        The password is left out: it is never printed (set ``PANOPTES_PASSWORD`` yourself).
        """
        return {
            "JET_HUNTER_PANOPTES_URL": self.url,
            "PANOPTES_ENDPOINT": self.url,
            "PANOPTES_USERNAME": self.username,
        }

    # -- routes --------------------------------------------------------------------

    def routes(self) -> Sequence[Route]:
        """One route per name of :data:`~jet_sandbox.panoptes_faults.ROUTES`."""
        self._lost_schedules = {k: v.schedule() for k, v in self.panoptes_faults.lost.items()}
        expire = self.panoptes_faults.expire
        self._expire_schedule = None if expire is None else expire.schedule()
        handlers: dict[str, Callable[..., Response]] = {
            "sign_in": self.devise.sign_in,
            "token": self.devise.token,
            "me": self.api.me,
            "users": self.api.users,
            "exports": self.export_api.exports,
            "projects": self.api.projects,
            "workflows": self.api.workflows,
            "links": self.api.links,
            "subject_sets": self.api.subject_sets,
            "set_member_subjects": self.api.set_member_subjects,
            "subjects": self.api.subjects,
            "subject_workflow_statuses": self.api.statuses,
            "classifications": self.api.classifications,
            "uploads": self.blobs.upload,
            "media": self.blobs.media,
            "downloads": self.blobs.download,
        }
        routes = []
        for name, (regex, methods) in ROUTE_PATTERNS.items():
            plan = self.panoptes_faults.routes.get(name)
            if plan is not None and not plan.latency and self.fault_plan.latency:
                plan = plan.with_latency(self.fault_plan.latency)
            routes.append(
                Route(
                    name,
                    self._wrap(name, regex, handlers[name]),
                    methods=methods,
                    faults=plan,
                    match=functools.partial(path_matches, regex),
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
        return route_of(path)

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
            if (
                request.method in WRITE_METHODS
                and 200 <= response.status < 300
                and name in self._lost_schedules
            ):
                lost = self._lost_schedules[name].decide({"status"})
                if lost.response is not None:
                    with self._lock:
                        self._lost.append(LostAnswer(request.index, name, lost.response.spec()))
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
        strict = request.method in WRITE_METHODS or name == "me"
        if not strict:
            try:
                return self.auth.authenticate(header)
            except TokenRejected:
                return None
        schedule = self._expire_schedule
        if header and schedule is not None and schedule.decide({"status"}).response is not None:
            self.auth.expire(header.partition(" ")[2].strip())
        user = self.auth.authenticate(header)
        if request.method in WRITE_METHODS and request.body:
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

    # -- media ---------------------------------------------------------------------

    # -- exports -------------------------------------------------------------------

    def _fault_response(self, fault: Fault) -> Response:
        """4xx faults come from the API itself (JSON-API errors); 5xx ones from the gateway (HTML)."""
        if fault.kind == "status" and fault.code is not None and fault.code < 500:
            headers = [] if fault.seconds is None else [("Retry-After", f"{fault.seconds:g}")]
            return error_response(fault.code, _FAULT_MESSAGES.get(fault.code, "Error"), headers=headers)
        return super()._fault_response(fault)

    def media_url(self, key: str) -> str:
        """The public GET URL of a medium."""
        return self.api.media_url(key)

    def generate_export(self, project_id: int, kind: str) -> ExportFile:
        """Build the ``kind`` export of a project now (what ``generate=True`` asks for)."""
        return self.export_api.generate_export(project_id, kind)

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
        return self.state.media.all()

    def classifications(self, **filters: Any) -> list[Classification]:
        return self.state.book.classifications(**filters)

    def expire_tokens(self) -> int:
        """Expire every token issued so far (the next API write answers 401)."""
        return self.auth.expire()
