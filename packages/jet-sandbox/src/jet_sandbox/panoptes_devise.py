"""The Devise and Doorkeeper endpoints of the Panoptes replica: ``/users/sign_in``, ``/oauth/token``.

HTTP shapes of the flow described in :mod:`jet_sandbox.panoptes_auth`: the session
cookie, the ``X-CSRF-Param``/``X-CSRF-Token`` headers, the sign-in page's
``<meta name="csrf-token">``, the user answered on sign-in, and Doorkeeper's token and
error documents (400 ``invalid_grant``, 401 ``invalid_client``), form-encoded or JSON.

Examples
--------
>>> from jet_sandbox.panoptes_auth import PanoptesAuth
>>> routes = DeviseRoutes(PanoptesAuth(lambda login, password: None), lambda user_id: {"id": str(user_id)})
>>> page = routes.sign_in(Request("GET", "/users/sign_in", {}, {"Accept": "application/json"}), user=None)
>>> page.body, sorted(name for name, _ in page.headers)
(b'{"login": "/users/sign_in"}', ['Set-Cookie', 'X-CSRF-Param', 'X-CSRF-Token'])
"""

from __future__ import annotations

from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from jet_sandbox.panoptes_auth import SESSION_COOKIE, PanoptesAuth
from jet_sandbox.panoptes_jsonapi import PanoptesApiError, json_body
from jet_sandbox.server import Request, Response

__all__ = ["DeviseRoutes", "session_of"]

_SIGN_IN_PAGE = """<!DOCTYPE html>
<html><head><title>Zooniverse</title>
<meta name="csrf-param" content="authenticity_token" />
<meta name="csrf-token" content="{token}" />
</head><body><form action="/users/sign_in" method="post">
<input type="text" name="user[login]"><input type="password" name="user[password]">
</form></body></html>
"""


def session_of(request: Request) -> str | None:
    """The Devise session id the request's cookie carries, if any.

    Examples
    --------
    >>> session_of(Request("GET", "/", {}, {"Cookie": "a=b; _Panoptes_session=abc"}))
    'abc'
    """
    cookie: SimpleCookie = SimpleCookie()
    try:
        cookie.load(request.header("Cookie") or "")
    except Exception:  # a malformed cookie header is no session
        return None
    morsel = cookie.get(SESSION_COOKIE)
    return None if morsel is None else morsel.value


class DeviseRoutes:
    """Answers the sign-in and token endpoints.

    Parameters
    ----------
    auth
        Sessions and tokens.
    user_doc
        The signed-in user's JSON (private attributes included) from an id.
    """

    def __init__(self, auth: PanoptesAuth, user_doc: Callable[[int], dict[str, Any]]) -> None:
        self.auth = auth
        self.user_doc = user_doc

    def sign_in(self, request: Request, *, user: int | None) -> Response:
        """``GET``: a session and its CSRF token; ``POST``: sign the session in."""
        session, csrf = self.auth.new_session(session_of(request))
        headers = [("Set-Cookie", f"{SESSION_COOKIE}={session}; path=/; HttpOnly; SameSite=Lax")]
        if request.method == "GET":
            headers += [("X-CSRF-Param", "authenticity_token"), ("X-CSRF-Token", csrf)]
            if "json" in (request.header("Accept") or ""):
                return Response.json({"login": "/users/sign_in"}, headers=headers)
            return Response.html(_SIGN_IN_PAGE.format(token=csrf), headers=headers)
        doc = json_body(request)
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
        me = self.user_doc(user_id)
        return Response.json({"users": [me], "links": {}, "meta": {}}, headers=headers)

    def token(self, request: Request, *, user: int | None) -> Response:
        """``POST /oauth/token``: a bearer token, or Doorkeeper's error document."""
        kind = (request.header("Content-Type") or "").split(";")[0].strip()
        if kind == "application/json":
            params = {k: str(v) for k, v in json_body(request).items()}
        else:
            parsed = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
            params = {k: v[0] for k, v in parsed.items()}
        doc = self.auth.grant(params, session_of(request))
        status = 200 if "access_token" in doc else 401 if doc["error"] == "invalid_client" else 400
        return Response.json(
            doc, status=status, headers=[("Cache-Control", "no-store"), ("Pragma", "no-cache")]
        )
