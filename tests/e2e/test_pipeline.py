"""The preparation chain through the CLI against the replicas: `run` and the offline `demo`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jet_hunter.cli import main
from jet_sandbox.hek import HekServer
from jet_sandbox.ssw import SswServer
from jet_store import FitsFrame, FrameState, Store


def test_demo_runs_offline_and_reruns_from_scratch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "demo"
    assert main(["demo", "--folder", str(folder), "--max-frames", "6"]) == 0
    out = capsys.readouterr().out
    assert "found 16, new 16" in out
    assert "8 ready" in out
    store = Store(folder / "jet-hunter.db")
    frames = store.filter(FitsFrame)
    assert frames and all(f.state == FrameState.DOWNLOADED for f in frames)
    assert all((folder / "data" / f.path).is_file() for f in frames if f.path)
    assert not list(folder.rglob("*.part"))
    store.close()
    assert main(["demo", "--folder", str(folder), "--max-frames", "6"]) == 0  # rebuilt, same result
    assert "found 16, new 16" in capsys.readouterr().out


def test_demo_refuses_a_folder_it_did_not_make(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "thesis.tex").write_text("precious")
    assert main(["demo", "--folder", str(tmp_path)]) == 1
    assert "not made by the demo" in capsys.readouterr().err
    assert (tmp_path / "thesis.tex").read_text() == "precious"


def test_run_is_resumable_and_idempotent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with (
        HekServer(seed=0) as hek,
        SswServer(seed=0, pending_polls=1, max_frames_cap=4, shape=(64, 48)) as ssw,
    ):
        monkeypatch.setenv("JET_HUNTER_HEK_URL", hek.url)
        monkeypatch.setenv("JET_HUNTER_SSW_URL", ssw.submit_url)
        monkeypatch.setenv("JET_HUNTER_SSW_DATA_URL", ssw.data_url)
        db = str(tmp_path / "jets.db")
        args = [
            "--db",
            db,
            "--data-dir",
            str(tmp_path / "data"),
            "run",
            "--start",
            "2010-06-01",
            "--end",
            "2010-07-01",
            "--timeout",
            "120",
            "--poll-interval",
            "0.05",
        ]
        assert main(args) == 0
        first = capsys.readouterr().out
        assert "found 16, new 16" in first
        submits = sum(1 for r in ssw.requests if r.path.endswith(".sh"))
        assert main(args) == 0
        second = capsys.readouterr().out
        assert sum(1 for r in ssw.requests if r.path.endswith(".sh")) == submits  # nothing resubmitted
        assert "downloaded 0 of 0" in second
    assert main(["--db", db, "status", "--json"]) == 0
    kinds = json.loads(capsys.readouterr().out)["kinds"]
    assert kinds["cutouts"]["states"] == {"ready": 8}
    assert kinds["frames"]["states"] == {"downloaded": kinds["frames"]["total"]}
