"""The ``.part`` file format: a file being downloaded, its note, and the disk operations on them.

A file ``<name>`` is written as ``<name>.part``; before its first byte, a note
``<name>.part.json`` (:class:`PartNote`) records the URL, the server's ``ETag`` /
``Last-Modified`` and the announced size, so a later run can resume the ``.part``
with ``Range`` + ``If-Range``. Once the ``.part`` passed every check, the note is
marked ``complete`` with the file's SHA-256 and the ``.part`` is renamed over
``<name>``: a run killed after the rename but before the store recorded it leaves the
note as evidence to adopt the file by.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> with tempfile.TemporaryDirectory() as tmp:
...     final = Path(tmp, "a.fts")
...     PartNote(url="http://x.test/a.fts", etag='"v1"', total=10).write(note_path(final))
...     note = PartNote.read(note_path(final))
>>> part_path(final).name, note_path(final).name, note.validator, note.total
('a.fts.part', 'a.fts.part.json', '"v1"', 10)
>>> parse_content_range("bytes 0-99/100"), parse_content_range("bytes 5-9/*"), parse_content_range("x")
((0, 99, 100), (5, 9, None), None)
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import zlib
from pathlib import Path, PurePosixPath
from typing import Any

import httpx

from sdo_cutout.names import PART_SUFFIX, SIDECAR_SUFFIX

__all__ = [
    "PartNote",
    "part_path",
    "note_path",
    "file_digest",
    "unlink",
    "open_part",
    "fsync_dir",
    "parse_content_range",
    "content_length",
    "looks_like_html",
    "LOCK_NAME",
    "FileLocks",
]

log = logging.getLogger(__name__)

_HASH_BLOCK = 1024 * 1024

LOCK_NAME = ".download.lock"
"""The lock file in the data folder; each file being written holds a lock on one byte of it."""


def part_path(final: Path) -> Path:
    """Where ``final`` is downloaded to before it is complete (``<name>.part``)."""
    return final.with_name(final.name + PART_SUFFIX)


def note_path(final: Path) -> Path:
    """The note kept beside ``final``'s ``.part`` (``<name>.part.json``)."""
    return final.with_name(final.name + SIDECAR_SUFFIX)


def file_digest(path: str | os.PathLike[str]) -> tuple[int, str]:
    """Size in bytes and SHA-256 (hex) of a file, read in 1 MiB blocks.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     p = pathlib.Path(tmp, "x")
    ...     _ = p.write_bytes(b"abc")
    ...     file_digest(p)
    (3, 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    """
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while block := f.read(_HASH_BLOCK):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


@dataclasses.dataclass
class PartNote:
    """The note beside a ``.part``: where its bytes come from, and whether it is complete."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    total: int | None = None
    complete: bool = False
    sha256: str | None = None

    @property
    def validator(self) -> str | None:
        """The If-Range value: a strong ETag, else Last-Modified."""
        if self.etag and not self.etag.startswith("W/"):
            return self.etag
        return self.last_modified

    @classmethod
    def read(cls, path: Path) -> PartNote | None:
        """The note at ``path``; None when there is none or it cannot be read."""
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                url=str(doc["url"]),
                etag=doc.get("etag"),
                last_modified=doc.get("last_modified"),
                total=None if doc.get("total") is None else int(doc["total"]),
                complete=bool(doc.get("complete", False)),
                sha256=doc.get("sha256"),
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            log.warning("ignoring an unreadable download note %s", path)
            return None

    def write(self, path: Path) -> None:
        """Write the note atomically (a temporary file renamed over ``path``)."""
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(dataclasses.asdict(self)), encoding="utf-8")
        os.replace(tmp, path)


def unlink(*paths: Path) -> None:
    """Remove files, those already gone included."""
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def open_part(path: Path, append: bool) -> Any:
    """Open a ``.part`` for writing (appending to resume), never through a symlink."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    flags |= getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags, 0o644)
    return os.fdopen(fd, "ab" if append else "wb")


def fsync_dir(folder: Path) -> None:
    """fsync a folder (its entries survive a power cut); a no-op where it cannot be."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - Windows cannot open folders
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems refuse
        pass
    finally:
        os.close(fd)


def parse_content_range(value: str | None) -> tuple[int, int, int | None] | None:
    """``bytes a-b/total`` -> (a, b, total or None); None when absent or malformed."""
    if not value:
        return None
    try:
        unit, _, spec = value.strip().partition(" ")
        span, _, total = spec.partition("/")
        first, _, last = span.partition("-")
        if unit.lower() != "bytes":
            return None
        return int(first), int(last), None if total.strip() == "*" else int(total)
    except ValueError:
        return None


def content_length(response: httpx.Response) -> int | None:
    """The announced ``Content-Length``, None when absent or not a number."""
    value = response.headers.get("Content-Length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def looks_like_html(path: Path) -> bool:
    """Whether a downloaded file starts like an HTML (or XML) page: an outage page, not data."""
    try:
        with open(path, "rb") as f:
            head = f.read(512).lstrip().lower()
    except OSError:
        return False
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<?xml"))


class FileLocks:
    """Per-file locks between processes writing one data folder (POSIX record locks).

    Each file being fetched holds an exclusive ``lockf`` lock on one byte of
    :data:`LOCK_NAME`, at an offset hashed from its relative path, so two processes
    never write the same ``.part`` (the store's claims already keep them on different
    frames; this protects the files themselves, also from a second store on the same
    folder). Locks are released with the process, so a killed run holds nothing.
    Locks are per process: inside one process the downloader itself never fetches a
    path twice at once.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with FileLocks(tmp) as locks:
    ...         locks.acquire(PurePosixPath("cutouts/j/a.fts"))
    True
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.path = Path(root) / LOCK_NAME
        self._fd: int | None = None

    def __enter__(self) -> FileLocks:
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
        return self

    def __exit__(self, *exc_info: object) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # releases every lock of this process on the file

    @staticmethod
    def _offset(relative: PurePosixPath) -> int:
        return zlib.crc32(str(relative).encode("utf-8", "surrogatepass")) & 0x3FFFFFFF

    def acquire(self, relative: PurePosixPath) -> bool:
        """Lock ``relative``'s byte; False when another process holds it."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: claims alone
            return True
        assert self._fd is not None, "use FileLocks as a context manager"
        try:
            fcntl.lockf(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, self._offset(relative), os.SEEK_SET)
        except OSError:
            return False
        return True

    def release(self, relative: PurePosixPath) -> None:
        """Unlock ``relative``'s byte."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover
            return
        if self._fd is not None:
            fcntl.lockf(self._fd, fcntl.LOCK_UN, 1, self._offset(relative), os.SEEK_SET)
