"""What the fetcher takes and gives: :class:`DownloadItem`, :class:`FileResult`, :class:`DownloadOptions`.

:class:`DownloadOptions` holds every setting of the downloader
(:class:`sdo_cutout.fetcher.Downloader`) and of the download stage
(:func:`sdo_cutout.download.download_frames`) once, with its default.

Examples
--------
>>> DownloadOptions().workers, DownloadOptions(workers=6).total_limit
(4, 16)
>>> DownloadOptions.of(None, {"workers": 0})
Traceback (most recent call last):
...
sdo_cutout.errors.CutoutRequestError: workers, max_total and check_threads must be >= 1
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import httpx
from jet_store.retry import RetryPolicy

from sdo_cutout.errors import CutoutRequestError
from sdo_cutout.http import DEFAULT_TIMEOUT
from sdo_cutout.names import safe_relative_path
from sdo_cutout.options import with_changes

__all__ = ["DownloadItem", "FileResult", "DownloadOptions", "DEFAULT_RETRY", "DEFAULT_HOST_LIMITS"]

DEFAULT_RETRY = RetryPolicy(attempts=6, base_delay=0.5, max_delay=30.0, max_retry_after=120.0)
"""Six attempts per file, full-jitter backoff from 0.5 s up to 30 s, Retry-After up to 2 min."""
DEFAULT_HOST_LIMITS: Mapping[str, int] = {"jsoc.stanford.edu": 1}
"""Connections per host that override ``workers`` (JSOC asks for one per client)."""


@dataclasses.dataclass(frozen=True)
class DownloadOptions:
    """How the downloader and the download stage behave (every default lives here).

    Parameters
    ----------
    workers : int
        Files fetched at the same time from one host (``host:port``).
    max_total : int, optional
        Files fetched at the same time in all; ``max(16, workers)`` by default.
    host_limits : mapping of str to int, optional
        Per-host-name overrides of ``workers`` (:data:`DEFAULT_HOST_LIMITS`).
    timeout : float or httpx.Timeout
        Per-request timeouts (:data:`sdo_cutout.http.DEFAULT_TIMEOUT`); a stalled body
        times out per read.
    retry : RetryPolicy, optional
        Attempts and backoff per file (:data:`DEFAULT_RETRY` when None).
    transport : httpx.AsyncBaseTransport, optional
        Injected into the ``httpx.AsyncClient`` (tests: ``httpx.MockTransport``).
    verify_fits : bool
        Check every file as FITS (:func:`~sdo_cutout.fitsmeta.check_fits`) before it
        counts as complete. Turn off only for files that are not FITS.
    fsync : bool
        fsync each file before its rename and its folder after (durable after a power cut).
    check_threads : int
        Threads that check and hash finished files.
    retry_failed : bool
        The stage also takes frames marked ``failed`` by an earlier run.
    lease : float
        Seconds a stage's claim on a frame lasts without renewal (a killed worker's
        frames are taken over after this long).
    owner : str, optional
        Who claims the frames (``host:pid`` by default).
    batch : int
        Frames the stage claims at a time.
    progress : bool
        A progress bar on stderr when it is a terminal.
    """

    workers: int = 4
    max_total: int | None = None
    host_limits: Mapping[str, int] | None = None
    timeout: float | httpx.Timeout = dataclasses.field(default_factory=lambda: DEFAULT_TIMEOUT)
    retry: RetryPolicy | None = None
    transport: httpx.AsyncBaseTransport | None = None
    verify_fits: bool = True
    fsync: bool = True
    check_threads: int = 4
    retry_failed: bool = False
    lease: float = 300.0
    owner: str | None = None
    batch: int = 128
    progress: bool = True

    def __post_init__(self) -> None:
        if self.workers < 1 or (self.max_total is not None and self.max_total < 1) or self.check_threads < 1:
            raise CutoutRequestError("workers, max_total and check_threads must be >= 1")
        if not self.lease > 0 or self.lease == float("inf") or self.batch < 1:
            raise CutoutRequestError("lease must be a finite number of seconds > 0 and batch >= 1")

    @property
    def total_limit(self) -> int:
        """Files at once over every host."""
        return self.max_total if self.max_total is not None else max(16, self.workers)

    def host_limit(self, host: str) -> int:
        """Files at once from ``host``."""
        limits = DEFAULT_HOST_LIMITS if self.host_limits is None else self.host_limits
        return limits.get(host, self.workers)

    @classmethod
    def of(cls, options: DownloadOptions | None, changes: Mapping[str, Any]) -> DownloadOptions:
        """``options`` (or the defaults) with ``changes`` applied; unknown names are refused."""
        return with_changes(cls, options, changes, "download")


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
        The failure will not go away by retrying (4xx, a redirect loop, a redirect to
        another scheme, a malformed ``Location``, a file corrupt on every try).
    busy : bool
        Another process is writing this file; nothing was fetched.
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
    busy: bool = False
