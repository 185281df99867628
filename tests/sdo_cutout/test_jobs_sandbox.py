"""Cutout jobs over real HTTP against the jet_sandbox replicas of the SSW service and JSOC.

Must show (issue 4): several events (three channel reports of one jet -> one job), both
backends, pending polls, faults on, every wavelength's list read; a job resumed by its
remote id in a new process without a second submission (the replica's request log
shows one submit per job); jobs idempotent on a re-run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from jet_store import CutoutJob, FitsFrame, FrameState, HekEvent, JobState, Store
from sdo_cutout import (
    JsocClient,
    RetryPolicy,
    SswClient,
    add_jobs,
    poll_jobs,
    requests_for_events,
    run_jobs,
    submit_jobs,
)

ssw_replica = pytest.importorskip("jet_sandbox.ssw", reason="the SSW replica is not written yet")
jsoc_replica = pytest.importorskip("jet_sandbox.jsoc", reason="the JSOC replica is not written yet")
SswServer: Any = ssw_replica.SswServer
JsocServer: Any = jsoc_replica.JsocServer

SOL = "SOL2010-06-20T11:14:44L031C130"
EMAIL = "jane.doe@example.org"
FAST: dict[str, Any] = {"poll_interval": 0.005, "max_poll_interval": 0.02, "timeout": 30.0, "progress": False}
SSW_FAULTS = ["503:2", "429:retry_after=0.01:after=3", "reset:after=5", "html:every=11", "500:p=0.05"]
JSOC_FAULTS = ["503:1", "429:retry_after=0.01:after=2", "reset:after=6", "html:every=13"]


def retry() -> RetryPolicy:
    return RetryPolicy(attempts=6, base_delay=0.002, max_delay=0.01, max_retry_after=0.05)


def five_jets(events: list[HekEvent]) -> list[HekEvent]:
    """Eleven reports of five jets, with the three channel reports of the 2010-06-20 jet."""
    sols = sorted({e.sol_standard for e in events if e.sol_standard})[:5]
    assert SOL in sols
    return [e for e in events if e.sol_standard in sols]


def submits(srv: Any) -> list[Any]:
    """Submissions the replica answered normally (faults excluded)."""
    path = srv.submit_url.split("://", 1)[1].split("/", 1)[1]
    return [r for r in srv.requests if r.path == "/" + path and r.status == 200 and not r.faults]


def test_ssw_jobs_with_faults_and_pending_polls(june_events: list[HekEvent], tmp_path: Path) -> None:
    events = five_jets(june_events)
    store = Store(tmp_path / "jets.db")
    jobs = requests_for_events(events, waves=[171, 193, 304])
    assert len(jobs) == 5 and sum(len(j.params["kb_archivids"]) for j in jobs) == len(events) == 11
    add_jobs(store, jobs)
    with SswServer(pending_polls=2, faults=SSW_FAULTS, seed=0, shape=(32, 32)) as srv:
        summary = run_jobs(store, [SswClient(srv.submit_url, srv.data_url, retry=retry())], **FAST)
        assert (summary.ready, summary.failed, summary.errors) == (5, 0, 0), summary.messages
        assert len(submits(srv)) == 5
        lists = [r for r in srv.requests if r.path.endswith(".list") and r.status == 200]
        assert {r.path.rsplit("/", 1)[1].split("_AIA_")[1][:3] for r in lists} >= {"171", "193", "304"}
        for job in store.filter(CutoutJob):
            assert job.state == JobState.READY
            frames = store.filter(FitsFrame, job_key=job.key)
            assert {f.wavelength for f in frames} == {171.0, 193.0, 304.0}  # every wavelength's list
            assert all(f.url.startswith(f"{srv.data_url}{job.remote_id}/") for f in frames)
            assert {f.state for f in frames} == {FrameState.PENDING}
        # idempotent: asking again adds nothing and sends nothing
        n_requests = len(srv.requests)
        assert add_jobs(store, requests_for_events(events, waves=[171, 193, 304])).new == 0
        assert run_jobs(store, [SswClient(srv.submit_url, srv.data_url, retry=retry())], **FAST).jobs == 0
        assert len(srv.requests) == n_requests


def test_ssw_resume_in_a_new_process(june_events: list[HekEvent], db_url: str) -> None:
    """Submit and start polling in a child process, kill it, finish in this one: one submit per job.

    On SQLite and PostgreSQL; the child holds the jobs' claims when it is killed."""
    db = db_url
    store = Store(db)
    add_jobs(store, requests_for_events(five_jets(june_events), waves=[304]))
    with SswServer(pending_polls=10**6, seed=1, shape=(32, 32)) as srv:  # never ready in the child
        script = textwrap.dedent(
            f"""
            from jet_store import Store
            from sdo_cutout import SswClient, run_jobs
            run_jobs(Store({str(db)!r}), [SswClient({srv.submit_url!r}, {srv.data_url!r})], concurrency=8,
                     poll_interval=0.02, max_poll_interval=0.02, timeout=120, progress=False, lease=1.0,
                     owner="a-worker-on-another-machine")
            """
        )
        child = subprocess.Popen([sys.executable, "-c", script], env=os.environ.copy())
        try:
            deadline = time.monotonic() + 60
            while store.count(CutoutJob, state="submitted") < 5:  # every job submitted, polling
                assert child.poll() is None, "the child ended early"
                assert time.monotonic() < deadline, "the child did not submit in time"
                srv.wait_for_requests(len(srv.requests) + 1, timeout=30)
            srv.wait_for_requests(len(srv.requests) + 10, timeout=30)  # and polled some
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=10)
        srv.pending_polls = 0  # the service finishes the jobs while nobody is looking
        assert len(submits(srv)) == 5
        remote_ids = {j.key: j.remote_id for j in store.filter(CutoutJob)}
        # the killed child's claims (1 s lease; an owner of another machine, so only the lease
        # can free them) hold its jobs until they expire; then they are taken over
        deadline = time.monotonic() + 30
        runs = [poll_jobs(store, [SswClient(srv.submit_url, srv.data_url, retry=retry())], **FAST)]
        while runs[-1].busy:
            assert time.monotonic() < deadline, "the dead child's claims never expired"
            time.sleep(0.05)
            runs.append(poll_jobs(store, [SswClient(srv.submit_url, srv.data_url, retry=retry())], **FAST))
        totals = tuple(sum(getattr(r, name) for r in runs) for name in ("resumed", "ready", "submitted"))
        assert totals == (5, 5, 0)
        assert len(submits(srv)) == 5  # nothing submitted twice
        assert {j.key: j.remote_id for j in store.filter(CutoutJob)} == remote_ids


def jsoc_server(**kwargs: Any) -> Any:
    kwargs.setdefault("seed", 0)
    kwargs.setdefault("shape", (32, 32))
    return JsocServer(registered=[EMAIL], wait=0, **kwargs)


def test_jsoc_jobs_with_faults(june_events: list[HekEvent], tmp_path: Path) -> None:
    store = Store(tmp_path / "jets.db")
    add_jobs(store, requests_for_events(five_jets(june_events)[:6], backend="jsoc", waves=[171, 304]))
    n = store.count(CutoutJob)
    with jsoc_server(faults=JSOC_FAULTS, transient_error_every=3) as srv:
        client = JsocClient(srv.url, email=EMAIL, retry=retry())
        summary = run_jobs(store, [client], **FAST)
        assert (summary.ready, summary.errors, summary.failed) == (n, 0, 0), summary.messages
        for job in store.filter(CutoutJob):
            frames = store.filter(FitsFrame, job_key=job.key)
            assert frames and {f.wavelength for f in frames} == {171.0, 304.0}
            assert all(f.url.startswith(srv.url.rstrip("/") + "/") for f in frames)
        assert EMAIL not in str([j.params for j in store.filter(CutoutJob)])
        busy = [r for r in srv.requests if r.status == 429 and not r.faults]
        assert busy == []  # one connection: the replica never found us using two
        asked = [r for r in srv.requests if r.params.get("op") == "exp_request" and r.status == 200]
        assert len([r for r in asked if not r.faults]) == n  # one export per job


def test_jsoc_submit_then_resume(june_events: list[HekEvent], tmp_path: Path) -> None:
    store = Store(tmp_path / "jets.db")
    add_jobs(store, requests_for_events(five_jets(june_events)[:6], backend="jsoc"))
    n = store.count(CutoutJob)
    with jsoc_server() as srv:
        first = submit_jobs(store, [JsocClient(srv.url, email=EMAIL, retry=retry())], progress=False)
        assert (first.submitted, first.waiting) == (1, n - 1)
        summary = run_jobs(store, [JsocClient(srv.url, email=EMAIL, retry=retry())], **FAST)
        assert (summary.resumed, summary.ready) == (1, n)
        requests = [r for r in srv.requests if r.params.get("op") == "exp_request" and r.status == 200]
        assert len(requests) == n


def test_jsoc_status_7_waits_and_resubmits(june_events: list[HekEvent], tmp_path: Path) -> None:
    """Three jobs at once on one e-mail: JSOC answers 7 to the second and third until the first is done."""
    store = Store(tmp_path / "jets.db")
    add_jobs(store, requests_for_events(five_jets(june_events)[:6], backend="jsoc"))
    n = store.count(CutoutJob)
    with jsoc_server(status_sequence=(2, 2, 1, 0)) as srv:
        client = JsocClient(srv.url, email=EMAIL, retry=retry(), one_pending=False, concurrency=n)
        summary = run_jobs(store, [client], **FAST)
        assert (summary.ready, summary.failed, summary.errors) == (n, 0, 0), summary.messages
        answers = [r for r in srv.requests if r.params.get("op") == "exp_request"]
        assert len(answers) > n  # some were told to wait (status 7) and came back
        assert all(j.attempts == 1 for j in store.filter(CutoutJob))


def test_hostile_listings_stay_in_the_job_folder(june_events: list[HekEvent], tmp_path: Path) -> None:
    store = Store(tmp_path / "jets.db")
    add_jobs(store, requests_for_events([e for e in june_events if e.sol_standard == SOL], waves=[171, 304]))
    with SswServer(pending_polls=0, building_polls=0, malicious=True, seed=2, shape=(32, 32)) as srv:
        summary = run_jobs(store, [SswClient(srv.submit_url, srv.data_url, retry=retry())], **FAST)
        (job,) = store.filter(CutoutJob)
        folder = f"{srv.data_url}{job.remote_id}/"
        frames = store.filter(FitsFrame, job_key=job.key)
        assert summary.ready == 1 and summary.rejected > 0 and "unsafe file names" in (job.message or "")
        assert frames and all(f.url.startswith(folder) and "/" not in f.url[len(folder) :] for f in frames)
        listed = set(srv.job(job.remote_id).file_names())
        extra = {f.url[len(folder) :] for f in frames} - listed
        assert extra <= {"ssw_cutout_evil_AIA_171_.fts", "ssw_cutout_evil_AIA_304_.fts"}  # basenames only


def test_cli_against_both_replicas(
    june_events: list[HekEvent],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    from jet_hunter.cli import main

    db = f"sqlite:///{tmp_path / 'jets.db'}"
    with Store(db) as store:
        store.add(five_jets(june_events))
    fast = ["--poll-interval", "0.005", "--max-poll-interval", "0.02", "--timeout", "30", "--json"]
    with SswServer(pending_polls=1, seed=3, shape=(32, 32)) as ssw, jsoc_server() as jsoc:
        for name, value in {**ssw.environment(), "JET_HUNTER_JSOC_URL": jsoc.url}.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("JET_HUNTER_JSOC_EMAIL", EMAIL)
        for backend in ("ssw", "jsoc"):
            assert (
                main(["--db", db, "cutouts", "request", "--backend", backend, "--wave", "304", "--json"]) == 0
            )
            doc = json.loads(capsys.readouterr().out)
            assert (doc["events"], doc["jobs"], doc["new"]) == (11, 5, 5)
        assert main(["--db", db, "cutouts", "fetch", *fast]) == 0
        doc = json.loads(capsys.readouterr().out)
        assert (doc["ready"], doc["errors"], doc["failed"]) == (10, 0, 0)
        assert main(["--db", db, "cutouts", "fetch", *fast]) == 0
        assert json.loads(capsys.readouterr().out)["jobs"] == 0
        assert len(submits(ssw)) == 5
