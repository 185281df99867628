"""Schema versions: the migrations build exactly the schema the records describe, and the
Store refuses or upgrades databases from other versions with a clear message."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from jet_store import HekEvent, NotADatabase, SchemaOutdated, SchemaTooNew, Store, StoreUnavailable, UserError
from jet_store.migrate import alembic_config, head_revision
from jet_store.schema import metadata
from jet_store.store import normalise_url


def _engine(url: str) -> sa.Engine:
    return sa.create_engine(normalise_url(url))


def _migrate_to(url: str, revision: str) -> None:
    engine = _engine(url)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    engine.dispose()


def test_migrations_match_the_records(db_url: str) -> None:
    Store(db_url).close()
    engine = _engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == []


def test_migrations_downgrade_and_upgrade_again(db_url: str) -> None:
    _migrate_to(db_url, "head")
    engine = _engine(db_url)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    with engine.connect() as conn:
        assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    assert Store(db_url).revision == head_revision()


def test_older_schema_is_refused_then_upgraded_keeping_data(db_url: str) -> None:
    _migrate_to(db_url, "0001")
    t0 = datetime(2010, 6, 20, 11, 14, 44, tzinfo=timezone.utc)
    engine = _engine(db_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO events (kb_archivid, event_type, start_time, end_time, raw) "
                "VALUES ('ivo://x/1', 'CJ', :t, :t, '{}')"
            ),
            {"t": t0.replace(tzinfo=None)},
        )
    engine.dispose()
    with pytest.raises(SchemaOutdated, match="jet-hunter db upgrade"):
        Store(db_url)
    store = Store(db_url, upgrade=True)
    assert store.revision == head_revision()
    assert store.get(HekEvent, "ivo://x/1").start_time == t0
    assert store.count("searches") == 0


def test_newer_schema_is_refused(db_url: str) -> None:
    Store(db_url).close()
    engine = _engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    engine.dispose()
    with pytest.raises(SchemaTooNew, match="newer jet-store"):
        Store(db_url)


def test_foreign_database_is_refused(db_url: str) -> None:
    engine = _engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE invoices (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    with pytest.raises(NotADatabase, match="other tables"):
        Store(db_url)


def test_empty_database_not_created_when_asked(db_url: str) -> None:
    if db_url.startswith("sqlite"):
        with pytest.raises(UserError, match="no database at"):
            Store(db_url, create=False)
        assert not Path(sa.make_url(db_url).database or "").exists()
    else:
        with pytest.raises(NotADatabase, match="empty"):
            Store(db_url, create=False)


def test_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"These are my notes, not SQLite.\n" * 200)
    with pytest.raises(NotADatabase, match="not a SQLite database"):
        Store(path)
    assert path.read_bytes().startswith(b"These are my notes")


def test_sqlite_file_from_another_program(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(NotADatabase):
        Store(path)


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        Store(tmp_path / "no" / "such" / "folder" / "x.db")


def test_unreachable_postgres_is_a_clear_service_error() -> None:
    # port 1 on loopback: connection refused at once
    with pytest.raises(StoreUnavailable, match="cannot reach the database"):
        Store("postgresql://jets:secret@127.0.0.1:1/jets")


def test_password_never_in_messages() -> None:
    with pytest.raises(StoreUnavailable) as info:
        Store("postgresql://jets:hunter2@127.0.0.1:1/jets")
    assert "hunter2" not in str(info.value)
    assert "hunter2" not in repr(Store("sqlite://"))


def test_bad_url() -> None:
    with pytest.raises(UserError):
        Store("nosuchdialect://x/y")
