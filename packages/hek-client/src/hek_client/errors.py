"""Errors raised by hek-client.

Every error derives from :class:`HekError` and from one of the categories of
:mod:`jet_store.errors`, so the command line maps it to an exit code: a query that
cannot work is a :class:`~jet_store.errors.UserError` (exit 1), a HEK that keeps
failing is a :class:`~jet_store.errors.ServiceError` (exit 2).

Examples
--------
>>> from jet_store import ServiceError, UserError
>>> from hek_client.errors import HekQueryError, HekUnavailable
>>> isinstance(HekUnavailable("HEK is down"), ServiceError)
True
>>> isinstance(HekQueryError("bad operator"), UserError)
True
"""

from __future__ import annotations

from jet_store.errors import JetHunterError, ServiceError, UserError

__all__ = ["HekError", "HekQueryError", "HekRejected", "HekUnavailable", "TooManyPages", "BadAnswer"]


class HekError(JetHunterError):
    """Base class of every error raised by :mod:`hek_client`."""


class HekQueryError(HekError, UserError, ValueError):
    """The query cannot be sent: bad time range, box, operator or window."""


class HekRejected(HekError, UserError):
    """HEK refused the request (HTTP 4xx other than 429): a wrong URL or parameter.

    Attributes
    ----------
    status_code : int
        The HTTP status HEK answered with.
    """

    def __init__(self, message: str, status_code: int = 0) -> None:
        super().__init__(message)
        self.status_code = status_code


class HekUnavailable(HekError, ServiceError):
    """HEK kept failing (timeouts, resets, 5xx, 429, HTML or broken JSON) after every retry.

    Attributes
    ----------
    attempts : int
        How many requests were made for the page that failed.
    reasons : tuple of str
        What went wrong on each attempt, oldest first.
    """

    def __init__(self, message: str, attempts: int = 0, reasons: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.reasons = reasons


class TooManyPages(HekError, UserError):
    """One time window needed more pages than the client's page cap allows.

    Narrow the query, use shorter windows, larger pages or a larger ``max_pages``.
    """


class BadAnswer(HekError, ServiceError, ValueError):
    """One HEK answer is not a HEK search result (HTML, broken JSON, JSON without ``result``).

    The client retries such answers and raises :class:`HekUnavailable` when they persist.

    Attributes
    ----------
    kind : str
        ``"html"`` (an HTML page, typically an outage notice), ``"json"`` (not JSON:
        truncated or garbled) or ``"shape"`` (JSON, but not ``{"result": [...]}``).
    """

    def __init__(self, message: str, kind: str = "json") -> None:
        super().__init__(message)
        self.kind = kind
