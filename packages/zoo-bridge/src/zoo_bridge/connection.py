"""One authenticated Panoptes connection through the real panoptes-client, made safe.

:class:`PanoptesConnection` signs in with ``panoptes_client.Panoptes.connect(username=,
password=, endpoint=)`` and sends every API call through that client's
``http_request`` (its session, headers and bearer token), but not through the client's
own retry paths, because of what they do wrong under faults (panoptes-client 1.7, read
from its source):

* the ``requests`` session has no timeout, so a hung server hangs the upload: every
  call here has one (a session adapter that sets connect and read timeouts);
* ``Subject.save()`` retries a POST whose answer was lost and so makes duplicates:
  here a create is sent once and a lost answer is reported as :class:`AnswerLost`, for
  the caller to look up what it created (:mod:`zoo_bridge.upload`);
* an expired token answers an empty 401 that ``json_request`` returns as ``None``,
  and concurrent threads refresh the token at once (``KeyError: 'access_token'``):
  here the token is refreshed under one lock before it comes near its expiry
  (:attr:`PanoptesConfig.refresh_margin`, longer than the client's own 2-minute
  buffer, so the client never refreshes by itself), and a 401 refreshes it once and retries;
* 5xx answers, 409 conflicts, 429 and connection resets are retried with jittered
  backoff (:class:`jet_store.retry.RetryPolicy` through tenacity), honouring ``Retry-After``.

The configuration, the answers and what their statuses mean are in
:mod:`zoo_bridge.connection_terms` (re-exported here).

Credentials come from the caller (the CLI reads ``PANOPTES_USERNAME`` /
``PANOPTES_PASSWORD`` from the environment) and are never logged.

Examples
--------
>>> cfg = PanoptesConfig(endpoint="http://127.0.0.1:1", username="u", password="p")
>>> cfg
PanoptesConfig(endpoint='http://127.0.0.1:1', timeout=(10.0, 60.0), refresh_margin=300.0)
>>> status_of("Received HTTP status code 504 from API")
504
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from jet_store.retry import Transient, is_transient_status, parse_retry_after

from zoo_bridge.connection_terms import Answer, AnswerLost, PanoptesConfig, checked_answer, status_of
from zoo_bridge.errors import PanoptesAuthError, PanoptesError, PanoptesUnavailable

__all__ = ["PanoptesConfig", "PanoptesConnection", "AnswerLost", "Answer", "status_of"]

logger = logging.getLogger(__name__)


def _client_class(timeout: tuple[float, float]) -> Any:
    """A ``Panoptes`` subclass whose session times out every call (mounted before sign-in)."""
    from panoptes_client import Panoptes
    from requests.adapters import HTTPAdapter

    class _TimeoutAdapter(HTTPAdapter):
        def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
            if kwargs.get("timeout") is None:
                kwargs["timeout"] = timeout
            return super().send(request, *args, **kwargs)

    class TimedPanoptes(Panoptes):  # type: ignore[misc]
        def login(self, username: Any = None, password: Any = None) -> Any:
            if not getattr(self, "_jh_mounted", False):
                adapter = _TimeoutAdapter(pool_maxsize=128)
                self.session.mount("http://", adapter)
                self.session.mount("https://", adapter)
                self._jh_mounted = True
            return super().login(username, password)

    return TimedPanoptes


def _transient_exceptions() -> tuple[type[BaseException], ...]:
    import requests

    return (requests.ConnectionError, requests.Timeout)


class PanoptesConnection:
    """A signed-in Panoptes client with timeouts, retries and a token lock (see the module doc).

    Use :meth:`connect` once; then :meth:`request`, :meth:`create`, :meth:`pages`,
    :meth:`put_media` and :meth:`media_sha256` from any number of threads.
    """

    def __init__(self, config: PanoptesConfig) -> None:
        self.config = config
        self.client: Any = None
        self._token_lock = threading.Lock()
        self.refreshes = 0

    # ------------------------------------------------------------------ sign-in

    def connect(self) -> PanoptesConnection:
        """Sign in (Devise session, then a bearer token).

        Raises
        ------
        PanoptesAuthError
            Missing or refused credentials.
        PanoptesUnavailable
            The service cannot be reached after the retries.
        """
        if not (self.config.username and self.config.password):
            raise PanoptesAuthError(
                "Panoptes credentials missing: set PANOPTES_USERNAME and PANOPTES_PASSWORD in the environment"
            )
        from panoptes_client.panoptes import PanoptesAPIException

        cls = _client_class(self.config.timeout)

        def sign_in() -> Any:
            try:
                return cls.connect(
                    username=self.config.username,
                    password=self.config.password,
                    endpoint=self.config.endpoint,
                )
            except PanoptesAPIException as err:
                status = status_of(str(err))
                if status is not None and is_transient_status(status):
                    raise Transient(str(err)) from err
                raise PanoptesAuthError(
                    f"Panoptes refused the sign-in as {self.config.username!r}: {err}"
                ) from None
            except _transient_exceptions() as err:
                raise Transient(f"cannot reach {self.config.endpoint}: {type(err).__name__}") from err
            except (KeyError, ValueError) as err:  # no CSRF header, HTML instead of JSON
                raise Transient(f"unexpected sign-in answer from {self.config.endpoint}: {err!r}") from err

        self.client = self._retrying(sign_in, f"sign in to {self.config.endpoint}")
        with self._token_lock:
            self._refresh_locked(force=False)
        return self

    @property
    def user_id(self) -> int:
        """The signed-in user's id."""
        return int(self._require().logged_in_user_id)

    def _require(self) -> Any:
        if self.client is None:
            raise PanoptesError("not connected; call connect() first")
        return self.client

    # ------------------------------------------------------------------ tokens

    def _refresh_locked(self, *, force: bool) -> None:
        client = self._require()
        expires = getattr(client, "bearer_expires", None)
        soon = datetime.now() + timedelta(seconds=self.config.refresh_margin)
        if not force and client.bearer_token and expires is not None and expires > soon:
            return
        if client.bearer_token is not None:
            client.bearer_expires = datetime.now() - timedelta(seconds=1)  # make the client refresh
        try:
            client.get_bearer_token()
        except Exception as err:  # refresh refused or garbled: sign in again, then a fresh token
            logger.info("token refresh failed (%s); signing in again", type(err).__name__)
            client.bearer_token = None
            client.refresh_token = None
            client.logged_in = False
            client.login()
            client.get_bearer_token()
        self.refreshes += 1

    def _ensure_token(self) -> str | None:
        client = self._require()
        with self._token_lock:
            self._refresh_locked(force=False)
            token: str | None = client.bearer_token
            return token

    def _expired(self, used: str | None) -> None:
        client = self._require()
        with self._token_lock:
            if client.bearer_token == used:  # nobody refreshed it since this request was sent
                self._refresh_locked(force=True)

    # ------------------------------------------------------------------ requests

    def _retrying(self, call: Any, what: str) -> Any:
        import tenacity

        policy = self.config.retry
        try:
            for attempt in tenacity.Retrying(
                stop=tenacity.stop_after_attempt(policy.attempts),
                wait=policy.wait,
                retry=tenacity.retry_if_exception_type(Transient),
                reraise=True,
            ):
                with attempt:
                    return call()
        except Transient as err:
            raise PanoptesUnavailable(f"{what}: {err.reason} (after {policy.attempts} attempts)") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        json: Any,
        etag: str | None,
        *,
        idempotent: bool,
    ) -> Answer:
        from panoptes_client.panoptes import PanoptesAPIException

        client = self._require()
        used = self._ensure_token()
        try:
            response = client.http_request(
                method, path, params=dict(params or {}), json=json, etag=etag, retry=False
            )
        except PanoptesAPIException as err:  # the client raises on 5xx
            if not idempotent:
                raise AnswerLost(f"{method} {path}: {err}") from None
            raise Transient(f"{method} {path}: {err}") from None
        except _transient_exceptions() as err:
            if not idempotent:
                raise AnswerLost(f"{method} {path}: {type(err).__name__}") from None
            raise Transient(f"{method} {path}: {type(err).__name__}") from None
        status = int(response.status_code)
        if status == 401:
            self._expired(used)
            raise Transient(f"{method} {path}: 401, token refreshed")
        if status in (409, 429) or is_transient_status(status):
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise Transient(f"{method} {path}: HTTP {status}", retry_after)
        body: Any = None
        if response.content:
            try:
                body = response.json()
            except ValueError:
                if not idempotent:
                    raise AnswerLost(f"{method} {path}: answer is not JSON") from None
                raise Transient(f"{method} {path}: answer is not JSON") from None
        return Answer(status, body, response.headers.get("ETag"))

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        etag: str | None = None,
        ok: tuple[int, ...] = (200, 201, 204),
    ) -> Answer:
        """An API call that is safe to repeat (GET, PUT/DELETE with If-Match, a link).

        Transient failures are retried; an answer outside ``ok`` raises
        :class:`PanoptesNotFound` (404), :class:`PanoptesAuthError` (403) or
        :class:`PanoptesError` (others), carrying the API's error message.
        """
        answer: Answer = self._retrying(
            lambda: self._send(method, path, params, json, etag, idempotent=True), f"{method} {path}"
        )
        return checked_answer(method, path, answer, ok)

    def create(self, path: str, json: Any, *, ok: tuple[int, ...] = (200, 201)) -> Answer:
        """A POST that creates something: sent until the server answers, never repeated after
        it may have acted. A lost answer (5xx, reset, timeout) raises :class:`AnswerLost`;
        401, 409 and 429 (refused before acting) are retried."""
        answer: Answer = self._retrying(
            lambda: self._send("POST", path, None, json, None, idempotent=False), f"POST {path}"
        )
        return checked_answer("POST", path, answer, ok)

    def pages(
        self, path: str, kind: str, params: Mapping[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every resource of a listing, page after page (``meta.<kind>.next_href``)."""
        query: dict[str, Any] = {"page_size": 100, **(params or {})}
        next_path: str | None = path
        while next_path:
            answer = self.request("GET", next_path, params=query)
            body = answer.body or {}
            yield from body.get(kind, [])
            href = ((body.get("meta") or {}).get(kind) or {}).get("next_href")
            if not href:
                break
            parts = urlsplit(href)
            next_path = parts.path.removeprefix("/api")
            query = dict(parse_qsl(parts.query))

    # ------------------------------------------------------------------ media

    def put_media(self, url: str, data: bytes, mime: str) -> None:
        """PUT one file to its signed URL (retried; the client would drop a failure silently)."""

        def put() -> None:
            session = self._require().session
            try:
                response = session.put(
                    url, data=data, headers={"Content-Type": mime, "x-ms-blob-type": "BlockBlob"}
                )
            except _transient_exceptions() as err:
                raise Transient(f"media PUT: {type(err).__name__}") from None
            if response.status_code >= 400:
                raise Transient(
                    f"media PUT: HTTP {response.status_code}",
                    parse_retry_after(response.headers.get("Retry-After")),
                )

        self._retrying(put, "media upload")

    def media_sha256(self, url: str) -> str | None:
        """SHA-256 of what a media URL serves, or None when it serves nothing (404, empty)."""

        def get() -> str | None:
            session = self._require().session
            try:
                response = session.get(url)
            except _transient_exceptions() as err:
                raise Transient(f"media GET: {type(err).__name__}") from None
            if response.status_code in (403, 404) or (response.status_code == 200 and not response.content):
                return None
            if response.status_code >= 400:
                raise Transient(f"media GET: HTTP {response.status_code}")
            return hashlib.sha256(response.content).hexdigest()

        result: str | None = self._retrying(get, "media check")
        return result
