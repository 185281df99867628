"""The installed ``jet-hunter`` command and ``python -m jet_hunter``, as users run them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from jet_hunter import __version__


def jet_hunter(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("jet-hunter", path=str(Path(sys.executable).parent))
    command = [exe] if exe else [sys.executable, "-m", "jet_hunter"]
    full_env = {**os.environ, **(env or {})}
    full_env.pop("JET_HUNTER_DB", None) if env is None or "JET_HUNTER_DB" not in env else None
    return subprocess.run(
        [*command, *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=120
    )


def test_console_script_and_module(tmp_path: Path) -> None:
    assert shutil.which("jet-hunter", path=str(Path(sys.executable).parent)), "console script not installed"
    out = jet_hunter("--version", cwd=tmp_path)
    assert out.returncode == 0 and out.stdout.strip() == f"jet-hunter {__version__}"
    module = subprocess.run(
        [sys.executable, "-m", "jet_hunter", "--version"], capture_output=True, text=True, timeout=60
    )
    assert module.returncode == 0 and module.stdout.strip() == f"jet-hunter {__version__}"


def test_default_database_in_current_folder(tmp_path: Path) -> None:
    created = jet_hunter("db", "upgrade", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    assert (tmp_path / "jet-hunter.db").exists()
    status = jet_hunter("status", "--json", cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["kinds"]["events"] == {"total": 0}


def test_status_and_query_on_postgres(postgres_url: str, tmp_path: Path) -> None:
    env = {"JET_HUNTER_DB": postgres_url}
    assert jet_hunter("db", "upgrade", cwd=tmp_path, env=env).returncode == 0
    status = jet_hunter("status", "--json", cwd=tmp_path, env=env)
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["database"].startswith("postgresql+psycopg://")
    query = jet_hunter("query", "frames", "--where", "state", "=", "pending", "--json", cwd=tmp_path, env=env)
    assert query.returncode == 0 and query.stdout == ""


@pytest.mark.parametrize(
    ("args", "code"),
    [(("query", "comets"), 1), (("--db", "postgresql://x@127.0.0.1:1/x", "status"), 2)],
)
def test_errors_are_one_line(tmp_path: Path, args: tuple[str, ...], code: int) -> None:
    out = jet_hunter(*args, cwd=tmp_path)
    assert out.returncode == code
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
