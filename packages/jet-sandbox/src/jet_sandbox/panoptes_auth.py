"""Sign-in and tokens of the Panoptes replica: Devise sessions with CSRF, Doorkeeper grants.

What the real panoptes-client (1.7) does, and what this module answers:

1. ``GET /users/sign_in`` (``Accept: application/json``): a session cookie
   (``_Panoptes_session``) and the headers ``X-CSRF-Param: authenticity_token`` and
   ``X-CSRF-Token``; the body is ``{"login": "/users/sign_in"}`` for JSON, or a sign-in
   page carrying ``<meta name="csrf-token">`` for browsers.
2. ``POST /users/sign_in`` with ``{"authenticity_token": ..., "user": {"login", "password"}}``
   (or the token in an ``X-CSRF-Token`` header): 200 and the user, and the session is
   signed in; a token that does not belong to the session is refused (422), a bad
   password answers 401 ``{"error": "Invalid login or password."}``.
3. ``POST /oauth/token`` (form or JSON) with ``grant_type=password`` and the session
   cookie (or ``login``/``password``) issues a bearer token: ``{"access_token",
   "token_type": "Bearer", "expires_in", "refresh_token", "scope", "created_at"}``;
   ``grant_type=refresh_token`` trades a refresh token (single use: a second use, as
   two threads refreshing at once do, answers 400 ``invalid_grant``) for a new pair.
4. API requests carry ``Authorization: Bearer ...``; an expired or unknown token is
   answered 401 with an empty body and a ``WWW-Authenticate`` header, as Doorkeeper
   does (the client then fails on ``None``).

Examples
--------
>>> auth = PanoptesAuth(lambda login, password: 7 if (login, password) == ("ann", "pw") else None,
...                     token_lifetime=60, clock=lambda: 1000.0)
>>> session, csrf = auth.new_session()
>>> auth.sign_in(session, csrf, "ann", "pw")
7
>>> grant = auth.grant({"grant_type": "password", "client_id": "x"}, session)
>>> grant["expires_in"], auth.authenticate("Bearer " + grant["access_token"])
(60, 7)
>>> auth.grant({"grant_type": "refresh_token", "refresh_token": "nope", "client_id": "x"}, None)["error"]
'invalid_grant'
"""

from __future__ import annotations

import dataclasses
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from jet_sandbox.panoptes_jsonapi import PanoptesApiError

__all__ = ["PanoptesAuth", "TokenRejected", "Grant", "SCOPES", "SESSION_COOKIE"]

SESSION_COOKIE = "_Panoptes_session"
"""Name of the Devise session cookie."""
SCOPES = "public user project group collection classification subject medium organization translation"
"""The scopes a password grant receives."""

_INVALID_GRANT = (
    "The provided authorization grant is invalid, expired, revoked, does not match the redirection "
    "URI used in the authorization request, or was issued to another client."
)


class TokenRejected(PanoptesApiError):
    """A bearer token that is unknown, revoked or expired (answered 401, empty body).

    Attributes
    ----------
    challenge
        The ``WWW-Authenticate`` header value.
    """

    def __init__(self, description: str) -> None:
        super().__init__(401, description)
        self.challenge = f'Bearer realm="Panoptes", error="invalid_token", error_description="{description}"'


@dataclasses.dataclass(frozen=True, slots=True)
class Grant:
    """One access token issued by the replica."""

    access_token: str
    refresh_token: str
    user_id: int
    issued: float
    expires: float


@dataclasses.dataclass(slots=True)
class _Session:
    csrf: str
    user_id: int | None = None


class PanoptesAuth:
    """Sessions, CSRF tokens and bearer tokens (thread-safe).

    Parameters
    ----------
    check_password
        ``(login, password) -> user id or None``.
    token_lifetime
        Seconds an access token lives (Panoptes: 7200); ``expires_in`` says the same
        unless ``advertised_lifetime`` is given.
    advertised_lifetime
        What ``expires_in`` announces, when it differs from the true lifetime (tokens
        that expire earlier than the client believes).
    clock
        Returns the current POSIX time (tests move it forward).
    """

    def __init__(
        self,
        check_password: Callable[[str, str], int | None],
        *,
        token_lifetime: float = 7200.0,
        advertised_lifetime: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.check_password = check_password
        self.token_lifetime = float(token_lifetime)
        self.advertised_lifetime = advertised_lifetime
        self.clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, _Session] = {}
        self._tokens: dict[str, Grant] = {}
        self._refresh: dict[str, int] = {}
        self._expired_early: set[str] = set()

    # -- Devise --------------------------------------------------------------------

    def new_session(self, session_id: str | None = None) -> tuple[str, str]:
        """``(session id, csrf token)``: the existing session's, or a new one."""
        with self._lock:
            if session_id is not None and session_id in self._sessions:
                return session_id, self._sessions[session_id].csrf
            sid = secrets.token_hex(16)
            self._sessions[sid] = _Session(secrets.token_urlsafe(32))
            return sid, self._sessions[sid].csrf

    def sign_in(self, session_id: str | None, csrf: str | None, login: str, password: str) -> int:
        """Sign the session in; return the user id.

        Raises
        ------
        PanoptesApiError
            422 when the CSRF token is missing or not the session's; 401 for a bad login.
        """
        with self._lock:
            session = self._sessions.get(session_id or "")
            if session is None or not csrf or not secrets.compare_digest(session.csrf, csrf):
                raise PanoptesApiError(422, "Can't verify CSRF token authenticity.")
        user_id = self.check_password(login, password)
        if user_id is None:
            raise PanoptesApiError(401, "Invalid login or password.")
        with self._lock:
            session.user_id = user_id
            session.csrf = secrets.token_urlsafe(32)  # Devise rotates the token on sign-in
        return user_id

    def session_user(self, session_id: str | None) -> int | None:
        """The user a session is signed in as."""
        with self._lock:
            session = self._sessions.get(session_id or "")
            return None if session is None else session.user_id

    def csrf_of(self, session_id: str) -> str:
        """The session's current CSRF token."""
        with self._lock:
            return self._sessions[session_id].csrf

    # -- Doorkeeper ----------------------------------------------------------------

    def grant(self, params: Mapping[str, str], session_id: str | None) -> dict[str, Any]:
        """Answer ``POST /oauth/token``: a token document, or ``{"error", "error_description"}``."""
        kind = params.get("grant_type", "")
        if not params.get("client_id"):
            return {"error": "invalid_client", "error_description": "Client authentication failed."}
        if kind == "password":
            login, password = params.get("login"), params.get("password")
            user = self.check_password(login, password or "") if login else self.session_user(session_id)
            if user is None:
                return {"error": "invalid_grant", "error_description": _INVALID_GRANT}
            return self._issue(user)
        if kind == "refresh_token":
            with self._lock:
                user_id = self._refresh.pop(params.get("refresh_token", ""), None)
            if user_id is None:
                return {"error": "invalid_grant", "error_description": _INVALID_GRANT}
            return self._issue(user_id)
        return {
            "error": "unsupported_grant_type",
            "error_description": "The authorization grant type is not supported by the authorization server.",
        }

    def _issue(self, user_id: int) -> dict[str, Any]:
        now = self.clock()
        grant = Grant(
            secrets.token_urlsafe(48), secrets.token_urlsafe(32), user_id, now, now + self.token_lifetime
        )
        with self._lock:
            self._tokens[grant.access_token] = grant
            self._refresh[grant.refresh_token] = user_id
        advertised = self.token_lifetime if self.advertised_lifetime is None else self.advertised_lifetime
        return {
            "access_token": grant.access_token,
            "token_type": "Bearer",
            "expires_in": int(advertised) if float(advertised).is_integer() else advertised,
            "refresh_token": grant.refresh_token,
            "scope": SCOPES,
            "created_at": int(now),
        }

    def authenticate(self, authorization: str | None) -> int | None:
        """The user id of a bearer token; None without one.

        Raises
        ------
        TokenRejected
            For an unknown, revoked or expired token.
        """
        if not authorization:
            return None
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        token = token.strip()
        with self._lock:
            grant = self._tokens.get(token)
            early = token in self._expired_early
        if grant is None:
            raise TokenRejected("The access token is invalid")
        if early or self.clock() >= grant.expires:
            raise TokenRejected("The access token expired")
        return grant.user_id

    def expire(self, token: str | None = None) -> int:
        """Make ``token`` (or every token issued so far) expired now; return how many."""
        with self._lock:
            chosen = [token] if token is not None else list(self._tokens)
            known = [t for t in chosen if t in self._tokens]
            self._expired_early.update(known)
            return len(known)

    @property
    def grants(self) -> list[Grant]:
        """Every access token issued, oldest first."""
        with self._lock:
            return sorted(self._tokens.values(), key=lambda g: g.issued)
