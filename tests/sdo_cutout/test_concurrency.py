"""Two workers at once on one store: the cutout-job and download stages through claims.

Must show (issue 8): two processes on one SQLite file, and two on one PostgreSQL
database, run the cutout-job and download stages against the SSW replica at the same
time: each job is submitted exactly once (the replica's log), each file downloaded
once, both exit 0, and the final store is the one a single run makes. (A worker
SIGKILLed while holding claims, taken over after the lease: test_jobs_sandbox.py's
``test_ssw_resume_in_a_new_process`` for jobs, test_download_replica.py's killed run
for downloads.)
"""

from __future__ import annotations

import collections
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jet_sandbox.files import full_downloads
from jet_sandbox.ssw import SswServer
from jet_store import CutoutJob, FitsFrame, HekEvent, Store
from sdo_cutout import add_jobs, requests_for_events

WORKER = """
import json, logging, sys
import astropy.io.fits  # imported before the start signal, as the command line has it
from jet_store import Store
from jet_store.retry import RetryPolicy
from sdo_cutout import SswClient, download_frames, run_jobs
logging.basicConfig(level=logging.ERROR)
url, submit, data_url, folder = sys.argv[1:5]
policy = RetryPolicy(attempts=6, base_delay=0.002, max_delay=0.01, max_retry_after=0.05)
store = Store(url)
print("ready", flush=True)
sys.stdin.readline()  # both start together
jobs = run_jobs(store, [SswClient(submit, data_url, retry=policy)], poll_interval=0.01,
                max_poll_interval=0.05, timeout=120, progress=False, lease=30)
files = download_frames(store, folder, workers=3, progress=False, retry=policy, lease=30)
print(json.dumps({"jobs": jobs.to_dict(), "files": files.to_dict()}), flush=True)
sys.exit(max(jobs.exit_code, files.exit_code))
"""


def workers(url: str, srv: Any, folder: Path, n: int) -> list[dict[str, Any]]:
    """Run ``n`` workers at once; each must exit 0. Their summaries."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, url, srv.submit_url, srv.data_url, str(folder)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(n)
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("\n")
            proc.stdin.flush()
        results = [proc.communicate(timeout=300) for proc in procs]
    finally:
        for proc in procs:
            proc.kill()
    for proc, (_, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err[-3000:]
    return [json.loads(out.strip().splitlines()[-1]) for out, _ in results]


def snapshot(store: Store) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The store's jobs and frames without what differs from run to run (times, remote ids)."""
    jobs = sorted((j.key, j.state, j.attempts, j.params.get("files")) for j in store.filter(CutoutJob))
    frames = sorted(
        (
            f.job_key,
            f.url.rsplit("/", 1)[1],
            f.state,
            f.path,
            f.size_bytes,
            f.sha256,
            f.wavelength,
            f.obs_time,
        )
        for f in store.filter(FitsFrame)
    )
    return jobs, frames


def one_store(url: str, events: list[HekEvent], tmp: Path, n_workers: int) -> dict[str, Any]:
    store = Store(url)
    store.delete(FitsFrame, [f.url for f in store.filter(FitsFrame)])
    store.delete(CutoutJob, [j.key for j in store.filter(CutoutJob)])
    jobs = requests_for_events(events, waves=[304])
    assert add_jobs(store, jobs).new == 8
    with SswServer(pending_polls=3, seed=5, shape=(32, 32), max_frames_cap=4) as srv:
        summaries = workers(url, srv, tmp / f"data{n_workers}", n_workers)
        log = srv.requests
        submit_path = "/" + srv.submit_url.split("://", 1)[1].split("/", 1)[1]
    files = [r for r in log if r.path.endswith(".fts")]
    return {
        "summaries": summaries,
        "submits": sum(1 for r in log if r.path == submit_path),
        "polls": sum(1 for r in log if r.path.endswith("/")),
        "file_gets": len(files),
        "full": full_downloads(files),
        "snapshot": snapshot(store),
        "frames": store.count(FitsFrame),
    }


@pytest.mark.timeout(600)
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_workers_at_once_do_each_job_and_file_once(
    backend: str, june_events: list[HekEvent], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = (
        f"sqlite:///{tmp_path / 's.db'}"
        if backend == "sqlite"
        else str(request.getfixturevalue("postgres_url"))
    )
    single = one_store(url, june_events, tmp_path, 1)
    pair = one_store(url, june_events, tmp_path, 2)  # the same database, emptied first

    assert single["submits"] == 8 and pair["submits"] == 8  # each job submitted exactly once
    n = pair["frames"]
    assert n == single["frames"] and n >= 8
    assert len(pair["full"]) == n and set(pair["full"].values()) == {1}  # each file downloaded once
    assert pair["file_gets"] == n
    assert pair["snapshot"] == single["snapshot"]  # the store a single run makes
    jobs = [s["jobs"] for s in pair["summaries"]]
    files = [s["files"] for s in pair["summaries"]]
    assert sum(j["submitted"] for j in jobs) == 8 and sum(j["ready"] for j in jobs) == 8
    assert sum(f["downloaded"] for f in files) == n and sum(f["failed"] + f["errors"] for f in files) == 0
    counts = collections.OrderedDict(
        backend=backend,
        submits=pair["submits"],
        polls=pair["polls"],
        file_gets=pair["file_gets"],
        frames=n,
        jobs_busy=[j["busy"] for j in jobs],
        files_busy=[f["busy"] for f in files],
    )
    print("request counts, two workers:", json.dumps(counts))
