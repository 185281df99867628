"""The terms of a claim: leases in seconds, keys as canonical text, and the stored claim.

Pure values, no database: :mod:`jet_store.claim_sql` holds the statements and
:mod:`jet_store.claims` the API built on both.

Examples
--------
>>> from jet_store.claim_terms import key_text, lease_seconds
>>> key_text((18563, "5.19")), lease_seconds(90)
('[18563,"5.19"]', 90.0)
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from jet_store.errors import ClaimLost, UserError
from jet_store.records import Record, record_type

__all__ = [
    "DEFAULT_LEASE",
    "Claim",
    "Kind",
    "Lease",
    "lease_seconds",
    "key_text",
    "key_value",
    "namespace_of",
    "check_limit",
    "refuse_lost",
    "chunks",
]

Kind = str | type[Record]
Lease = float | int | timedelta | Any  # Any: an astropy Quantity of time

DEFAULT_LEASE = 300.0
"""Seconds a claim lasts unless renewed (5 minutes)."""

#: keys per statement (5 bound values per claim row; SQLite allows 32766)
CHUNK = 500
#: longest lease accepted, in s (ten years): beyond this a "lease" is a mistake
_MAX_LEASE = 10 * 365.25 * 86400


def lease_seconds(lease: Lease) -> float:
    """A lease in seconds from seconds, a ``timedelta`` or an astropy ``Quantity`` of time.

    Examples
    --------
    >>> from datetime import timedelta
    >>> lease_seconds(90), lease_seconds(timedelta(minutes=2))
    (90.0, 120.0)
    >>> import astropy.units as u
    >>> lease_seconds(1.5 * u.min)
    90.0
    >>> lease_seconds(0)
    Traceback (most recent call last):
    ...
    jet_store.errors.UserError: a lease must be a positive number of seconds up to ten years, not 0
    """
    try:
        if isinstance(lease, timedelta):
            seconds = lease.total_seconds()
        elif hasattr(lease, "to_value"):  # astropy Quantity, without importing astropy
            seconds = float(lease.to_value("s"))
        else:
            seconds = float(lease)
    except (TypeError, ValueError, AttributeError) as err:
        raise UserError(f"a lease must be seconds, a timedelta or a time Quantity, not {lease!r}") from err
    except Exception as err:  # astropy's UnitConversionError and friends
        raise UserError(f"a lease must be a time, not {lease!r} ({err})") from err
    if not (0 < seconds <= _MAX_LEASE) or math.isnan(seconds):
        raise UserError(f"a lease must be a positive number of seconds up to ten years, not {lease!r}")
    return seconds


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat()
    raise TypeError(f"cannot use {value!r} in a claim key")


def key_text(key: Any) -> str:
    """A natural key (or any JSON-able work-item key) as canonical JSON text.

    Tuples (composite keys) become JSON arrays; the same key always gives the same text.

    Examples
    --------
    >>> key_text("ivo://x/1"), key_text((18563, "5.19"))
    ('"ivo://x/1"', '[18563,"5.19"]')
    """
    try:
        return json.dumps(
            list(key) if isinstance(key, tuple) else key,
            default=_default,
            ensure_ascii=False,
            allow_nan=False,
            separators=(",", ":"),
            sort_keys=True,
        )
    except (TypeError, ValueError) as err:
        raise UserError(f"cannot use {key!r} as a claim key: {err}") from None


def key_value(text: str) -> Any:
    """The key back from its text (JSON arrays as tuples).

    Examples
    --------
    >>> key_value('[18563,"5.19"]'), key_value('"ivo://x/1"')
    ((18563, '5.19'), 'ivo://x/1')
    """
    value = json.loads(text)
    return tuple(value) if isinstance(value, list) else value


def namespace_of(kind: Kind) -> str:
    """The claim namespace of a record type (its kind) or of any non-empty name.

    Examples
    --------
    >>> from jet_store import FitsFrame
    >>> namespace_of(FitsFrame), namespace_of("hek-windows")
    ('frames', 'hek-windows')
    """
    if isinstance(kind, type):
        return record_type(kind).kind
    text = str(kind)
    if not text:
        raise UserError("a claim namespace must not be empty")
    return text


@dataclass(frozen=True, slots=True)
class Claim:
    """One claim as stored: who holds which item until when.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> t = datetime(2026, 1, 1, tzinfo=timezone.utc)
    >>> c = Claim("cutouts", "job-1", "host:42", t, t)
    >>> c.expired(now=t), c.expired(now=datetime(2025, 1, 1, tzinfo=timezone.utc))
    (True, False)
    """

    kind: str
    key: Any
    owner: str
    claimed_at: datetime
    expires_at: datetime

    def expired(self, now: datetime | None = None) -> bool:
        """Whether the lease has run out at ``now`` (this machine's clock by default)."""
        return self.expires_at <= (now or datetime.now(timezone.utc))


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """``items`` in slices of ``size`` (one statement each).

    Examples
    --------
    >>> [list(c) for c in chunks([1, 2, 3], 2)]
    [[1, 2], [3]]
    """
    for start in range(0, len(items), size):
        yield items[start : start + size]


def check_limit(limit: int) -> int:
    """``limit`` if it is a whole number >= 0, else :class:`~jet_store.errors.UserError`.

    Examples
    --------
    >>> check_limit(3)
    3
    >>> check_limit(-1)
    Traceback (most recent call last):
    ...
    jet_store.errors.UserError: limit must be a whole number >= 0, not -1
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise UserError(f"limit must be a whole number >= 0, not {limit!r}")
    return limit


def refuse_lost(
    strict: bool, namespace: str, texts: Sequence[str], held: set[str], owner: str, what: str
) -> None:
    """With ``strict``, :class:`~jet_store.errors.ClaimLost` when ``owner`` does not hold
    every key of ``texts`` (``held`` are those it holds).

    Examples
    --------
    >>> refuse_lost(True, "frames", ['"a"'], {'"a"'}, "me", "renew")
    >>> refuse_lost(True, "frames", ['"a"', '"b"'], {'"a"'}, "me", "renew")
    Traceback (most recent call last):
    ...
    jet_store.errors.ClaimLost: cannot renew 1 frames claims that me does not hold: "b"
    """
    if not strict:
        return
    lost = [t for t in texts if t not in held]
    if lost:
        shown = ", ".join(lost[:5]) + (f" and {len(lost) - 5} more" if len(lost) > 5 else "")
        raise ClaimLost(
            f"cannot {what} {len(lost)} {namespace} claims that {owner} does not hold: {shown}",
            tuple(key_value(t) for t in lost),
        )
