"""The whole chain through `jet-hunter run`: SIGKILLed at every stage boundary and inside the long stages.

Two identical sets of replicas (HEK, SSW, Panoptes with the simulated crowd's accounts):
one takes an uninterrupted run, the other one folder killed again and again, each
relaunch continuing from what the killed one left: SIGKILLed as each stage starts (the
run prints ``stage NAME ...`` on stderr), in order, and inside each long stage (download,
render, subjects, upload, the crowd's classifications, fetch, import, aggregate) once it
has done part of its work, then finished by a plain re-run. Both must end in the same
store (subjects, classifications, annotations, jets) and the same files (every path,
frames, catalogue).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from jet_hunter.cli import main
from jet_hunter.stages import stage_range
from jet_sandbox.hek import HekServer
from jet_sandbox.panoptes import PanoptesServer
from jet_sandbox.ssw import SswServer
from jet_sandbox.volunteers_panoptes import crowd_users
from jet_store import Annotation, Classification, Jet, Store, Subject, SubjectState
from jet_store.locks import lock_holders
from process_helpers import cli_in_child, cli_launcher

LAUNCHER: Any = cli_launcher()


@contextlib.contextmanager
def _replicas(latency: float | None = None) -> Iterator[dict[str, str]]:
    with (
        HekServer(seed=0) as hek,
        SswServer(seed=0, pending_polls=1, max_frames_cap=4, shape=(64, 48), latency=latency) as ssw,
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


def _rows(db: Path, sql: str) -> int:
    """``sql``'s one number from the run's SQLite file (0 while it is not there yet)."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)) as conn:
            return int(conn.execute(sql).fetchone()[0])
    except sqlite3.Error:  # no file or no schema yet
        return 0


class _Run:
    """One ``jet-hunter run`` process; the stage lines it prints on stderr, read as they come.

    The process forks from a server that imported the CLI once (``LAUNCHER``), so the
    twenty launches cost no import time each.
    """

    count = 0

    def __init__(self, args: list[str], env: dict[str, str], folder: Path) -> None:
        _Run.count += 1
        self.err = folder / f"run-{_Run.count}.stderr"
        self.err.write_text("")
        self.proc = LAUNCHER.Process(target=cli_in_child, args=(args, env, str(self.err)))
        self.proc.start()

    @property
    def lines(self) -> list[str]:
        return self.err.read_text().splitlines()

    def started(self, stage: str) -> bool:
        return f"stage {stage} ..." in self.lines

    def kill_when(self, ready: Callable[[_Run], bool], what: str) -> None:
        """SIGKILL once ``ready(self)`` (polled, with a deadline); it must not have ended before."""
        began = time.monotonic()
        deadline = began + 300
        while self.proc.is_alive() and time.monotonic() < deadline and not ready(self):
            time.sleep(0.02)  # polling the run's output and store, with a deadline
        self.proc.kill()
        self.proc.join(timeout=30)
        assert self.proc.exitcode == -signal.SIGKILL, (what, self.lines[-5:])
        print(f"killed {what} after {time.monotonic() - began:.1f} s")


def _starts(stage: str) -> Callable[[_Run], bool]:
    return lambda run: run.started(stage)


def _partway(stage: str, done: Callable[[_Run], bool], following: str | None) -> Callable[[_Run], bool]:
    return lambda run: (
        (run.started(stage) and done(run)) or (following is not None and run.started(following))
    )


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
            "files": sorted(  # no partial or temporary file left behind
                str(p.relative_to(root))
                for p in root.rglob("*")
                if p.is_file() and not p.name.startswith("jets.db")
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

    def writing(run: _Run) -> bool:  # the run holds SQLite's write lock: a transaction under way
        return run.proc.pid in lock_holders(db)

    inside: dict[str, Callable[[_Run], bool]] = {  # part of the stage's work is done
        "download": lambda r: _rows(db, "SELECT count(*) FROM frames WHERE state = 'downloaded'") >= 2,
        # frames are recorded in batches after their files are complete: count the files
        "render": lambda r: len(list((killed / "data" / "renderings").rglob("*.png"))) >= 2,
        "subjects": lambda r: _rows(db, "SELECT count(*) FROM subjects") >= 2,
        "upload": lambda r: _rows(db, "SELECT count(*) FROM subjects WHERE state = 'linked'") >= 2,
        "classify": lambda r: journal.exists() and len(journal.read_text().splitlines()) >= 40,
        "fetch": lambda r: (killed / "data" / "exports" / "11265-workflows.csv").exists(),
        # the classifications go in as one batch, the jets event by event at the end
        "import": lambda r: writing(r) or _rows(db, "SELECT count(*) FROM classifications") >= 1,
        "aggregate": lambda r: writing(r) or _rows(db, "SELECT count(*) FROM jets") >= 1,
    }
    stages = stage_range(None, "catalogue")
    landed: dict[str, bool] = {}
    with _replicas(latency=0.02) as env:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        for stage, following in zip(stages, (*stages[1:], None), strict=True):
            # at the boundary: killed as the stage starts, every earlier one done
            _Run(_args(killed), env, tmp_path).kill_when(_starts(stage), f"start of {stage}")
            if stage not in inside:
                continue
            # inside the stage, once part of its work is done (or, if it went too quick
            # to see, as the next one starts)
            run = _Run(_args(killed), env, tmp_path)
            run.kill_when(_partway(stage, inside[stage], following), f"inside {stage}")
            landed[stage] = following is None or not run.started(following)
        assert main(_args(killed)) == 0  # the re-run finishes it
        assert main(_args(killed, "--from", "fetch")) == 0  # and the later stages again change nothing
    # the slow stages were caught with part of their work done
    print("killed inside:", landed)
    assert all(landed[s] for s in ("render", "subjects", "upload", "classify")), landed
    after = _state(killed)
    for part in ("subjects", "classifications", "annotations", "jets", "frames", "files", "catalogue"):
        assert after[part] == reference[part], part
