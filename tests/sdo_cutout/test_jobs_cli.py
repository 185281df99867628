"""``jet-hunter cutouts request|fetch`` in-process, with the services answered in-process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from jet_hunter import pipeline
from jet_hunter.cli import cutouts, main
from jet_store import CutoutJob, FitsFrame, HekEvent, JobState, Store

SOL = "SOL2010-06-20T11:14:44L031C130"


class TinySsw:
    """A minimal SSW cutout service: every job is ready at the first poll, two files per wave."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.submits: list[dict[str, str]] = []
        self.hosts: set[str] = set()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.hosts.add(request.url.host)
        path = request.url.path
        if self.fail:
            return httpx.Response(503, text="down")
        if path.endswith(".sh"):
            self.submits.append(dict(request.url.params))
            return httpx.Response(200, text=f'<param name="JobID">ssw_{len(self.submits)}</param>')
        if path.endswith(".list"):
            wave = path.rsplit("/", 1)[1].split("_")[2]  # c_AIA_171_.list
            return httpx.Response(200, text=f"/r/c_{wave}_1.fts\n/r/c_{wave}_2.fts\n")
        job_id = path.rstrip("/").rsplit("/", 1)[1]
        waves = self.submits[int(job_id.split("_")[1]) - 1]["waves"].split(",")
        links = "".join(f'<a href="c_AIA_{w}_.list">{w}</a>' for w in waves)
        return httpx.Response(200, text=f"Per-Wave file lists {links}")


@pytest.fixture
def db(tmp_path: Path, june_events: list[HekEvent]) -> str:
    url = f"sqlite:///{tmp_path / 'jets.db'}"
    with Store(url) as store:
        store.add(june_events)
    return url


@pytest.fixture
def ssw(monkeypatch: pytest.MonkeyPatch) -> TinySsw:
    """The CLI's SSW client talks to a TinySsw; its URLs come from the environment."""
    fake = TinySsw()
    real = pipeline.SswClient

    def client(*args: Any, **kwargs: Any) -> Any:
        return real(*args, transport=httpx.MockTransport(fake), **kwargs)

    monkeypatch.setattr(pipeline, "SswClient", client)
    monkeypatch.setenv("JET_HUNTER_SSW_URL", "http://ssw.test/cgi-ssw/ssw_service_track_fov.sh")
    monkeypatch.setenv("JET_HUNTER_SSW_DATA_URL", "http://ssw-data.test/data/")
    return fake


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


FAST = ("--poll-interval", "0.001", "--max-poll-interval", "0.005", "--timeout", "20")


def test_request_then_fetch_then_nothing_twice(
    db: str, ssw: TinySsw, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "--db", db, "cutouts", "request", "--wave", "171", "--wave", "304", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert (doc["events"], doc["jobs"], doc["new"], doc["submitted"], doc["errors"]) == (16, 8, 8, 8, 0)
    assert {s["waves"] for s in ssw.submits} == {"171,304"} and ssw.hosts == {"ssw.test"}
    code, out, err = run(capsys, "--db", db, "cutouts", "fetch", *FAST)
    assert code == 0, err
    assert (
        out.strip().splitlines()[-1]
        == "8 jobs: 0 submitted, 8 ready, 0 pending, 0 waiting, 0 failed, 0 errors; 32 frames"
    )
    assert ssw.hosts == {"ssw.test", "ssw-data.test"}
    with Store(db) as store:
        assert store.count(FitsFrame) == 32 and store.count(CutoutJob, state="ready") == 8
    code, out, _ = run(capsys, "--db", db, "cutouts", "request", "--wave", "304,171")
    assert code == 0
    assert out.strip() == (
        "16 events -> 8 ssw jobs (0 new, 8 existing, 0 events skipped); "
        "submitted 0, waiting 0, failed 0, errors 0"
    )
    code, out, _ = run(capsys, "--db", db, "cutouts", "fetch", "--json", *FAST)
    assert json.loads(out)["jobs"] == 0 and len(ssw.submits) == 8


def test_request_some_events_without_submitting(
    db: str, ssw: TinySsw, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "--db", db, "cutouts", "request", "--events", SOL, "--no-submit", "--padding", "60"
    )
    assert code == 0, err
    assert out.startswith("3 events -> 1 ssw jobs (1 new")
    with Store(db) as store:
        (job,) = store.filter(CutoutJob)
    assert job.state == JobState.NEW and len(job.params["kb_archivids"]) == 3 and ssw.submits == []
    code, out, err = run(capsys, "--db", db, "cutouts", "fetch", "--jobs", job.key, *FAST)
    assert code == 0 and "1 ready" in out


def test_cli_errors(
    db: str, ssw: TinySsw, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run(capsys, "--db", db, "cutouts", "request", "--events", "ivo://nope")
    assert code == 1 and "no stored event" in err
    code, _, err = run(capsys, "--db", db, "cutouts", "request", "--wave", "305")
    assert code == 1 and "no 305 Angstrom channel" in err
    code, _, err = run(capsys, "--db", db, "cutouts", "request", "--padding", "-3")
    assert code == 1 and "must be >= 0" in err
    code, _, err = run(capsys, "--db", db, "cutouts", "fetch", "--jobs", "ssw:nope")
    assert code == 1 and "no cutout job" in err
    monkeypatch.delenv("JET_HUNTER_JSOC_EMAIL", raising=False)
    code, _, err = run(capsys, "--db", db, "cutouts", "request", "--backend", "jsoc")
    assert code == 1 and "JET_HUNTER_JSOC_EMAIL" in err
    ssw.fail = True
    monkeypatch.setattr(cutouts, "cutout_clients", _fast_retry_clients(cutouts.cutout_clients))
    code, out, err = run(capsys, "--db", db, "cutouts", "request", "--events", SOL)
    assert code == 2 and "errors 1" in out and "failed 4 times" in out


def _fast_retry_clients(make: Any) -> Any:
    from sdo_cutout import RetryPolicy

    def clients(settings: Any, names: Any) -> Any:
        made = make(settings, names)
        for client in made:
            client.retry = RetryPolicy(attempts=4, base_delay=0.001, max_delay=0.002)
        return made

    return clients
