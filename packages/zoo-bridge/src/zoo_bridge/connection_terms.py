"""What a Panoptes connection is set up with and what its answers mean (pure, no I/O).

:class:`PanoptesConfig` (where, credentials, timeouts, retries), :class:`Answer` (one HTTP
answer), :class:`AnswerLost`, and the reading of statuses and error bodies that
:class:`~zoo_bridge.connection.PanoptesConnection` raises from.

Examples
--------
>>> checked_answer("GET", "/projects", Answer(200, {"projects": []}, None), ok=(200,)).status
200
>>> error_message({"errors": [{"message": "Validation failed"}, "stale"]})
'Validation failed; stale'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from jet_store.retry import RetryPolicy

from zoo_bridge.errors import PanoptesAuthError, PanoptesError, PanoptesNotFound

__all__ = ["PanoptesConfig", "Answer", "AnswerLost", "status_of", "checked_answer", "error_message"]

_STATUS = re.compile(r"status code (\d{3})")
_DEFAULT_RETRY = RetryPolicy(attempts=8, base_delay=0.2, max_delay=10.0)


def status_of(message: str) -> int | None:
    """The HTTP status in a ``PanoptesAPIException`` message from the client, if any."""
    match = _STATUS.search(message)
    return int(match.group(1)) if match else None


class AnswerLost(PanoptesError):
    """A request that changes something got no usable answer (5xx, reset, timeout): it may
    or may not have been carried out. Raised instead of retrying, so the caller can look."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PanoptesConfig:
    """Where Panoptes is and how to talk to it.

    Parameters
    ----------
    endpoint
        The service root (``https://www.zooniverse.org``, or a replica's URL).
    username, password
        Credentials (not shown in ``repr``).
    timeout
        ``(connect, read)`` seconds for every HTTP call.
    retry
        Attempts and backoff for transient failures.
    refresh_margin
        Refresh the bearer token when it expires within this many seconds.
    """

    endpoint: str
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    timeout: tuple[float, float] = (10.0, 60.0)
    retry: RetryPolicy = field(default_factory=lambda: _DEFAULT_RETRY, repr=False)
    refresh_margin: float = 300.0


@dataclass(frozen=True)
class Answer:
    """One HTTP answer: status, JSON body (or None) and ETag."""

    status: int
    body: Any
    etag: str | None


def checked_answer(method: str, path: str, answer: Answer, ok: tuple[int, ...]) -> Answer:
    """``answer`` when its status is in ``ok``; else the error it means, with the API's message.

    Examples
    --------
    >>> checked_answer("GET", "/subjects/1", Answer(404, {"errors": [{"message": "gone"}]}, None), (200,))
    Traceback (most recent call last):
    ...
    zoo_bridge.errors.PanoptesNotFound: GET /subjects/1: not found (gone)
    """
    if answer.status in ok:
        return answer
    message = error_message(answer.body) or f"HTTP {answer.status}"
    if answer.status == 404:
        raise PanoptesNotFound(f"{method} {path}: not found ({message})")
    if answer.status == 403:
        raise PanoptesAuthError(f"{method} {path}: forbidden ({message})")
    error = PanoptesError(f"{method} {path}: HTTP {answer.status}: {message}")
    error.status = answer.status  # type: ignore[attr-defined]
    raise error


def error_message(body: Any) -> str | None:
    """The error message(s) of a Panoptes JSON error body, or None."""
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list):
            return "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors)
        if body.get("error"):
            return str(body["error"])
    return None
