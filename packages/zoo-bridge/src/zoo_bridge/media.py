"""What Panoptes accepts as subject media, checked before anything is written or sent.

Panoptes takes files up to 1 MiB of a few types; :func:`check_subject_files` checks
every file of every subject (exists, non-empty, an allowed type by name *and* by its
first bytes, under the limit) and every subject's metadata (the contract of
:mod:`zoo_bridge.metadata` can be read back for each frame), and returns one line per
problem, naming the file or subject, so that a caller can refuse the whole batch
before creating anything (:func:`require_valid`).

Examples
--------
>>> mime_type("images/a.png"), mime_type("subjects/s.mp4")
('image/png', 'video/mp4')
>>> mime_type("notes.txt") is None
True
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from jet_store import Subject

from zoo_bridge.errors import BadSubjectFiles, MetadataError
from zoo_bridge.metadata import frame_count, frame_metadata

__all__ = [
    "MAX_FILE_BYTES",
    "MIME_TYPES",
    "mime_type",
    "sha256_file",
    "file_problems",
    "check_subject_files",
    "require_valid",
]

MAX_FILE_BYTES = 1024 * 1024
"""Panoptes' limit per media file (any type)."""

MIME_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
              ".mp4": "video/mp4"}  # fmt: skip
"""Media types this project uploads (Panoptes allows these among others), by suffix."""

_TEXT_KEYS = ("#cunit1", "#cunit2", "#ctype1", "#ctype2", "#date-obs")

_MAGIC = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
}


def mime_type(path: str | os.PathLike[str]) -> str | None:
    """The media type of a file name, or None when Panoptes would not take it."""
    return MIME_TYPES.get(Path(path).suffix.lower())


def sha256_file(path: str | os.PathLike[str]) -> str:
    """The SHA-256 of a file, hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _content_matches(head: bytes, kind: str) -> bool:
    if kind == "video/mp4":
        return head[4:8] == b"ftyp"
    return any(head.startswith(magic) for magic in _MAGIC.get(kind, ()))


def file_problems(path: str | os.PathLike[str], *, max_bytes: int = MAX_FILE_BYTES) -> str | None:
    """Why Panoptes would refuse this file, or None.

    Examples
    --------
    >>> file_problems("/no/such/file.png")
    '/no/such/file.png: does not exist'
    """
    p = Path(path)
    kind = mime_type(p)
    if kind is None:
        return f"{p}: type {p.suffix or '(no suffix)'} is not one of {', '.join(sorted(MIME_TYPES))}"
    try:
        size = p.stat().st_size
        if not p.is_file():
            return f"{p}: not a file"
        with p.open("rb") as fh:
            head = fh.read(16)
    except FileNotFoundError:
        return f"{p}: does not exist"
    except OSError as err:
        return f"{p}: cannot be read ({err.strerror or err})"
    if size == 0:
        return f"{p}: is empty"
    if size >= max_bytes:
        return f"{p}: is {size} bytes, over the Panoptes limit of {max_bytes} bytes (1 MiB)"
    if not _content_matches(head, kind):
        return f"{p}: its content is not {kind}"
    return None


def check_subject_files(
    subjects: Iterable[Subject], data_dir: str | os.PathLike[str], *, max_bytes: int = MAX_FILE_BYTES
) -> list[str]:
    """Every problem of these subjects' files and metadata, one line each (empty: all good)."""
    root = Path(data_dir)
    problems: list[str] = []
    seen: set[Path] = set()
    for subject in subjects:
        if not subject.media_paths:
            problems.append(f"subject {subject.key}: has no files (run `jet-hunter subjects` again)")
        for rel in subject.media_paths:
            path = root / rel
            if path in seen:
                continue
            seen.add(path)
            problem = file_problems(path, max_bytes=max_bytes)
            if problem is not None:
                problems.append(f"subject {subject.key}: {problem}")
        problems.extend(_metadata_problems(subject))
    return problems


def _metadata_problems(subject: Subject) -> list[str]:
    meta = subject.metadata or {}
    if meta.get("#subject_key") != subject.key:
        return [f"subject {subject.key}: metadata has no matching '#subject_key'"]
    count = frame_count(meta)
    if count == 0:
        return [f"subject {subject.key}: metadata describes no frames"]
    try:
        for index in range(count):
            frame = frame_metadata(meta, index)
            if index == 0:  # a full astropy WCS once; the other frames: every number readable
                frame.frame_wcs()
            else:
                for key, value in frame.wcs.items():
                    if key not in _TEXT_KEYS:
                        float(value)
    except (MetadataError, ValueError) as err:
        return [f"subject {subject.key}: metadata: {err}"]
    bad = [k for k, v in meta.items() if not isinstance(v, str)]
    if bad:
        return [f"subject {subject.key}: metadata values must be strings: {', '.join(bad[:5])}"]
    return []


def require_valid(
    subjects: Iterable[Subject], data_dir: str | os.PathLike[str], *, max_bytes: int = MAX_FILE_BYTES
) -> None:
    """Raise :class:`BadSubjectFiles` naming every bad file or subject, if there is any."""
    problems = check_subject_files(subjects, data_dir, max_bytes=max_bytes)
    if problems:
        raise BadSubjectFiles(problems)
