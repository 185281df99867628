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

The claim code is in four modules: :mod:`jet_store.claim_terms` (leases, keys as text,
:class:`Claim`), :mod:`jet_store.claim_sql` (the statements per backend),
:mod:`jet_store.claim_holding` (the context managers that renew and release) and this
one, the API that :class:`~jet_store.Store` inherits.

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

import logging
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar, overload

import sqlalchemy as sa

from jet_store.claim_holding import HoldingMixin
from jet_store.claim_sql import (
    candidate_select,
    compare_and_set,
    delete_held,
    held_keys,
    live_keys,
    locked_elsewhere,
    renew_held,
    server_now,
    stored_claims,
)
from jet_store.claim_terms import (
    CHUNK,
    DEFAULT_LEASE,
    Claim,
    Kind,
    Lease,
    check_limit,
    chunks,
    key_text,
    key_value,
    lease_seconds,
    namespace_of,
    refuse_lost,
)
from jet_store.codec import from_row
from jet_store.filters import Condition, key_clause
from jet_store.owners import default_owner, owner_is_dead
from jet_store.records import Record, record_type
from jet_store.schema import table_for

__all__ = ["Claim", "ClaimsMixin", "default_owner", "lease_seconds", "key_text", "DEFAULT_LEASE"]

log = logging.getLogger(__name__)

R = TypeVar("R", bound=Record)

#: compare-and-set rounds when another claimer won some candidates (PostgreSQL only)
_ROUNDS = 5


class ClaimsMixin(HoldingMixin):
    """The claim methods of :class:`~jet_store.Store` (see the module docstring).

    Every method takes ``owner`` (:func:`default_owner` when None) and ``lease`` in
    seconds, as a ``timedelta`` or as an astropy ``Quantity``.
    """

    if TYPE_CHECKING:  # provided by Store

        @property
        def backend(self) -> str: ...

        def _connection(self, *, write: bool) -> AbstractContextManager[sa.Connection]: ...

        def set_state(self, kind: Kind, keys: Iterable[Any], state: str) -> int: ...

    def _records(self, conn: sa.Connection, cls: type[Record], keys: Sequence[Any]) -> list[Any]:
        """The records with these keys, in the order of ``keys``."""
        found: dict[Any, Record] = {}
        for chunk in chunks(keys):
            rows = conn.execute(sa.select(table_for(cls)).where(key_clause(cls, chunk))).mappings()
            for row in rows:
                record = from_row(cls, row)
                found[record.key] = record
        return [found[key] for key in keys if key in found]

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
        who = owner or default_owner()
        seconds = lease_seconds(lease)
        remaining = check_limit(limit)
        where = list(where)
        claimed: list[Any] = []
        for _ in range(_ROUNDS):
            if remaining == 0:
                break
            with self._connection(write=True) as conn:
                now = server_now(conn, self.backend)
                live = live_keys(conn, cls.kind, now)
                stmt = candidate_select(cls, where, equal, order_by, remaining + len(live), self.backend)
                candidates: list[tuple[str, Any]] = []
                for row in conn.execute(stmt):
                    key = row[0] if len(row) == 1 else tuple(row)
                    text = key_text(key)
                    if text not in live:
                        candidates.append((text, key))
                candidates = candidates[:remaining]
                won = compare_and_set(
                    conn, self.backend, cls.kind, [t for t, _ in candidates], who, now, seconds
                )
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
        name = namespace_of(namespace)
        who = owner or default_owner()
        seconds = lease_seconds(lease)
        by_text: dict[str, Any] = {}
        for key in candidate_keys:
            by_text.setdefault(key_text(key), key)
        order = list(by_text)
        remaining = len(order) if limit is None else check_limit(limit)
        won_all: set[str] = set()
        with self._connection(write=True) as conn:
            now = server_now(conn, self.backend)
            live = live_keys(conn, name, now)
            free = [t for t in order if t not in live]
            for chunk in chunks(free, max(1, min(remaining, CHUNK))):
                if remaining <= 0:
                    break
                locked = locked_elsewhere(conn, self.backend, name, chunk)
                takeable = [t for t in chunk if t not in locked][:remaining]
                won = compare_and_set(conn, self.backend, name, takeable, who, now, seconds)
                won_all |= won
                remaining -= len(won)
        return [by_text[t] for t in order if t in won_all]

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
        name = namespace_of(kind)
        who = owner or default_owner()
        seconds = lease_seconds(lease)
        texts = list(dict.fromkeys(key_text(k) for k in keys))
        with self._connection(write=True) as conn:
            held = held_keys(conn, name, texts, who)
            refuse_lost(strict, name, texts, held, who, "renew")
            expires = server_now(conn, self.backend) + timedelta(seconds=seconds)
            renew_held(conn, name, held, who, expires)
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
        name = namespace_of(kind)
        who = owner or default_owner()
        key_list = list(keys)
        by_text = {key_text(k): k for k in key_list}
        texts = list(by_text)
        with self._connection(write=True) as conn:
            held = held_keys(conn, name, texts, who)
            refuse_lost(strict, name, texts, held, who, "release")
            if state is not None and held:
                self.set_state(name, [by_text[t] for t in texts if t in held], state)
            delete_held(conn, name, held, who)
        return len(held)

    def claims(self, kind: Kind | None = None, *, owner: str | None = None) -> list[Claim]:
        """The stored claims (of one kind or namespace, of one owner), expired ones included.

        ``owner`` here filters; it does not default to this process.
        """
        namespace = None if kind is None else namespace_of(kind)
        with self._connection(write=False) as conn:
            rows = stored_claims(conn, namespace, owner)
        return [Claim(r.kind, key_value(r.key), r.owner, r.claimed_at, r.expires_at) for r in rows]

    def release_dead_claims(self, kind: Kind | None = None) -> int:
        """Release the claims (on ``kind``, or all) of processes of this machine that died; how many.

        A worker killed without releasing its claims (SIGKILL) would hold its items
        until the lease expires; when its owner ran here and is gone
        (:func:`jet_store.owners.owner_is_dead`, which explains the same-hostname
        caveat), nobody can be working on them. Stages call this before they claim.

        Examples
        --------
        >>> from jet_store import Store, default_owner
        >>> from jet_store.owners import host_tag
        >>> store = Store("sqlite://")
        >>> store.claim_keys("frames", ["a", "b"], owner=f"{host_tag()}:{2**22 + 7}")  # dead
        ['a', 'b']
        >>> store.claim_keys("frames", ["c"], owner="elsewhere:1")
        ['c']
        >>> store.claim_keys("frames", ["d"], owner=default_owner())  # this process: alive
        ['d']
        >>> store.release_dead_claims("frames")
        2
        >>> [c.key for c in store.claims("frames")]
        ['c', 'd']
        """
        dead: dict[tuple[str, str], list[Any]] = {}
        for claim in self.claims(kind):
            if owner_is_dead(claim.owner):
                dead.setdefault((claim.kind, claim.owner), []).append(claim.key)
        released = 0
        for (namespace, owner), keys in dead.items():
            released += self.release(namespace, keys, owner=owner, strict=False)
            log.warning(
                "released %d %s claims of %s, a process of this machine that no longer runs",
                len(keys),
                namespace,
                owner,
            )
        return released
