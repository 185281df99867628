"""The per-item stages on a real Dask cluster (``LocalCluster``, 2 worker processes).

Every stage run on the cluster shares one store (a SQLite file, or PostgreSQL on the
embedded server) through the claims and must end in the same store and the same files
as the serial run; a worker SIGKILLed while it holds claims must not stop the run.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from dask_data import frames_of_jobs as _frames
from dask_data import local_cluster
from dask_data import stored_state as _state
from jet_hunter.cli import main
from jet_render.stage import CLAIMS as RENDER_CLAIMS
from jet_render.stage import render_frames
from jet_store import FitsFrame, Rendering, Store, Subject
from jet_store.executors import dask_executor, executor_size
from jet_store.owners import host_tag
from zoo_bridge.grouping import GroupingOptions
from zoo_bridge.subjects import make_subjects

pytest.importorskip("distributed")  # skips the module where Dask is not installed

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    with local_cluster() as local:
        yield local


@pytest.fixture
def executor(cluster: Any) -> Iterator[Executor]:
    with dask_executor(cluster.scheduler_address) as ex:
        yield ex


def _serial(tmp_path: Path, frames: list[FitsFrame], root: Path) -> dict[str, Any]:
    store = Store(f"sqlite:///{tmp_path / 'serial.db'}")
    store.add(frames)
    render_frames(store, root, kind="bare", progress=False)
    make_subjects(store, root, GroupingOptions(kind="bare", frames_per_subject=4, overlap=1), progress=False)
    return _state(store, root)


def test_cluster_run_equals_serial_run(executor: Executor, db_url: str, tmp_path: Path) -> None:
    assert executor_size(executor) == 2
    serial_root, dask_root = tmp_path / "serial", tmp_path / "dask"
    frames = _frames(serial_root)
    assert _frames(dask_root) == frames  # the same synthetic files in both folders
    expected = _serial(tmp_path, frames, serial_root)
    store = Store(db_url)
    store.add(frames)
    rendered = render_frames(store, dask_root, kind="bare", progress=False, executor=executor)
    assert (rendered.rendered, rendered.failed, rendered.messages) == (len(frames), 0, [])
    options = GroupingOptions(kind="bare", frames_per_subject=4, overlap=1)
    made = make_subjects(store, dask_root, options, progress=False, executor=executor)
    assert made.new == len(expected["subjects"]) > 0 and made.messages == []
    assert _state(store, dask_root) == expected
    # a second cluster run does nothing and changes nothing
    again = render_frames(store, dask_root, kind="bare", progress=False, executor=executor)
    assert (again.rendered, again.skipped) == (0, len(frames))
    assert make_subjects(store, dask_root, options, progress=False, executor=executor).new == 0
    assert _state(store, dask_root) == expected


def test_worker_killed_holding_claims_is_taken_over(executor: Executor, tmp_path: Path) -> None:
    root, serial_root = tmp_path / "data", tmp_path / "serial"
    frames = _frames(root, minutes=8)  # ~80 frames: a share holds its claims long enough to be killed
    expected = _serial(tmp_path, _frames(serial_root, minutes=8), serial_root)
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    store = Store(url)
    store.add(frames)
    watcher = Store(url)
    with ThreadPoolExecutor(1) as background:
        running = background.submit(
            render_frames, store, root, kind="bare", progress=False, executor=executor
        )
        victim = _kill_a_claimer(watcher, deadline=time.monotonic() + 120)
        summary = running.result(timeout=240)
    assert victim is not None, "no worker was seen holding claims"
    assert summary.failed == 0 and summary.rendered >= 1
    options = GroupingOptions(kind="bare", frames_per_subject=4, overlap=1)
    make_subjects(store, root, options, progress=False, executor=executor)
    assert _state(store, root) == expected  # same records, same files, no claims left


def _kill_a_claimer(watcher: Store, deadline: float) -> int | None:
    """SIGKILL the first Dask worker process seen holding render claims; its pid."""
    host = host_tag()  # owners are named host_tag():pid
    while time.monotonic() < deadline:
        for claim in watcher.claims(RENDER_CLAIMS):
            name, _, pid = claim.owner.rpartition(":")
            if name == host and pid.isdigit() and int(pid) != os.getpid():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except ProcessLookupError:  # it finished that step just now: try the next one
                    continue
                return int(pid)
        time.sleep(0.005)  # polling the store for a claim, bounded by the deadline
    return None


def test_cli_stages_on_the_cluster_from_the_environment(
    cluster: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "data"
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    frames = _frames(root)
    Store(url).add(frames)
    monkeypatch.setenv("JET_HUNTER_SCHEDULER", cluster.scheduler_address)
    common = ["--db", url, "--data-dir", str(root), "-q"]
    assert main([*common, "render", "--bare"]) == 0
    assert main([*common, "subjects", "--kind", "bare", "--frames-per-subject", "4"]) == 0
    out = capsys.readouterr().out
    assert f"rendered {len(frames)} frames" in out and "subjects from 2 events" in out
    store = Store(url)
    assert store.count(Rendering) == len(frames) and store.count(Subject) > 0 and store.claims() == []


def test_cli_scheduler_errors_are_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    Store(url)
    monkeypatch.delenv("JET_HUNTER_SCHEDULER", raising=False)
    assert main(["--db", url, "--scheduler", "http://x:1", "render"]) == 1
    assert "not a Dask scheduler address" in capsys.readouterr().err
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert main(["--db", url, "--scheduler", f"127.0.0.1:{port}", "subjects"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot reach the Dask scheduler" in err[0]
