"""Claims: leases that let several workers share one store without doing an item twice.

A worker *claims* up to N pending items for an *owner* (``host:pid`` by default) with a
lease; while it works it *renews* the lease, and when it is done it *releases* the items,
optionally setting their stage state in the same transaction. A lease that is not renewed
expires (a killed worker), and the next claimer takes the items over.

Design
------
Claims live in their own table ``claims(kind, key, owner, claimed_at, expires_at)``, not in
claim columns on every record table, because

* it works for every record kind, composite keys included (the key is stored as canonical
  JSON text: ``"ivo://x/1"``, ``[18563,"5.19"]``), and for work items that are not records
  yet, such as a HEK time window (:meth:`ClaimsMixin.claim_keys` with any namespace);
* :meth:`Store.add <jet_store.Store.add>` replaces whole record rows; claim columns there
  would be overwritten by every stage that re-adds a record;
* it stays small (only items being worked on; rows are deleted on release) and needs no
  change to the record schema when a new kind appears.

Taking a claim is one compare-and-set statement on both backends: ``INSERT ... ON CONFLICT
(kind, key) DO UPDATE ... WHERE claims.expires_at <= now RETURNING key`` inserts new claims
and takes over expired ones, and returns exactly the keys it won. On SQLite the claim runs
in one write transaction (``BEGIN IMMEDIATE``), so claimers are serialised. On PostgreSQL
the candidates are read with ``SELECT ... FOR NO KEY UPDATE SKIP LOCKED``, so concurrent
claimers pass over each other's rows instead of queueing for them, and the
compare-and-set decides any remaining race. Lease times come from the database server's
clock on PostgreSQL (``clock_timestamp()``), so workers on machines whose clocks differ
agree on when a lease expires.

Examples
--------
>>> from jet_store import Store, FitsFrame
>>> store = Store("sqlite://")
>>> _ = store.add([FitsFrame(url=f"http://x/{n}.fits") for n in range(3)])
>>> mine = store.claim("frames", owner="worker-a", limit=2, lease=60, state="pending")
>>> [frame.url for frame in mine]
['http://x/0.fits', 'http://x/1.fits']
>>> [frame.url for frame in store.claim("frames", owner="worker-b", limit=5, state="pending")]
['http://x/2.fits']
>>> store.release("frames", [f.url for f in mine], owner="worker-a", state="downloaded")
2
>>> [c.key for c in store.claims("frames")], store.count("frames", state="downloaded")
(['http://x/2.fits'], 2)
"""

from __future__ import annotations

import json
import logging
import math
import os
import socket
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, TypeVar, overload

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from jet_store.codec import from_row
from jet_store.errors import ClaimLost, StoreError, UserError
from jet_store.filters import Condition, build_select
from jet_store.records import Record, record_type
from jet_store.schema import UTCDateTime, claims_table, table_for

__all__ = ["Claim", "ClaimsMixin", "default_owner", "lease_seconds", "key_text", "DEFAULT_LEASE"]

log = logging.getLogger(__name__)

R = TypeVar("R", bound=Record)
Kind = str | type[Record]
Lease = float | int | timedelta | Any  # Any: an astropy Quantity of time

DEFAULT_LEASE = 300.0
"""Seconds a claim lasts unless renewed (5 minutes)."""

#: keys per statement (5 bound values per claim row; SQLite allows 32766)
_CHUNK = 500
#: compare-and-set rounds when another claimer won some candidates (PostgreSQL only)
_ROUNDS = 5
#: longest lease accepted, in s (ten years): beyond this a "lease" is a mistake
_MAX_LEASE = 10 * 365.25 * 86400


def default_owner() -> str:
    """The owner name of this process: ``host:pid``.

    Examples
    --------
    >>> import os
    >>> default_owner().endswith(f":{os.getpid()}")
    True
    """
    return f"{socket.gethostname()}:{os.getpid()}"


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


def _key_value(text: str) -> Any:
    value = json.loads(text)
    return tuple(value) if isinstance(value, list) else value


def _namespace(kind: Kind) -> str:
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


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _at(value: datetime) -> sa.BindParameter[datetime]:
    return sa.bindparam(None, value, type_=UTCDateTime())


class ClaimsMixin:
    """The claim methods of :class:`~jet_store.Store` (see the module docstring).

    Every method takes ``owner`` (:func:`default_owner` when None) and ``lease`` in
    seconds, as a ``timedelta`` or as an astropy ``Quantity``.
    """

    if TYPE_CHECKING:  # provided by Store

        @property
        def backend(self) -> str: ...

        def _connection(self, *, write: bool) -> AbstractContextManager[sa.Connection]: ...

        def set_state(self, kind: Kind, keys: Iterable[Any], state: str) -> int: ...

        @staticmethod
        def _key_clause(cls: type[Record], keys: Sequence[Any]) -> sa.ColumnElement[bool]: ...

    # -- helpers -------------------------------------------------------------------

    def _now(self, conn: sa.Connection) -> datetime:
        if self.backend == "postgresql":
            value: datetime = conn.execute(sa.select(sa.func.clock_timestamp())).scalar_one()
            return value.astimezone(timezone.utc)
        return datetime.now(timezone.utc)

    def _live(self, conn: sa.Connection, namespace: str, now: datetime) -> set[str]:
        c = claims_table.c
        rows = conn.execute(sa.select(c.key).where(c.kind == namespace, c.expires_at > _at(now)))
        return {row[0] for row in rows}

    def _compare_and_set(
        self,
        conn: sa.Connection,
        namespace: str,
        texts: Sequence[str],
        owner: str,
        now: datetime,
        lease: float,
    ) -> set[str]:
        """Claim these keys where free or expired, in one statement per chunk; the keys won."""
        if not texts:
            return set()
        expires = now + timedelta(seconds=lease)
        insert = postgresql.insert if self.backend == "postgresql" else sqlite.insert
        won: set[str] = set()
        for chunk in _chunks(sorted(texts)):  # one order for every claimer: no deadlocks
            values = insert(claims_table).values(
                [
                    {"kind": namespace, "key": t, "owner": owner, "claimed_at": now, "expires_at": expires}
                    for t in chunk
                ]
            )
            excluded = values.excluded
            stmt = values.on_conflict_do_update(
                index_elements=["kind", "key"],
                set_={
                    "owner": excluded.owner,
                    "claimed_at": excluded.claimed_at,
                    "expires_at": excluded.expires_at,
                },
                where=claims_table.c.expires_at <= _at(now),
            ).returning(claims_table.c.key)
            won.update(row[0] for row in conn.execute(stmt))
        return won

    def _records(self, conn: sa.Connection, cls: type[Record], keys: Sequence[Any]) -> list[Any]:
        """The records with these keys, in the order of ``keys``."""
        found: dict[Any, Record] = {}
        for chunk in _chunks(keys):
            rows = conn.execute(sa.select(table_for(cls)).where(self._key_clause(cls, chunk))).mappings()
            for row in rows:
                record = from_row(cls, row)
                found[record.key] = record
        return [found[key] for key in keys if key in found]

    def _held(self, conn: sa.Connection, namespace: str, texts: Sequence[str], owner: str) -> set[str]:
        c = claims_table.c
        held: set[str] = set()
        for chunk in _chunks(texts):
            stmt = sa.select(c.key).where(c.kind == namespace, c.owner == owner, c.key.in_(chunk))
            held.update(row[0] for row in conn.execute(stmt))
        return held

    # -- claiming --------------------------------------------------------------------

    @overload
    def claim(
        self,
        kind: type[R],
        *,
        owner: str | None = None,
        limit: int = 1,
        lease: Lease = DEFAULT_LEASE,
        where: Iterable[Condition] = (),
        order_by: str | Sequence[str] | None = None,
        **equal: Any,
    ) -> list[R]: ...
    @overload
    def claim(
        self,
        kind: str,
        *,
        owner: str | None = None,
        limit: int = 1,
        lease: Lease = DEFAULT_LEASE,
        where: Iterable[Condition] = (),
        order_by: str | Sequence[str] | None = None,
        **equal: Any,
    ) -> list[Record]: ...

    def claim(
        self,
        kind: Kind,
        *,
        owner: str | None = None,
        limit: int = 1,
        lease: Lease = DEFAULT_LEASE,
        where: Iterable[Condition] = (),
        order_by: str | Sequence[str] | None = None,
        **equal: Any,
    ) -> list[Any]:
        """Atomically take up to ``limit`` records that match and that nobody holds.

        ``where``, ``order_by`` and keyword equality tests select the pending items as
        in :meth:`~jet_store.Store.filter` (``state="pending"``); records claimed by any
        owner (this one included) with a lease not yet expired are passed over, and
        expired claims are taken over. Returns the records claimed, in ``order_by``
        order; an empty list when none is free.
        """
        cls = record_type(kind)
        table = table_for(cls)
        who = owner or default_owner()
        seconds = lease_seconds(lease)
        remaining = _check_limit(limit)
        where = list(where)
        claimed: list[Any] = []
        for _ in range(_ROUNDS):
            if remaining == 0:
                break
            with self._connection(write=True) as conn:
                now = self._now(conn)
                live = self._live(conn, cls.kind, now)
                stmt = build_select(cls, where, equal, order_by, remaining + len(live))
                stmt = stmt.with_only_columns(*(table.c[name] for name in cls.key_fields))
                if self.backend == "postgresql":
                    stmt = stmt.with_for_update(skip_locked=True, key_share=True)
                candidates: list[tuple[str, Any]] = []
                for row in conn.execute(stmt):
                    key = row[0] if len(row) == 1 else tuple(row)
                    text = key_text(key)
                    if text not in live:
                        candidates.append((text, key))
                candidates = candidates[:remaining]
                won = self._compare_and_set(conn, cls.kind, [t for t, _ in candidates], who, now, seconds)
                records = self._records(conn, cls, [key for text, key in candidates if text in won])
            claimed.extend(records)
            remaining -= len(won)
            if len(won) == len(candidates):  # nothing lost to another claimer: no more to find
                break
        log.debug("%s claimed %d %s", who, len(claimed), cls.kind)
        return claimed

    def claim_keys(
        self,
        namespace: Kind,
        candidate_keys: Iterable[Any],
        *,
        owner: str | None = None,
        limit: int | None = None,
        lease: Lease = DEFAULT_LEASE,
    ) -> list[Any]:
        """Atomically take up to ``limit`` of these keys that nobody holds, in their order.

        For work items that are not records (yet): a HEK time window, a file name. The
        ``namespace`` is any name (a record kind, or ``"hek-windows"``); keys are JSON
        values or tuples of them (datetimes allowed). Returns the keys claimed.

        Examples
        --------
        >>> from jet_store import Store
        >>> store = Store("sqlite://")
        >>> windows = ["2010-06-01/2010-07-01", "2010-07-01/2010-08-01"]
        >>> store.claim_keys("hek-windows", windows, owner="a", limit=1)
        ['2010-06-01/2010-07-01']
        >>> store.claim_keys("hek-windows", windows, owner="b")
        ['2010-07-01/2010-08-01']
        >>> store.claim_keys("hek-windows", windows, owner="c")
        []
        """
        name = _namespace(namespace)
        who = owner or default_owner()
        seconds = lease_seconds(lease)
        by_text: dict[str, Any] = {}
        for key in candidate_keys:
            by_text.setdefault(key_text(key), key)
        order = list(by_text)
        remaining = len(order) if limit is None else _check_limit(limit)
        won_all: set[str] = set()
        with self._connection(write=True) as conn:
            now = self._now(conn)
            live = self._live(conn, name, now)
            free = [t for t in order if t not in live]
            for chunk in _chunks(free, max(1, min(remaining, _CHUNK))):
                if remaining <= 0:
                    break
                locked = self._locked_elsewhere(conn, name, chunk)
                takeable = [t for t in chunk if t not in locked][:remaining]
                won = self._compare_and_set(conn, name, takeable, who, now, seconds)
                won_all |= won
                remaining -= len(won)
        return [by_text[t] for t in order if t in won_all]

    def _locked_elsewhere(self, conn: sa.Connection, namespace: str, texts: Sequence[str]) -> set[str]:
        """Keys whose claim row another transaction is taking right now (PostgreSQL)."""
        if self.backend != "postgresql" or not texts:
            return set()
        c = claims_table.c
        locked: set[str] = set()
        for chunk in _chunks(texts):
            where = (c.kind == namespace, c.key.in_(chunk))
            existing = {row[0] for row in conn.execute(sa.select(c.key).where(*where))}
            if existing:
                stmt = sa.select(c.key).where(*where).with_for_update(skip_locked=True)
                lockable = {row[0] for row in conn.execute(stmt)}
                locked |= existing - lockable
        return locked

    # -- holding ---------------------------------------------------------------------

    def renew(
        self,
        kind: Kind,
        keys: Iterable[Any],
        *,
        owner: str | None = None,
        lease: Lease = DEFAULT_LEASE,
        strict: bool = True,
    ) -> int:
        """Extend the lease of claims this owner holds to ``lease`` from now; how many.

        A claim that expired but that nobody took over yet is still this owner's and is
        renewed. With ``strict`` (the default), keys this owner does not hold raise
        :class:`~jet_store.errors.ClaimLost` and nothing is renewed; without it, the
        held ones are renewed and the rest ignored.
        """
        name = _namespace(kind)
        who = owner or default_owner()
        seconds = lease_seconds(lease)
        texts = list(dict.fromkeys(key_text(k) for k in keys))
        c = claims_table.c
        with self._connection(write=True) as conn:
            held = self._held(conn, name, texts, who)
            _refuse_lost(strict, name, texts, held, who, "renew")
            expires = self._now(conn) + timedelta(seconds=seconds)
            for chunk in _chunks(sorted(held)):
                stmt = (
                    sa.update(claims_table)
                    .where(c.kind == name, c.owner == who, c.key.in_(chunk))
                    .values(expires_at=_at(expires))
                )
                conn.execute(stmt)
        return len(held)

    def release(
        self,
        kind: Kind,
        keys: Iterable[Any],
        *,
        owner: str | None = None,
        state: str | None = None,
        strict: bool = True,
    ) -> int:
        """Give up claims this owner holds, setting the records' stage ``state`` if given.

        The state change and the release are one transaction. With ``strict`` (the
        default), keys this owner does not hold (any more) raise
        :class:`~jet_store.errors.ClaimLost` and nothing changes: another owner may be
        working on them. Returns how many claims were released.
        """
        name = _namespace(kind)
        who = owner or default_owner()
        key_list = list(keys)
        by_text = {key_text(k): k for k in key_list}
        texts = list(by_text)
        c = claims_table.c
        with self._connection(write=True) as conn:
            held = self._held(conn, name, texts, who)
            _refuse_lost(strict, name, texts, held, who, "release")
            if state is not None and held:
                self.set_state(name, [by_text[t] for t in texts if t in held], state)
            for chunk in _chunks(sorted(held)):
                conn.execute(sa.delete(claims_table).where(c.kind == name, c.owner == who, c.key.in_(chunk)))
        return len(held)

    def claims(self, kind: Kind | None = None, *, owner: str | None = None) -> list[Claim]:
        """The stored claims (of one kind or namespace, of one owner), expired ones included.

        ``owner`` here filters; it does not default to this process.
        """
        c = claims_table.c
        stmt = sa.select(claims_table).order_by(c.kind, c.key)
        if kind is not None:
            stmt = stmt.where(c.kind == _namespace(kind))
        if owner is not None:
            stmt = stmt.where(c.owner == owner)
        with self._connection(write=False) as conn:
            rows = conn.execute(stmt).all()
        return [Claim(r.kind, _key_value(r.key), r.owner, r.claimed_at, r.expires_at) for r in rows]

    # -- context managers ----------------------------------------------------------

    def claiming(
        self,
        kind: Kind,
        *,
        owner: str | None = None,
        limit: int = 1,
        lease: Lease = DEFAULT_LEASE,
        where: Iterable[Condition] = (),
        order_by: str | Sequence[str] | None = None,
        renew_every: float | None = None,
        **equal: Any,
    ) -> AbstractContextManager[list[Any]]:
        """:meth:`claim` as a context manager: renew while the block runs, release on exit.

        A background thread renews the lease every ``renew_every`` seconds (a third of
        the lease by default); on exit, normal or not, the claims still held are
        released (the block sets the records' states itself). Claims lost meanwhile to
        another owner are logged, not raised.

        Examples
        --------
        >>> from jet_store import Store, FitsFrame
        >>> store = Store("sqlite://")
        >>> _ = store.add([FitsFrame(url="http://x/1.fits")])
        >>> with store.claiming(FitsFrame, limit=10, state="pending") as frames:
        ...     _ = store.set_state(FitsFrame, [f.url for f in frames], "downloaded")
        ...     print([f.url for f in frames], len(store.claims(FitsFrame)))
        ['http://x/1.fits'] 1
        >>> store.claims(FitsFrame)
        []
        """
        who = owner or default_owner()
        cls = record_type(kind)
        items = self.claim(cls, owner=who, limit=limit, lease=lease, where=where, order_by=order_by, **equal)
        return self._holding(cls.kind, items, [r.key for r in items], who, lease, renew_every)

    def claiming_keys(
        self,
        namespace: Kind,
        candidate_keys: Iterable[Any],
        *,
        owner: str | None = None,
        limit: int | None = None,
        lease: Lease = DEFAULT_LEASE,
        renew_every: float | None = None,
    ) -> AbstractContextManager[list[Any]]:
        """:meth:`claim_keys` as a context manager, like :meth:`claiming`."""
        who = owner or default_owner()
        keys = self.claim_keys(namespace, candidate_keys, owner=who, limit=limit, lease=lease)
        return self._holding(_namespace(namespace), keys, keys, who, lease, renew_every)

    @contextmanager
    def _holding(
        self,
        namespace: str,
        items: list[Any],
        keys: list[Any],
        owner: str,
        lease: Lease,
        renew_every: float | None,
    ) -> Iterator[list[Any]]:
        seconds = lease_seconds(lease)
        interval = seconds / 3 if renew_every is None else float(renew_every)
        if not interval > 0:
            raise UserError(f"renew_every must be a positive number of seconds, not {renew_every!r}")
        stop = threading.Event()

        def renew_loop() -> None:
            while not stop.wait(interval):
                try:
                    held = self.renew(namespace, keys, owner=owner, lease=seconds, strict=False)
                except StoreError as err:  # the next round may succeed; the lease has slack
                    log.warning("could not renew %d %s claims of %s: %s", len(keys), namespace, owner, err)
                    continue
                if held < len(keys):
                    log.warning("%s lost %d of %d %s claims", owner, len(keys) - held, len(keys), namespace)

        thread = None
        if keys:
            thread = threading.Thread(target=renew_loop, name=f"renew-{namespace}", daemon=True)
            thread.start()
        try:
            yield items
        finally:
            stop.set()
            if thread is not None:
                thread.join()
            if keys:
                self.release(namespace, keys, owner=owner, strict=False)


def _check_limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise UserError(f"limit must be a whole number >= 0, not {limit!r}")
    return limit


def _refuse_lost(
    strict: bool, namespace: str, texts: Sequence[str], held: set[str], owner: str, what: str
) -> None:
    if not strict:
        return
    lost = [t for t in texts if t not in held]
    if lost:
        shown = ", ".join(lost[:5]) + (f" and {len(lost) - 5} more" if len(lost) > 5 else "")
        raise ClaimLost(
            f"cannot {what} {len(lost)} {namespace} claims that {owner} does not hold: {shown}",
            tuple(_key_value(t) for t in lost),
        )
