"""One file's transfer into its ``.part``: resuming, reading the answer, committing the file.

The steps 2, 3 and 5 of :mod:`sdo_cutout.fetcher` (which schedules, retries and checks):
:func:`resume_headers` decides whether a ``.part`` can be resumed, :func:`receive` writes
one answer into it (or says why it must start over), :func:`commit_part` renames a
checked ``.part`` into place.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from pathlib import Path

import httpx
from jet_store.retry import Transient

from sdo_cutout.fetchtypes import DownloadItem
from sdo_cutout.http import Permanent, check_status
from sdo_cutout.part import (
    PartNote,
    content_length,
    fsync_dir,
    open_part,
    parse_content_range,
    unlink,
)

__all__ = ["FetchState", "Restart", "commit_part", "receive", "resume_headers"]

log = logging.getLogger(__name__)


class Restart(Transient):
    """A failed attempt after which the ``.part`` must be discarded."""


@dataclasses.dataclass
class FetchState:
    """The mutable state of one file while it is being fetched."""

    item: DownloadItem
    final: Path
    part: Path
    note_file: Path
    attempts: int = 0
    fetched: int = 0
    resumed: bool = False
    last_invalid: bool = False


def resume_headers(job: FetchState) -> tuple[dict[str, str], int, PartNote | None]:
    """The request headers that resume ``job``'s ``.part``, its size and its note.

    A ``.part`` is resumed (``Range`` and ``If-Range``) only when its note names the same
    URL and holds a validator; any other ``.part`` or note is discarded first.
    """
    note = PartNote.read(job.note_file)
    offset = job.part.stat().st_size if job.part.exists() else 0
    headers: dict[str, str] = {}
    if offset > 0 and note is not None and note.url == job.item.url and note.validator:
        headers = {"Range": f"bytes={offset}-", "If-Range": note.validator}
    elif offset > 0 or note is not None:
        unlink(job.part, job.note_file)  # a .part we cannot vouch for: start over
        offset, note = 0, None
    return headers, offset, note


async def receive(job: FetchState, response: httpx.Response, offset: int, note: PartNote | None) -> None:
    """Write one answer into the ``.part`` (resumed at ``offset`` or from scratch).

    Leaves a ``.part`` as long as the answer announced, with its note written before the
    first byte; raises :class:`Restart` when the ``.part`` had to be discarded,
    :class:`~jet_store.retry.Transient` for a body cut short (the ``.part`` is kept and
    resumed) and :class:`~sdo_cutout.http.Permanent` for an answer that will not change.
    """
    status = response.status_code
    url = job.item.url
    if status == 416 and offset > 0:
        if note is not None and note.total == offset:
            log.debug("%s: the .part is already whole (416)", url)
            job.resumed = True
            return
        unlink(job.part, job.note_file)
        raise Restart(f"HTTP 416 for a .part of {offset} bytes; starting over")
    check_status(response)
    if status != 200 and status != 206:
        raise Permanent(f"HTTP {status} {response.reason_phrase} for {url}".strip())
    append = False
    span = parse_content_range(response.headers.get("Content-Range")) if status == 206 else None
    whole = span is not None and span[0] == 0 and span[2] is not None and span[1] == span[2] - 1
    if status == 206 and not whole:
        if offset == 0 or span is None or span[0] != offset:
            unlink(job.part, job.note_file)
            raise Restart(
                f"a 206 answer with Content-Range {response.headers.get('Content-Range')!r} "
                f"does not continue a .part of {offset} bytes"
            )
        total = span[2]
        append = True
        job.resumed = True
        assert note is not None
        if total is not None and note.total is not None and total != note.total:
            unlink(job.part, job.note_file)
            raise Restart(f"the file's size changed ({note.total} -> {total} bytes); starting over")
    else:  # the whole file: a 200, or a 206 whose range is all of it (asked for or not)
        if offset > 0:
            log.info("%s: the server sent the whole file instead of the rest; starting over", url)
        coding = response.headers.get("Content-Encoding", "identity").strip().lower()
        encoded = coding not in ("", "identity")
        # a body the server compressed on the fly (despite Accept-Encoding: identity) is
        # decoded here: its length is unknown and it cannot be resumed
        total = None if encoded else (span[2] if span is not None else content_length(response))
        note = PartNote(
            url=url,
            etag=None if encoded else response.headers.get("ETag"),
            last_modified=None if encoded else response.headers.get("Last-Modified"),
            total=total,
        )
        note.write(job.note_file)  # before the first byte: a .part always has its note
        offset = 0
    received = 0
    with open_part(job.part, append) as out:
        try:
            async for chunk in response.aiter_bytes():
                out.write(chunk)
                received += len(chunk)
                if total is not None and offset + received > total:
                    break
        finally:
            job.fetched += received
    size = offset + received
    if total is not None and size > total:
        unlink(job.part, job.note_file)
        raise Restart(f"the body is longer than the announced {total} bytes; starting over")
    if total is not None and size < total:
        raise Transient(f"the body stopped at {size} of {total} bytes")


def commit_part(job: FetchState, size: int, sha256: str, fsync: bool, keep_notes: bool) -> None:
    """Mark the checked ``.part`` complete in its note and rename it into place (atomic).

    With ``fsync`` the file and then its folder are flushed to disk; the note is removed
    afterwards unless ``keep_notes``.
    """
    note = PartNote.read(job.note_file) or PartNote(url=job.item.url)
    if fsync:
        with open(job.part, "rb+") as f:
            os.fsync(f.fileno())
    note.complete, note.sha256, note.total = True, sha256, size
    note.write(job.note_file)
    os.replace(job.part, job.final)
    if fsync:
        fsync_dir(job.final.parent)
    if not keep_notes:
        unlink(job.note_file)
