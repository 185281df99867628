"""A team on one PostgreSQL store: two ``jet-hunter`` processes on the same stages at once.

Both run ``render`` and then ``subjects`` at the same time against one store on the
embedded PostgreSQL server and one data folder; the claims split the work, both exit 0,
and the store and files end as a single serial run leaves them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from dask_data import frames_of_jobs, stored_state
from jet_hunter.cli import main
from jet_store import Store

pytestmark = pytest.mark.timeout(300)


def _at_once(*args: str, env: dict[str, str], copies: int = 2) -> list[subprocess.CompletedProcess[str]]:
    exe = shutil.which("jet-hunter", path=str(Path(sys.executable).parent))
    command = [exe] if exe else [sys.executable, "-m", "jet_hunter"]
    running = [
        subprocess.Popen(
            [*command, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(copies)
    ]
    done = []
    for proc in running:
        out, err = proc.communicate(timeout=240)
        done.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return done


def test_two_processes_on_one_postgres_store_end_as_one_run(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    render = ("-q", "render", "--bare", "--json")
    subjects = ("-q", "subjects", "--kind", "bare", "--frames-per-subject", "4", "--overlap", "1", "--json")
    base = {k: v for k, v in os.environ.items() if not k.startswith("JET_HUNTER_")}
    # the single run, in this process (the processes at once are the point): its own
    # SQLite store and folder, the same commands
    serial_root, root = tmp_path / "serial", tmp_path / "team"
    serial = Store(f"sqlite:///{tmp_path / 'serial.db'}")
    serial.add(frames_of_jobs(serial_root, minutes=4))
    for name in list(os.environ):
        if name.startswith("JET_HUNTER_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("JET_HUNTER_DB", serial.url)
    monkeypatch.setenv("JET_HUNTER_DATA", str(serial_root))
    for args in (render, subjects):
        assert main(list(args)) == 0, capsys.readouterr().err
    # the team: two processes at once on one PostgreSQL store and one folder
    frames = frames_of_jobs(root, minutes=4)
    store = Store(postgres_url)
    store.add(frames)
    env = {**base, "JET_HUNTER_DB": postgres_url, "JET_HUNTER_DATA": str(root)}
    rendered = _at_once(*render, env=env)
    assert [p.returncode for p in rendered] == [0, 0], [p.stderr for p in rendered]
    # every frame rendered once, by one of the two
    assert sum(json.loads(p.stdout)["rendered"] for p in rendered) == len(frames)
    made = _at_once(*subjects, env=env)
    assert [p.returncode for p in made] == [0, 0], [p.stderr for p in made]
    assert sum(json.loads(p.stdout)["new"] for p in made) == serial.count("subjects") > 0
    assert stored_state(store, root) == stored_state(serial, serial_root)
