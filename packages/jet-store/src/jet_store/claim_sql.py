"""The SQL of the claims, per backend: the candidates, the compare-and-set, the lookups.

Every function takes an open connection (a transaction of the caller's) and the keys as
canonical text (:func:`jet_store.claim_terms.key_text`); :mod:`jet_store.claims` builds
the API on them.

The candidate query of :meth:`Store.claim <jet_store.Store.claim>` is ``WHERE state = ?
ORDER BY key LIMIT n``: the ``(state, key)`` index of every kind with a stage state
(:attr:`Record.compound_indexes <jet_store.kinds.base.Record.compound_indexes>`) hands the
first ``n`` over in order, where an index on the state alone made both backends read and
sort every row in that state.

Examples
--------
>>> from jet_store import FitsFrame
>>> from jet_store.claim_sql import candidate_select
>>> stmt = candidate_select(FitsFrame, [], {"state": "pending"}, None, 64, "sqlite")
>>> print(stmt)  # doctest: +NORMALIZE_WHITESPACE
SELECT frames.url FROM frames WHERE frames.state = :state_1
ORDER BY frames.url LIMIT :param_1
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa

from jet_store.claim_terms import chunks
from jet_store.engine import dialect_insert
from jet_store.filters import Condition, build_select
from jet_store.records import Record
from jet_store.schema import UTCDateTime, claims_table, table_for

__all__ = [
    "server_now",
    "live_keys",
    "candidate_select",
    "compare_and_set",
    "held_keys",
    "locked_elsewhere",
    "renew_held",
    "delete_held",
    "stored_claims",
]


def _at(value: datetime) -> sa.BindParameter[datetime]:
    return sa.bindparam(None, value, type_=UTCDateTime())


def server_now(conn: sa.Connection, backend: str) -> datetime:
    """Now, from the database server's clock on PostgreSQL (workers' clocks may differ)."""
    if backend == "postgresql":
        value: datetime = conn.execute(sa.select(sa.func.clock_timestamp())).scalar_one()
        return value.astimezone(timezone.utc)
    return datetime.now(timezone.utc)


def live_keys(conn: sa.Connection, namespace: str, now: datetime) -> set[str]:
    """The keys of the namespace held by anyone with a lease running at ``now``."""
    c = claims_table.c
    rows = conn.execute(sa.select(c.key).where(c.kind == namespace, c.expires_at > _at(now)))
    return {row[0] for row in rows}


def candidate_select(
    cls: type[Record],
    where: Iterable[Condition],
    equal: Mapping[str, Any],
    order_by: str | Sequence[str] | None,
    limit: int,
    backend: str,
) -> sa.Select[Any]:
    """The keys of the first ``limit`` records that match, in ``order_by`` order.

    On PostgreSQL the rows are locked (``FOR NO KEY UPDATE SKIP LOCKED``) so concurrent
    claimers pass over each other's candidates instead of queueing for them.
    """
    table = table_for(cls)
    stmt = build_select(cls, where, equal, order_by, limit)
    stmt = stmt.with_only_columns(*(table.c[name] for name in cls.key_fields))
    if backend == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, key_share=True)
    return stmt


def _claim_statement(backend: str) -> Any:
    """``INSERT ... ON CONFLICT (kind, key) DO UPDATE ... WHERE expired RETURNING key``."""
    insert = dialect_insert(backend)
    values = insert(claims_table)
    excluded = values.excluded
    return values.on_conflict_do_update(
        index_elements=["kind", "key"],
        set_={"owner": excluded.owner, "claimed_at": excluded.claimed_at, "expires_at": excluded.expires_at},
        # the new row's claimed_at is now: take the stored claim over only if its lease ran out
        where=claims_table.c.expires_at <= excluded.claimed_at,
    ).returning(claims_table.c.key)


_STATEMENTS: dict[str, Any] = {}


def compare_and_set(
    conn: sa.Connection,
    backend: str,
    namespace: str,
    texts: Sequence[str],
    owner: str,
    now: datetime,
    lease: float,
) -> set[str]:
    """Claim these keys where free or expired; the keys won.

    One statement, compiled once per backend and run over every key (``executemany``,
    which SQLAlchemy sends as multi-row ``VALUES`` pages): new claims are inserted,
    expired ones taken over, live ones left alone, and ``RETURNING`` names exactly the
    keys this call won.
    """
    if not texts:
        return set()
    stmt = _STATEMENTS.get(backend)
    if stmt is None:
        stmt = _STATEMENTS[backend] = _claim_statement(backend)
    expires = now + timedelta(seconds=lease)
    won: set[str] = set()
    for chunk in chunks(sorted(texts)):  # one order for every claimer: no deadlocks
        rows = [
            {"kind": namespace, "key": t, "owner": owner, "claimed_at": now, "expires_at": expires}
            for t in chunk
        ]
        won.update(row[0] for row in conn.execute(stmt, rows))
    return won


def held_keys(conn: sa.Connection, namespace: str, texts: Sequence[str], owner: str) -> set[str]:
    """Which of these keys ``owner`` holds (expired leases included: nobody took them)."""
    c = claims_table.c
    held: set[str] = set()
    for chunk in chunks(texts):
        stmt = sa.select(c.key).where(c.kind == namespace, c.owner == owner, c.key.in_(chunk))
        held.update(row[0] for row in conn.execute(stmt))
    return held


def locked_elsewhere(conn: sa.Connection, backend: str, namespace: str, texts: Sequence[str]) -> set[str]:
    """Keys whose claim row another transaction is taking right now (PostgreSQL)."""
    if backend != "postgresql" or not texts:
        return set()
    c = claims_table.c
    locked: set[str] = set()
    for chunk in chunks(texts):
        where = (c.kind == namespace, c.key.in_(chunk))
        existing = {row[0] for row in conn.execute(sa.select(c.key).where(*where))}
        if existing:
            stmt = sa.select(c.key).where(*where).with_for_update(skip_locked=True)
            lockable = {row[0] for row in conn.execute(stmt)}
            locked |= existing - lockable
    return locked


def renew_held(
    conn: sa.Connection, namespace: str, texts: Iterable[str], owner: str, expires: datetime
) -> None:
    """Set the lease of these claims of ``owner`` to end at ``expires``."""
    c = claims_table.c
    for chunk in chunks(sorted(texts)):
        where = (c.kind == namespace, c.owner == owner, c.key.in_(chunk))
        conn.execute(sa.update(claims_table).where(*where).values(expires_at=_at(expires)))


def delete_held(conn: sa.Connection, namespace: str, texts: Iterable[str], owner: str) -> None:
    """Delete these claims of ``owner``."""
    c = claims_table.c
    for chunk in chunks(sorted(texts)):
        conn.execute(sa.delete(claims_table).where(c.kind == namespace, c.owner == owner, c.key.in_(chunk)))


def stored_claims(conn: sa.Connection, namespace: str | None, owner: str | None) -> list[Any]:
    """The claim rows (of one namespace, of one owner), by namespace and key."""
    c = claims_table.c
    stmt = sa.select(claims_table).order_by(c.kind, c.key)
    if namespace is not None:
        stmt = stmt.where(c.kind == namespace)
    if owner is not None:
        stmt = stmt.where(c.owner == owner)
    return list(conn.execute(stmt).all())
