"""Schema versioning with Alembic: what revision a database is at, and upgrading it.

The migration scripts ship inside the package (``jet_store/migrations``), so an
installed jet-store can upgrade a database without a checkout. Opening a store whose
schema is current does not come here (:mod:`jet_store.revisions` checks that without
Alembic); the head revision is that module's.

Examples
--------
>>> from jet_store.migrate import head_revision
>>> isinstance(head_revision(), str)
True
"""

from __future__ import annotations

import logging
from functools import lru_cache

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from jet_store.errors import NotADatabase, SchemaOutdated, SchemaTooNew
from jet_store.revisions import head_revision
from jet_store.schema import metadata

__all__ = ["alembic_config", "head_revision", "current_revision", "ensure_schema"]

log = logging.getLogger(__name__)


def alembic_config() -> Config:
    """An Alembic config pointing at the packaged migration scripts."""
    cfg = Config()
    cfg.set_main_option("script_location", "jet_store:migrations")
    return cfg


@lru_cache(maxsize=1)
def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def current_revision(conn: sa.Connection) -> str | None:
    """The revision a database is at, or None when it has no jet-store schema."""
    return MigrationContext.configure(conn).get_current_revision()


def _upgrade(conn: sa.Connection) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")


def ensure_schema(conn: sa.Connection, *, upgrade: bool = False, create: bool = True) -> str:
    """Check (and create or upgrade) the schema on ``conn``, inside its transaction.

    An empty database gets the current schema (or :class:`NotADatabase` when ``create``
    is false). A database at an older revision is
    upgraded only when ``upgrade`` is true; otherwise :class:`SchemaOutdated`. A database
    from a newer jet-store raises :class:`SchemaTooNew`, and one holding other tables but
    no jet-store revision raises :class:`NotADatabase`.

    Returns the revision the database is at afterwards.
    """
    head = head_revision()
    current = current_revision(conn)
    if current == head:
        return head
    if current is None:
        foreign = set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
        if foreign:
            ours = foreign & set(metadata.tables)
            what = "tables of an unversioned jet-store" if ours else "other tables"
            raise NotADatabase(
                f"this database holds {what} ({', '.join(sorted(foreign)[:5])}) and no jet-store "
                "schema revision; point --db at a new file or an empty database"
            )
        if not create:
            raise NotADatabase("the database is empty: it holds no jet-store schema yet")
        log.info("creating jet-store schema %s", head)
        _upgrade(conn)
        return head
    try:
        _script().get_revision(current)
        known = True
    except Exception:  # alembic raises several types for unknown revisions
        known = False
    if not known:
        raise SchemaTooNew(
            f"the database is at schema revision {current}, written by a newer jet-store than this "
            f"one (which knows up to {head}); upgrade jet-store (pip install -U jet-store)"
        )
    if not upgrade:
        raise SchemaOutdated(
            f"the database is at schema revision {current}, this jet-store needs {head}; "
            "back it up, then run `jet-hunter db upgrade` (or Store(url, upgrade=True))"
        )
    log.info("upgrading jet-store schema %s -> %s", current, head)
    _upgrade(conn)
    return head
