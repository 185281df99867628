"""Retry timing shared by every jet-hunter client (HEK, SSW, JSOC, downloads).

It lives here, in the package every client depends on, so the policy is written once:
jittered exponential backoff ("full jitter") that gives way to the server's
``Retry-After``. The clients run it through tenacity (``wait=policy.wait``); nothing
here imports tenacity or an HTTP library.

Examples
--------
>>> from jet_store.retry import RetryPolicy, parse_retry_after
>>> policy = RetryPolicy(attempts=3, base_delay=0.5, max_delay=4.0)
>>> 0.0 <= policy.backoff(3) <= 2.0
True
>>> policy.delay(2, retry_after=7.0) >= 7.0
True
>>> parse_retry_after("120")
120.0
>>> is_transient_status(503), is_transient_status(404)
(True, False)
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from jet_store.errors import UserError

__all__ = ["RetryPolicy", "Transient", "InvalidRetryPolicy", "parse_retry_after", "is_transient_status"]


class InvalidRetryPolicy(UserError, ValueError):
    """Retry settings that cannot work (no attempts, negative delays)."""


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds, fractions allowed, or an HTTP date).

    Examples
    --------
    >>> parse_retry_after("3"), parse_retry_after("0.25"), parse_retry_after(None), parse_retry_after("soon")
    (3.0, 0.25, None, None)
    >>> parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT",
    ...                   now=datetime(2015, 10, 21, 7, 28, tzinfo=timezone.utc))
    10.0
    """
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if seconds == seconds and seconds != float("inf") else None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


def is_transient_status(code: int) -> bool:
    """Whether an HTTP status is worth retrying: 408, 429 and every 5xx.

    Other 4xx answers say the request itself is wrong and will fail again; 1xx-3xx
    are not failures.

    Examples
    --------
    >>> [c for c in (200, 302, 400, 404, 408, 429, 500, 502, 503, 599) if is_transient_status(c)]
    [408, 429, 500, 502, 503, 599]
    """
    return code in (408, 429) or 500 <= code <= 599


class Transient(Exception):
    """One failed attempt worth retrying; ``retry_after`` is what the server asked for (s)."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry one request.

    Parameters
    ----------
    attempts : int
        Requests before giving up (the first included).
    base_delay : float
        Backoff scale in s: attempt ``n`` waits a random time in
        ``[0, base_delay * 2**(n-1)]`` ("full jitter"), at most ``max_delay``.
    max_delay : float
        Longest backoff in s.
    max_retry_after : float
        Longest wait in s that a ``Retry-After`` header can impose; longer is cut to this.

    Examples
    --------
    >>> RetryPolicy(attempts=3, base_delay=0.001)
    RetryPolicy(attempts=3, base_delay=0.001, max_delay=60.0, max_retry_after=120.0)
    """

    attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 60.0
    max_retry_after: float = 120.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise InvalidRetryPolicy(f"attempts must be >= 1, not {self.attempts}")
        if not all(d >= 0 for d in (self.base_delay, self.max_delay, self.max_retry_after)):  # NaN too
            raise InvalidRetryPolicy("retry delays must be numbers >= 0")

    def backoff(self, attempt: int) -> float:
        """A random wait after failed attempt number ``attempt`` (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** max(0, attempt - 1))
        return random.uniform(0.0, ceiling)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """The wait after attempt ``attempt``: the server's ``Retry-After`` when given.

        A little jitter is added to ``Retry-After`` so that clients told the same
        time do not all come back in step.
        """
        if retry_after is not None:
            return min(float(retry_after), self.max_retry_after) + random.uniform(0.0, self.base_delay / 10)
        return self.backoff(attempt)

    def wait(self, retry_state: Any) -> float:
        """A tenacity ``wait`` callback: the failure's ``retry_after`` attribute, else backoff."""
        outcome = retry_state.outcome
        err = outcome.exception() if outcome is not None else None
        return self.delay(retry_state.attempt_number, getattr(err, "retry_after", None))
