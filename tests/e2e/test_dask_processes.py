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
from jet_render.stage import render_frames
from jet_store import Store
from zoo_bridge.grouping import GroupingOptions
from zoo_bridge.subjects import make_subjects

pytestmark = pytest.mark.timeout(300)


def _both_at_once(*args: str, env: dict[str, str]) -> list[subprocess.CompletedProcess[str]]:
    exe = shutil.which("jet-hunter", path=str(Path(sys.executable).parent))
    command = [exe] if exe else [sys.executable, "-m", "jet_hunter"]
    running = [
        subprocess.Popen(
            [*command, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    done = []
    for proc in running:
        out, err = proc.communicate(timeout=240)
        done.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return done


def test_two_processes_on_one_postgres_store_end_as_one_run(postgres_url: str, tmp_path: Path) -> None:
    serial_root, root = tmp_path / "serial", tmp_path / "team"
    frames = frames_of_jobs(root, minutes=4)
    serial = Store(f"sqlite:///{tmp_path / 'serial.db'}")
    serial.add(frames_of_jobs(serial_root, minutes=4))
    render_frames(serial, serial_root, kind="bare", progress=False)
    make_subjects(
        serial, serial_root, GroupingOptions(kind="bare", frames_per_subject=4, overlap=1), progress=False
    )
    store = Store(postgres_url)
    store.add(frames)
    env = {k: v for k, v in os.environ.items() if not k.startswith("JET_HUNTER_")}
    env.update(JET_HUNTER_DB=postgres_url, JET_HUNTER_DATA=str(root))
    rendered = _both_at_once("-q", "render", "--bare", "--json", env=env)
    assert [p.returncode for p in rendered] == [0, 0], [p.stderr for p in rendered]
    # every frame rendered once, by one of the two
    assert sum(json.loads(p.stdout)["rendered"] for p in rendered) == len(frames)
    made = _both_at_once(
        "-q", "subjects", "--kind", "bare", "--frames-per-subject", "4", "--overlap", "1", "--json", env=env
    )
    assert [p.returncode for p in made] == [0, 0], [p.stderr for p in made]
    assert sum(json.loads(p.stdout)["new"] for p in made) == serial.count("subjects")
    assert stored_state(store, root) == stored_state(serial, serial_root)
