"""Uploads against the Panoptes replica through the real panoptes-client, with faults on."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from jet_sandbox.panoptes import PanoptesServer
from jet_sandbox.panoptes_faults import PanoptesFaults
from jet_store import Store, Subject
from jet_store.retry import RetryPolicy
from zoo_bridge.connection import PanoptesConfig, PanoptesConnection
from zoo_bridge.errors import BadSubjectFiles, PanoptesAuthError, PanoptesNotFound, SubjectLimitExceeded
from zoo_bridge.media import sha256_file
from zoo_bridge.upload import UploadOptions, upload_subjects
from zoo_data import synthetic_subjects

PROJECT = 11265
FAST = RetryPolicy(attempts=12, base_delay=0.01, max_delay=0.2, max_retry_after=0.5)
WRITES = ("POST", "PUT", "DELETE")
AUTH = ("sign_in", "token")


def every_fault(seed: int = 7) -> PanoptesFaults:
    return PanoptesFaults.parse(
        routes={
            "subjects": ["502:p=0.03", "reset:p=0.02"],
            "subject_sets": ["502:p=0.1"],
            "links": ["409:p=0.3"],
            "uploads": ["500:p=0.05", "reset:p=0.01"],
            "media": ["503:p=0.02"],
            "users": ["502:1"],
        },
        lost={"subjects": ["504:p=0.06"]},
        expire=["401:p=0.003"],
        seed=seed,
    )


def connection(srv: PanoptesServer, **kw: object) -> PanoptesConnection:
    return PanoptesConnection(
        PanoptesConfig(endpoint=srv.url, username=srv.username, password=srv.password, retry=FAST, **kw)  # type: ignore[arg-type]
    )


def store_with(root: Path, n_subjects: int, n_frames: int) -> Store:
    store = Store(f"sqlite:///{root / 'store.db'}")
    store.add(synthetic_subjects(root, n_subjects, n_frames))
    return store


def assert_uploaded_once(
    srv: PanoptesServer, store: Store, root: Path, set_name: str = "upload test"
) -> None:
    """Each stored subject exactly once in the project, linked once, every medium with the right sha256."""
    (sset,) = srv.subject_sets(PROJECT, set_name)
    live = srv.subjects(project_id=PROJECT)
    by_key = collections.defaultdict(list)
    for remote in live:
        by_key[remote.metadata.get("#subject_key")].append(remote)
    local = store.filter(Subject)
    assert set(by_key) == {s.key for s in local}, "no stray subjects"
    members = collections.Counter(sset.subject_ids)
    for subject in local:
        (remote,) = by_key[subject.key]
        assert subject.state == "linked" and subject.zooniverse_id == remote.id
        assert remote.subject_set_ids == (sset.id,) and members[remote.id] == 1
        assert remote.sha256s == tuple(sha256_file(root / p) for p in subject.media_paths)
        assert dict(remote.metadata) == subject.metadata
    assert len(sset.subject_ids) == len(local)


def write_counts(srv: PanoptesServer) -> collections.Counter[str]:
    """Requests that change something (signing in and tokens do not)."""
    return collections.Counter(
        {k: v for k, v in srv.request_counts().items() if k.split()[0] in WRITES and k.split()[1] not in AUTH}
    )


@pytest.fixture
def options() -> UploadOptions:
    return UploadOptions(project_id=PROJECT, subject_set="upload test", workers=8, lease=30)


def test_300_subjects_of_15_frames_with_every_fault_on(tmp_path: Path, options: UploadOptions) -> None:
    store = store_with(tmp_path, 300, 15)
    with PanoptesServer(panoptes_faults=every_fault()) as srv:
        summary = upload_subjects(store, tmp_path, connection(srv), options, progress=False)
        assert summary.lost_answers > 0 and summary.deleted > 0, "the faults fired"
        if summary.failed:
            # a subject the faults hit on each of its attempts (which one depends on how the
            # 8 workers' requests interleave) is failed with its reason while the stage goes
            # on; the next run, faults still on, finishes it
            assert len(summary.messages) == summary.failed, summary.messages
            rest = upload_subjects(store, tmp_path, connection(srv), options, progress=False)
            assert rest.failed == 0, rest.messages
        assert srv.lost_answers, "the replica lost answers"
        assert_uploaded_once(srv, store, tmp_path)
        before = write_counts(srv)
        again = upload_subjects(store, tmp_path, connection(srv), options, progress=False)
        assert (again.created, again.linked, again.already) == (0, 0, 300)
        assert write_counts(srv) == before, "a second upload changes nothing on Panoptes"
        assert_uploaded_once(srv, store, tmp_path)


def test_a_token_expiring_mid_run(tmp_path: Path, options: UploadOptions) -> None:
    store = store_with(tmp_path, 40, 3)
    with PanoptesServer() as srv:
        conn = connection(srv)
        done = threading.Event()

        def expire_when_busy() -> None:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and len(srv.subjects()) < 10:
                time.sleep(0.01)
            srv.expire_tokens()
            done.set()

        thread = threading.Thread(target=expire_when_busy)
        thread.start()
        summary = upload_subjects(store, tmp_path, conn, options, progress=False)
        thread.join()
        assert done.is_set() and summary.failed == 0
        assert conn.refreshes >= 2, "the token was refreshed after it expired"
        assert_uploaded_once(srv, store, tmp_path)


_UPLOADER = textwrap.dedent(
    """
    import sys
    from jet_store import Store
    from jet_store.retry import RetryPolicy
    from zoo_bridge.connection import PanoptesConfig, PanoptesConnection
    from zoo_bridge.upload import UploadOptions, upload_subjects
    url, root, owner = sys.argv[1:4]
    conn = PanoptesConnection(PanoptesConfig(endpoint=url, username="jet-hunter", password="sandbox-password",
                              retry=RetryPolicy(attempts=12, base_delay=0.01, max_delay=0.2)))
    summary = upload_subjects(Store(f"sqlite:///{root}/store.db"), root, conn,
                              UploadOptions(project_id=11265, subject_set="upload test", workers=4, lease=3,
                                            batch=2, owner=owner), progress=False)
    print(summary.line())
    sys.exit(summary.exit_code)
    """
)


def _uploader(srv: PanoptesServer, root: Path, owner: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _UPLOADER, srv.url, str(root), owner],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ},
    )  # fmt: skip


def _poll(condition: object, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_sigkill_mid_upload_then_rerun(tmp_path: Path, options: UploadOptions) -> None:
    store = store_with(tmp_path, 60, 4)
    with PanoptesServer(latency=0.01, panoptes_faults=every_fault(seed=3)) as srv:
        proc = _uploader(srv, tmp_path, "killed")
        _poll(lambda: len(srv.subjects()) >= 15)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert store.count(Subject, state="linked") < 60
        summary = upload_subjects(store, tmp_path, connection(srv), options, progress=False)
        assert summary.failed == 0, summary.messages
        assert_uploaded_once(srv, store, tmp_path)


def test_two_uploaders_at_once(tmp_path: Path) -> None:
    store = store_with(tmp_path, 60, 4)
    with PanoptesServer(latency=0.005, panoptes_faults=every_fault(seed=5)) as srv:
        srv.hold()  # each one signs in first, one request at a time: both wait there, then go together
        procs = [_uploader(srv, tmp_path, f"uploader-{i}") for i in (1, 2)]
        _poll(lambda: srv.in_flight() >= 2 or any(p.poll() is not None for p in procs))
        srv.resume()
        outputs = [p.communicate(timeout=240) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], outputs
        assert_uploaded_once(srv, store, tmp_path)
        created = [int(out.split(" created")[0].rsplit(" ", 1)[1]) for out, _err in outputs]
        assert sum(created) >= 60 and all(n > 0 for n in created), outputs  # both did work


def test_calls_time_out_and_late_duplicates_are_removed(tmp_path: Path, options: UploadOptions) -> None:
    store = store_with(tmp_path, 12, 2)
    faults = PanoptesFaults.parse(routes={"subjects": ["delay=1.0:times=2:after=2"]})
    with PanoptesServer(panoptes_faults=faults) as srv:
        conn = connection(srv, timeout=(2.0, 0.4))
        summary = upload_subjects(store, tmp_path, conn, options, progress=False)
        assert summary.failed == 0, summary.messages
        assert summary.lost_answers >= 1, "a create timed out"

        # the server may finish a request after its caller timed out: a re-run cleans up what it left
        def clean() -> bool:
            upload_subjects(store, tmp_path, conn, options, progress=False)
            try:
                assert_uploaded_once(srv, store, tmp_path)
            except AssertionError:
                return False
            return True

        _poll(clean, 20)


@pytest.mark.parametrize("fault", ["missing", "oversized"])
def test_bad_files_are_refused_before_anything_is_created(
    tmp_path: Path, options: UploadOptions, fault: str
) -> None:
    store = store_with(tmp_path, 5, 3)
    bad = tmp_path / store.filter(Subject)[3].media_paths[2]
    if fault == "missing":
        bad.unlink()
    else:
        bad.write_bytes(bad.read_bytes() + b"\0" * (1024 * 1024))
    with PanoptesServer() as srv:
        with pytest.raises(BadSubjectFiles, match=bad.name):
            upload_subjects(store, tmp_path, connection(srv), options, progress=False)
        assert not srv.subjects() and not write_counts(srv)


def test_an_exceeded_limit_is_refused_before_anything_is_created(
    tmp_path: Path, options: UploadOptions
) -> None:
    store = store_with(tmp_path, 6, 2)
    with PanoptesServer(subject_limit=5) as srv:
        with pytest.raises(SubjectLimitExceeded, match="0 of 5"):
            upload_subjects(store, tmp_path, connection(srv), options, progress=False)
        assert not srv.subjects() and write_counts(srv).get("POST subjects", 0) == 0


def test_dry_run_checks_and_creates_nothing(tmp_path: Path, options: UploadOptions) -> None:
    store = store_with(tmp_path, 4, 2)
    with PanoptesServer() as srv:
        dry = UploadOptions(project_id=PROJECT, subject_set="x", dry_run=True)
        summary = upload_subjects(
            store, tmp_path, connection(srv), dry,
            progress=False,
        )  # fmt: skip
        assert summary.dry_run and summary.pending == 4 and summary.subject_set_id is None
        assert not srv.subjects() and not srv.subject_sets(PROJECT, "x")
        assert not write_counts(srv)
        with pytest.raises(PanoptesNotFound, match="project 999"):
            upload_subjects(store, tmp_path, connection(srv), UploadOptions(project_id=999, subject_set="x",
                            dry_run=True), progress=False)  # fmt: skip
        wrong = PanoptesConnection(PanoptesConfig(endpoint=srv.url, username="jet-hunter", password="nope",
                                                  retry=FAST))  # fmt: skip
        with pytest.raises(PanoptesAuthError):
            upload_subjects(store, tmp_path, wrong, options, progress=False)
        with pytest.raises(PanoptesAuthError, match="PANOPTES_USERNAME"):
            PanoptesConnection(PanoptesConfig(endpoint=srv.url)).connect()


@pytest.fixture
def server() -> Iterator[PanoptesServer]:
    with PanoptesServer() as srv:
        yield srv
