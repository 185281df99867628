"""The demo as a team runs it: the store on PostgreSQL, the per-item stages on a Dask cluster.

A small demo (two of the eight June-2010 jets, four 64x48 frames each, no movies, no
report) runs three times through ``jet-hunter demo``: serially on the folder's SQLite
file (the reference), with ``--db`` on a fresh database of the embedded PostgreSQL
server, and with ``--scheduler`` on a ``LocalCluster`` of two worker processes. Each
prints the catalogue scored against the synthetic truth, and the catalogue, jets and
frames are those of the serial run.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dask_data import local_cluster
from jet_hunter.cli import main
from jet_store import HekEvent, Jet, Rendering, Store, Subject

pytestmark = pytest.mark.timeout(300)

SMALL = ["--end", "2010-06-21", "--max-frames", "4", "--frame-size", "64", "48", "--no-movies", "--no-report"]


def _run(capsys: pytest.CaptureFixture[str], folder: Path, *options: str) -> str:
    capsys.readouterr()
    assert main([*options, "-q", "demo", "--folder", str(folder), *SMALL]) == 0
    return capsys.readouterr().out


def _result(folder: Path, url: str) -> dict[str, Any]:
    """The catalogue's bytes, the jets, the subjects and the frames (paths and sizes)."""
    with Store(url) as store:
        jets = sorted(
            (j.jet_id, j.base_x, j.base_y, j.start_time, j.end_time, j.max_height, j.n_volunteers)
            for j in store.filter(Jet)
        )
        subjects = sorted(
            (s.sol_standard, s.index, s.state, s.rendering_paths) for s in store.filter(Subject)
        )
        renderings = store.count(Rendering)
    frames = sorted(
        (str(p.relative_to(folder)), p.stat().st_size)
        for p in (folder / "data" / "renderings").rglob("*.png")
    )
    return {
        "catalogue": (folder / "catalogue" / "jets.csv").read_bytes(),
        "json": json.loads((folder / "catalogue" / "jets.json").read_text()),
        "jets": jets,
        "subjects": subjects,
        "renderings": renderings,
        "frames": frames,
    }


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    """The serial demo on SQLite: what it printed and its result."""
    folder = tmp_path_factory.mktemp("serial") / "demo"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["-q", "demo", "--folder", str(folder), *SMALL]) == 0
    printed = out.getvalue()
    assert "synthetic jets against their truth (2 of 2 found)" in printed
    return printed, _result(folder, f"sqlite:///{folder / 'jet-hunter.db'}")


def _scores(printed: str) -> list[str]:
    """The score table's rows (matched event and errors)."""
    lines = printed.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("synthetic jets against"))
    rows: list[str] = []
    for line in lines[start + 2 :]:
        if not line.startswith("  "):
            return rows
        rows.append(line)
    return rows


def test_demo_on_postgresql(
    postgres_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    reference: tuple[str, dict[str, Any]],
) -> None:
    printed, expected = reference
    folder = tmp_path / "demo"
    out = _run(capsys, folder, "--db", postgres_url)
    assert "catalogue: 2 jets ->" in out and "(2 of 2 found)" in out
    assert _scores(out) == _scores(printed) and len(_scores(out)) == 2
    assert "postgresql+psycopg://" in out and "***" in out  # the store named, its password not
    assert not (folder / "jet-hunter.db").exists()  # everything went to PostgreSQL
    assert _result(folder, postgres_url) == expected
    # a team's database that already holds events is not the demo's to overwrite
    capsys.readouterr()
    assert main(["--db", postgres_url, "-q", "demo", "--folder", str(tmp_path / "again"), *SMALL]) == 1
    assert "needs an empty database" in capsys.readouterr().err
    with Store(postgres_url) as store:
        assert store.count(HekEvent) == 4


pytest.importorskip("distributed")  # skips the module where Dask is not installed


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    with local_cluster() as local:
        yield local


def test_demo_on_a_dask_cluster_equals_the_serial_demo(
    cluster: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], reference: tuple[str, dict[str, Any]]
) -> None:
    printed, expected = reference
    folder = tmp_path / "demo"
    out = _run(capsys, folder, "--scheduler", cluster.scheduler_address)
    assert _scores(out) == _scores(printed)
    assert _result(folder, f"sqlite:///{folder / 'jet-hunter.db'}") == expected
    # the workers did the per-item stages: the stages' shares (download, render, subjects)
    # and aggregation's per-subject work ran as tasks on the cluster
    assert {"share", "one_subject"} <= set(cluster.scheduler.task_prefixes)
