"""Errors raised by sdo-cutout's cutout jobs.

Every error derives from :class:`CutoutError` and from one of the categories of
:mod:`jet_store.errors`, so the command line maps it to an exit code: a request that
cannot work (bad parameters, no JSOC e-mail) is a :class:`~jet_store.errors.UserError`
(exit 1); a service that keeps failing or answers what it should not is a
:class:`~jet_store.errors.ServiceError` (exit 2). Messages say what to do.

Examples
--------
>>> from jet_store import ServiceError, UserError
>>> from sdo_cutout.errors import CutoutRequestError, CutoutServiceError, JsocStatusError
>>> isinstance(CutoutRequestError("fov must be > 0"), UserError)
True
>>> err = JsocStatusError("JSOC says the export is too large", status=3)
>>> isinstance(err, CutoutServiceError), err.status
(True, 3)
"""

from __future__ import annotations

from jet_store.errors import JetHunterError, ServiceError, UserError

__all__ = [
    "CutoutError",
    "CutoutRequestError",
    "CutoutServiceError",
    "CutoutUnavailable",
    "CutoutPermanentError",
    "SswAnswerError",
    "JsocAnswerError",
    "JsocStatusError",
    "JsocAddressError",
]


class CutoutError(JetHunterError):
    """Base class of every error raised by :mod:`sdo_cutout`'s cutout jobs."""


class CutoutRequestError(CutoutError, UserError, ValueError):
    """A cutout request that cannot be made: bad parameters, an event without a position,
    a missing JSOC e-mail, an unknown backend."""


class CutoutServiceError(CutoutError, ServiceError):
    """A cutout service failed or answered something that is not its protocol."""


class CutoutUnavailable(CutoutServiceError):
    """A service kept failing (timeouts, resets, 5xx, 429) after every retry.

    Attributes
    ----------
    attempts : int
        How many requests were made.
    reasons : tuple of str
        What went wrong on each attempt, oldest first.
    """

    def __init__(self, message: str, attempts: int = 0, reasons: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.reasons = reasons


class CutoutPermanentError(CutoutServiceError):
    """A request to a service failed in a way no retry will fix: a redirect loop, a
    redirect to a scheme other than http(s), a ``Location`` header that is not a URL.
    The stage marks the job ``failed`` with this message and goes on."""


class SswAnswerError(CutoutServiceError, ValueError):
    """An answer of the SSW cutout service that is not what its protocol promises
    (no ``JobID`` in the submit answer, a job id that is not a folder name)."""


class JsocAnswerError(CutoutServiceError, ValueError):
    """A JSOC answer that is not its JSON (an HTML outage page, a truncated or garbled body,
    JSON without the fields the protocol promises)."""


class JsocStatusError(CutoutServiceError):
    """JSOC answered a status that ends the request (3 too large, 5 expired, 4 for good, ...).

    Attributes
    ----------
    status : int or None
        The JSOC status code, when the answer had one.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class JsocAddressError(CutoutError, UserError):
    """The notification e-mail is not registered with JSOC (or is not an address).

    Register it at http://jsoc.stanford.edu/ajax/register_email.html and set
    ``JET_HUNTER_JSOC_EMAIL``.
    """
