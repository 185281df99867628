"""The preparation chain through the CLI against the replicas: `run` and the offline `demo`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from jet_hunter.cli import main
from jet_hunter.demo import run_demo
from jet_sandbox.hek import HekServer
from jet_sandbox.ssw import SswServer
from jet_store import Classification, FitsFrame, FrameState, Jet, Store


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
    assert store.count(Jet) >= 7 and store.count(Classification) > 0
    store.close()
    for fmt in ("csv", "ecsv", "json"):
        assert (folder / "catalogue" / f"jets.{fmt}").stat().st_size > 0
    assert "synthetic jets against their truth" in out
    # the first run made one movie per jet and the HTML report
    movies = [Path(line.split(None, 1)[1]) for line in out.splitlines() if line.startswith("movie:")]
    assert len(movies) == 8 and all(movie.stat().st_size > 0 for movie in movies)
    report = folder / "catalogue" / "report" / "index.html"
    assert f"report:     {report}" in out and report.is_file()
    # the re-run starts from scratch (what the first run made is gone) and scores the same;
    # the movies and report are the first run's to prove, so the re-run stops at the catalogue
    lines: list[str] = []
    result = run_demo(folder, max_frames=6, movies=False, report=False, progress=False, echo=lines.append)
    assert result.exit_code == 0 and any("found 16, new 16" in line for line in lines)
    assert not report.exists() and not any(movie.exists() for movie in movies)
    assert result.chain.report is None
    # the catalogue scored against the synthetic truth: every jet found, where it is, as high and as oriented
    assert len(result.scores) == 8
    for score in result.scores:
        assert score.jet_id is not None, score
        assert score.base_error is not None and score.base_error < 12.0  # 3 pixels of these 4.1" frames
        # 6 frames per event: the true peak falls between frames; against the frames shown
        assert score.seen_height_error is not None and abs(score.seen_height_error) < 15.0
        assert score.direction_error is not None and abs(score.direction_error) < 5.0
        # start/end at frame resolution: 6 frames per event, so within the event's window
        assert score.start_error is not None and score.start_error >= -60.0
        assert score.end_error is not None and score.end_error <= 60.0


def test_demo_refuses_a_folder_it_did_not_make(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "thesis.tex").write_text("precious")
    assert main(["demo", "--folder", str(tmp_path)]) == 1
    assert "not made by the demo" in capsys.readouterr().err
    assert (tmp_path / "thesis.tex").read_text() == "precious"


def _run_args(db: str, data: Path) -> list[str]:
    return [
        "--db",
        db,
        "--data-dir",
        str(data),
        "run",
        "--until",
        "render",
        "--start",
        "2010-06-01",
        "--end",
        "2010-07-01",
        "--timeout",
        "120",
        "--poll-interval",
        "0.05",
        "--render",
        "none",
    ]


def test_run_is_resumable_and_idempotent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with (
        HekServer(seed=0) as hek,
        # slow files (about 0.5 s each) so that the kill lands in the middle of the downloads
        SswServer(seed=0, pending_polls=1, max_frames_cap=4, shape=(64, 48), latency_per_mb=40.0) as ssw,
    ):
        env = {
            "JET_HUNTER_HEK_URL": hek.url,
            "JET_HUNTER_SSW_URL": ssw.submit_url,
            "JET_HUNTER_SSW_DATA_URL": ssw.data_url,
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        db = str(tmp_path / "jets.db")
        args = _run_args(db, tmp_path / "data")
        killed = subprocess.Popen(
            [sys.executable, "-m", "jet_hunter", *args],
            env={**os.environ, **env, "JET_HUNTER_CONFIG": os.devnull},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        downloaded = 0
        while killed.poll() is None and time.monotonic() < deadline:
            if Path(db).exists():
                with Store(db) as store:
                    downloaded = store.count(FitsFrame, state=FrameState.DOWNLOADED)
            if downloaded >= 2:
                break
            time.sleep(0.05)  # polling the store, with a deadline
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=30)
        assert killed.returncode == -signal.SIGKILL  # interrupted for real, mid-run
        with Store(db) as store:
            total = store.count(FitsFrame)
            assert 2 <= store.count(FitsFrame, state=FrameState.DOWNLOADED) < total

        submits = sum(1 for r in ssw.requests if r.path.endswith(".sh"))
        assert main(args) == 0  # the re-run finishes what the killed one left
        second = capsys.readouterr().out
        assert "found 0, new 0" in second  # the HEK windows were saved before the kill
        assert sum(1 for r in ssw.requests if r.path.endswith(".sh")) == submits  # nothing resubmitted
        assert main(args) == 0  # and a third run has nothing to do
        assert "downloaded 0 of 0" in capsys.readouterr().out
    assert main(["--db", db, "status", "--json"]) == 0
    kinds = json.loads(capsys.readouterr().out)["kinds"]
    assert kinds["events"]["total"] == 16 and kinds["searches"]["total"] == 1
    assert kinds["cutouts"]["states"] == {"ready": 8}
    assert (
        kinds["frames"]["states"] == {"downloaded": kinds["frames"]["total"]}
        and kinds["frames"]["total"] == total
    )
    assert not list((tmp_path / "data").rglob("*.part"))


def test_run_makes_jobs_only_for_its_type_and_channel(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import datetime, timedelta, timezone

    from jet_store import CutoutJob, HekEvent

    db = str(tmp_path / "jets.db")
    t0 = datetime(2010, 6, 12, 3, 0, tzinfo=timezone.utc)
    with Store(db) as store:  # what an earlier flare search left in the store
        store.add(
            [
                HekEvent(
                    kb_archivid="ivo://x/flare",
                    event_type="FL",
                    start_time=t0,
                    end_time=t0 + timedelta(minutes=30),
                    channel="304",
                    hpc_x=100.0,
                    hpc_y=100.0,
                )
            ]
        )
    with (
        HekServer(synthetic=False) as hek,
        SswServer(seed=0, pending_polls=0, max_frames_cap=1, shape=(32, 24)) as ssw,
    ):
        monkeypatch.setenv("JET_HUNTER_HEK_URL", hek.url)
        monkeypatch.setenv("JET_HUNTER_SSW_URL", ssw.submit_url)
        monkeypatch.setenv("JET_HUNTER_SSW_DATA_URL", ssw.data_url)
        args = ["--db", db, "--data-dir", str(tmp_path / "data"), "run", "--start", "2010-06-01"]
        args += ["--end", "2010-07-01", "--type", "cj", "--channel", "304", "--poll-interval", "0.05"]
        assert main([*args, "--render", "none", "--until", "render"]) == 0
    capsys.readouterr()
    with Store(db) as store:
        cj_304 = {ev.kb_archivid for ev in store.filter(HekEvent, event_type="CJ", channel="304")}
        jobs = store.filter(CutoutJob)
    assert len(cj_304) == 6 and jobs
    assert {job.event_id for job in jobs} <= cj_304  # the flare and the 171 reports made no job
