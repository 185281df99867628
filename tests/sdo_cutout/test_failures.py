"""Failures recorded per item while the stage goes on, over real HTTP against the replicas.

Issue 8, "Downloads and polling": redirect loops, unsupported schemes and malformed
``Location`` headers are permanent (the frame or job is failed with its reason, the
stage goes on, a re-run does not try again); an unasked 206 covering the whole file is
a complete answer; the poll stage's timeout is a real deadline around requests in
flight and says what it left; an SSW job folder that stays 404 is lost after the age
limit, submitted once more, and failed the second time.
"""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from astropy.io import fits
from jet_sandbox.files import FileServer, full_downloads
from jet_sandbox.ssw import SswServer
from jet_store import CutoutJob, FitsFrame, HekEvent, JobState, Store
from jet_store.retry import RetryPolicy
from sdo_cutout import SswClient, add_jobs, poll_jobs, requests_for_events, run_jobs, submit_jobs
from sdo_cutout.download import download_frames
from sdo_cutout.jobs import utc_now

FAST: dict[str, Any] = {"poll_interval": 0.005, "max_poll_interval": 0.02, "timeout": 30.0, "progress": False}


def retry() -> RetryPolicy:
    return RetryPolicy(attempts=4, base_delay=0.002, max_delay=0.01, max_retry_after=0.05)


def fits_blob(seed: int) -> bytes:
    hdu = fits.PrimaryHDU(np.full((16, 16), seed, dtype=np.float32))
    hdu.header["DATE-OBS"] = f"2012-07-08T13:05:{seed:02d}.12"
    hdu.header["WAVELNTH"] = 304
    buffer = io.BytesIO()
    hdu.writeto(buffer, checksum=True)
    return buffer.getvalue()


def three_jobs(store: Store, events: list[HekEvent]) -> list[CutoutJob]:
    jobs = requests_for_events(events, waves=[304])[:3]
    add_jobs(store, jobs)
    return jobs


# -- downloads ---------------------------------------------------------------------------------


def test_bad_redirects_fail_their_frame_with_a_reason_and_the_stage_goes_on(tmp_path: Path) -> None:
    files = {f"j/{n}.fts": fits_blob(n) for n in range(4)}
    redirects = {
        "/j/loop.fts": "/j/loop.fts",  # to itself, for ever
        "/j/ftp.fts": "ftp://127.0.0.1/j/0.fts",
        "/j/port.fts": "http://127.0.0.1:notaport/j/0.fts",
    }
    store = Store(tmp_path / "s.db")
    with FileServer(files, redirects=redirects) as srv:
        good = [srv.url_for(name) for name in files]
        bad = {name: srv.url_for(name.lstrip("/")) for name in redirects}
        store.add([FitsFrame(url=url, job_key="j") for url in [*good, *bad.values()]])
        summary = download_frames(store, tmp_path / "data", progress=False, retry=retry())
        assert (summary.downloaded, summary.failed, summary.errors) == (4, 3, 0), summary.messages
        reasons = {name: store.get(FitsFrame, url) for name, url in bad.items()}
        assert {name: (f.state, f.message is not None) for name, f in reasons.items() if f} == {
            name: ("failed", True) for name in redirects
        }
        assert "redirect loop" in (reasons["/j/loop.fts"].message or "")  # type: ignore[union-attr]
        assert "unsupported scheme" in (reasons["/j/ftp.fts"].message or "")  # type: ignore[union-attr]
        assert "malformed Location" in (reasons["/j/port.fts"].message or "")  # type: ignore[union-attr]
        # permanent: one request chain each, no retries, and a re-run leaves them alone
        loops = [r for r in srv.requests if r.path == "/j/loop.fts"]
        assert 1 < len(loops) <= 21  # httpx's redirect limit, once
        assert sum(1 for r in srv.requests if r.path == "/j/port.fts") == 1
        before = len(srv.requests)
        again = download_frames(store, tmp_path / "data", progress=False, retry=retry())
        assert (again.frames, len(srv.requests)) == (0, before)
    assert summary.exit_code == 2


def test_an_unasked_206_covering_the_whole_file_is_the_whole_file(tmp_path: Path) -> None:
    files = {f"j/{n}.fts": fits_blob(n) for n in range(3)}
    store = Store(tmp_path / "s.db")
    with FileServer(files, whole_as_206=True) as srv:
        store.add([FitsFrame(url=srv.url_for(name), job_key="j") for name in files])
        summary = download_frames(store, tmp_path / "data", progress=False, retry=retry())
        log = srv.requests
    assert (summary.downloaded, summary.errors, summary.failed) == (3, 0, 0), summary.messages
    assert all(r.status == 206 for r in log) and len(log) == 3  # one request per file, no restart loop
    for frame in store.filter(FitsFrame):
        assert (
            frame.path and (tmp_path / "data" / frame.path).read_bytes() == files[frame.url.split("/", 3)[3]]
        )
    assert full_downloads(log) == {}  # (the replica counts only 200s as full downloads)


HOLD = """
import sys, time
from pathlib import Path, PurePosixPath
from sdo_cutout.part import FileLocks
with FileLocks(sys.argv[1]) as locks:
    assert locks.acquire(PurePosixPath(sys.argv[2]))
    print("locked", flush=True)
    sys.stdin.readline()
"""


def test_a_file_another_process_is_writing_is_left_alone(tmp_path: Path) -> None:
    files = {"j/a.fts": fits_blob(1), "j/b.fts": fits_blob(2)}
    data = tmp_path / "data"
    data.mkdir()
    store = Store(tmp_path / "s.db")
    with FileServer(files) as srv:
        store.add([FitsFrame(url=srv.url_for(name), job_key="j") for name in files])
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLD, str(data), "cutouts/j/a.fts"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
            summary = download_frames(store, data, progress=False, retry=retry())
            assert (summary.downloaded, summary.busy, summary.failed) == (1, 1, 0)
            assert [r.path for r in srv.requests] == ["/j/b.fts"]
        finally:
            holder.communicate("\n", timeout=30)
        assert download_frames(store, data, progress=False, retry=retry()).downloaded == 1
    assert store.count(FitsFrame, state="downloaded") == 2


# -- polling -----------------------------------------------------------------------------------


def test_poll_failures_no_retry_fixes_fail_their_job_and_the_others_finish(
    june_events: list[HekEvent], tmp_path: Path
) -> None:
    store = Store(tmp_path / "s.db")
    jobs = three_jobs(store, june_events)
    with SswServer(pending_polls=1, seed=2, shape=(32, 32)) as srv:
        client = SswClient(srv.submit_url, srv.data_url, retry=retry())
        assert submit_jobs(store, [client], **FAST).submitted == 3
        ids = [store.get(CutoutJob, job.key).remote_id for job in jobs]  # type: ignore[union-attr]
        assert all(ids)
        srv.set_redirect(ids[0], srv.job_url(ids[0]))  # a loop
        srv.set_redirect(ids[1], "ftp://127.0.0.1/data/")
        summary = poll_jobs(store, [SswClient(srv.submit_url, srv.data_url, retry=retry())], **FAST)
    assert (summary.ready, summary.failed, summary.errors) == (1, 2, 0), summary.messages
    loop, ftp, fine = (store.get(CutoutJob, job.key) for job in jobs)
    assert loop is not None and loop.state == JobState.FAILED and "redirect loop" in (loop.message or "")
    assert ftp is not None and ftp.state == JobState.FAILED and "unsupported scheme" in (ftp.message or "")
    assert fine is not None and fine.state == JobState.READY


@pytest.mark.timeout(60)
def test_the_timeout_is_a_deadline_around_polls_in_flight(
    june_events: list[HekEvent], tmp_path: Path
) -> None:
    store = Store(tmp_path / "s.db")
    jobs = three_jobs(store, june_events)
    submitted = utc_now() - timedelta(minutes=5)
    for n, job in enumerate(jobs):
        store.update(
            CutoutJob, job.key, state="submitted", remote_id=f"ssw_service_{n}", submitted_at=submitted
        )
    # every answer of this replica hangs (for 10 minutes, until the server stops)
    with SswServer(faults=["delay=600:every=1"]) as srv:
        client = SswClient(srv.submit_url, srv.data_url, retry=retry())
        summary = poll_jobs(store, [client], **{**FAST, "timeout": 0.5})
        assert srv.in_flight() >= 1  # the polls were cut while the server was still answering
    assert (summary.pending, summary.ready, summary.errors, summary.timed_out) == (3, 0, 0, True)
    [note] = [m for m in summary.messages if "timeout" in m]
    assert note.startswith("timeout of 0.5 s reached") and "with 3 jobs not finished" in note
    assert all(f"{job.key} (" in note for job in jobs) and "since submission" in note
    assert {j.state for j in store.filter(CutoutJob)} == {JobState.SUBMITTED}


def test_a_job_folder_that_stays_404_is_lost_resubmitted_once_then_failed(
    june_events: list[HekEvent], tmp_path: Path
) -> None:
    store = Store(tmp_path / "s.db")
    once, twice, _ = three_jobs(store, june_events)
    long_ago = utc_now() - timedelta(days=2)
    store.update(
        CutoutJob, once.key, state="submitted", remote_id="ssw_service_gone_1", submitted_at=long_ago
    )
    store.update(
        CutoutJob,
        twice.key,
        state="submitted",
        remote_id="ssw_service_gone_3",
        submitted_at=long_ago,
        params={**twice.params, "lost": ["ssw_service_gone_2"]},
    )
    store.delete(CutoutJob, [_.key])
    with SswServer(pending_polls=1, seed=3, shape=(32, 32)) as srv:  # it never heard of these ids
        client = SswClient(srv.submit_url, srv.data_url, retry=retry())
        summary = run_jobs(store, [client], **FAST, max_job_age=3600)
        submit_path = srv.submit_url.split("://", 1)[1].split("/", 1)[1]
        n_submits = sum(1 for r in srv.requests if r.path == "/" + submit_path)
    assert (summary.lost, summary.submitted, summary.ready, summary.failed) == (2, 1, 1, 1), summary.messages
    assert n_submits == 1
    first = store.get(CutoutJob, once.key)
    assert (
        first is not None and first.state == JobState.READY and first.params["lost"] == ["ssw_service_gone_1"]
    )
    assert first.remote_id != "ssw_service_gone_1"
    second = store.get(CutoutJob, twice.key)
    assert second is not None and second.state == JobState.FAILED
    assert "lost" in (second.message or "") and "submitted again once already" in (second.message or "")
    assert any("ssw_service_gone_1 lost" in m and "submitting it again" in m for m in summary.messages)


def test_options_are_one_dataclass_and_unknown_names_are_refused(tmp_path: Path) -> None:
    from sdo_cutout import CutoutRequestError, DownloadOptions, JobOptions

    store = Store("sqlite://")
    with pytest.raises(CutoutRequestError, match="unknown job stage option"):
        run_jobs(store, [SswClient()], poll_intervall=1)
    with pytest.raises(CutoutRequestError, match="unknown download option"):
        download_frames(store, tmp_path, worker=3)
    with pytest.raises(CutoutRequestError):
        JobOptions(timeout=float("nan"))
    assert DownloadOptions(workers=2).total_limit == 16 and DownloadOptions(max_total=3).total_limit == 3


def test_backends_register_themselves() -> None:
    script = textwrap.dedent(
        """
        from sdo_cutout import BACKENDS, ServiceClient, create_backend
        class Mirror(ServiceClient):
            name = "mirror"
            label = "a mirror of the SSW service"
        class Tuned(Mirror):  # no name of its own: not a new backend
            pass
        print(list(BACKENDS), type(create_backend("mirror")).__name__)
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["['ssw',", "'jsoc',", "'mirror']", "Mirror"]
