"""The downloader against a file replica over real HTTP, with faults on; a run killed midway.

Must show (issue 4): every frame of every wavelength arrives with the right bytes, no
``.part`` or truncated file remains, the store matches the disk; a run SIGKILLed midway
and run again leaves every file complete, none fetched twice in full, no duplicate
rows; a malicious listing writes nothing outside the data folder.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from jet_sandbox.aia import CutoutSpec, write_cutout
from jet_sandbox.files import FileServer, ServedFile, full_downloads
from jet_sandbox.server import LoggedRequest
from jet_store import FitsFrame, FrameState, Store
from jet_store.retry import RetryPolicy
from sdo_cutout.download import LOCK_NAME, download_frames
from sdo_cutout.verify import verify_frames

FAULTS = [
    "503:retry_after=0.02:every=11",
    "429:retry_after=0.01:every=13",
    "reset:every=7",
    "truncate:keep=0.4:every=5",
]
JOB = "ssw:6afad99ba54cd163"
WAVES = (171, 193, 304)


class AnyName:
    """A file source that serves the same FITS file whatever path is asked (a listing may
    name anything)."""

    def __init__(self, blob: bytes) -> None:
        self.served = ServedFile.from_bytes(blob, name="x.fts", last_modified=0)

    def lookup(self, name: str) -> ServedFile | None:
        return self.served

    def listing(self, name: str) -> list[str] | None:
        return None


@dataclass
class Cutout:
    folder: Path
    files: dict[str, bytes]  # relative path under /files/ -> bytes

    def frames(self, srv: FileServer) -> list[FitsFrame]:
        return [
            FitsFrame(
                url=srv.url_for(rel), job_key=JOB, wavelength=float(rel.split("_AIA_")[1].split("_")[0])
            )
            for rel in sorted(self.files)
        ]


@pytest.fixture(scope="module")
def cutout(tmp_path_factory: pytest.TempPathFactory) -> Cutout:
    """Synthetic AIA cutout files: 3 wavelengths x 8 frames of 300x250 float32 (about 300 kB each)."""
    folder = tmp_path_factory.mktemp("remote") / "job"
    spec = CutoutSpec(
        center_x=-420.0,
        center_y=310.0,
        shape=(300, 250),
        waves=WAVES,
        start_time="2012-07-08T13:05:00",
        end_time="2012-07-08T13:06:36",
    )
    paths = write_cutout(spec, None, folder)
    files = {f"job/{p.name}": p.read_bytes() for p in paths}
    assert len(files) == 24 and {int(rel.split("_AIA_")[1].split("_")[0]) for rel in files} == set(WAVES)
    return Cutout(folder.parent, files)


def fast(attempts: int = 12) -> RetryPolicy:
    return RetryPolicy(attempts=attempts, base_delay=0.005, max_delay=0.02, max_retry_after=0.05)


def leftovers(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.name.endswith((".part", ".part.json", ".tmp")))


def assert_store_matches_disk(store: Store, data: Path, cutout: Cutout) -> None:
    frames = store.filter(FitsFrame)
    assert len(frames) == len(cutout.files)  # no duplicate rows
    assert len({f.path for f in frames}) == len(frames)
    by_name = {rel.rsplit("/", 1)[1]: blob for rel, blob in cutout.files.items()}
    for frame in frames:
        assert frame.state == FrameState.DOWNLOADED, frame.url
        assert frame.path is not None
        blob = (data / frame.path).read_bytes()
        assert blob == by_name[Path(frame.path).name]
        assert (frame.size_bytes, frame.sha256) == (len(blob), hashlib.sha256(blob).hexdigest())
        assert frame.obs_time is not None and frame.naxis1 == 300 and frame.ctype1 == "HPLN-TAN"
    assert {int(f.wavelength or 0) for f in frames} == set(WAVES)
    assert leftovers(data) == []
    on_disk = sorted(p.relative_to(data).as_posix() for p in data.rglob("*") if p.is_file())
    on_disk.remove(LOCK_NAME)
    assert on_disk == sorted(f.path for f in frames if f.path)
    check = verify_frames(store, data, refetch=False, progress=False)
    assert (check.ok, check.missing, check.corrupt) == (len(frames), 0, 0)
    assert check.parts == check.untracked == []
    assert check.clean


def _download_through(faults: list[str], tmp_path: Path, cutout: Cutout) -> tuple[Any, list[LoggedRequest]]:
    data = tmp_path / "data"
    store = Store(tmp_path / "s.db")
    with FileServer(cutout.folder, faults=faults, latency=0.002) as srv:
        store.add(cutout.frames(srv))
        summary = download_frames(store, data, workers=4, progress=False, retry=fast())
        log = srv.requests
    assert (summary.downloaded, summary.failed, summary.errors) == (24, 0, 0), summary.messages
    assert_store_matches_disk(store, data, cutout)
    fired = {label.split(":")[0] for entry in log for label in entry.faults}
    assert fired == {f.split(":")[0] for f in faults}  # every fault did fire
    return summary, log


def test_every_frame_of_every_wavelength_arrives_intact_through_faults(
    tmp_path: Path, cutout: Cutout
) -> None:
    summary, log = _download_through(FAULTS, tmp_path, cutout)
    assert summary.resumed >= 1 and any(e.status == 206 and e.range for e in log)
    # every byte of a cut answer was kept and resumed from: each byte of each file came once
    assert summary.bytes == sum(len(b) for b in cutout.files.values())
    assert all(n == 1 for n in full_downloads(log).values())


def test_wrong_content_lengths_never_leave_a_bad_file(tmp_path: Path, cutout: Cutout) -> None:
    faults = ["length:delta=-100:every=5", "length:delta=4096:every=7", "truncate:keep=0.6:every=9"]
    summary, log = _download_through(faults, tmp_path, cutout)
    short = [e for e in log if any(f.startswith("length:delta=-100") for f in e.faults)]
    assert short and summary.bytes > sum(len(b) for b in cutout.files.values())  # short ones came again


SCRIPT = """
import logging, sys
import astropy.io.fits  # imported before the run starts, as the command line has it
from jet_store import Store
from sdo_cutout.download import LOCK_NAME, download_frames
from jet_store.retry import RetryPolicy
logging.basicConfig(level=logging.ERROR)
policy = RetryPolicy(attempts=100, base_delay=0.3, max_delay=0.6, max_retry_after=0.3)
download_frames(Store(sys.argv[1]), sys.argv[2], workers=3, progress=False, retry=policy, lease=1.0)
print("finished", flush=True)
"""


def _wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.002)  # polling, not waiting for something to happen by itself


def _by_file(entries: list[LoggedRequest]) -> dict[str, list[LoggedRequest]]:
    out: dict[str, list[LoggedRequest]] = {}
    for entry in entries:
        out.setdefault(entry.path.rsplit("/", 1)[1], []).append(entry)
    return out


def test_a_run_killed_midway_resumes_without_fetching_a_complete_file_twice(
    tmp_path: Path, cutout: Cutout
) -> None:
    data, db = tmp_path / "data", tmp_path / "s.db"
    store = Store(db)
    folder = data / "cutouts"
    sizes = {rel.rsplit("/", 1)[1]: len(blob) for rel, blob in cutout.files.items()}

    def state() -> tuple[set[str], dict[str, int]]:
        if not folder.exists():
            return set(), {}
        finals = {p.name for p in folder.rglob("*.fts")}
        parts = {p.name.removesuffix(".part"): p.stat().st_size for p in folder.rglob("*.part")}
        return finals, parts

    def midway() -> bool:
        try:
            finals, parts = state()
        except FileNotFoundError:  # a .part renamed while we looked
            return False
        return len(finals) >= 3 and any(0 < size < sizes[name] for name, size in parts.items())

    # bodies paced at 1 s per MB (0.3 s a file), some cut halfway: there is always a file in flight
    with FileServer(
        cutout.folder, faults=["truncate:keep=0.5:every=5"], latency=0.005, latency_per_mb=1.0
    ) as srv:
        store.add(cutout.frames(srv))
        proc = subprocess.Popen(
            [sys.executable, "-c", SCRIPT, str(db), str(data)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            _wait_for(lambda: midway() or proc.poll() is not None, 60, "files and a .part on disk")
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.kill()
            out, err = proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL, (out, err)
        killed_at = time.time()  # the replica may still log answers to the dead run after this
        done_at_kill, parts = state()
        recorded_at_kill = store.count(FitsFrame, state="downloaded")
        assert 3 <= len(done_at_kill) < len(cutout.files)
        assert any(0 < size < sizes[name] for name, size in parts.items())

        # the dead run's claims (1 s lease) hold its frames until they expire: runs until none is held
        runs = [download_frames(store, data, workers=3, progress=False, retry=fast(30))]
        _wait_for(
            lambda: (
                runs[-1].busy == 0
                or bool(runs.append(download_frames(store, data, workers=3, progress=False, retry=fast(30))))
            ),
            30,
            "the killed run's claims to expire",
        )
        log = srv.requests
    second = _by_file([e for e in log if e.received > killed_at])

    assert runs[0].frames == len(cutout.files) - recorded_at_kill
    assert sum(r.downloaded for r in runs) == runs[0].frames
    assert sum(r.errors + r.failed for r in runs) == 0
    assert_store_matches_disk(store, data, cutout)  # every file complete, no .part, no duplicate row
    # no file was fetched in full twice over both runs, but one the killed run had no byte of
    # on disk: the replica logs a body as whole once it is in the socket, and a loaded client
    # may not have read (let alone written) any of it when it was killed
    for path, count in full_downloads(log).items():
        name = path.rsplit("/", 1)[1]
        assert count == 1 or (count == 2 and name not in done_at_kill and not parts.get(name)), (
            name,
            count,
            parts.get(name),
        )
    # a file complete at the kill is not asked for again (adopted from disk if not yet recorded)
    assert not set(second) & done_at_kill
    # a .part with bytes is resumed from where it ends, or (when whole) checked and renamed
    for name, size in parts.items():
        asked = second.get(name, [])
        assert all(e.status != 200 for e in asked) or size == 0, (name, size, asked)
        if 0 < size < sizes[name]:
            assert asked[0].range == f"bytes={size}-" and asked[0].status == 206, (name, size, asked)
    # (the cuts go on in the second run, so it resumes more than the kill left)
    assert sum(r.resumed for r in runs) >= sum(
        1 for n, size in parts.items() if size > 0 and n not in done_at_kill
    )


def _tree(root: Path, skip: Path) -> dict[str, bytes]:
    """Every file under ``root`` but those in ``skip`` and the database's."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and not p.is_relative_to(skip) and not p.name.startswith("s.db")
    }


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the data folder with a file in it; the test checks it is never touched."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "keep.txt").write_text("do not touch")
    return folder


def test_a_malicious_listing_writes_nothing_outside_the_data_folder(
    tmp_path: Path, cutout: Cutout, outside: Path
) -> None:
    data = tmp_path / "work" / "data"
    data.mkdir(parents=True)
    names = [
        "..%2F..%2F..%2Foutside%2Fx1.fts",
        "%2Ftmp%2Fx2.fts",
        "C:%5CWindows%5Cx3.fts",
        "..%5C..%5Cx4.fts",
        "%5C%5Chost%5Cshare%5Cx5.fts",
        "con.fts",
        "x6.fts%00.png",
        ".hidden.fts",
        "x7.fts.part",
        "%2e%2e",
    ]
    store = Store(tmp_path / "s.db")
    before = _tree(tmp_path, data)
    with FileServer(AnyName(next(iter(cutout.files.values())))) as srv:
        frames = [FitsFrame(url=f"{srv.url}files/{n}", job_key="../../../outside") for n in names]
        frames.append(FitsFrame(url=f"{srv.url}files/y.fts", job_key="/abs/job"))
        frames.append(FitsFrame(url=f"{srv.url}files/z.fts", path="../../../outside/z.fts", state="missing"))
        store.add(frames)
        summary = download_frames(store, data, progress=False, retry=fast())
    after = _tree(tmp_path, data)
    assert after == before
    # the plain-enough names were fetched inside the data folder; the rest refused
    written = [p for p in data.rglob("*") if p.is_file() and p.name != LOCK_NAME]
    assert written and all(p.resolve().is_relative_to(data.resolve()) for p in written)
    assert {p.parent.parent.name for p in written} == {"cutouts"}
    # refused: "%2e%2e" names no file, and a stored path that climbs out
    assert (summary.downloaded, len(written), summary.refused, summary.failed) == (10, 10, 2, 2)
    assert leftovers(data) == []


def test_a_symlinked_job_folder_pointing_out_is_refused(
    tmp_path: Path, cutout: Cutout, outside: Path
) -> None:
    data = tmp_path / "data"
    (data / "cutouts").mkdir(parents=True)
    (data / "cutouts" / "evil").symlink_to(outside, target_is_directory=True)
    store = Store("sqlite://")
    with FileServer(cutout.folder) as srv:
        url = srv.url_for(sorted(cutout.files)[0])
        store.add([FitsFrame(url=url, job_key="evil")])
        summary = download_frames(store, data, progress=False, retry=fast())
        assert srv.requests == []
    assert summary.failed == 1 and [p.name for p in outside.iterdir()] == ["keep.txt"]
    frame = store.get(FitsFrame, url)
    assert frame is not None and frame.state == "failed"


def test_verify_finds_missing_and_corrupt_files_and_fetches_them_again(
    tmp_path: Path, cutout: Cutout
) -> None:
    data = tmp_path / "data"
    store = Store(tmp_path / "s.db")
    with FileServer(cutout.folder) as srv:
        store.add(cutout.frames(srv))
        download_frames(store, data, progress=False, retry=fast())
        frames = store.filter(FitsFrame)
        gone, flipped, cut = (data / frames[i].path for i in (0, 5, 10))  # type: ignore[operator]
        gone.unlink()
        blob = bytearray(flipped.read_bytes())
        blob[-3000] ^= 0x01
        flipped.write_bytes(bytes(blob))
        cut.write_bytes(cut.read_bytes()[:1000])
        (data / "cutouts" / "stray.fts").write_bytes(b"x")
        quick = verify_frames(store, data, refetch=False, checksum=False, progress=False)
        assert (quick.missing, quick.corrupt, quick.untracked) == (1, 1, ["cutouts/stray.fts"])
        # back as they were, for the full check
        assert store.set_state(FitsFrame, [frames[0].url, frames[10].url], "downloaded") == 2
        before = len(srv.requests)
        summary = verify_frames(store, data, progress=False, retry=fast())
        refetched = srv.requests[before:]
    assert (summary.ok, summary.missing, summary.corrupt) == (21, 1, 2)
    assert summary.refetch is not None and summary.refetch.downloaded == 3 and summary.clean
    assert len({e.path for e in refetched}) == 3
    (data / "cutouts" / "stray.fts").unlink()
    assert_store_matches_disk(store, data, cutout)


# -- the command line -----------------------------------------------------------------------


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Any:
    from jet_hunter import cli as jet_cli
    from jet_hunter.cli import download

    if download not in jet_cli.COMMAND_MODULES:
        monkeypatch.setattr(jet_cli, "COMMAND_MODULES", (*jet_cli.COMMAND_MODULES, download))
    return jet_cli


def test_cli_download_and_verify(
    tmp_path: Path, cutout: Cutout, cli: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    db, data = str(tmp_path / "s.db"), tmp_path / "data"
    store = Store(db)
    with FileServer(cutout.folder, faults=["503:2"]) as srv:
        store.add(cutout.frames(srv))
        store.close()
        assert cli.main(["--db", db, "--data-dir", str(data), "download", "--workers", "3"]) == 0
        line = capsys.readouterr().out.strip()
        assert line.startswith("downloaded 24 of 24 frames (0 resumed, 0 adopted), failed 0, errors 0; ")
        assert cli.main(["--db", db, "--data-dir", str(data), "download", "--json"]) == 0
        doc = __import__("json").loads(capsys.readouterr().out)
        assert (doc["frames"], doc["downloaded"], doc["data_dir"]) == (0, 0, str(data))
        next(data.rglob("*.fts")).unlink()
        assert cli.main(["--db", db, "--data-dir", str(data), "verify", "--no-refetch"]) == 3
        assert "1 missing" in capsys.readouterr().out
        assert cli.main(["verify", "--db", db, "--data-dir", str(data)]) == 0
        out = capsys.readouterr().out
        assert "re-fetch: downloaded 1 of 1 frames" in out
    assert cli.main(["--db", db, "--data-dir", str(data), "verify", "--json"]) == 0
    doc = __import__("json").loads(capsys.readouterr().out)
    assert doc["ok"] == 24 and doc["clean"] is True and doc["refetch"] is None
    assert cli.main(["--db", db, "download", "--workers", "0"]) == 1
    assert "between 1 and 64" in capsys.readouterr().err
