"""The resumable, verifying FITS downloader, and the download stage over the store.

What a file goes through (:class:`Downloader`):

1. Its local path comes from :mod:`sdo_cutout.names` and is checked with
   :func:`~sdo_cutout.names.resolve_inside`: nothing is ever written outside the data
   folder, whatever a listing says.
2. Bytes go to ``<name>.part``. Before the first byte, a note ``<name>.part.json``
   records the URL, the server's ``ETag`` / ``Last-Modified`` and the announced size.
3. An existing ``.part`` is resumed with ``Range: bytes=<size>-`` and ``If-Range``
   (the strong ETag, else Last-Modified, from the note); without a note or a validator
   it is discarded. A ``200`` where a ``206`` was asked for (the file changed, or the
   server ignores ranges) restarts the file; a ``206`` whose ``Content-Range`` does not
   start where the ``.part`` ends restarts it; a ``416`` means the ``.part`` may already
   be whole: it is checked like any download, and restarted if it fails.
4. The size must be what ``Content-Length`` (or the ``Content-Range`` total) announced;
   then the file must be a complete FITS image (:func:`sdo_cutout.fitsmeta.check_fits`:
   size from its headers, astropy opens it, data of the right shape, ``CHECKSUM`` /
   ``DATASUM`` when present). Its SHA-256 is computed.
5. The ``.part`` is fsynced, the note marked complete, and the ``.part`` renamed over
   ``<name>`` (atomic), then the folder is fsynced. A file never has its final name
   unless it passed every check; a ``.part`` never counts as complete.

Failures are retried with tenacity (:class:`~sdo_cutout.jobs.RetryPolicy`: jittered
exponential backoff, ``Retry-After`` honoured, bounded attempts): timeouts, resets,
5xx, 408, 429, bodies shorter than announced (the ``.part`` is kept and resumed), bodies
longer than announced and files that fail the FITS check (both restarted from
scratch). 4xx answers (404, 410, 403...) are permanent. A local write error (disk full,
permissions) stops the run: :class:`~sdo_cutout.download_errors.LocalWriteError`.
Downloads run concurrently on one :class:`httpx.AsyncClient`, at most ``max_per_host``
per host (``host_limits`` per host name: JSOC asks for one connection) and
``max_total`` in all; the checks run in a small thread pool.

The stage, :func:`download_frames` (coroutine twin :func:`adownload_frames`), reads the
:class:`jet_store.FitsFrame` records in state ``pending`` and ``missing`` (``failed``
too on request), downloads them, and commits each file's record (path relative to the
data folder, size, SHA-256, the header fields of :mod:`sdo_cutout.fitsmeta`, state
``downloaded``) in its own transaction, right after the rename. A run killed at any
moment loses at most the bytes in flight: the next run resumes each ``.part``, and a
file renamed just before the kill is recognised by its note and adopted without
fetching it again. A file the server refuses (4xx) or that is corrupt on every try is
marked ``failed``; one that kept failing transiently stays ``pending`` for the next run.

Examples
--------
A download answered by an in-process transport (tests use real HTTP against the file
replica of ``jet_sandbox``):

>>> import io, tempfile, httpx, numpy as np
>>> from astropy.io import fits
>>> buffer = io.BytesIO()
>>> fits.PrimaryHDU(np.ones((8, 8), dtype=np.float32)).writeto(buffer, checksum=True)
>>> blob = buffer.getvalue()
>>> def serve(request):
...     return httpx.Response(200, content=blob, headers={"ETag": '"v1"'})
>>> with tempfile.TemporaryDirectory() as tmp:
...     [result] = download_files(["http://files.test/job/a.fts"], tmp,
...                               transport=httpx.MockTransport(serve), progress=False)
...     print(result.ok, result.size, result.path.relative_to(tmp).as_posix())
True 5760 cutouts/~no-job/a.fts
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

import httpx
from jet_store import FitsFrame, FrameState, Store
from jet_store.retry import RetryPolicy, Transient, parse_retry_after
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

from sdo_cutout.download_errors import (
    DataFolderBusy,
    InvalidFits,
    LocalWriteError,
    UnsafeName,
    UnsafePath,
)
from sdo_cutout.errors import CutoutRequestError
from sdo_cutout.fitsmeta import check_fits, frame_fields_from_header
from sdo_cutout.jobs import _run_sync
from sdo_cutout.names import (
    PART_SUFFIX,
    SIDECAR_SUFFIX,
    check_relative,
    resolve_inside,
    safe_relative_path,
    with_hash,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "DEFAULT_RETRY",
    "DEFAULT_HOST_LIMITS",
    "DownloadItem",
    "FileResult",
    "Downloader",
    "DownloadSummary",
    "download_files",
    "download_frames",
    "adownload_frames",
    "file_digest",
    "part_path",
    "note_path",
    "sweep_notes",
    "LOCK_NAME",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0, pool=None)
"""10 s to connect, 60 s for each read or write; waiting for a free connection is unlimited."""
DEFAULT_RETRY = RetryPolicy(attempts=6, base_delay=0.5, max_delay=30.0, max_retry_after=120.0)
"""Six attempts per file, full-jitter backoff from 0.5 s up to 30 s, Retry-After up to 2 min."""
DEFAULT_HOST_LIMITS: Mapping[str, int] = {"jsoc.stanford.edu": 1}
"""Connections per host that override ``max_per_host`` (JSOC asks for one per client)."""

_HASH_BLOCK = 1024 * 1024


def _user_agent() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"sdo-cutout/{version('sdo-cutout')} (jet-hunter)"
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "sdo-cutout (jet-hunter)"


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


# -- what to fetch, what came of it --------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class DownloadItem:
    """One file to fetch: its URL and its path relative to the data folder.

    ``key`` is the caller's (the stage uses the frame's URL); it comes back in the
    :class:`FileResult`.

    Examples
    --------
    >>> DownloadItem.for_url("http://x.test/job/../../a.fts", job_key="jsoc_1").path
    PurePosixPath('cutouts/jsoc_1/a.fts')
    """

    url: str
    path: PurePosixPath
    key: Any = None

    @classmethod
    def for_url(cls, url: str, *, job_key: str | None = None, key: Any = None) -> DownloadItem:
        """The item of ``url`` at its safe path (:func:`~sdo_cutout.names.safe_relative_path`)."""
        return cls(url=url, path=safe_relative_path(url, job_key=job_key), key=url if key is None else key)


@dataclasses.dataclass(frozen=True, slots=True)
class FileResult:
    """What became of one :class:`DownloadItem`.

    Attributes
    ----------
    item : DownloadItem
    ok : bool
        The file is complete and verified at ``path``.
    path : Path or None
        Absolute path of the complete file.
    size, sha256 : int, str or None
        Of the complete file.
    fields : dict or None
        :func:`~sdo_cutout.fitsmeta.frame_fields_from_header` of its image header.
    resumed : bool
        Some bytes came from a ``.part`` left by an earlier attempt or run.
    adopted : bool
        Found complete on disk (renamed by a run killed before it recorded it); nothing fetched.
    fetched_bytes : int
        Body bytes received for this file in this run, over every attempt.
    attempts : int
        Requests made.
    error : str or None
        Why it failed (``ok`` false).
    permanent : bool
        The failure will not go away by retrying (4xx, a file corrupt on every try).
    """

    item: DownloadItem
    ok: bool
    path: Path | None = None
    size: int | None = None
    sha256: str | None = None
    fields: dict[str, Any] | None = None
    resumed: bool = False
    adopted: bool = False
    fetched_bytes: int = 0
    attempts: int = 0
    error: str | None = None
    permanent: bool = False


class _Permanent(Exception):
    """A failure that retrying will not fix (a 4xx answer)."""


class _Restart(Transient):
    """A failed attempt after which the ``.part`` must be discarded."""


@dataclasses.dataclass
class _Note:
    """The note beside a ``.part``: where its bytes come from."""

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
    def read(cls, path: Path) -> _Note | None:
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
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(dataclasses.asdict(self)), encoding="utf-8")
        os.replace(tmp, path)


@dataclasses.dataclass
class _Job:
    """The mutable state of one file while it is being fetched."""

    item: DownloadItem
    final: Path
    part: Path
    note_file: Path
    attempts: int = 0
    fetched: int = 0
    resumed: bool = False
    reasons: list[str] = dataclasses.field(default_factory=list)
    last_invalid: bool = False


def _unlink(*paths: Path) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _open_part(path: Path, append: bool) -> Any:
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    flags |= getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags, 0o644)
    return os.fdopen(fd, "ab" if append else "wb")


def _fsync_dir(folder: Path) -> None:
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


def _content_range(value: str | None) -> tuple[int, int, int | None] | None:
    """``bytes a-b/total`` -> (a, b, total or None); None when malformed."""
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


def _length(response: httpx.Response) -> int | None:
    value = response.headers.get("Content-Length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _looks_like_html(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            head = f.read(512).lstrip().lower()
    except OSError:
        return False
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<?xml"))


def _import_fits() -> None:
    import astropy.io.fits  # noqa: F401


def _progress_bar(total: int, progress: bool, desc: str) -> Any:
    from tqdm.auto import tqdm

    show = progress and sys.stderr.isatty()
    return tqdm(total=total, unit="file", desc=desc, file=sys.stderr, disable=not show, leave=False)


# -- the downloader --------------------------------------------------------------------------


class Downloader:
    """Concurrent, resumable, verifying downloads into a data folder (see the module docstring).

    Parameters
    ----------
    data_dir : path
        The data folder; item paths are relative to it. Created when missing.
    max_per_host : int
        Files fetched at the same time from one host (``host:port``).
    max_total : int, optional
        Files fetched at the same time in all; ``max(16, max_per_host)`` by default.
    host_limits : mapping of str to int, optional
        Per-host-name overrides of ``max_per_host`` (:data:`DEFAULT_HOST_LIMITS`).
    timeout : float or httpx.Timeout
        Per-request timeouts (:data:`DEFAULT_TIMEOUT`); a stalled body times out per read.
    retry : RetryPolicy, optional
        Attempts and backoff per file (:data:`DEFAULT_RETRY`).
    transport : httpx.AsyncBaseTransport, optional
        Injected into the ``httpx.AsyncClient`` (tests: ``httpx.MockTransport``).
    verify_fits : bool
        Check every file as FITS (:func:`~sdo_cutout.fitsmeta.check_fits`) before it
        counts as complete. Turn off only for files that are not FITS.
    fsync : bool
        fsync each file before its rename and its folder after (durable after a power cut).
    check_threads : int
        Threads that check and hash finished files.

    Notes
    -----
    Use it as an async context manager to share one connection pool and one thread
    pool across calls of :meth:`fetch` / :meth:`iter_fetch`.
    """

    def __init__(
        self,
        data_dir: str | os.PathLike[str],
        *,
        max_per_host: int = 4,
        max_total: int | None = None,
        host_limits: Mapping[str, int] | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        verify_fits: bool = True,
        fsync: bool = True,
        check_threads: int = 4,
    ) -> None:
        if max_per_host < 1 or (max_total is not None and max_total < 1) or check_threads < 1:
            raise CutoutRequestError("max_per_host, max_total and check_threads must be >= 1")
        self.data_dir = Path(data_dir)
        self.max_per_host = max_per_host
        self.max_total = max_total if max_total is not None else max(16, max_per_host)
        self.host_limits = dict(DEFAULT_HOST_LIMITS if host_limits is None else host_limits)
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self.retry = retry or DEFAULT_RETRY
        self.transport = transport
        self.verify_fits = verify_fits
        self.fsync = fsync
        self.check_threads = check_threads
        #: keep each file's note after its rename (the stage removes it once the store has
        #: the file, so a kill in between leaves evidence to adopt the file by)
        self.keep_notes = False
        self._client: httpx.AsyncClient | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._total: asyncio.Semaphore | None = None

    def __repr__(self) -> str:
        return (
            f"Downloader({str(self.data_dir)!r}, max_per_host={self.max_per_host}, "
            f"max_total={self.max_total})"
        )

    # -- resources ---------------------------------------------------------------------

    async def __aenter__(self) -> Downloader:
        await self._open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _open(self) -> None:
        if self._client is None:
            self._client = httpx.AsyncClient(
                transport=self.transport,
                timeout=self.timeout,
                headers={"User-Agent": _user_agent(), "Accept-Encoding": "identity"},
                limits=httpx.Limits(max_connections=self.max_total, max_keepalive_connections=self.max_total),
                follow_redirects=True,
            )
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self.check_threads, thread_name_prefix="sdo-check")
            if self.verify_fits:  # astropy.io.fits takes a second to import: not on the first file's time
                self._pool.submit(_import_fits)
        self._total = asyncio.Semaphore(self.max_total)
        self._hosts = {}

    async def aclose(self) -> None:
        """Close the connection pool and the check threads."""
        client, self._client = self._client, None
        pool, self._pool = self._pool, None
        if client is not None:
            await client.aclose()
        if pool is not None:
            pool.shutdown(wait=True)

    def _host_semaphore(self, url: str) -> asyncio.Semaphore:
        parsed = httpx.URL(url)
        host = parsed.host or ""
        key = f"{host}:{parsed.port or ''}"
        if key not in self._hosts:
            self._hosts[key] = asyncio.Semaphore(self.host_limits.get(host, self.max_per_host))
        return self._hosts[key]

    async def _in_thread(self, func: Callable[..., T], *args: Any) -> T:
        assert self._pool is not None
        return await asyncio.get_running_loop().run_in_executor(self._pool, func, *args)

    # -- public API --------------------------------------------------------------------

    async def fetch(self, items: Iterable[DownloadItem], *, progress: bool = False) -> list[FileResult]:
        """Download every item; return their results in completion order.

        Raises
        ------
        LocalWriteError
            When the data folder cannot be written (the other downloads are cancelled).
        """
        return [result async for result in self.iter_fetch(items, progress=progress)]

    async def iter_fetch(
        self, items: Iterable[DownloadItem], *, progress: bool = False
    ) -> AsyncIterator[FileResult]:
        """Download the items concurrently; yield each :class:`FileResult` as it completes.

        At most ``2 * max_total`` items are in progress at once (the rest wait in the
        iterable). Closing the iterator early cancels the downloads in flight; their
        ``.part`` files stay for the next run.
        """
        owned = self._client is None
        if owned:
            await self._open()
        todo = list(items)
        window = 2 * self.max_total
        source = iter(todo)
        pending: set[asyncio.Task[FileResult]] = set()
        try:
            with _progress_bar(len(todo), progress, "download") as bar:
                received = 0
                while True:
                    while len(pending) < window and (item := next(source, None)) is not None:
                        pending.add(asyncio.ensure_future(self._fetch_one(item)))
                    if not pending:
                        break
                    done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                    for task in done:
                        result = task.result()
                        received += result.fetched_bytes
                        bar.update(1)
                        bar.set_postfix(MB=f"{received / 1e6:.1f}", refresh=False)
                        yield result
        finally:
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
            if owned:
                await self.aclose()

    # -- one file ----------------------------------------------------------------------

    def _paths(self, item: DownloadItem) -> _Job:
        final = resolve_inside(self.data_dir, item.path)
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise LocalWriteError(f"cannot create the folder {final.parent}: {err}") from err
        # the temporary names must not be symlinks out either
        part, note = part_path(final), note_path(final)
        for path in (part, note):
            if path.is_symlink():
                raise UnsafePath(f"{path} is a symlink; refusing to write through it")
        return _Job(item=item, final=final, part=part, note_file=note)

    async def _fetch_one(self, item: DownloadItem) -> FileResult:
        try:
            url = httpx.URL(item.url)
            if url.scheme not in ("http", "https") or not url.host:
                raise httpx.InvalidURL(f"{item.url[:200]!r} is not an http(s) URL")
            job = self._paths(item)
        except (UnsafePath, UnsafeName, httpx.InvalidURL) as err:
            log.error("refusing %s: %s", item.url, err)
            return FileResult(item=item, ok=False, error=str(err), permanent=True)
        adopted = await self._adopt(job)
        if adopted is not None:
            return adopted
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(self.retry.attempts),
                wait=self.retry.wait,
                retry=retry_if_exception_type(Transient),
                reraise=True,
                before_sleep=self._log_retry(job),
            ):
                with attempt:
                    async with self._host_semaphore(item.url):
                        assert self._total is not None
                        async with self._total:
                            await self._attempt(job)
                    return await self._finish(job)
        except Transient as err:
            reason = f"gave up after {job.attempts} attempts: {err}"
            log.error("%s: %s", item.url, reason)
            return self._failed(job, reason, permanent=job.last_invalid)
        except _Permanent as err:
            log.error("%s: %s", item.url, err)
            _unlink(job.part, job.note_file)
            return self._failed(job, str(err), permanent=True)
        except OSError as err:
            raise LocalWriteError(f"cannot write {job.part}: {err}") from err
        raise AssertionError("unreachable")  # pragma: no cover

    def _failed(self, job: _Job, reason: str, *, permanent: bool) -> FileResult:
        return FileResult(
            item=job.item,
            ok=False,
            resumed=job.resumed,
            fetched_bytes=job.fetched,
            attempts=job.attempts,
            error=reason,
            permanent=permanent,
        )

    def _log_retry(self, job: _Job) -> Callable[[RetryCallState], None]:
        def log_retry(state: RetryCallState) -> None:
            outcome = state.outcome
            err = outcome.exception() if outcome is not None else None
            wait = state.next_action.sleep if state.next_action is not None else 0.0
            log.warning(
                "%s: %s; retry %d/%d in %.2f s",
                job.item.url,
                err,
                state.attempt_number,
                self.retry.attempts - 1,
                wait,
            )

        return log_retry

    async def _adopt(self, job: _Job) -> FileResult | None:
        """A file that a killed run completed but did not record: no request needed.

        Either renamed into place already, or a ``.part`` checked whole whose rename did
        not happen; its note (complete, same URL, same SHA-256) is the evidence, and the
        file is checked again before it counts.
        """
        note = _Note.read(job.note_file)
        if note is None or not note.complete or note.url != job.item.url or not note.sha256:
            return None
        candidate = job.final if job.final.is_file() else job.part if job.part.is_file() else None
        if candidate is None:
            return None
        try:
            size, sha256, fields = await self._in_thread(self._check, candidate)
            if sha256 != note.sha256 or (note.total is not None and size != note.total):
                raise InvalidFits("it differs from what was downloaded")
        except (InvalidFits, OSError) as err:
            log.warning("%s is on disk but not intact (%s); fetching it again", candidate, err)
            _unlink(job.note_file, *([job.part] if candidate == job.part else []))
            return None
        if candidate == job.part:
            await self._in_thread(self._commit, job, size, sha256)
        elif not self.keep_notes:
            _unlink(job.note_file)
        log.info("%s: completed by an earlier run; not fetched again", job.final)
        return FileResult(
            item=job.item, ok=True, path=job.final, size=size, sha256=sha256, fields=fields, adopted=True
        )

    async def _attempt(self, job: _Job) -> None:
        """One request: leaves a ``.part`` as long as announced, or raises."""
        assert self._client is not None
        job.attempts += 1
        job.last_invalid = False
        note = _Note.read(job.note_file)
        offset = job.part.stat().st_size if job.part.exists() else 0
        headers: dict[str, str] = {}
        if offset > 0 and note is not None and note.url == job.item.url and note.validator:
            headers = {"Range": f"bytes={offset}-", "If-Range": note.validator}
        elif offset > 0 or note is not None:
            _unlink(job.part, job.note_file)  # a .part we cannot vouch for: start over
            offset, note = 0, None
        try:
            async with self._client.stream("GET", job.item.url, headers=headers) as response:
                await self._receive(job, response, offset, note)
        except (httpx.TimeoutException, httpx.TransportError, httpx.DecodingError) as err:
            kind = "timed out" if isinstance(err, httpx.TimeoutException) else "connection failed"
            raise Transient(f"{kind} ({type(err).__name__}: {err})") from err

    async def _receive(self, job: _Job, response: httpx.Response, offset: int, note: _Note | None) -> None:
        status = response.status_code
        url = job.item.url
        if status == 416 and offset > 0:
            if note is not None and note.total == offset:
                log.debug("%s: the .part is already whole (416)", url)
                job.resumed = True
                return
            _unlink(job.part, job.note_file)
            raise _Restart(f"HTTP 416 for a .part of {offset} bytes; starting over")
        if status == 429 or status == 408 or status >= 500:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise Transient(f"HTTP {status} {response.reason_phrase}".strip(), retry_after)
        if status != 200 and status != 206:
            raise _Permanent(f"HTTP {status} {response.reason_phrase} for {url}".strip())
        append = False
        if status == 206:
            span = _content_range(response.headers.get("Content-Range"))
            if offset == 0 or span is None or span[0] != offset:
                _unlink(job.part, job.note_file)
                raise _Restart(
                    f"a 206 answer with Content-Range {response.headers.get('Content-Range')!r} "
                    f"does not continue a .part of {offset} bytes"
                )
            total = span[2]
            append = True
            job.resumed = True
            assert note is not None
            if total is not None and note.total is not None and total != note.total:
                _unlink(job.part, job.note_file)
                raise _Restart(f"the file's size changed ({note.total} -> {total} bytes); starting over")
        else:
            if offset > 0:
                log.info("%s: the server sent the whole file instead of the rest; starting over", url)
            coding = response.headers.get("Content-Encoding", "identity").strip().lower()
            encoded = coding not in ("", "identity")
            # a body the server compressed on the fly (despite Accept-Encoding: identity) is
            # decoded here: its length is unknown and it cannot be resumed
            total = None if encoded else _length(response)
            note = _Note(
                url=url,
                etag=None if encoded else response.headers.get("ETag"),
                last_modified=None if encoded else response.headers.get("Last-Modified"),
                total=total,
            )
            note.write(job.note_file)  # before the first byte: a .part always has its note
            offset = 0
        received = 0
        with _open_part(job.part, append) as out:
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
            _unlink(job.part, job.note_file)
            raise _Restart(f"the body is longer than the announced {total} bytes; starting over")
        if total is not None and size < total:
            raise Transient(f"the body stopped at {size} of {total} bytes")

    def _check(self, path: Path) -> tuple[int, str, dict[str, Any] | None]:
        fields = None
        if self.verify_fits:
            fields = frame_fields_from_header(check_fits(path))
        size, sha256 = file_digest(path)
        return size, sha256, fields

    def _commit(self, job: _Job, size: int, sha256: str) -> None:
        note = _Note.read(job.note_file) or _Note(url=job.item.url)
        if self.fsync:
            with open(job.part, "rb+") as f:
                os.fsync(f.fileno())
        note.complete, note.sha256, note.total = True, sha256, size
        note.write(job.note_file)
        os.replace(job.part, job.final)
        if self.fsync:
            _fsync_dir(job.final.parent)
        if not self.keep_notes:
            _unlink(job.note_file)

    async def _finish(self, job: _Job) -> FileResult:
        """Check the whole ``.part``; rename it into place (or raise to retry from scratch)."""
        note = _Note.read(job.note_file)
        try:
            size, sha256, fields = await self._in_thread(self._check, job.part)
        except InvalidFits as err:
            html = _looks_like_html(job.part)
            _unlink(job.part, job.note_file)
            # an HTML page where a file was expected is an outage (transient); anything
            # else that is not FITS, if it stays so, is the file itself (permanent)
            job.last_invalid = not html
            what = "an HTML page instead of the file" if html else f"not a valid FITS file: {err}"
            raise _Restart(what) from None
        if note is not None and note.total is not None and size != note.total:
            _unlink(job.part, job.note_file)
            raise _Restart(f"{size} bytes on disk, {note.total} announced")
        await self._in_thread(self._commit, job, size, sha256)
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


def download_files(
    urls: Iterable[str | DownloadItem],
    data_dir: str | os.PathLike[str],
    *,
    job_key: str | None = None,
    progress: bool = True,
    **options: Any,
) -> list[FileResult]:
    """Download URLs (or :class:`DownloadItem` s) into ``data_dir``, without a store.

    URLs go to their safe paths (``cutouts/<job folder>/<name>``); ``options`` are
    :class:`Downloader` arguments. Results come in completion order.
    """
    items = [u if isinstance(u, DownloadItem) else DownloadItem.for_url(u, job_key=job_key) for u in urls]

    async def run() -> list[FileResult]:
        async with Downloader(data_dir, **options) as downloader:
            return await downloader.fetch(items, progress=progress)

    return _run_sync(run)


# -- the stage over the store ---------------------------------------------------------------


@dataclasses.dataclass
class DownloadSummary:
    """What one run of :func:`download_frames` did.

    ``downloaded`` counts frames completed in this run (``resumed`` of them continued a
    ``.part``, ``adopted`` were found complete on disk); ``failed`` were marked failed
    (refused by the server, or corrupt on every try); ``errors`` still failed after
    every retry and stay pending; ``refused`` had an unsafe path. ``bytes`` were received.

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
        return text + f"; {self.bytes / 1e6:.1f} MB in {self.seconds:.1f} s ({rate:.1f} MB/s)"

    def to_dict(self) -> dict[str, Any]:
        """The summary as a JSON-ready dict."""
        return dataclasses.asdict(self)

    def note(self, message: str) -> None:
        if len(self.messages) < 50:
            self.messages.append(message)


def sweep_notes(store: Store, data_dir: str | os.PathLike[str]) -> int:
    """Remove the notes of files the store already records as downloaded; return how many.

    A run killed after recording a file but before deleting its note leaves one behind;
    it is removed here when the record's SHA-256 is the note's. Notes beside a ``.part``
    are kept (they make it resumable).
    """
    from sdo_cutout.names import CUTOUT_DIR

    root = Path(data_dir) / CUTOUT_DIR
    if not root.is_dir():
        return 0
    removed = 0
    for note_file in root.rglob("*" + SIDECAR_SUFFIX):
        final = note_file.with_name(note_file.name[: -len(SIDECAR_SUFFIX)])
        if part_path(final).exists():
            continue
        note = _Note.read(note_file)
        frame = store.get(FitsFrame, note.url) if note is not None else None
        if (
            note is not None
            and frame is not None
            and frame.state == FrameState.DOWNLOADED
            and frame.sha256 == note.sha256
        ):
            _unlink(note_file)
            removed += 1
    if removed:
        log.info("removed %d notes of files already recorded", removed)
    return removed


def _todo(store: Store, retry_failed: bool) -> list[FitsFrame]:
    states = [FrameState.PENDING, FrameState.MISSING] + ([FrameState.FAILED] if retry_failed else [])
    frames: list[FitsFrame] = []
    for state in states:
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


LOCK_NAME = ".download.lock"
"""The lock file in the data folder: one download run at a time per data folder."""


@contextlib.contextmanager
def _data_folder_lock(root: Path) -> Iterator[None]:
    """Hold an exclusive lock on the data folder (POSIX ``flock``; released when the process ends).

    Two runs writing the same ``.part`` files would mix their bytes; the second is refused.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock
        yield
        return
    path = root / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except OSError as err:
        raise LocalWriteError(f"cannot create the lock file {path}: {err}") from err
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            raise DataFolderBusy(
                f"another download (pid {holder}) is running in {root}; wait for it to end"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        yield
    finally:
        os.close(fd)


async def adownload_frames(
    store: Store,
    data_dir: str | os.PathLike[str],
    *,
    workers: int = 4,
    retry_failed: bool = False,
    progress: bool = True,
    transport: httpx.AsyncBaseTransport | None = None,
    retry: RetryPolicy | None = None,
    timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
    host_limits: Mapping[str, int] | None = None,
    fsync: bool = True,
) -> DownloadSummary:
    """Async :func:`download_frames` (same arguments and result)."""
    started = time.perf_counter()
    root = Path(data_dir)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise LocalWriteError(f"cannot create the data folder {root}: {err}") from err
    with _data_folder_lock(root):
        summary = await _run_stage(
            store, root, workers, retry_failed, progress, transport, retry, timeout, host_limits, fsync
        )
    summary.seconds = time.perf_counter() - started
    log.info("download: %s", summary.line())
    return summary


async def _run_stage(
    store: Store,
    root: Path,
    workers: int,
    retry_failed: bool,
    progress: bool,
    transport: httpx.AsyncBaseTransport | None,
    retry: RetryPolicy | None,
    timeout: float | httpx.Timeout,
    host_limits: Mapping[str, int] | None,
    fsync: bool,
) -> DownloadSummary:
    sweep_notes(store, root)
    frames = _todo(store, retry_failed)
    by_url = {frame.url: frame for frame in frames}
    summary = DownloadSummary(frames=len(frames))
    items, refused = _plan(store, root, frames)
    if refused:
        store.set_state(FitsFrame, [frame.url for frame, _ in refused], str(FrameState.FAILED))
        for frame, reason in refused:
            log.error("refusing frame %s: %s", frame.url, reason)
            summary.note(f"{frame.url}: {reason}")
        summary.refused = summary.failed = len(refused)
    downloader = Downloader(
        root,
        max_per_host=workers,
        max_total=max(16, workers),
        host_limits=host_limits,
        timeout=timeout,
        retry=retry,
        transport=transport,
        fsync=fsync,
    )
    downloader.keep_notes = True
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sdo-store") as writer:

        def record(result: FileResult) -> None:
            frame = by_url[result.item.key]
            if result.ok:
                assert result.path is not None
                fields = dict(result.fields or {})
                if fields.get("wavelength") is None:
                    fields.pop("wavelength", None)  # keep the listing's
                new = dataclasses.replace(
                    frame,
                    path=result.item.path.as_posix(),
                    size_bytes=result.size,
                    sha256=result.sha256,
                    state=str(FrameState.DOWNLOADED),
                    **fields,
                )
                store.add([new])
                _unlink(note_path(result.path))  # recorded: the note is no longer needed
            elif result.permanent:
                store.update(
                    FitsFrame, frame.url, state=str(FrameState.FAILED), path=result.item.path.as_posix()
                )

        async with downloader:
            async for result in downloader.iter_fetch(items, progress=progress):
                summary.bytes += result.fetched_bytes
                await loop.run_in_executor(writer, record, result)
                if result.ok:
                    summary.downloaded += 1
                    summary.resumed += result.resumed
                    summary.adopted += result.adopted
                elif result.permanent:
                    summary.failed += 1
                    summary.note(f"{result.item.url}: {result.error}")
                else:
                    summary.errors += 1
                    summary.note(f"{result.item.url}: {result.error}")
    return summary


def download_frames(
    store: Store,
    data_dir: str | os.PathLike[str],
    *,
    workers: int = 4,
    retry_failed: bool = False,
    progress: bool = True,
    transport: httpx.AsyncBaseTransport | None = None,
    retry: RetryPolicy | None = None,
    timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
    host_limits: Mapping[str, int] | None = None,
    fsync: bool = True,
) -> DownloadSummary:
    """The download stage: fetch every pending (and missing) frame, record each as it lands.

    Parameters
    ----------
    store : jet_store.Store
        Where the :class:`jet_store.FitsFrame` records are.
    data_dir : path
        The data folder; files go to ``cutouts/<job folder>/<name>`` under it and the
        record's ``path`` is relative to it.
    workers : int
        Files fetched at the same time from one host (``host_limits`` may lower it for
        some hosts); at most ``max(16, workers)`` over all hosts.
    retry_failed : bool
        Also try frames marked ``failed`` by an earlier run.
    progress : bool
        A progress bar on stderr when it is a terminal.
    transport : httpx.AsyncBaseTransport, optional
        For tests.
    retry : RetryPolicy, optional
        Attempts and backoff per file (:data:`DEFAULT_RETRY`).
    timeout : float or httpx.Timeout
        Per-request timeouts.
    host_limits : mapping, optional
        Connections per host name (:data:`DEFAULT_HOST_LIMITS`).
    fsync : bool
        fsync files and folders before counting a file as complete.

    Returns
    -------
    DownloadSummary

    Raises
    ------
    LocalWriteError
        When the data folder cannot be written; frames done so far stay recorded.

    Examples
    --------
    >>> import io, tempfile, httpx, numpy as np
    >>> from astropy.io import fits
    >>> from jet_store import FitsFrame, Store
    >>> hdu = fits.PrimaryHDU(np.zeros((4, 4), dtype=np.float32))
    >>> hdu.header["DATE-OBS"], hdu.header["WAVELNTH"] = "2012-07-08T13:05:07.12", 304
    >>> buffer = io.BytesIO(); hdu.writeto(buffer); blob = buffer.getvalue()
    >>> transport = httpx.MockTransport(lambda request: httpx.Response(200, content=blob))
    >>> store = Store("sqlite://")
    >>> _ = store.add([FitsFrame(url=f"http://x.test/j/{n}.fts", job_key="j") for n in range(3)])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     summary = download_frames(store, tmp, transport=transport, progress=False)
    >>> summary.downloaded, store.count(FitsFrame, state="downloaded")
    (3, 3)
    >>> frame = store.get(FitsFrame, "http://x.test/j/0.fts")
    >>> frame.path, frame.size_bytes, frame.obs_time.isoformat(), frame.wavelength
    ('cutouts/j/0.fts', 5760, '2012-07-08T13:05:07.120000+00:00', 304.0)
    """
    return _run_sync(
        lambda: adownload_frames(
            store,
            data_dir,
            workers=workers,
            retry_failed=retry_failed,
            progress=progress,
            transport=transport,
            retry=retry,
            timeout=timeout,
            host_limits=host_limits,
            fsync=fsync,
        )
    )
