"""The fetcher: resumable, verifying, concurrent FITS downloads into a data folder.

What a file goes through (:class:`Downloader`; the disk side, steps 1 and 4 and the
adoption of what a killed run completed, is in :mod:`sdo_cutout.landing`):

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
import logging
import os
from collections.abc import AsyncIterator, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import httpx
from jet_store.progress import progress_bar
from jet_store.retry import Transient

from sdo_cutout.download_errors import LocalWriteError, UnsafeName, UnsafePath
from sdo_cutout.fetchtypes import DEFAULT_RETRY, DownloadItem, DownloadOptions, FileResult
from sdo_cutout.http import Permanent, async_client, classify_error
from sdo_cutout.landing import adoption_candidate, check_adopted, check_part, failed, fetch_state, finished
from sdo_cutout.part import FileLocks, unlink
from sdo_cutout.receive import FetchState, commit_part, receive, resume_headers
from sdo_cutout.retrying import failure_of, retrying
from sdo_cutout.sync import run_sync

__all__ = ["Downloader", "download_files"]

log = logging.getLogger(__name__)

T = TypeVar("T")


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
            job = fetch_state(self.data_dir, item)
        except (UnsafePath, UnsafeName, httpx.InvalidURL) as err:
            log.error("refusing %s: %s", item.url, err)
            return FileResult(item=item, ok=False, error=str(err), permanent=True)
        adopted = await self._adopt(job)
        if adopted is not None:
            return adopted
        try:
            async for attempt in retrying(self.retry, log, lambda state: f"{item.url}: {failure_of(state)}"):
                with attempt:
                    async with self._host_semaphore(item.url):
                        assert self._total is not None
                        async with self._total:
                            await self._attempt(job)
                    return await self._finish(job)
        except Transient as err:
            reason = f"gave up after {job.attempts} attempts: {err}"
            log.error("%s: %s", item.url, reason)
            return failed(job, reason, permanent=job.last_invalid)
        except Permanent as err:
            log.error("%s: %s", item.url, err)
            unlink(job.part, job.note_file)
            return failed(job, str(err), permanent=True)
        except OSError as err:
            raise LocalWriteError(f"cannot write {job.part}: {err}") from err
        raise AssertionError("unreachable")  # pragma: no cover

    async def _adopt(self, job: FetchState) -> FileResult | None:
        """A file that a killed run completed but did not record: no request needed.

        Either renamed into place already, or a ``.part`` checked whole whose rename did
        not happen; its note (complete, same URL, same SHA-256) is the evidence, and the
        file is checked again before it counts.
        """
        found = adoption_candidate(job)
        if found is None:
            return None
        candidate, note = found
        checked = await self._in_thread(check_adopted, job, candidate, note, self.options.verify_fits)
        if checked is None:
            return None
        size, sha256, _ = checked
        if candidate == job.part:
            await self._in_thread(commit_part, job, size, sha256, self.options.fsync, self.keep_notes)
        elif not self.keep_notes:
            unlink(job.note_file)
        log.info("%s: completed by an earlier run; not fetched again", job.final)
        return finished(job, checked, adopted=True)

    async def _attempt(self, job: FetchState) -> None:
        """One request: leaves a ``.part`` as long as announced, or raises."""
        assert self._client is not None
        job.attempts += 1
        job.last_invalid = False
        headers, offset, note = resume_headers(job)
        try:
            async with self._client.stream("GET", job.item.url, headers=headers) as response:
                await receive(job, response, offset, note)
        except (httpx.HTTPError, httpx.InvalidURL) as err:
            raise classify_error(err) from err

    async def _finish(self, job: FetchState) -> FileResult:
        """Check the whole ``.part``; rename it into place (or raise to retry from scratch)."""
        checked = await self._in_thread(check_part, job, self.options.verify_fits)
        size, sha256, _ = checked
        await self._in_thread(commit_part, job, size, sha256, self.options.fsync, self.keep_notes)
        return finished(job, checked)


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
