"""Check the files on disk against the store, and re-fetch what is missing or corrupt.

:func:`verify_frames` is the seed's ``update_table`` done safely: for every frame in
state ``downloaded`` it checks that the file is where the record says (inside the data
folder), has the recorded size and, unless ``checksum=False``, the recorded SHA-256. A
frame whose file is absent, of another size or another hash is set to ``missing``
(nothing on disk is deleted: the download stage replaces a corrupt file atomically), and
with ``refetch=True`` the download stage then fetches every missing and pending frame
again. Leftover ``.part`` files and files that no record claims are reported.

Examples
--------
>>> import tempfile, pathlib
>>> from jet_store import FitsFrame, Store
>>> store = Store("sqlite://")
>>> with tempfile.TemporaryDirectory() as tmp:
...     _ = pathlib.Path(tmp, "a.fts").write_bytes(b"abc")
...     _ = store.add([
...         FitsFrame(url="http://x.test/a.fts", path="a.fts", state="downloaded", size_bytes=3,
...                   sha256="ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
...         FitsFrame(url="http://x.test/b.fts", path="b.fts", state="downloaded", size_bytes=3)])
...     summary = verify_frames(store, tmp, refetch=False, progress=False)
>>> summary.line()
'verified 2 frames: 1 ok, 1 missing, 0 corrupt, 0 unsafe; 0 .part files, 0 untracked files'
>>> store.get(FitsFrame, "http://x.test/b.fts").state
'missing'
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

from jet_store import FitsFrame, FrameState, Store
from jet_store.progress import progress_bar

from sdo_cutout.download import download_frames, sweep_notes
from sdo_cutout.download_errors import UnsafePath
from sdo_cutout.names import CUTOUT_DIR, PART_SUFFIX, SIDECAR_SUFFIX, resolve_inside
from sdo_cutout.part import file_digest

__all__ = ["VerifySummary", "FileCheck", "check_frame_file", "verify_frames", "leftover_parts"]

log = logging.getLogger(__name__)

Verdict = Literal["ok", "missing", "corrupt", "unsafe"]

_BATCH = 500


@dataclasses.dataclass(frozen=True, slots=True)
class FileCheck:
    """The verdict on one frame's file: ``ok``, ``missing``, ``corrupt`` or ``unsafe``, and why."""

    url: str
    verdict: Verdict
    reason: str = ""


def check_frame_file(
    frame: FitsFrame, data_dir: str | os.PathLike[str], *, checksum: bool = True
) -> FileCheck:
    """Whether ``frame``'s file is on disk, inside ``data_dir``, with its recorded size and hash.

    Examples
    --------
    >>> from jet_store import FitsFrame
    >>> check_frame_file(FitsFrame(url="u", path="../../etc/passwd"), "/tmp").verdict
    'unsafe'
    >>> check_frame_file(FitsFrame(url="u"), "/tmp")
    FileCheck(url='u', verdict='missing', reason='no path recorded')
    """
    if not frame.path:
        return FileCheck(frame.url, "missing", "no path recorded")
    try:
        path = resolve_inside(data_dir, frame.path)
    except UnsafePath as err:
        return FileCheck(frame.url, "unsafe", str(err))
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return FileCheck(frame.url, "missing", f"{frame.path} is not on disk")
    except OSError as err:
        return FileCheck(frame.url, "missing", f"{frame.path} cannot be read: {err}")
    if not path.is_file():
        return FileCheck(frame.url, "missing", f"{frame.path} is not a file")
    if frame.size_bytes is not None and size != frame.size_bytes:
        return FileCheck(frame.url, "corrupt", f"{frame.path} has {size} bytes, {frame.size_bytes} recorded")
    if checksum:
        if frame.sha256 is None:
            return FileCheck(frame.url, "corrupt", f"{frame.path}: no SHA-256 recorded")
        try:
            _, digest = file_digest(path)
        except OSError as err:
            return FileCheck(frame.url, "missing", f"{frame.path} cannot be read: {err}")
        if digest != frame.sha256:
            return FileCheck(frame.url, "corrupt", f"{frame.path}: SHA-256 differs from the recorded one")
    return FileCheck(frame.url, "ok")


def leftover_parts(data_dir: str | os.PathLike[str]) -> list[Path]:
    """The ``.part`` files (and notes) under the data folder's ``cutouts`` folder, sorted.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     folder = pathlib.Path(tmp, "cutouts", "j"); folder.mkdir(parents=True)
    ...     _ = (folder / "a.fts.part").write_bytes(b"x")
    ...     [p.name for p in leftover_parts(tmp)]
    ['a.fts.part']
    """
    root = Path(data_dir) / CUTOUT_DIR
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.name.endswith((PART_SUFFIX, SIDECAR_SUFFIX)))


@dataclasses.dataclass
class VerifySummary:
    """What :func:`verify_frames` found (and, with ``refetch``, what the download stage then did)."""

    checked: int = 0
    ok: int = 0
    missing: int = 0
    corrupt: int = 0
    unsafe: int = 0
    parts: list[str] = dataclasses.field(default_factory=list)
    untracked: list[str] = dataclasses.field(default_factory=list)
    problems: list[str] = dataclasses.field(default_factory=list)
    refetch: Any = None  #: the DownloadSummary of the re-fetch, if one ran

    @property
    def clean(self) -> bool:
        """Every recorded file intact and nothing half-downloaded left (after any re-fetch)."""
        refetched_all = self.refetch is None or (self.refetch.errors == 0 and self.refetch.failed == 0)
        problems = self.missing + self.corrupt + self.unsafe
        return (problems == 0 or (self.refetch is not None and refetched_all)) and not self.parts

    def line(self) -> str:
        """One line for people."""
        text = (
            f"verified {self.checked} frames: {self.ok} ok, {self.missing} missing, {self.corrupt} corrupt, "
            f"{self.unsafe} unsafe; {len(self.parts)} .part files, {len(self.untracked)} untracked files"
        )
        if self.refetch is not None:
            text += f"; re-fetch: {self.refetch.line()}"
        return text

    def to_dict(self) -> dict[str, Any]:
        """The summary as a JSON-ready dict."""
        doc = dataclasses.asdict(self)
        doc["refetch"] = None if self.refetch is None else self.refetch.to_dict()
        doc["clean"] = self.clean
        return doc


def _batches(store: Store) -> Iterator[list[FitsFrame]]:
    batch: list[FitsFrame] = []
    for frame in store.stream(FitsFrame, state=str(FrameState.DOWNLOADED)):
        batch.append(frame)
        if len(batch) >= _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _untracked(data_dir: Path, recorded: set[str]) -> list[str]:
    root = data_dir / CUTOUT_DIR
    if not root.is_dir():
        return []
    out = []
    for path in root.rglob("*"):
        if path.is_file() and not path.name.endswith((PART_SUFFIX, SIDECAR_SUFFIX, ".tmp")):
            rel = path.relative_to(data_dir).as_posix()
            if rel not in recorded:
                out.append(rel)
    return sorted(out)


def verify_frames(
    store: Store,
    data_dir: str | os.PathLike[str],
    *,
    refetch: bool = True,
    checksum: bool = True,
    workers: int = 4,
    progress: bool = True,
    **download_options: Any,
) -> VerifySummary:
    """Check every downloaded frame's file; mark bad ones ``missing``; re-fetch them.

    Parameters
    ----------
    store : jet_store.Store
        Where the frames are.
    data_dir : path
        The data folder the frames' paths are relative to.
    refetch : bool
        Run :func:`~sdo_cutout.download.download_frames` afterwards for every missing
        (and pending) frame.
    checksum : bool
        Compare SHA-256 hashes (reads every file); False compares sizes only.
    workers : int
        Files hashed at the same time, and the download stage's ``workers``.
    progress : bool
        A progress bar on stderr when it is a terminal.
    **download_options
        Passed on to :func:`~sdo_cutout.download.download_frames` (``transport``,
        ``retry``, ``timeout``...).

    Returns
    -------
    VerifySummary
    """
    root = Path(data_dir)
    summary = VerifySummary()
    recorded: set[str] = set()
    bad: list[str] = []
    total = store.count(FitsFrame, state=str(FrameState.DOWNLOADED))
    with (
        ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="sdo-verify") as pool,
        progress_bar(total, enabled=progress, desc="verify", unit="file") as bar,
    ):
        for batch in _batches(store):
            for frame in batch:
                if frame.path:
                    recorded.add(frame.path)
            for check in pool.map(lambda f: check_frame_file(f, root, checksum=checksum), batch):
                summary.checked += 1
                bar.update(1)
                if check.verdict == "ok":
                    summary.ok += 1
                    continue
                setattr(summary, check.verdict, getattr(summary, check.verdict) + 1)
                bad.append(check.url)
                if len(summary.problems) < 50:
                    summary.problems.append(f"{check.url}: {check.reason}")
                log.warning("%s: %s", check.verdict, check.reason)
    for start in range(0, len(bad), _BATCH):
        store.set_state(FitsFrame, bad[start : start + _BATCH], str(FrameState.MISSING))
    summary.untracked = _untracked(root, recorded)
    if refetch and store.count(FitsFrame, where=[("state", "!=", str(FrameState.DOWNLOADED))]) > 0:
        summary.refetch = download_frames(store, root, workers=workers, progress=progress, **download_options)
    sweep_notes(store, root)
    summary.parts = [p.relative_to(root).as_posix() for p in leftover_parts(root)]
    log.info("verify: %s", summary.line())
    return summary
