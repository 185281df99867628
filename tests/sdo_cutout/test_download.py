"""The downloader, one behaviour at a time, against an in-process file server (httpx.MockTransport).

The replica-backed tests (real HTTP, fault plans, a killed run) are in
test_download_replica.py.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import httpx
import numpy as np
import pytest
from astropy.io import fits
from jet_store import FitsFrame, FrameState, Store
from jet_store.retry import RetryPolicy
from sdo_cutout.download import download_frames
from sdo_cutout.download_errors import LocalWriteError
from sdo_cutout.fetcher import Downloader, download_files
from sdo_cutout.fetchtypes import DownloadItem, FileResult
from sdo_cutout.part import note_path, part_path
from tenacity import RetryCallState

ETAG = '"v1"'


def fits_blob(seed: int = 0, shape: tuple[int, int] = (64, 80), *, checksum: bool = True) -> bytes:
    data = np.random.default_rng(seed).random(shape, dtype=np.float32)
    hdu = fits.PrimaryHDU(data)
    hdu.header["DATE-OBS"] = f"2012-07-08T13:05:{seed % 60:02d}.12"
    hdu.header["WAVELNTH"] = 304
    hdu.header["CTYPE1"], hdu.header["CTYPE2"] = "HPLN-TAN", "HPLT-TAN"
    buffer = io.BytesIO()
    hdu.writeto(buffer, checksum=checksum)
    return buffer.getvalue()


class _CutStream(httpx.AsyncByteStream):
    """A body that stops after ``keep`` bytes with a protocol error, like a dropped connection."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.data
        raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")


@dataclass
class Remote:
    """Files by URL path, with Range/If-Range/ETag, a request log and scripted faults.

    ``script[path]`` is a list of faults used up one per request: ``cut:F`` (send a fraction
    F, then drop), ``503`` / ``429:S`` (Retry-After S), ``long`` (Content-Length smaller
    than the body), ``short`` (a body cut at a 2880 multiple, announced as complete),
    ``corrupt`` (flip a data byte), ``ignore-range`` (answer 200), ``404``, ``html``.
    """

    files: dict[str, bytes] = field(default_factory=dict)
    etag: str = ETAG
    script: dict[str, list[str]] = field(default_factory=dict)
    log: list[tuple[str, dict[str, str], int, int]] = field(default_factory=list)
    delay: float = 0.0
    active: int = 0
    peak: int = 0

    def requests_for(self, path: str) -> list[tuple[str, dict[str, str], int, int]]:
        return [entry for entry in self.log if entry[0] == path]

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.active += 1
        self.peak = max(self.peak, self.active)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            return self._answer(request)
        finally:
            self.active -= 1

    def _answer(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        headers = {k.lower(): v for k, v in request.headers.items()}
        blob = self.files.get(path)
        fault = self.script.get(path, []).pop(0) if self.script.get(path) else ""

        def answer(
            status: int, body: bytes = b"", extra: dict[str, str] | None = None, **kw: Any
        ) -> httpx.Response:
            self.log.append((path, headers, status, len(body)))
            base = {"ETag": self.etag, "Accept-Ranges": "bytes", **(extra or {})}
            return httpx.Response(status, content=body, headers=base, **kw)

        if blob is None or fault == "404":
            return answer(404, b"not found")
        if fault.startswith(("503", "429")):
            code, _, wait = fault.partition(":")
            return answer(int(code), b"busy", {"Retry-After": wait} if wait else None)
        if fault == "html":
            return answer(200, b"<html><body>maintenance</body></html>")
        if fault == "corrupt":
            broken = bytearray(blob)
            broken[len(blob) - 100] ^= 0xFF
            blob = bytes(broken)
        start = 0
        rng = headers.get("range")
        if rng and fault != "ignore-range" and headers.get("if-range") in (None, self.etag):
            start = int(rng.removeprefix("bytes=").rstrip("-"))
            if start >= len(blob):
                return answer(416, b"", {"Content-Range": f"bytes */{len(blob)}"})
        body = blob[start:]
        extra = {"Content-Range": f"bytes {start}-{len(blob) - 1}/{len(blob)}"} if start else {}
        status = 206 if start else 200
        if fault.startswith("cut:"):
            keep = body[: int(len(body) * float(fault[4:]))]
            self.log.append((path, headers, status, len(keep)))
            return httpx.Response(
                status,
                headers={"ETag": self.etag, "Content-Length": str(len(body)), **extra},
                stream=_CutStream(keep),
            )
        if fault == "long":
            self.log.append((path, headers, status, len(body)))
            return httpx.Response(
                status,
                headers={"ETag": self.etag, "Content-Length": str(len(body) - 10), **extra},
                stream=httpx.ByteStream(body),
            )
        if fault == "short":
            body = body[: len(body) - 2880]
        return answer(status, body, extra)


def fast(attempts: int = 4) -> RetryPolicy:
    return RetryPolicy(attempts=attempts, base_delay=0.001, max_delay=0.005, max_retry_after=0.05)


def fetch(tmp_path: Path, remote: Remote, items: list[DownloadItem], **options: Any) -> list[FileResult]:
    options.setdefault("retry", fast())
    return download_files(items, tmp_path, transport=httpx.MockTransport(remote), progress=False, **options)


def item(name: str = "a.fts", job: str = "job1") -> DownloadItem:
    return DownloadItem.for_url(f"http://files.test/{job}/{name}", job_key=job)


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.rglob("*") if p.name.endswith((".part", ".part.json", ".tmp")))


# -- the plain path ------------------------------------------------------------------------


def test_a_download_is_verified_renamed_and_hashed(tmp_path: Path) -> None:
    blob = fits_blob()
    remote = Remote({"/job1/a.fts": blob})
    [result] = fetch(tmp_path, remote, [item()])
    assert result.ok and not result.resumed and result.attempts == 1
    assert result.path == tmp_path.resolve() / "cutouts" / "job1" / "a.fts"
    assert result.path.read_bytes() == blob
    assert (result.size, result.sha256) == (len(blob), hashlib.sha256(blob).hexdigest())
    assert result.fields is not None and result.fields["wavelength"] == 304.0
    assert result.fetched_bytes == len(blob)
    assert leftovers(tmp_path) == []
    sent = remote.log[0][1]
    assert sent["accept-encoding"] == "identity" and "range" not in sent


def test_a_part_is_resumed_with_range_and_if_range(tmp_path: Path) -> None:
    blob = fits_blob()
    it = item()
    final = tmp_path / it.path
    final.parent.mkdir(parents=True)
    part_path(final).write_bytes(blob[:10_000])
    note_path(final).write_text(json.dumps({"url": it.url, "etag": ETAG, "total": len(blob)}))
    remote = Remote({"/job1/a.fts": blob})
    [result] = fetch(tmp_path, remote, [it])
    assert result.ok and result.resumed
    assert result.fetched_bytes == len(blob) - 10_000
    assert final.read_bytes() == blob
    [(_, sent, status, size)] = remote.log
    assert (sent["range"], sent["if-range"], status, size) == ("bytes=10000-", ETAG, 206, len(blob) - 10_000)
    assert leftovers(tmp_path) == []


def test_a_part_from_another_version_restarts_on_200(tmp_path: Path) -> None:
    blob = fits_blob(1)
    it = item()
    final = tmp_path / it.path
    final.parent.mkdir(parents=True)
    part_path(final).write_bytes(fits_blob(2)[:9000])  # an older file's bytes
    note_path(final).write_text(json.dumps({"url": it.url, "etag": '"old"', "total": len(blob)}))
    remote = Remote({"/job1/a.fts": blob})
    [result] = fetch(tmp_path, remote, [it])
    assert result.ok and not result.resumed and final.read_bytes() == blob
    assert remote.log[0][1]["if-range"] == '"old"' and remote.log[0][2] == 200


def test_a_server_that_ignores_ranges_restarts_the_file(tmp_path: Path) -> None:
    blob = fits_blob()
    remote = Remote({"/job1/a.fts": blob}, script={"/job1/a.fts": ["cut:0.5", "ignore-range"]})
    [result] = fetch(tmp_path, remote, [item()])
    assert result.ok and (tmp_path / item().path).read_bytes() == blob
    assert [entry[2] for entry in remote.log] == [200, 200]


@pytest.mark.parametrize("note_total", ["same", "other", "none"])
def test_416_checks_the_part_or_starts_over(tmp_path: Path, note_total: str) -> None:
    blob = fits_blob()
    it = item()
    final = tmp_path / it.path
    final.parent.mkdir(parents=True)
    total = {"same": len(blob), "other": len(blob) + 2880, "none": None}[note_total]
    part_path(final).write_bytes(blob)
    note_path(final).write_text(json.dumps({"url": it.url, "etag": ETAG, "total": total}))
    remote = Remote({"/job1/a.fts": blob})
    [result] = fetch(tmp_path, remote, [it])
    assert result.ok and final.read_bytes() == blob
    statuses = [entry[2] for entry in remote.log]
    assert statuses == ([416] if note_total == "same" else [416, 200])
    assert result.fetched_bytes == (0 if note_total == "same" else len(blob))


def test_a_part_without_a_note_is_never_trusted(tmp_path: Path) -> None:
    blob = fits_blob()
    it = item()
    final = tmp_path / it.path
    final.parent.mkdir(parents=True)
    part_path(final).write_bytes(b"GARBAGE" * 1000)
    remote = Remote({"/job1/a.fts": blob})
    [result] = fetch(tmp_path, remote, [it])
    assert result.ok and final.read_bytes() == blob
    assert "range" not in remote.log[0][1]


# -- faults ---------------------------------------------------------------------------------


def test_a_cut_body_is_resumed_not_fetched_again(tmp_path: Path) -> None:
    blob = fits_blob()
    remote = Remote({"/job1/a.fts": blob}, script={"/job1/a.fts": ["cut:0.3", "cut:0.5"]})
    [result] = fetch(tmp_path, remote, [item()])
    assert result.ok and result.resumed and result.attempts == 3
    assert (tmp_path / item().path).read_bytes() == blob
    assert result.fetched_bytes == len(blob)  # every byte once
    ranges = [entry[1].get("range") for entry in remote.log]
    first = int(len(blob) * 0.3)
    assert ranges == [None, f"bytes={first}-", f"bytes={first + int((len(blob) - first) * 0.5)}-"]


def test_a_body_longer_than_announced_is_discarded(tmp_path: Path) -> None:
    blob = fits_blob()
    remote = Remote({"/job1/a.fts": blob}, script={"/job1/a.fts": ["long"]})
    [result] = fetch(tmp_path, remote, [item()])
    assert result.ok and result.attempts == 2 and (tmp_path / item().path).read_bytes() == blob
    assert "range" not in remote.log[1][1]


@pytest.mark.parametrize("fault", ["short", "corrupt", "html"])
def test_a_file_that_is_not_valid_fits_is_fetched_again_from_scratch(tmp_path: Path, fault: str) -> None:
    blob = fits_blob()
    remote = Remote({"/job1/a.fts": blob}, script={"/job1/a.fts": [fault]})
    [result] = fetch(tmp_path, remote, [item()])
    assert result.ok and result.attempts == 2 and (tmp_path / item().path).read_bytes() == blob
    assert "range" not in remote.log[1][1]
    assert leftovers(tmp_path) == []


def test_a_file_corrupt_on_every_try_fails_for_good_and_leaves_nothing(tmp_path: Path) -> None:
    remote = Remote({"/job1/a.fts": fits_blob()}, script={"/job1/a.fts": ["corrupt"] * 10})
    [result] = fetch(tmp_path, remote, [item()], retry=fast(3))
    assert not result.ok and result.permanent and result.attempts == 3
    assert "CHECKSUM" in (result.error or "") or "DATASUM" in (result.error or "")
    assert not (tmp_path / item().path).exists() and leftovers(tmp_path) == []


def test_an_outage_page_on_every_try_is_not_permanent(tmp_path: Path) -> None:
    remote = Remote({"/job1/a.fts": fits_blob()}, script={"/job1/a.fts": ["html"] * 10})
    [result] = fetch(tmp_path, remote, [item()], retry=fast(3))
    assert not result.ok and not result.permanent and "HTML" in (result.error or "")
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("url", ["ftp://files.test/a.fts", "http:///a.fts", "http://[::1/a.fts", "a.fts"])
def test_urls_that_are_not_http_fail_for_good_without_a_crash(tmp_path: Path, url: str) -> None:
    remote = Remote({"/a.fts": fits_blob()})
    results = fetch(tmp_path, remote, [DownloadItem(url=url, path=PurePosixPath("a.fts")), item()])
    by_url = {r.item.url: r for r in results}
    assert not by_url[url].ok and by_url[url].permanent and by_url[url].attempts == 0
    assert by_url[item().url].ok is False  # (not served: 404) but the run went on


def test_404_is_permanent_at_once(tmp_path: Path) -> None:
    remote = Remote({})
    [result] = fetch(tmp_path, remote, [item()])
    assert not result.ok and result.permanent and result.attempts == 1 and "404" in (result.error or "")
    assert leftovers(tmp_path) == []


def test_retry_after_is_honoured(tmp_path: Path) -> None:
    waits: list[float] = []

    class Recording(RetryPolicy):
        def wait(self, retry_state: RetryCallState) -> float:
            seconds = super().wait(retry_state)
            waits.append(seconds)
            return seconds

    policy = Recording(attempts=4, base_delay=0.001, max_delay=0.005, max_retry_after=0.5)
    remote = Remote({"/job1/a.fts": fits_blob()}, script={"/job1/a.fts": ["429:0.05", "503:0.08", "503"]})
    [result] = fetch(tmp_path, remote, [item()], retry=policy)
    assert result.ok and result.attempts == 4
    assert 0.05 <= waits[0] <= 0.051 and 0.08 <= waits[1] <= 0.081 and waits[2] <= 0.005


def test_transient_failures_that_outlast_the_retries_leave_a_resumable_part(tmp_path: Path) -> None:
    blob = fits_blob()
    remote = Remote({"/job1/a.fts": blob}, script={"/job1/a.fts": ["cut:0.2", "503", "503"]})
    [result] = fetch(tmp_path, remote, [item()], retry=fast(3))
    assert not result.ok and not result.permanent and "503" in (result.error or "")
    final = tmp_path / item().path
    assert not final.exists() and part_path(final).stat().st_size == int(len(blob) * 0.2)
    [again] = fetch(tmp_path, remote, [item()])
    assert again.ok and again.resumed and final.read_bytes() == blob
    assert again.fetched_bytes == len(blob) - int(len(blob) * 0.2)


def test_per_host_limits_are_kept(tmp_path: Path) -> None:
    remote = Remote({f"/job1/{n}.fts": fits_blob(n, (8, 8)) for n in range(12)}, delay=0.01)
    items = [item(f"{n}.fts") for n in range(12)]
    results = fetch(tmp_path, remote, items, workers=3)
    assert all(r.ok for r in results) and remote.peak == 3
    remote.peak = 0
    results = fetch(tmp_path / "b", remote, items, workers=8, host_limits={"files.test": 2})
    assert all(r.ok for r in results) and remote.peak == 2


def test_unsafe_paths_are_refused_without_a_request(tmp_path: Path) -> None:
    remote = Remote({"/x.fts": fits_blob()})
    bad = DownloadItem(url="http://files.test/x.fts", path="../../x.fts")  # type: ignore[arg-type]
    [result] = fetch(tmp_path / "data", remote, [bad])
    assert not result.ok and result.permanent and "relative" in (result.error or "")
    assert remote.log == [] and not list(tmp_path.rglob("x.fts*"))
    assert not (tmp_path.parent / "x.fts").exists()


def test_a_data_folder_that_cannot_be_written_stops_the_run(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(LocalWriteError, match="cannot create"):
        fetch(blocker, Remote({"/job1/a.fts": fits_blob()}), [item()])


# -- the stage over the store ----------------------------------------------------------------


def _stage(store: Store, root: Path, remote: Remote, **options: Any) -> Any:
    options.setdefault("retry", fast())
    return download_frames(store, root, transport=httpx.MockTransport(remote), progress=False, **options)


def test_the_stage_records_each_file_and_a_rerun_does_nothing(tmp_path: Path) -> None:
    blobs = {f"/j{n % 2}/f{n}.fts": fits_blob(n, (16, 24)) for n in range(6)}
    remote = Remote(blobs)
    store = Store(tmp_path / "s.db")
    store.add(
        [FitsFrame(url=f"http://files.test{p}", job_key=p.split("/")[1], wavelength=171.0) for p in blobs]
    )
    summary = _stage(store, tmp_path / "data", remote)
    assert (summary.downloaded, summary.failed, summary.errors) == (6, 0, 0)
    assert summary.bytes == sum(len(b) for b in blobs.values())
    for frame in store.filter(FitsFrame):
        blob = blobs[httpx.URL(frame.url).path]
        assert frame.state == FrameState.DOWNLOADED
        assert (tmp_path / "data" / frame.path).read_bytes() == blob
        assert frame.size_bytes == len(blob) and frame.sha256 == hashlib.sha256(blob).hexdigest()
        assert frame.wavelength == 304.0 and frame.obs_time is not None and frame.header["NAXIS1"] == 24
        assert frame.path.startswith(f"cutouts/{frame.job_key}/")
    assert leftovers(tmp_path / "data") == []
    again = _stage(store, tmp_path / "data", remote)
    assert again.frames == 0 and len(remote.log) == 6
    assert store.count(FitsFrame) == 6


def test_the_stage_marks_refused_files_failed_and_keeps_transient_ones_pending(tmp_path: Path) -> None:
    blob = fits_blob()
    remote = Remote({"/j/ok.fts": blob, "/j/flaky.fts": blob}, script={"/j/flaky.fts": ["503"] * 3})
    store = Store("sqlite://")
    store.add([FitsFrame(url=f"http://files.test/j/{n}.fts", job_key="j") for n in ("ok", "gone", "flaky")])
    summary = _stage(store, tmp_path, remote, retry=fast(3))
    assert (summary.downloaded, summary.failed, summary.errors) == (1, 1, 1)
    states = {f.url.rsplit("/", 1)[1]: f.state for f in store.filter(FitsFrame)}
    assert states == {"ok.fts": "downloaded", "gone.fts": "failed", "flaky.fts": "pending"}
    assert any("404" in m for m in summary.messages)
    # the next run takes the pending one (and the failed one only when asked)
    again = _stage(store, tmp_path, remote)
    assert (again.frames, again.downloaded) == (1, 1)
    retried = _stage(store, tmp_path, remote, retry_failed=True)
    assert (retried.frames, retried.failed) == (1, 1)


def test_the_stage_adopts_a_file_renamed_before_a_kill(tmp_path: Path) -> None:
    blob = fits_blob()
    remote = Remote({"/j/a.fts": blob})
    url = "http://files.test/j/a.fts"
    # what a run killed between the rename and the record leaves: the file and its complete note
    downloader = Downloader(tmp_path, transport=httpx.MockTransport(remote), retry=fast())
    downloader.keep_notes = True

    async def run() -> list[FileResult]:
        async with downloader:
            return await downloader.fetch([DownloadItem.for_url(url, job_key="j")])

    [first] = asyncio.run(run())
    assert first.ok and note_path(first.path).exists()  # type: ignore[arg-type]
    store = Store("sqlite://")
    store.add([FitsFrame(url=url, job_key="j")])
    summary = _stage(store, tmp_path, remote)
    assert (summary.downloaded, summary.adopted, summary.bytes) == (1, 1, 0)
    assert len(remote.log) == 1
    frame = store.get(FitsFrame, url)
    assert frame is not None and frame.sha256 == hashlib.sha256(blob).hexdigest()
    assert leftovers(tmp_path) == []


def test_a_complete_part_left_before_its_rename_needs_no_request(tmp_path: Path) -> None:
    blob = fits_blob()
    url = "http://files.test/j/a.fts"
    final = tmp_path / "cutouts" / "j" / "a.fts"
    final.parent.mkdir(parents=True)
    part_path(final).write_bytes(blob)
    note = {
        "url": url,
        "etag": ETAG,
        "total": len(blob),
        "complete": True,
        "sha256": hashlib.sha256(blob).hexdigest(),
    }
    note_path(final).write_text(json.dumps(note))
    remote = Remote({"/j/a.fts": blob})
    store = Store("sqlite://")
    store.add([FitsFrame(url=url, job_key="j")])
    summary = _stage(store, tmp_path, remote)
    assert (summary.downloaded, summary.adopted, remote.log) == (1, 1, [])
    assert final.read_bytes() == blob and leftovers(tmp_path) == []


@pytest.mark.parametrize("where", ["final", "part"])
def test_a_file_changed_on_disk_since_its_check_is_not_adopted(tmp_path: Path, where: str) -> None:
    blob = fits_blob(checksum=False)
    url = "http://files.test/j/a.fts"
    final = tmp_path / "cutouts" / "j" / "a.fts"
    final.parent.mkdir(parents=True)
    changed = bytearray(blob)
    changed[-10] ^= 0x01  # still a valid FITS file, but not the bytes that were checked
    (final if where == "final" else part_path(final)).write_bytes(bytes(changed))
    note = {
        "url": url,
        "etag": ETAG,
        "total": len(blob),
        "complete": True,
        "sha256": hashlib.sha256(blob).hexdigest(),
    }
    note_path(final).write_text(json.dumps(note))
    remote = Remote({"/j/a.fts": blob})
    store = Store("sqlite://")
    store.add([FitsFrame(url=url, job_key="j")])
    summary = _stage(store, tmp_path, remote)
    assert (summary.downloaded, summary.adopted) == (1, 0)
    assert [entry[2] for entry in remote.log] == [200]
    assert final.read_bytes() == blob and leftovers(tmp_path) == []


def test_same_names_in_one_job_get_distinct_files(tmp_path: Path) -> None:
    a, b = fits_blob(1), fits_blob(2)
    remote = Remote({"/one/x.fts": a, "/two/x.fts": b})
    store = Store("sqlite://")
    store.add([FitsFrame(url=f"http://files.test/{d}/x.fts", job_key="j") for d in ("one", "two")])
    summary = _stage(store, tmp_path, remote)
    assert summary.downloaded == 2
    frames = store.filter(FitsFrame)
    assert len({f.path for f in frames}) == 2
    for frame in frames:
        expected = a if "/one/" in frame.url else b
        assert (tmp_path / frame.path).read_bytes() == expected
    # stable: a file still on disk keeps its owner; the other frame re-fetched gets its own name again
    store.set_state(FitsFrame, [frames[1].url], "missing")
    path_before = frames[1].path
    _stage(store, tmp_path, remote)
    frame = store.get(FitsFrame, frames[1].url)
    assert frame is not None and frame.path == path_before


def test_hostile_stored_paths_are_refused_and_marked_failed(tmp_path: Path) -> None:
    remote = Remote({"/j/a.fts": fits_blob()})
    store = Store("sqlite://")
    store.add([FitsFrame(url="http://files.test/j/a.fts", path="../../escape.fts", state="missing")])
    data = tmp_path / "data"
    summary = _stage(store, data, remote)
    assert (summary.refused, summary.failed, remote.log) == (1, 1, [])
    frame = store.get(FitsFrame, "http://files.test/j/a.fts")
    assert frame is not None and frame.state == "failed"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_summary_line_and_dict(tmp_path: Path) -> None:
    remote = Remote({"/j/a.fts": fits_blob()})
    store = Store("sqlite://")
    store.add([FitsFrame(url="http://files.test/j/a.fts", job_key="j")])
    summary = _stage(store, tmp_path, remote)
    assert summary.line().startswith("downloaded 1 of 1 frames (0 resumed, 0 adopted), failed 0, errors 0; ")
    doc = summary.to_dict()
    assert doc["downloaded"] == 1 and doc["bytes"] > 0 and json.dumps(doc)


def test_it_runs_inside_a_running_event_loop(tmp_path: Path) -> None:
    remote = Remote({"/job1/a.fts": fits_blob()})

    async def inside() -> list[FileResult]:
        return fetch(tmp_path, remote, [item()])

    [result] = asyncio.run(inside())
    assert result.ok


def test_closing_the_iterator_early_cancels_the_rest(tmp_path: Path) -> None:
    remote = Remote({f"/job1/{n}.fts": fits_blob(n, (8, 8)) for n in range(20)}, delay=0.02)

    async def run() -> int:
        async with Downloader(tmp_path, transport=httpx.MockTransport(remote), workers=2) as dl:
            got = 0
            stream = dl.iter_fetch([item(f"{n}.fts") for n in range(20)])
            async for _ in stream:
                got += 1
                if got == 3:
                    break
            await stream.aclose()  # type: ignore[attr-defined]
            return got

    assert asyncio.run(run()) == 3
    assert len(remote.log) < 20
