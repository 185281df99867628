"""The fetcher: resumable, verifying, concurrent FITS downloads into a data folder.

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

Failures are retried with tenacity (:class:`~jet_store.retry.RetryPolicy`: jittered
exponential backoff, ``Retry-After`` honoured, bounded attempts): timeouts, resets,
5xx, 408, 429, bodies shorter than announced (the ``.part`` is kept and resumed), bodies
longer than announced and files that fail the FITS check (both restarted from
scratch). 4xx answers (404, 410, 403...), redirect loops, redirects to a scheme other
than http(s) and malformed ``Location`` headers are permanent
(:func:`sdo_cutout.http.classify_error`). A ``206`` whose ``Content-Range`` covers the
whole file is the whole file, asked for or not. A local write error (disk full,
permissions) stops the run: :class:`~sdo_cutout.download_errors.LocalWriteError`.
Downloads run concurrently on one :class:`httpx.AsyncClient`, at most ``workers``
per host (``host_limits`` per host name: JSOC asks for one connection) and
``max_total`` in all (:class:`~sdo_cutout.fetchtypes.DownloadOptions`); the checks run
in a small thread pool. A file another process is writing (its lock in
:class:`~sdo_cutout.part.FileLocks` is held) is left alone: ``busy`` in its result.

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
import dataclasses
import logging
import os
from collections.abc import AsyncIterator, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import httpx
from jet_store.progress import progress_bar
from jet_store.retry import Transient
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

from sdo_cutout.download_errors import InvalidFits, LocalWriteError, UnsafeName, UnsafePath
from sdo_cutout.fetchtypes import DEFAULT_RETRY, DownloadItem, DownloadOptions, FileResult
from sdo_cutout.fitsmeta import check_fits, frame_fields_from_header
from sdo_cutout.http import Permanent, async_client, check_status, classify_error
from sdo_cutout.names import resolve_inside
from sdo_cutout.part import (
    FileLocks,
    PartNote,
    content_length,
    file_digest,
    fsync_dir,
    looks_like_html,
    note_path,
    open_part,
    parse_content_range,
    part_path,
    unlink,
)
from sdo_cutout.sync import run_sync

__all__ = ["Downloader", "download_files"]

log = logging.getLogger(__name__)

T = TypeVar("T")


class _Restart(Transient):
    """A failed attempt after which the ``.part`` must be discarded."""


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


def _import_fits() -> None:
    import astropy.io.fits  # noqa: F401


class Downloader:
    """Concurrent, resumable, verifying downloads into a data folder (see the module docstring).

    Parameters
    ----------
    data_dir : path
        The data folder; item paths are relative to it. Created when missing.
    options : DownloadOptions, optional
        Limits, timeouts, retries, checks (:class:`~sdo_cutout.fetchtypes.DownloadOptions`).
    **changes
        Fields of :class:`~sdo_cutout.fetchtypes.DownloadOptions` replacing those of ``options``.

    Notes
    -----
    Use it as an async context manager to share one connection pool and one thread
    pool across calls of :meth:`fetch` / :meth:`iter_fetch`.
    """

    def __init__(
        self, data_dir: str | os.PathLike[str], options: DownloadOptions | None = None, **changes: Any
    ) -> None:
        self.data_dir = Path(data_dir)
        self.options = DownloadOptions.of(options, changes)
        self.retry = self.options.retry or DEFAULT_RETRY
        #: keep each file's note after its rename (the stage removes it once the store has
        #: the file, so a kill in between leaves evidence to adopt the file by)
        self.keep_notes = False
        self._client: httpx.AsyncClient | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._locks: FileLocks | None = None
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._total: asyncio.Semaphore | None = None

    def __repr__(self) -> str:
        return (
            f"Downloader({str(self.data_dir)!r}, workers={self.options.workers}, "
            f"max_total={self.options.total_limit})"
        )

    # -- resources ---------------------------------------------------------------------

    async def __aenter__(self) -> Downloader:
        await self._open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _open(self) -> None:
        if self._client is None:
            self._client = async_client(
                transport=self.options.transport,
                timeout=self.options.timeout,
                max_connections=self.options.total_limit,
                headers={"Accept-Encoding": "identity"},
            )
        if self._pool is None:
            self._pool = ThreadPoolExecutor(
                max_workers=self.options.check_threads, thread_name_prefix="sdo-check"
            )
            if (
                self.options.verify_fits
            ):  # astropy.io.fits takes a second to import: not on the first file's time
                self._pool.submit(_import_fits)
        if self._locks is None:
            try:
                self.data_dir.mkdir(parents=True, exist_ok=True)
                self._locks = FileLocks(self.data_dir).__enter__()
            except OSError as err:
                raise LocalWriteError(f"cannot create the lock file in {self.data_dir}: {err}") from err
        self._total = asyncio.Semaphore(self.options.total_limit)
        self._hosts = {}

    async def aclose(self) -> None:
        """Close the connection pool and the check threads."""
        client, self._client = self._client, None
        pool, self._pool = self._pool, None
        locks, self._locks = self._locks, None
        if locks is not None:
            locks.__exit__(None, None, None)
        if client is not None:
            await client.aclose()
        if pool is not None:
            pool.shutdown(wait=True)

    def _host_semaphore(self, url: str) -> asyncio.Semaphore:
        parsed = httpx.URL(url)
        host = parsed.host or ""
        key = f"{host}:{parsed.port or ''}"
        if key not in self._hosts:
            self._hosts[key] = asyncio.Semaphore(self.options.host_limit(host))
        return self._hosts[key]

    async def _in_thread(self, func: Callable[..., T], *args: Any) -> T:
        assert self._pool is not None
        return await asyncio.get_running_loop().run_in_executor(self._pool, func, *args)

    # -- public API --------------------------------------------------------------------

    async def fetch(self, items: Iterable[DownloadItem], *, progress: bool | None = None) -> list[FileResult]:
        """Download every item; return their results in completion order.

        Raises
        ------
        LocalWriteError
            When the data folder cannot be written (the other downloads are cancelled).
        """
        return [result async for result in self.iter_fetch(items, progress=progress)]

    async def iter_fetch(
        self, items: Iterable[DownloadItem], *, progress: bool | None = None
    ) -> AsyncIterator[FileResult]:
        """Download the items concurrently; yield each :class:`FileResult` as it completes.

        At most ``2 * max_total`` items are in progress at once (the rest wait in the
        iterable). Closing the iterator early cancels the downloads in flight; their
        ``.part`` files stay for the next run. ``progress`` defaults to the options'.
        """
        owned = self._client is None
        if owned:
            await self._open()
        todo = list(items)
        window = 2 * self.options.total_limit
        show = self.options.progress if progress is None else progress
        source = iter(todo)
        pending: set[asyncio.Task[FileResult]] = set()
        try:
            with progress_bar(len(todo), enabled=show, desc="download", unit="file") as bar:
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
        assert self._locks is not None
        if not self._locks.acquire(item.path):
            message = f"another process is writing {item.path}; left for the next run"
            log.warning("%s: %s", item.url, message)
            return FileResult(item=item, ok=False, error=message, busy=True)
        try:
            return await self._fetch_locked(item)
        finally:
            self._locks.release(item.path)

    async def _fetch_locked(self, item: DownloadItem) -> FileResult:
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
        except Permanent as err:
            log.error("%s: %s", item.url, err)
            unlink(job.part, job.note_file)
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
        note = PartNote.read(job.note_file)
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
            unlink(job.note_file, *([job.part] if candidate == job.part else []))
            return None
        if candidate == job.part:
            await self._in_thread(self._commit, job, size, sha256)
        elif not self.keep_notes:
            unlink(job.note_file)
        log.info("%s: completed by an earlier run; not fetched again", job.final)
        return FileResult(
            item=job.item, ok=True, path=job.final, size=size, sha256=sha256, fields=fields, adopted=True
        )

    async def _attempt(self, job: _Job) -> None:
        """One request: leaves a ``.part`` as long as announced, or raises."""
        assert self._client is not None
        job.attempts += 1
        job.last_invalid = False
        note = PartNote.read(job.note_file)
        offset = job.part.stat().st_size if job.part.exists() else 0
        headers: dict[str, str] = {}
        if offset > 0 and note is not None and note.url == job.item.url and note.validator:
            headers = {"Range": f"bytes={offset}-", "If-Range": note.validator}
        elif offset > 0 or note is not None:
            unlink(job.part, job.note_file)  # a .part we cannot vouch for: start over
            offset, note = 0, None
        try:
            async with self._client.stream("GET", job.item.url, headers=headers) as response:
                await self._receive(job, response, offset, note)
        except (httpx.HTTPError, httpx.InvalidURL) as err:
            raise classify_error(err) from err

    async def _receive(self, job: _Job, response: httpx.Response, offset: int, note: PartNote | None) -> None:
        status = response.status_code
        url = job.item.url
        if status == 416 and offset > 0:
            if note is not None and note.total == offset:
                log.debug("%s: the .part is already whole (416)", url)
                job.resumed = True
                return
            unlink(job.part, job.note_file)
            raise _Restart(f"HTTP 416 for a .part of {offset} bytes; starting over")
        check_status(response)
        if status != 200 and status != 206:
            raise Permanent(f"HTTP {status} {response.reason_phrase} for {url}".strip())
        append = False
        span = parse_content_range(response.headers.get("Content-Range")) if status == 206 else None
        whole = span is not None and span[0] == 0 and span[2] is not None and span[1] == span[2] - 1
        if status == 206 and not whole:
            if offset == 0 or span is None or span[0] != offset:
                unlink(job.part, job.note_file)
                raise _Restart(
                    f"a 206 answer with Content-Range {response.headers.get('Content-Range')!r} "
                    f"does not continue a .part of {offset} bytes"
                )
            total = span[2]
            append = True
            job.resumed = True
            assert note is not None
            if total is not None and note.total is not None and total != note.total:
                unlink(job.part, job.note_file)
                raise _Restart(f"the file's size changed ({note.total} -> {total} bytes); starting over")
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
            raise _Restart(f"the body is longer than the announced {total} bytes; starting over")
        if total is not None and size < total:
            raise Transient(f"the body stopped at {size} of {total} bytes")

    def _check(self, path: Path) -> tuple[int, str, dict[str, Any] | None]:
        fields = None
        if self.options.verify_fits:
            fields = frame_fields_from_header(check_fits(path))
        size, sha256 = file_digest(path)
        return size, sha256, fields

    def _commit(self, job: _Job, size: int, sha256: str) -> None:
        note = PartNote.read(job.note_file) or PartNote(url=job.item.url)
        if self.options.fsync:
            with open(job.part, "rb+") as f:
                os.fsync(f.fileno())
        note.complete, note.sha256, note.total = True, sha256, size
        note.write(job.note_file)
        os.replace(job.part, job.final)
        if self.options.fsync:
            fsync_dir(job.final.parent)
        if not self.keep_notes:
            unlink(job.note_file)

    async def _finish(self, job: _Job) -> FileResult:
        """Check the whole ``.part``; rename it into place (or raise to retry from scratch)."""
        note = PartNote.read(job.note_file)
        try:
            size, sha256, fields = await self._in_thread(self._check, job.part)
        except InvalidFits as err:
            html = looks_like_html(job.part)
            unlink(job.part, job.note_file)
            # an HTML page where a file was expected is an outage (transient); anything
            # else that is not FITS, if it stays so, is the file itself (permanent)
            job.last_invalid = not html
            what = "an HTML page instead of the file" if html else f"not a valid FITS file: {err}"
            raise _Restart(what) from None
        if note is not None and note.total is not None and size != note.total:
            unlink(job.part, job.note_file)
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
    options: DownloadOptions | None = None,
    **changes: Any,
) -> list[FileResult]:
    """Download URLs (or :class:`DownloadItem` s) into ``data_dir``, without a store.

    URLs go to their safe paths (``cutouts/<job folder>/<name>``); ``options`` and
    ``changes`` are :class:`~sdo_cutout.fetchtypes.DownloadOptions`. Results come in
    completion order.
    """
    items = [u if isinstance(u, DownloadItem) else DownloadItem.for_url(u, job_key=job_key) for u in urls]

    async def run() -> list[FileResult]:
        async with Downloader(data_dir, options, **changes) as downloader:
            return await downloader.fetch(items)

    return run_sync(run)
