"""Schema revisions without Alembic: the head this jet-store writes, and a database's revision.

Opening a store whose schema is current is the common case, and it need not import
Alembic (a third of a command's start-up): the head is read once from the packaged
migration scripts' ``revision`` / ``down_revision`` lines, and a database's revision from
its ``alembic_version`` table with SQLAlchemy core. :mod:`jet_store.migrate` (Alembic)
runs only when the two differ: to create, upgrade, or explain why not. A test checks
that the head read here is Alembic's.

Examples
--------
>>> from jet_store.revisions import read_revisions, head_of
>>> chain = read_revisions(["revision = '0001'\\ndown_revision = None\\n",
...                         'revision: str = "0002"\\ndown_revision: str | None = "0001"\\n'])
>>> chain, head_of(chain)
({'0001': None, '0002': '0001'}, '0002')
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa

__all__ = ["VERSIONS_DIR", "VERSION_TABLE", "read_revisions", "head_of", "head_revision", "stored_revision"]

VERSIONS_DIR = Path(__file__).parent / "migrations" / "versions"
"""The packaged migration scripts (Alembic's ``jet_store:migrations`` versions folder)."""

VERSION_TABLE = "alembic_version"
"""Where Alembic records a database's revision (its default table, one ``version_num`` row)."""

_ASSIGNMENT = re.compile(r"""^(down_revision|revision)\s*(?::[^=]+)?=\s*(?:["']([^"']+)["']|None)""", re.M)


def read_revisions(scripts: Iterable[str]) -> dict[str, str | None]:
    """Each migration script's ``revision`` -> its ``down_revision`` (None for the first).

    Parameters
    ----------
    scripts : iterable of str
        The scripts' texts.

    Examples
    --------
    >>> read_revisions(['revision = "0003"\\ndown_revision = "0002"'])
    {'0003': '0002'}
    >>> read_revisions(["# no revision here"])
    Traceback (most recent call last):
    ...
    ValueError: a migration script without a revision line
    """
    chain: dict[str, str | None] = {}
    for text in scripts:
        found = {name: value for name, value in _ASSIGNMENT.findall(text)}
        if "revision" not in found:
            raise ValueError("a migration script without a revision line")
        chain[found["revision"]] = found.get("down_revision") or None
    return chain


def head_of(chain: dict[str, str | None]) -> str:
    """The one revision no other revision comes after.

    Examples
    --------
    >>> head_of({"0001": None, "0002": "0001", "0003": "0001"})
    Traceback (most recent call last):
    ...
    ValueError: the migrations have 2 heads (0002, 0003), not one
    """
    heads = sorted(set(chain) - set(chain.values()))
    if len(heads) != 1:
        raise ValueError(f"the migrations have {len(heads)} heads ({', '.join(heads)}), not one")
    return heads[0]


@lru_cache(maxsize=1)
def head_revision() -> str:
    """The schema revision this jet-store writes (read once from its migration scripts).

    Examples
    --------
    >>> head_revision() == head_of(read_revisions(p.read_text() for p in VERSIONS_DIR.glob("*.py")))
    True
    """
    return head_of(read_revisions(path.read_text(encoding="utf-8") for path in VERSIONS_DIR.glob("*.py")))


def stored_revision(conn: sa.Connection) -> str | None:
    """The revision recorded in the database on ``conn``: None when it records none.

    It reads what Alembic's ``MigrationContext.get_current_revision`` reads, with
    SQLAlchemy core; a table holding several revisions (Alembic branches, never written
    by jet-store) reads as None, so that Alembic judges it.

    Examples
    --------
    >>> engine = sa.create_engine("sqlite://")
    >>> with engine.begin() as conn:
    ...     before = stored_revision(conn)
    ...     _ = conn.execute(sa.text("CREATE TABLE alembic_version (version_num VARCHAR(32))"))
    ...     _ = conn.execute(sa.text("INSERT INTO alembic_version VALUES ('0009')"))
    ...     before, stored_revision(conn)
    (None, '0009')
    """
    if not sa.inspect(conn).has_table(VERSION_TABLE):
        return None
    rows = conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    return str(rows[0]) if len(rows) == 1 else None
