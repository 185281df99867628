"""The whole chain through `jet-hunter run`: SIGKILLed at stage boundaries and inside stages, re-run.

Two identical sets of replicas (HEK, SSW, Panoptes with the simulated crowd's accounts):
one takes an uninterrupted run, the other a run killed inside the upload and inside the
crowd's classifications (after a run stopped at a stage boundary with ``--until``) and
then finished by a re-run. Both must end in the same store (subjects, classifications,
annotations, jets) and the same files (frames, catalogue).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from jet_hunter.cli import main
from jet_sandbox.hek import HekServer
from jet_sandbox.panoptes import PanoptesServer
from jet_sandbox.ssw import SswServer
from jet_sandbox.volunteers_panoptes import crowd_users
from jet_store import Annotation, Classification, Jet, Store, Subject, SubjectState


@contextlib.contextmanager
def _replicas(latency: float | None = None) -> Iterator[dict[str, str]]:
    with (
        HekServer(seed=0) as hek,
        SswServer(seed=0, pending_polls=1, max_frames_cap=4, shape=(64, 48)) as ssw,
        PanoptesServer(users=crowd_users(), latency=latency) as panoptes,
    ):
        yield {
            "JET_HUNTER_HEK_URL": hek.url,
            "JET_HUNTER_SSW_URL": ssw.submit_url,
            "JET_HUNTER_SSW_DATA_URL": ssw.data_url,
            "JET_HUNTER_PANOPTES_URL": panoptes.url,
            "PANOPTES_USERNAME": panoptes.username,
            "PANOPTES_PASSWORD": panoptes.password,
            "JET_HUNTER_CONFIG": os.devnull,
        }


def _args(root: Path, *extra: str) -> list[str]:
    return [
        "--db", str(root / "jets.db"), "--data-dir", str(root / "data"),
        "run", "--start", "2010-06-01", "--end", "2010-07-01", "--timeout", "120", "--poll-interval", "0.05",
        "--subject-set", "chain test", "--simulate-crowd", "--out", str(root / "catalogue"),
        "--until", "catalogue", *extra,
    ]  # fmt: skip


def _count(db: Path, what: Callable[[Store], int]) -> int:
    if not db.exists():
        return 0
    try:
        with Store(f"sqlite:///{db}") as store:
            return what(store)
    except Exception:  # the schema is still being made by the run
        return 0


def _kill_when(args: list[str], env: dict[str, str], ready: Callable[[], bool]) -> None:
    """Start `jet-hunter run` and SIGKILL it once ``ready()`` (polled, with a deadline)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "jet_hunter", *args],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while proc.poll() is None and time.monotonic() < deadline and not ready():
        time.sleep(0.05)  # polling the store and the journal, with a deadline
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL  # killed for real, before the run ended


def _state(root: Path) -> dict[str, Any]:
    """The store and files, without what Panoptes numbers or stamps (ids, times, IP hashes)."""
    with Store(f"sqlite:///{root / 'jets.db'}") as store:
        subjects = store.filter(Subject)
        # keys hash the frames' URLs (the replica's port): name subjects by event and place instead
        key_of = {s.zooniverse_id: (s.sol_standard, s.index) for s in subjects}
        meta = {s.key: {k: v for k, v in s.metadata.items() if k != "#subject_key"} for s in subjects}
        classifications = store.filter(Classification)
        who = {
            c.classification_id: "anonymous" if c.user_id is None else str(c.user_name)
            for c in classifications
        }
        jets = sorted(
            (j.jet_id, round(j.base_x, 6), round(j.base_y, 6), j.start_time, j.end_time,
             round(j.max_height or 0, 6), tuple(sorted(key_of[s] for s in j.subject_ids)), j.n_volunteers)
            for j in store.filter(Jet)
        )  # fmt: skip
        return {
            "subjects": sorted(
                (s.sol_standard, s.index, s.state, s.rendering_paths, json.dumps(meta[s.key], sort_keys=True))
                for s in subjects
            ),
            "classifications": Counter(
                (
                    who[c.classification_id],
                    key_of[c.subject_id],
                    c.workflow_id,
                    json.dumps(c.annotations, sort_keys=True),
                )
                for c in classifications
            ),
            "annotations": Counter(
                (who[a.classification_id], key_of[a.subject_id], a.task, a.tool, a.frame, a.x, a.y, a.angle)
                for a in store.filter(Annotation)
            ),
            "jets": jets,
            "frames": sorted(
                (str(p.relative_to(root)), p.stat().st_size)
                for p in (root / "data" / "renderings").rglob("*.png")
            ),
            "catalogue": (root / "catalogue" / "jets.csv").read_bytes(),
        }


@pytest.mark.timeout(900)
def test_a_killed_chain_ends_like_an_uninterrupted_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    whole.mkdir()
    killed.mkdir()
    with _replicas() as env:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        assert main(_args(whole)) == 0
    out = capsys.readouterr().out
    assert "jets ->" in out and "simulated volunteers" in out
    reference = _state(whole)
    assert reference["jets"] and sum(reference["classifications"].values()) > 0
    assert all(state == SubjectState.LINKED for _, _, state, _, _ in reference["subjects"])

    db = killed / "jets.db"
    journal = killed / "data" / "crowd" / "journal.jsonl"
    with _replicas(latency=0.02) as env:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        # a stage boundary: the run stops after the subjects are made
        assert main(_args(killed, "--until", "subjects")) == 0
        assert _count(db, lambda s: s.count(Subject)) == len(reference["subjects"])
        # inside the upload: some subjects linked, not all
        _kill_when(
            _args(killed), env, lambda: _count(db, lambda s: s.count(Subject, state=SubjectState.LINKED)) >= 2
        )
        # inside the crowd's classifications
        _kill_when(
            _args(killed), env, lambda: journal.exists() and len(journal.read_text().splitlines()) >= 40
        )
        assert 0 < len(journal.read_text().splitlines()) < sum(reference["classifications"].values())
        assert main(_args(killed)) == 0  # the re-run finishes it
        assert main(_args(killed, "--from", "fetch")) == 0  # and the later stages again change nothing
    after = _state(killed)
    for part in ("subjects", "classifications", "annotations", "jets", "frames", "catalogue"):
        assert after[part] == reference[part], part
