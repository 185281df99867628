"""Where a downloaded file lands and whether it is whole: the disk side of :mod:`sdo_cutout.fetcher`.

Steps 1 and 4 of the fetcher, and the evidence of a killed run: :func:`fetch_state`
places a file safely inside the data folder, :func:`check_file` checks a file (FITS and
SHA-256), :func:`check_part` checks a whole ``.part`` before its rename,
:func:`adoption_candidate` and :func:`check_adopted` recognise a file that a killed run
completed but did not record, and :func:`finished` / :func:`failed` are the results.
These run in the fetcher's check threads (they read whole files), never on its event loop.

Examples
--------
>>> import io, tempfile, numpy as np
>>> from pathlib import Path
>>> from astropy.io import fits
>>> from sdo_cutout.fetchtypes import DownloadItem
>>> with tempfile.TemporaryDirectory() as tmp:
...     job = fetch_state(Path(tmp), DownloadItem.for_url("http://files.test/job/a.fts"))
...     fits.PrimaryHDU(np.ones((8, 8), dtype=np.float32)).writeto(job.part)
...     size, sha256, fields = check_part(job, verify_fits=True)
...     print(job.final.relative_to(tmp).as_posix(), size, fields["naxis1"])
...     print(failed(job, "gone", permanent=True).error, adoption_candidate(job))
cutouts/~no-job/a.fts 5760 8
gone None
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sdo_cutout.download_errors import InvalidFits, LocalWriteError, UnsafePath
from sdo_cutout.fetchtypes import DownloadItem, FileResult
from sdo_cutout.fitsmeta import check_fits, frame_fields_from_header
from sdo_cutout.names import resolve_inside
from sdo_cutout.part import PartNote, file_digest, looks_like_html, note_path, part_path, unlink
from sdo_cutout.receive import FetchState, Restart

__all__ = [
    "fetch_state",
    "check_file",
    "check_part",
    "adoption_candidate",
    "check_adopted",
    "finished",
    "failed",
]

log = logging.getLogger(__name__)

#: what :func:`check_file` says of a file: size, SHA-256 and frame fields (None unchecked)
Checked = tuple[int, str, dict[str, Any] | None]


def fetch_state(data_dir: Path, item: DownloadItem) -> FetchState:
    """The state of a new fetch of ``item``: its final, ``.part`` and note paths, all safe.

    Raises
    ------
    UnsafeName, UnsafePath
        When the item's path leaves the data folder or goes through a symlink.
    LocalWriteError
        When its folder cannot be created.
    """
    final = resolve_inside(data_dir, item.path)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise LocalWriteError(f"cannot create the folder {final.parent}: {err}") from err
    # the temporary names must not be symlinks out either
    part, note = part_path(final), note_path(final)
    for path in (part, note):
        if path.is_symlink():
            raise UnsafePath(f"{path} is a symlink; refusing to write through it")
    return FetchState(item=item, final=final, part=part, note_file=note)


def check_file(path: Path, verify_fits: bool) -> Checked:
    """Size, SHA-256 and (with ``verify_fits``) the frame fields of a complete FITS file.

    Raises
    ------
    InvalidFits
        When ``verify_fits`` and the file is not a complete FITS image.
    """
    fields = None
    if verify_fits:
        fields = frame_fields_from_header(check_fits(path))
    size, sha256 = file_digest(path)
    return size, sha256, fields


def check_part(job: FetchState, verify_fits: bool) -> Checked:
    """Check the whole ``.part`` of ``job``; raise :class:`Restart` (``.part`` gone) if it fails."""
    note = PartNote.read(job.note_file)
    try:
        size, sha256, fields = check_file(job.part, verify_fits)
    except InvalidFits as err:
        html = looks_like_html(job.part)
        unlink(job.part, job.note_file)
        # an HTML page where a file was expected is an outage (transient); anything
        # else that is not FITS, if it stays so, is the file itself (permanent)
        job.last_invalid = not html
        what = "an HTML page instead of the file" if html else f"not a valid FITS file: {err}"
        raise Restart(what) from None
    if note is not None and note.total is not None and size != note.total:
        unlink(job.part, job.note_file)
        raise Restart(f"{size} bytes on disk, {note.total} announced")
    return size, sha256, fields


def adoption_candidate(job: FetchState) -> tuple[Path, PartNote] | None:
    """The file a killed run completed (final name or whole ``.part``) and its note, if any.

    The note must be complete, for the same URL, with a SHA-256: the evidence that
    :func:`check_adopted` checks the file against.
    """
    note = PartNote.read(job.note_file)
    if note is None or not note.complete or note.url != job.item.url or not note.sha256:
        return None
    candidate = job.final if job.final.is_file() else job.part if job.part.is_file() else None
    return None if candidate is None else (candidate, note)


def check_adopted(job: FetchState, candidate: Path, note: PartNote, verify_fits: bool) -> Checked | None:
    """:func:`check_file` of an adoption candidate that matches its note; None (and the note
    and a ``.part`` candidate removed) when it is not intact, to be fetched again."""
    try:
        size, sha256, fields = check_file(candidate, verify_fits)
        if sha256 != note.sha256 or (note.total is not None and size != note.total):
            raise InvalidFits("it differs from what was downloaded")
    except (InvalidFits, OSError) as err:
        log.warning("%s is on disk but not intact (%s); fetching it again", candidate, err)
        unlink(job.note_file, *([job.part] if candidate == job.part else []))
        return None
    return size, sha256, fields


def finished(job: FetchState, checked: Checked, *, adopted: bool = False) -> FileResult:
    """The result of a file in place at its final path."""
    size, sha256, fields = checked
    if adopted:
        return FileResult(
            item=job.item, ok=True, path=job.final, size=size, sha256=sha256, fields=fields, adopted=True
        )
    return FileResult(
        item=job.item,
        ok=True,
        path=job.final,
        size=size,
        sha256=sha256,
        fields=fields,
        resumed=job.resumed,
        fetched_bytes=job.fetched,
        attempts=job.attempts,
    )


def failed(job: FetchState, reason: str, *, permanent: bool) -> FileResult:
    """The result of a file that could not be fetched, with the attempts it took."""
    return FileResult(
        item=job.item,
        ok=False,
        resumed=job.resumed,
        fetched_bytes=job.fetched,
        attempts=job.attempts,
        error=reason,
        permanent=permanent,
    )
