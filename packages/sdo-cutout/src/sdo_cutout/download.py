"""The download stage: every pending frame's file fetched, verified and recorded.

:func:`download_frames` (coroutine twin :func:`adownload_frames`) reads the
:class:`jet_store.FitsFrame` records in state ``pending`` and ``missing`` (``failed``
too with ``retry_failed``), fetches them with :class:`sdo_cutout.fetcher.Downloader`,
and commits each file's record (path relative to the data folder, size, SHA-256, the
header fields of :mod:`sdo_cutout.fitsmeta`, state ``downloaded``) in its own
transaction, right after the rename. A run killed at any moment loses at most the bytes
in flight: the next run resumes each ``.part``, and a file renamed just before the kill
is recognised by its note and adopted without fetching it again.

Two runs at once (two processes, or two machines on one PostgreSQL store) share the
work through the store's claims (:mod:`jet_store.claims`): each batch of frames is
claimed before it is fetched, a frame held by another worker is left to it (``busy``),
and a claimed frame is read again so one that another worker finished meanwhile is not
fetched twice. The files themselves are protected by per-file locks in the data folder
(:class:`sdo_cutout.part.FileLocks`). A killed worker's claims expire after ``lease``
seconds and the next run takes its frames over (at once when the worker ran on this
machine: :meth:`jet_store.Store.release_dead_claims`). With ``executor`` the
stage runs on every worker of a process pool or a Dask cluster in the same way.

Every failure is recorded on its frame (``FitsFrame.message``) and the stage goes on:
a file the server refuses (4xx), a redirect loop, a redirect to another scheme, a
malformed ``Location``, or a file corrupt on every try is marked ``failed``; one that
kept failing transiently stays ``pending`` for the next run.

Examples
--------
>>> import io, tempfile, httpx, numpy as np
>>> from astropy.io import fits
>>> from jet_store import FitsFrame, Store
>>> hdu = fits.PrimaryHDU(np.zeros((4, 4), dtype=np.float32))
>>> hdu.header["DATE-OBS"], hdu.header["WAVELNTH"] = "2012-07-08T13:05:07.12", 304
>>> buffer = io.BytesIO(); hdu.writeto(buffer); blob = buffer.getvalue()
>>> def serve(request):
...     if request.url.path == "/j/loop.fts":  # a URL redirecting to itself
...         return httpx.Response(302, headers={"Location": str(request.url)})
...     return httpx.Response(200, content=blob)
>>> store = Store("sqlite://")
>>> urls = [f"http://x.test/j/{n}.fts" for n in range(3)] + ["http://x.test/j/loop.fts"]
>>> _ = store.add([FitsFrame(url=url, job_key="j") for url in urls])
>>> with tempfile.TemporaryDirectory() as tmp:
...     summary = download_frames(store, tmp, transport=httpx.MockTransport(serve), progress=False)
>>> summary.downloaded, summary.failed, store.count(FitsFrame, state="downloaded")
(3, 1, 3)
>>> frame = store.get(FitsFrame, "http://x.test/j/0.fts")
>>> frame.path, frame.size_bytes, frame.obs_time.isoformat(), frame.wavelength
('cutouts/j/0.fts', 5760, '2012-07-08T13:05:07.120000+00:00', 304.0)
>>> store.get(FitsFrame, "http://x.test/j/loop.fts").state
'failed'
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import os
import time
from collections.abc import Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from typing import Any

from jet_store import FitsFrame, FrameState, Store
from jet_store.claims import default_owner
from jet_store.executors import merge_summaries, run_shared

from sdo_cutout.download_errors import LocalWriteError, UnsafeName, UnsafePath
from sdo_cutout.fetcher import Downloader
from sdo_cutout.fetchtypes import DownloadItem, DownloadOptions, FileResult
from sdo_cutout.names import CUTOUT_DIR, SIDECAR_SUFFIX, check_relative, safe_relative_path, with_hash
from sdo_cutout.part import LOCK_NAME, PartNote, note_path, part_path, unlink
from sdo_cutout.sync import run_sync

__all__ = [
    "DownloadSummary",
    "download_frames",
    "adownload_frames",
    "sweep_notes",
    "LOCK_NAME",
]

log = logging.getLogger(__name__)


@dataclasses.dataclass
class DownloadSummary:
    """What one run of :func:`download_frames` did.

    ``downloaded`` counts frames completed in this run (``resumed`` of them continued a
    ``.part``, ``adopted`` were found complete on disk); ``failed`` were marked failed
    (refused by the server, or corrupt on every try); ``errors`` still failed after
    every retry and stay pending; ``refused`` had an unsafe path; ``busy`` were held by
    another worker (its claim, or its file lock) and left to it. ``bytes`` were received.

    Examples
    --------
    >>> DownloadSummary(frames=3, downloaded=2, resumed=1, errors=1, bytes=4_000_000, seconds=2.0).line()
    'downloaded 2 of 3 frames (1 resumed, 0 adopted), failed 0, errors 1; 4.0 MB in 2.0 s (2.0 MB/s)'
    """

    frames: int = 0
    downloaded: int = 0
    resumed: int = 0
    adopted: int = 0
    failed: int = 0
    errors: int = 0
    refused: int = 0
    busy: int = 0
    bytes: int = 0
    seconds: float = 0.0
    messages: list[str] = dataclasses.field(default_factory=list)

    def line(self) -> str:
        """One line for people."""
        rate = self.bytes / self.seconds / 1e6 if self.seconds > 0 else 0.0
        text = (
            f"downloaded {self.downloaded} of {self.frames} frames ({self.resumed} resumed, "
            f"{self.adopted} adopted), failed {self.failed}, errors {self.errors}"
        )
        if self.refused:
            text += f", refused {self.refused}"
        if self.busy:
            text += f", {self.busy} held by another worker"
        return text + f"; {self.bytes / 1e6:.1f} MB in {self.seconds:.1f} s ({rate:.1f} MB/s)"

    def to_dict(self) -> dict[str, Any]:
        """The summary as a JSON-ready dict."""
        return dataclasses.asdict(self)

    @property
    def exit_code(self) -> int:
        """2 when some file could not be had (the server kept failing or refused it), else 0."""
        return 2 if self.errors or self.failed else 0

    def note(self, message: str) -> None:
        """Add a message (at most 50 are kept)."""
        if len(self.messages) < 50:
            self.messages.append(message)


def sweep_notes(store: Store, data_dir: str | os.PathLike[str]) -> int:
    """Remove the notes of files the store already records as downloaded; return how many.

    A run killed after recording a file but before deleting its note leaves one behind;
    it is removed here when the record's SHA-256 is the note's. Notes beside a ``.part``
    are kept (they make it resumable).
    """
    root = Path(data_dir) / CUTOUT_DIR
    if not root.is_dir():
        return 0
    removed = 0
    for note_file in root.rglob("*" + SIDECAR_SUFFIX):
        final = note_file.with_name(note_file.name[: -len(SIDECAR_SUFFIX)])
        if part_path(final).exists():
            continue
        note = PartNote.read(note_file)
        frame = store.get(FitsFrame, note.url) if note is not None else None
        if (
            note is not None
            and frame is not None
            and frame.state == FrameState.DOWNLOADED
            and frame.sha256 == note.sha256
        ):
            unlink(note_file)
            removed += 1
    if removed:
        log.info("removed %d notes of files already recorded", removed)
    return removed


def _states(retry_failed: bool) -> tuple[str, ...]:
    """The frame states the stage takes up."""
    states = [FrameState.PENDING, FrameState.MISSING] + ([FrameState.FAILED] if retry_failed else [])
    return tuple(str(state) for state in states)


def _todo(store: Store, retry_failed: bool) -> list[FitsFrame]:
    frames: list[FitsFrame] = []
    for state in _states(retry_failed):
        frames.extend(store.filter(FitsFrame, state=str(state)))
    return sorted(frames, key=lambda f: f.url)


def _plan(
    store: Store, data_dir: Path, frames: Sequence[FitsFrame]
) -> tuple[list[DownloadItem], list[tuple[FitsFrame, str]]]:
    """Each frame's item: its stored path, or a new safe one distinct from every other frame's."""
    items: list[DownloadItem] = []
    refused: list[tuple[FitsFrame, str]] = []
    claimed: dict[PurePosixPath, str] = {}
    for frame in frames:
        try:
            if frame.path:
                path = check_relative(frame.path)
            else:
                path = safe_relative_path(frame.url, job_key=frame.job_key)
                if path in claimed or _owned_by_other(store, data_dir, path, frame.url):
                    # two URLs with one name (a hostile or odd listing): the later gets a hashed name
                    path = path.with_name(with_hash(path.name, frame.url))
        except (UnsafeName, UnsafePath) as err:
            refused.append((frame, str(err)))
            continue
        if path in claimed:
            refused.append((frame, f"its path {path} is also the path of {claimed[path]}"))
            continue
        claimed[path] = frame.url
        items.append(DownloadItem(url=frame.url, path=path, key=frame.url))
    return items, refused


def _owned_by_other(store: Store, data_dir: Path, path: PurePosixPath, url: str) -> bool:
    """Whether a file already at ``path`` belongs to another frame (asked only if one is there)."""
    if not (data_dir / path).exists():
        return False
    return any(other.url != url for other in store.filter(FitsFrame, path=str(path), limit=2))


def _failure_changes(result: FileResult) -> dict[str, Any]:
    """The record changes of a failed file: its reason (and, if permanent, the failed state)."""
    changes: dict[str, Any] = {"message": result.error}
    if result.permanent:
        changes.update(state=str(FrameState.FAILED), path=result.item.path.as_posix())
    return changes


def _record(store: Store, frame: FitsFrame, result: FileResult) -> None:
    """Commit one file's result on its frame."""
    if result.ok:
        assert result.path is not None
        fields = dict(result.fields or {})
        if fields.get("wavelength") is None:
            fields.pop("wavelength", None)  # keep the listing's
        fields["message"] = None
        new = dataclasses.replace(
            frame,
            path=result.item.path.as_posix(),
            size_bytes=result.size,
            sha256=result.sha256,
            state=str(FrameState.DOWNLOADED),
            **fields,
        )
        store.add([new])
        unlink(note_path(result.path))  # recorded: the note is no longer needed
    elif not result.busy:
        store.update(FitsFrame, frame.url, **_failure_changes(result))


async def adownload_frames(
    store: Store,
    data_dir: str | os.PathLike[str],
    options: DownloadOptions | None = None,
    **changes: Any,
) -> DownloadSummary:
    """Async :func:`download_frames` (same arguments and result)."""
    opts = DownloadOptions.of(options, changes)
    started = time.perf_counter()
    root = Path(data_dir)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise LocalWriteError(f"cannot create the data folder {root}: {err}") from err
    summary = await _run_stage(store, root, opts)
    summary.seconds = time.perf_counter() - started
    log.info("download: %s", summary.line())
    return summary


async def _run_stage(store: Store, root: Path, options: DownloadOptions) -> DownloadSummary:
    sweep_notes(store, root)
    store.release_dead_claims(FitsFrame)
    frames = _todo(store, options.retry_failed)
    by_url = {frame.url: frame for frame in frames}
    summary = DownloadSummary(frames=len(frames))
    items, refused = _plan(store, root, frames)
    if refused:
        for frame, reason in refused:
            store.update(FitsFrame, frame.url, state=str(FrameState.FAILED), message=reason)
            log.error("refusing frame %s: %s", frame.url, reason)
            summary.note(f"{frame.url}: {reason}")
        summary.refused = summary.failed = len(refused)
    downloader = Downloader(root, options)
    downloader.keep_notes = True
    owner = options.owner or default_owner()
    states = _states(options.retry_failed)
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sdo-store") as writer:
        async with downloader:
            for start in range(0, len(items), options.batch):
                batch = items[start : start + options.batch]
                keys = [item.key for item in batch]
                # the batch's claims are renewed while it runs and released when it ends
                with store.claiming_keys(FitsFrame, keys, owner=owner, lease=options.lease) as got:
                    summary.busy += len(batch) - len(got)
                    fresh = _current(store, got)  # claimed now: still to do? (another worker may be done)
                    mine = [item for item in batch if item.key in fresh and fresh[item.key].state in states]
                    by_url.update(fresh)
                    async for result in downloader.iter_fetch(mine):
                        summary.bytes += result.fetched_bytes
                        await loop.run_in_executor(writer, _record, store, by_url[result.item.key], result)
                        _count(summary, result)
    return summary


def _current(store: Store, urls: Sequence[str]) -> dict[str, FitsFrame]:
    """The stored frames of ``urls``, read in one query over their (sorted) range."""
    if not urls:
        return {}
    wanted = set(urls)
    span = [("url", ">=", min(wanted)), ("url", "<=", max(wanted))]
    return {f.url: f for f in store.filter(FitsFrame, where=span) if f.url in wanted}


def _count(summary: DownloadSummary, result: FileResult) -> None:
    if result.ok:
        summary.downloaded += 1
        summary.resumed += result.resumed
        summary.adopted += result.adopted
    elif result.busy:
        summary.busy += 1
    elif result.permanent:
        summary.failed += 1
        summary.note(f"{result.item.url}: {result.error}")
    else:
        summary.errors += 1
        summary.note(f"{result.item.url}: {result.error}")


def download_frames(
    store: Store,
    data_dir: str | os.PathLike[str],
    options: DownloadOptions | None = None,
    *,
    executor: Executor | None = None,
    **changes: Any,
) -> DownloadSummary:
    """The download stage: fetch every pending (and missing) frame, record each as it lands.

    Parameters
    ----------
    store : jet_store.Store
        Where the :class:`jet_store.FitsFrame` records are.
    data_dir : path
        The data folder; files go to ``cutouts/<job folder>/<name>`` under it and the
        record's ``path`` is relative to it.
    options : DownloadOptions, optional
        The run's settings (:class:`~sdo_cutout.fetchtypes.DownloadOptions`: ``workers``,
        ``retry_failed``, ``retry``, ``timeout``, ``host_limits``, ``fsync``, ``progress``...).
    executor : concurrent.futures.Executor, optional
        Download on these workers too (a process pool, a Dask client's executor, maybe
        on other machines sharing the data folder and the store): each runs the stage
        with ``options``, sharing the frames through the claims, and this process then
        sweeps up what a dead worker left (:func:`jet_store.executors.run_shared`).
    **changes
        Fields of :class:`~sdo_cutout.fetchtypes.DownloadOptions` replacing those of ``options``.

    Returns
    -------
    DownloadSummary

    Raises
    ------
    LocalWriteError
        When the data folder cannot be written; frames done so far stay recorded.

    Examples
    --------
    See the module docstring.
    """
    if executor is not None:
        return _download_shared(store, data_dir, DownloadOptions.of(options, changes), executor)
    return run_sync(lambda: adownload_frames(store, data_dir, options, **changes))


def _download_share(
    data_dir: str, options: DownloadOptions, store: Store, index: int, count: int
) -> DownloadSummary:
    """One worker's share of a distributed download run (the claims split the frames)."""
    return run_sync(lambda: adownload_frames(store, data_dir, options))


def _download_shared(
    store: Store, data_dir: str | os.PathLike[str], options: DownloadOptions, executor: Executor
) -> DownloadSummary:
    started = time.perf_counter()
    quiet = dataclasses.replace(options, progress=False)
    shared = run_shared(store, executor, functools.partial(_download_share, str(data_dir), quiet))
    summary = merge_summaries(shared.values, final=("errors", "busy", "messages"))
    summary.frames = max(v.frames for v in shared.values)
    summary.seconds = time.perf_counter() - started
    for line in shared.errors:
        summary.note(line)
    log.info("download: %s", summary.line())
    return summary
