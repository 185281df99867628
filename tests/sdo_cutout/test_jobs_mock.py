"""The job state machine against in-process fakes of both services (httpx.MockTransport).

These pin the stage's decisions exactly (what is submitted, polled, resubmitted, stored);
test_jobs_sandbox.py checks the same over real HTTP against the jet_sandbox replicas.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from jet_store import CutoutJob, FitsFrame, FrameState, HekEvent, JobState, Store, to_json_dict
from sdo_cutout import (
    CutoutRequestError,
    JsocAddressError,
    JsocClient,
    RetryPolicy,
    SswClient,
    add_jobs,
    poll_jobs,
    requests_for_events,
    run_jobs,
    submit_jobs,
)

SUBMIT = "http://ssw.test/cgi-ssw/ssw_service_track_fov.sh"
DATA = "http://ssw.test/data/"
SITE = "http://jsoc.test"
EMAIL = "jane.doe@example.org"
FAST = {"poll_interval": 0.001, "max_poll_interval": 0.004, "timeout": 10.0, "progress": False}


# -- a fake SSW cutout service ---------------------------------------------------------


@dataclass
class FakeSsw:
    """Submit answers a JobID; a job folder is 404, then queued, then ready with one list per wave."""

    pending_polls: int = 2
    frames: int = 3
    submit_faults: list[httpx.Response | Exception] = field(default_factory=list)
    poll_faults: list[httpx.Response | Exception] = field(default_factory=list)
    index: Callable[[str, list[str]], str] | None = None
    list_body: Callable[[str, str], str] | None = None
    never_ready: bool = False
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    log: list[tuple[str, str]] = field(default_factory=list)
    active: int = 0
    max_active: int = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith(".sh"):
            self.log.append(("submit", path))
            if self.submit_faults:
                return _fault(self.submit_faults.pop(0))
            job_id = f"ssw_service_{len(self.jobs) + 1:05d}"
            params = dict(request.url.params)
            self.jobs[job_id] = {"params": params, "polls": 0}
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            return httpx.Response(200, text=f'<param name="JobID">{job_id}</param>\n')
        job_id, _, name = path.removeprefix("/data/").partition("/")
        if job_id not in self.jobs:
            return httpx.Response(404, text="not found")
        job = self.jobs[job_id]
        waves = job["params"]["waves"].split(",")
        if not name:
            self.log.append(("poll", job_id))
            if self.poll_faults:
                return _fault(self.poll_faults.pop(0))
            job["polls"] += 1
            if self.never_ready or job["polls"] <= self.pending_polls:
                return httpx.Response(404 if job["polls"] == 1 else 200, text="<html>queued</html>")
            if not job.get("done"):
                job["done"] = True
                self.active -= 1
            lists = [f"ssw_cutout_{job_id}_AIA_{w}_.list" for w in waves]
            if self.index is not None:
                return httpx.Response(200, text=self.index(job_id, lists))
            links = "".join(f'<li><a href="{n}">{n}</a>' for n in lists)
            return httpx.Response(200, text=f"<html><h3>Per-Wave file lists</h3><ul>{links}</ul></html>")
        self.log.append(("list", name))
        if self.list_body is not None:
            return httpx.Response(200, text=self.list_body(job_id, name))
        wave = name.split("_AIA_")[1].split("_")[0]
        lines = [f"/remote/{job_id}/ssw_cutout_{i:04d}_AIA_{wave}_.fts" for i in range(self.frames)]
        return httpx.Response(200, text="\n".join(lines) + "\n")

    def count(self, kind: str) -> int:
        return sum(1 for k, _ in self.log if k == kind)


def _fault(fault: httpx.Response | Exception) -> httpx.Response:
    if isinstance(fault, Exception):
        raise fault
    return fault


def ssw_client(fake: FakeSsw, retry: RetryPolicy, **kwargs: Any) -> SswClient:
    return SswClient(SUBMIT, DATA, transport=httpx.MockTransport(fake), retry=retry, **kwargs)


def stored(store: Store) -> list[CutoutJob]:
    return store.filter(CutoutJob)


@pytest.fixture
def store(june_events: list[HekEvent]) -> Store:
    """A store with the 8 jets of June 2010 as new SSW jobs asking for 171 and 304."""
    s = Store("sqlite://")
    add_jobs(s, requests_for_events(june_events, waves=[171, 304]))
    return s


def test_ssw_jobs_run_to_ready_with_every_wavelength(store: Store, fast_retry: RetryPolicy) -> None:
    fake = FakeSsw()
    summary = run_jobs(store, [ssw_client(fake, fast_retry)], **FAST)
    assert (summary.jobs, summary.submitted, summary.ready, summary.errors) == (8, 8, 8, 0)
    assert summary.frames == 8 * 2 * 3 == store.count(FitsFrame)
    assert fake.count("submit") == 8 and fake.count("list") == 16  # both lists of every job
    for job in stored(store):
        assert job.state == JobState.READY and job.remote_id in fake.jobs and job.attempts == 1
        frames = store.filter(FitsFrame, job_key=job.key)
        assert len(frames) == 6 and {f.wavelength for f in frames} == {171.0, 304.0}
        assert {f.state for f in frames} == {FrameState.PENDING} and {f.event_id for f in frames} == {
            job.event_id
        }
        folder = f"{DATA}{job.remote_id}/"
        assert all(f.url.startswith(folder) and f.url.endswith(".fts") for f in frames)
        assert job.params["files"] == 6
    # the submit parameters are the job's
    one = stored(store)[0]
    params = fake.jobs[one.remote_id]["params"]  # type: ignore[index]
    assert params["waves"] == "171,304" and params["notrack"] == "1" and params["queue_job"] == "1"


def test_a_second_run_does_nothing(store: Store, fast_retry: RetryPolicy) -> None:
    fake = FakeSsw(pending_polls=0)
    run_jobs(store, [ssw_client(fake, fast_retry)], **FAST)
    requests = len(fake.log)
    again = run_jobs(store, [ssw_client(fake, fast_retry)], **FAST)
    assert again.jobs == 0 and len(fake.log) == requests and store.count(FitsFrame) == 48


def test_resume_by_remote_id_in_a_new_client(store: Store, fast_retry: RetryPolicy) -> None:
    fake = FakeSsw()
    first = submit_jobs(store, [ssw_client(fake, fast_retry)], progress=False)
    assert (first.submitted, first.pending) == (8, 8) and fake.count("poll") == 0
    assert {j.state for j in stored(store)} == {JobState.SUBMITTED}
    # a new process: a new client, the same store
    again = submit_jobs(store, [ssw_client(fake, fast_retry)], progress=False)
    assert again.jobs == 0 and fake.count("submit") == 8
    summary = poll_jobs(store, [ssw_client(fake, fast_retry)], **FAST)
    assert (summary.resumed, summary.ready, summary.submitted) == (8, 8, 0)
    assert fake.count("submit") == 8 and store.count(FitsFrame) == 48


def test_transient_failures_are_retried(store: Store, fast_retry: RetryPolicy) -> None:
    fake = FakeSsw(
        submit_faults=[
            httpx.Response(503, text="<html>busy</html>"),
            httpx.ConnectError("reset"),
            httpx.Response(200, text="<html><body>Service temporarily unavailable</body></html>"),
            httpx.Response(429, headers={"Retry-After": "0.01"}),
        ],
        poll_faults=[httpx.ReadTimeout("slow"), httpx.Response(500), httpx.Response(502)],
    )
    summary = run_jobs(store, [ssw_client(fake, fast_retry)], **FAST)
    assert (summary.ready, summary.errors) == (8, 0)
    assert fake.count("submit") == 8 + 4


def test_retry_after_is_honoured(june_events: list[HekEvent]) -> None:
    import time

    store = Store("sqlite://")
    add_jobs(store, requests_for_events(june_events[:1]))
    fake = FakeSsw(pending_polls=0, submit_faults=[httpx.Response(429, headers={"Retry-After": "0.3"})])
    started = time.monotonic()
    run_jobs(store, [ssw_client(fake, RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.002))], **FAST)
    assert time.monotonic() - started >= 0.3


def test_a_service_that_keeps_failing_is_an_error_then_a_failure(
    store: Store, fast_retry: RetryPolicy
) -> None:
    html = httpx.Response(200, text="<html><h1>Error: IDL session died</h1></html>")
    fake = FakeSsw(submit_faults=[html] * 1000)
    for run in range(1, 4):
        summary = run_jobs(store, [ssw_client(fake, fast_retry)], keys=[stored(store)[0].key], **FAST)
        assert summary.errors == 1 and "IDL session died" in summary.messages[0]
        job = stored(store)[0]
        assert job.state == JobState.NEW and job.attempts == run and "without a JobID" in (job.message or "")
    summary = run_jobs(store, [ssw_client(fake, fast_retry)], keys=[job.key], **FAST)
    job = stored(store)[0]
    assert (
        summary.failed == 1
        and job.state == JobState.FAILED
        and "gave up after 3 submissions" in (job.message or "")
    )
    assert fake.count("submit") == 3 * fast_retry.attempts


def test_a_wrong_submit_url_is_not_retried(store: Store, fast_retry: RetryPolicy) -> None:
    fake = FakeSsw(submit_faults=[httpx.Response(404, text="no such CGI")])
    summary = run_jobs(store, [ssw_client(fake, fast_retry)], keys=[stored(store)[0].key], **FAST)
    assert summary.errors == 1 and "check the ssw_url" in summary.messages[0] and fake.count("submit") == 1


def test_the_timeout_leaves_jobs_submitted_for_the_next_run(store: Store, fast_retry: RetryPolicy) -> None:
    fake = FakeSsw(never_ready=True)
    summary = run_jobs(store, [ssw_client(fake, fast_retry)], **{**FAST, "timeout": 0.05})
    assert (summary.submitted, summary.pending, summary.ready) == (8, 8, 0)
    assert {j.state for j in stored(store)} == {JobState.SUBMITTED}
    fake.never_ready = False
    summary = run_jobs(store, [ssw_client(fake, fast_retry)], **FAST)
    assert (summary.resumed, summary.submitted, summary.ready) == (8, 0, 8)


def test_concurrency_is_bounded_per_service(store: Store, fast_retry: RetryPolicy) -> None:
    fake = FakeSsw(pending_polls=3)
    summary = run_jobs(store, [ssw_client(fake, fast_retry, concurrency=3)], **FAST)
    assert summary.ready == 8 and fake.max_active == 3
    fake2 = FakeSsw(pending_polls=3)
    store2 = Store("sqlite://")
    add_jobs(store2, stored(store))
    for job in stored(store2):
        store2.update(CutoutJob, job.key, state="new", remote_id=None, attempts=0)
    run_jobs(store2, [ssw_client(fake2, fast_retry)], concurrency=2, **FAST)
    assert fake2.max_active == 2


def test_ready_without_lists_fails_clearly(store: Store, fast_retry: RetryPolicy) -> None:
    fake = FakeSsw(pending_polls=0, index=lambda job_id, lists: "<h3>Per-Wave file lists</h3><p>none</p>")
    summary = run_jobs(store, [ssw_client(fake, fast_retry)], **FAST)
    assert summary.failed == 8 and store.count(FitsFrame) == 0
    assert all("no per-wave .list" in (j.message or "") for j in stored(store))


def test_unsafe_listed_names_are_refused(store: Store, fast_retry: RetryPolicy) -> None:
    def listing(job_id: str, name: str) -> str:
        return "\n".join(["/r/ok_0001.fts", "../../../escape_0002.fts", "/etc/passwd", "", "x?.fts"]) + "\n"

    fake = FakeSsw(pending_polls=0, list_body=listing)
    summary = run_jobs(store, [ssw_client(fake, fast_retry)], **FAST)
    assert summary.ready == 8 and summary.rejected == 8 * 2 * 2
    for job in stored(store):
        urls = sorted(f.url for f in store.filter(FitsFrame, job_key=job.key))
        assert urls == [f"{DATA}{job.remote_id}/escape_0002.fts", f"{DATA}{job.remote_id}/ok_0001.fts"]
        assert "refused 4 unsafe file names" in (job.message or "")


def test_frames_and_state_change_are_one_transaction(store: Store, fast_retry: RetryPolicy) -> None:
    """A failure while storing frames leaves the job submitted and no frame behind."""
    from jet_store import InvalidRecord

    fake = FakeSsw(pending_polls=0)
    real_update = store.update
    calls = Counter[str]()

    def failing_update(kind: Any, key: Any, **changes: Any) -> Any:
        if changes.get("state") == JobState.READY:
            calls["ready"] += 1
            raise InvalidRecord("disk full")
        return real_update(kind, key, **changes)

    store.update = failing_update  # type: ignore[method-assign]
    with pytest.raises(InvalidRecord):
        run_jobs(store, [ssw_client(fake, fast_retry)], concurrency=1, **FAST)
    store.update = real_update  # type: ignore[method-assign]
    assert calls["ready"] == 1 and store.count(FitsFrame) == 0
    assert store.count(CutoutJob, state="submitted") == 1


# -- a fake JSOC ---------------------------------------------------------------------------


@dataclass
class FakeJsoc:
    """exp_request queues a request (7 while the e-mail has one pending); exp_status plays a script."""

    statuses: list[int] = field(default_factory=lambda: [6, 2, 1, 0])
    registered: set[str] = field(default_factory=lambda: {EMAIL})
    request_answers: list[dict[str, Any]] = field(default_factory=list)
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)
    log: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        params = {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}
        path = request.url.path
        if path.endswith("checkAddress.sh"):
            self.log.append(("check", params))
            return httpx.Response(200, json={"status": 2 if params.get("address") in self.registered else 4})
        assert path == "/cgi-bin/ajax/jsoc_fetch"
        op = params["op"]
        self.log.append((op, params))
        if op == "exp_request":
            if self.request_answers:
                return httpx.Response(200, json=self.request_answers.pop(0))
            if any(r["pending"] for r in self.requests.values()):
                return httpx.Response(200, json={"status": 7, "error": "pending request"})
            rid = f"JSOC_20100620_{len(self.requests) + 1:03d}"
            self.requests[rid] = {"params": params, "script": list(self.statuses), "pending": True}
            return httpx.Response(200, json={"status": 2, "requestid": rid, "wait": 0})
        rid = params["requestid"]
        req = self.requests.get(rid)
        if req is None:
            return httpx.Response(200, json={"status": 6})
        status = req["script"].pop(0) if len(req["script"]) > 1 else req["script"][0]
        if status in (3, 4, 5):
            req["pending"] = False
        if status != 0:
            return httpx.Response(200, json={"status": status, "wait": 0, "error": f"status {status}"})
        req["pending"] = False
        data = [
            {
                "record": f"aia.lev1_euv_12s[2010-06-20T11:1{i}:00Z][304]{{image}}",
                "filename": f"{rid}.{i}.fits",
            }
            for i in range(3)
        ] + [{"record": "aia.lev1_euv_12s[2010-06-20T11:19:00Z][304]{image}", "filename": "NoDataFile"}]
        return httpx.Response(200, json={"status": 0, "dir": f"/SUM1/D{rid[-3:]}/S00000", "data": data})

    def count(self, op: str) -> int:
        return sum(1 for o, _ in self.log if o == op)


def jsoc_client(fake: FakeJsoc, retry: RetryPolicy, **kwargs: Any) -> JsocClient:
    kwargs.setdefault("email", EMAIL)
    return JsocClient(SITE, transport=httpx.MockTransport(fake), retry=retry, **kwargs)


@pytest.fixture
def jsoc_store(june_events: list[HekEvent]) -> Store:
    """Three JSOC jobs."""
    s = Store("sqlite://")
    add_jobs(s, requests_for_events(june_events, backend="jsoc")[:3])
    return s


def test_jsoc_jobs_run_one_after_the_other(jsoc_store: Store, fast_retry: RetryPolicy) -> None:
    fake = FakeJsoc()
    summary = run_jobs(jsoc_store, [jsoc_client(fake, fast_retry)], **FAST)
    assert (summary.submitted, summary.ready, summary.frames, summary.errors) == (3, 3, 9, 0)
    assert fake.count("check") == 1  # once per client
    assert fake.count("exp_request") == 3  # never a status 7: one export at a time
    assert fake.count("exp_status") == 3 * 4  # 6 -> 2 -> 1 -> 0
    for job in stored(jsoc_store):
        frames = jsoc_store.filter(FitsFrame, job_key=job.key)
        assert len(frames) == 3 and all(f.url.startswith(f"{SITE}/SUM1/D") for f in frames)
        assert {f.wavelength for f in frames} == {304.0}
    sent = fake.log[1][1]
    assert sent["ds"].startswith("aia.lev1_euv_12s[") and sent["process"].startswith("n=0|im_patch,")
    assert sent["notify"] == EMAIL and sent["method"] == "url" and sent["protocol"] == "fits"


def test_jsoc_e_mail_is_never_stored_nor_logged(
    jsoc_store: Store, fast_retry: RetryPolicy, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake = FakeJsoc(request_answers=[{"status": 4, "error": "try later"}])
    run_jobs(jsoc_store, [jsoc_client(fake, fast_retry)], **FAST)
    dumped = json.dumps([to_json_dict(r) for kind in ("cutouts", "frames") for r in jsoc_store.filter(kind)])
    assert "jane" not in dumped and "example.org" not in dumped
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert any("HTTP Request" in r.getMessage() and "notify" in r.getMessage() for r in caplog.records)
    assert EMAIL not in text and "jane.doe%40example.org" not in text and "j***@example.org" in text


def test_status_7_at_submit_waits_and_resubmits(jsoc_store: Store, fast_retry: RetryPolicy) -> None:
    busy = {"status": 7, "error": "User has a pending export"}
    fake = FakeJsoc(request_answers=[busy, busy])
    summary = run_jobs(jsoc_store, [jsoc_client(fake, fast_retry)], **FAST)
    assert (summary.ready, summary.submitted) == (3, 3) and fake.count("exp_request") == 5
    assert all(j.attempts == 1 for j in stored(jsoc_store))  # a deferral is not a failed attempt


def test_submit_only_submits_one_jsoc_export(jsoc_store: Store, fast_retry: RetryPolicy) -> None:
    fake = FakeJsoc()
    summary = submit_jobs(jsoc_store, [jsoc_client(fake, fast_retry)], progress=False)
    assert (summary.submitted, summary.waiting) == (1, 2) and fake.count("exp_request") == 1
    # a new process: the pending export is resumed first, the waiting ones follow in turn
    summary = run_jobs(jsoc_store, [jsoc_client(fake, fast_retry)], **FAST)
    assert (summary.resumed, summary.submitted, summary.ready) == (1, 2, 3)
    assert fake.count("exp_request") == 3


def test_status_7_from_another_process_while_polling_only(jsoc_store: Store, fast_retry: RetryPolicy) -> None:
    fake = FakeJsoc()
    # someone else's export is pending: every exp_request answers 7 until it is done
    fake.requests["JSOC_OTHER"] = {"params": {}, "script": [2, 2, 0], "pending": True}
    summary = submit_jobs(jsoc_store, [jsoc_client(fake, fast_retry)], progress=False)
    assert (summary.submitted, summary.waiting) == (0, 3) and fake.count("exp_request") == 1
    assert all("pending export" in (j.message or "") for j in stored(jsoc_store))


def test_status_4_is_retried_then_resubmitted_then_failed(jsoc_store: Store, fast_retry: RetryPolicy) -> None:
    fake = FakeJsoc(statuses=[4])
    key = stored(jsoc_store)[0].key
    summary = run_jobs(jsoc_store, [jsoc_client(fake, fast_retry, max_status_errors=2)], keys=[key], **FAST)
    job = jsoc_store.get(CutoutJob, key)
    assert job is not None and job.state == JobState.FAILED and summary.failed == 1
    assert job.attempts == 3 and len(job.params["previous_remote_ids"]) == 3
    assert "gave up after 3 submissions" in (job.message or "")
    assert fake.count("exp_status") == 3 * 3


def test_status_6_for_too_long_is_resubmitted(jsoc_store: Store, fast_retry: RetryPolicy) -> None:
    fake = FakeJsoc()
    key = stored(jsoc_store)[0].key
    jsoc_store.update(CutoutJob, key, state="submitted", remote_id="JSOC_LOST", attempts=1)
    summary = run_jobs(jsoc_store, [jsoc_client(fake, fast_retry, max_not_found=2)], keys=[key], **FAST)
    job = jsoc_store.get(CutoutJob, key)
    assert job is not None and summary.ready == 1 and job.params["previous_remote_ids"] == ["JSOC_LOST"]
    assert job.remote_id != "JSOC_LOST" and job.attempts == 2


@pytest.mark.parametrize(("status", "words"), [(3, "too large"), (5, "expired")])
def test_clear_jsoc_errors_fail_the_job(
    jsoc_store: Store, fast_retry: RetryPolicy, status: int, words: str
) -> None:
    fake = FakeJsoc(statuses=[2, status])
    key = stored(jsoc_store)[0].key
    summary = run_jobs(jsoc_store, [jsoc_client(fake, fast_retry)], keys=[key], **FAST)
    job = jsoc_store.get(CutoutJob, key)
    assert (
        summary.failed == 1
        and job is not None
        and job.state == JobState.FAILED
        and words in (job.message or "")
    )


def test_too_large_at_submit_fails_the_job(jsoc_store: Store, fast_retry: RetryPolicy) -> None:
    fake = FakeJsoc(request_answers=[{"status": 3, "error": "1.2 TB"}])
    key = stored(jsoc_store)[0].key
    summary = run_jobs(jsoc_store, [jsoc_client(fake, fast_retry)], keys=[key], **FAST)
    assert summary.failed == 1 and "too large" in summary.messages[0] and "1.2 TB" in summary.messages[0]


def test_jsoc_needs_a_registered_e_mail_to_submit_only(
    jsoc_store: Store, fast_retry: RetryPolicy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JET_HUNTER_JSOC_EMAIL", raising=False)
    fake = FakeJsoc()
    with pytest.raises(CutoutRequestError, match="JET_HUNTER_JSOC_EMAIL"):
        run_jobs(jsoc_store, [jsoc_client(fake, fast_retry, email=None)], **FAST)
    with pytest.raises(JsocAddressError, match=r"not validated .* yet.*register"):
        run_jobs(jsoc_store, [jsoc_client(fake, fast_retry, email="x@example.org")], **FAST)
    assert fake.count("exp_request") == 0
    # submitted elsewhere: polling needs no e-mail
    submit_jobs(jsoc_store, [jsoc_client(fake, fast_retry)], progress=False)
    summary = poll_jobs(jsoc_store, [jsoc_client(fake, fast_retry, email=None)], **FAST)
    assert summary.ready == 1
    monkeypatch.setenv("JET_HUNTER_JSOC_EMAIL", EMAIL)
    assert jsoc_client(fake, fast_retry, email=None).email == EMAIL


def test_both_services_in_one_run(june_events: list[HekEvent], fast_retry: RetryPolicy) -> None:
    store = Store("sqlite://")
    add_jobs(store, requests_for_events(june_events[:6]))
    add_jobs(store, requests_for_events(june_events[:6], backend="jsoc"))
    ssw, jsoc = FakeSsw(), FakeJsoc()
    summary = run_jobs(store, [ssw_client(ssw, fast_retry), jsoc_client(jsoc, fast_retry)], **FAST)
    n = len(requests_for_events(june_events[:6]))
    assert summary.ready == 2 * n and store.count(CutoutJob, state="ready") == 2 * n
    # only the jobs of the clients given are taken
    store2 = Store("sqlite://")
    add_jobs(store2, requests_for_events(june_events[:6], backend="jsoc"))
    assert run_jobs(store2, [ssw_client(FakeSsw(), fast_retry)], **FAST).jobs == 0
    with pytest.raises(CutoutRequestError, match="needs a jsoc client"):
        run_jobs(store2, [ssw_client(FakeSsw(), fast_retry)], keys=[stored(store2)[0].key], **FAST)


def test_bad_stage_arguments(store: Store, fast_retry: RetryPolicy) -> None:
    client = ssw_client(FakeSsw(), fast_retry)
    with pytest.raises(CutoutRequestError, match="poll_interval"):
        run_jobs(store, [client], poll_interval=2, max_poll_interval=1, progress=False)
    with pytest.raises(CutoutRequestError, match="no cutout job"):
        run_jobs(store, [client], keys=["ssw:nope"], progress=False)
    with pytest.raises(CutoutRequestError, match="two clients"):
        run_jobs(store, [client, ssw_client(FakeSsw(), fast_retry)], progress=False)
    with pytest.raises(CutoutRequestError, match="http"):
        SswClient("ftp://x", DATA)


def test_sync_entry_points_work_inside_a_running_loop(store: Store, fast_retry: RetryPolicy) -> None:
    import asyncio

    async def main() -> int:
        return run_jobs(store, [ssw_client(FakeSsw(pending_polls=0), fast_retry)], **FAST).ready

    assert asyncio.run(main()) == 8
