"""Cutout jobs over the store: submit, poll, resume; and what a backend client implements.

The stage functions read jobs from a :class:`jet_store.Store`, drive them through a
backend client (:class:`sdo_cutout.ssw.SswClient`, :class:`sdo_cutout.jsoc.JsocClient`)
and commit every job's change on its own, so a kill loses at most the request in
flight:

=============  ==============================================================
``new``        built by :mod:`sdo_cutout.request`, added with :func:`add_jobs`
``submitted``  the service accepted it; ``remote_id`` holds its job/request id
``ready``      finished: one ``pending`` :class:`jet_store.FitsFrame` per file
               URL was added in the SAME transaction as the state change
``failed``     the service refused it, reported a clear error, or a bounded
               number of submissions (``max_attempts``) all failed
=============  ==============================================================

A job that holds a ``remote_id`` is never submitted again: a run that died while jobs
were queued remotely picks them up by id on the next run. (A backend may drop the id
explicitly, e.g. JSOC status 7 "this e-mail already has a pending request", which
means the request was not taken; earlier ids are kept in
``params["previous_remote_ids"]``.)

:func:`submit_jobs` submits ``new`` jobs; :func:`poll_jobs` polls ``submitted`` ones
until they are ready, fail, or the overall ``timeout`` ends the run (they stay
``submitted`` and the next run resumes them); :func:`run_jobs` does both, job by job,
resubmitting what a backend asks to. Each has an ``a``-prefixed coroutine twin.

Concurrency: jobs run as asyncio tasks, at most ``backend.concurrency`` jobs of one
service in flight at once (one :class:`asyncio.Semaphore` per service; each service
client owns one :class:`httpx.AsyncClient` with its own connection limit). Jobs with a
remote id go first, so a resumed JSOC export finishes before a new one is asked for.
Polling waits ``poll_interval`` seconds, growing by half each time up to
``max_poll_interval`` (a service's own hint, such as JSOC's ``wait``, is honoured
within those bounds).

Transient HTTP failures (timeouts, resets, 5xx, 408, 429 with ``Retry-After``, an HTML
outage page where data was expected) are retried inside the clients by tenacity with
jittered exponential backoff (:class:`RetryPolicy`); a request that still fails raises
:class:`~sdo_cutout.errors.CutoutUnavailable`, which the stage records on the job
(state unchanged, ``errors`` in the summary) before going on with the other jobs.

Backends implement the small :class:`CutoutBackend` protocol (``submit`` and ``poll``
return an :class:`Outcome`); :class:`ServiceClient` is the shared base that holds the
HTTP client, the retry loop and the redaction of secrets from httpx's log lines.

Examples
--------
A toy backend that is ready at the second poll:

>>> from jet_store import Store, CutoutJob, FitsFrame
>>> from sdo_cutout.request import CutoutParams
>>> class Toy:
...     name, concurrency = "ssw", 2
...     def __init__(self):
...         self.polls = 0
...     async def __aenter__(self):
...         return self
...     async def __aexit__(self, *exc):
...         pass
...     async def submit(self, job):
...         return Outcome.submitted("toy_1")
...     async def poll(self, job):
...         self.polls += 1
...         if self.polls < 2:
...             return Outcome.pending()
...         return Outcome.ready([FileRef("http://x.test/toy_1/a.fts", 304.0)])
>>> store = Store("sqlite://")
>>> job = CutoutParams.build("2010-06-20T11:14", "2010-06-20T11:20", center=(813, -683)).to_job()
>>> add_jobs(store, [job])
JobsAdded(new=1, existing=0, merged=0, reset=0)
>>> summary = run_jobs(store, [Toy()], poll_interval=0.001, progress=False)
>>> summary.line()
'1 jobs: 1 submitted, 1 ready, 0 pending, 0 waiting, 0 failed, 0 errors; 1 frames'
>>> store.get(CutoutJob, job.key).state, store.count(FitsFrame, job_key=job.key)
('ready', 1)
>>> run_jobs(store, [Toy()], progress=False).line()  # nothing left to do
'0 jobs: 0 submitted, 0 ready, 0 pending, 0 waiting, 0 failed, 0 errors; 0 frames'
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, ClassVar, Literal, Protocol, TypeVar, runtime_checkable

import httpx
from jet_store import CutoutJob, FitsFrame, FrameState, JobState, Store
from jet_store.retry import RetryPolicy, Transient, parse_retry_after
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
)

from sdo_cutout.errors import CutoutRequestError, CutoutServiceError, CutoutUnavailable

__all__ = [
    "DEFAULT_TIMEOUT",
    "RetryPolicy",
    "Transient",
    "FileRef",
    "Outcome",
    "CutoutBackend",
    "ServiceClient",
    "JobsAdded",
    "JobSummary",
    "add_jobs",
    "submit_jobs",
    "asubmit_jobs",
    "poll_jobs",
    "apoll_jobs",
    "run_jobs",
    "arun_jobs",
    "parse_retry_after",
    "mask_email",
    "safe_fits_name",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0, pool=None)
"""Per-request timeouts: 10 s to connect, 60 s per read/write; waiting for a pooled
connection is not limited (one-connection services queue their requests)."""


# -- HTTP: retries ---------------------------------------------------------------------


def mask_email(email: str) -> str:
    """An e-mail address with the local part hidden, for messages and logs.

    Examples
    --------
    >>> mask_email("jane.doe@example.org"), mask_email("x")
    ('j***@example.org', '***')
    """
    local, at, domain = email.partition("@")
    if not at or not local:
        return "***"
    return f"{local[0]}***@{domain}"


_FITS_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*\.(fts|fits|fit)(\.gz|\.fz)?$", re.IGNORECASE)


def safe_fits_name(path: str) -> str:
    """The file name of a listed remote path, if it is a plain FITS file name.

    Listings are untrusted: only the last path component is kept (so ``../../x.fts``
    names ``x.fts`` inside the job's folder), and it must look like a FITS file name
    (letters, digits, ``._+-``, ending ``.fts``/``.fits``/``.fit``, optionally ``.gz``/
    ``.fz``); no ``%``, no query, no control characters.

    Raises
    ------
    ValueError
        With the reason, when there is no such name.

    Examples
    --------
    >>> safe_fits_name("/archive/ssw/ssw_cutout_20100620_111444_AIA_304_.fts")
    'ssw_cutout_20100620_111444_AIA_304_.fts'
    >>> safe_fits_name("../../x.fts")
    'x.fts'
    >>> safe_fits_name("/etc/passwd")
    Traceback (most recent call last):
    ...
    ValueError: 'passwd' is not a FITS file name
    """
    text = path.strip()
    if not text:
        raise ValueError("empty name")
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValueError(f"{text[:80]!r} holds control characters")
    name = text.replace("\\", "/").rsplit("/", 1)[-1]
    if name in ("", ".", ".."):
        raise ValueError(f"{text[:80]!r} names no file")
    if not _FITS_NAME.match(name):
        raise ValueError(f"{name[:80]!r} is not a FITS file name")
    return name


class _Redact(logging.Filter):
    """Replaces secrets (plain and URL-encoded) in log records of the HTTP libraries."""

    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        from urllib.parse import quote, quote_plus

        pairs: dict[str, str] = {}
        for secret in secrets:
            masked = mask_email(secret) if "@" in secret else "***"
            for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
                pairs[form] = masked
        self.pairs = sorted(pairs.items(), key=lambda kv: -len(kv[0]))

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if any(secret in text for secret, _ in self.pairs):
            for secret, masked in self.pairs:
                text = text.replace(secret, masked)
            record.msg, record.args = text, ()
        return True


# -- what a backend answers --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileRef:
    """One file of a finished cutout: its URL and, when the listing says, its wavelength (Angstrom)."""

    url: str
    wavelength: float | None = None


OutcomeKind = Literal["submitted", "deferred", "pending", "ready", "failed", "resubmit"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one ``submit`` or ``poll`` of a backend found.

    ``submitted`` (with ``remote_id``), ``deferred`` (not taken now, try submitting
    later, e.g. JSOC status 7), ``pending``, ``ready`` (with ``files``), ``failed``
    (for good, ``message`` says why) or ``resubmit`` (the remote request is gone or
    broken: forget the id and submit again). ``wait`` is the service's hint of seconds
    to wait before asking again; ``rejected`` lists file names refused as unsafe.

    Examples
    --------
    >>> Outcome.ready([FileRef("http://x/a.fts")]).kind, Outcome.failed("too large").message
    ('ready', 'too large')
    """

    kind: OutcomeKind
    remote_id: str | None = None
    files: tuple[FileRef, ...] = ()
    message: str | None = None
    wait: float | None = None
    rejected: tuple[str, ...] = ()

    @classmethod
    def submitted(cls, remote_id: str, wait: float | None = None) -> Outcome:
        """The service took the job and named it ``remote_id``."""
        return cls("submitted", remote_id=remote_id, wait=wait)

    @classmethod
    def deferred(cls, message: str, wait: float | None = None) -> Outcome:
        """The service cannot take the job now; submit it again later."""
        return cls("deferred", message=message, wait=wait)

    @classmethod
    def pending(cls, message: str | None = None, wait: float | None = None) -> Outcome:
        """Still running."""
        return cls("pending", message=message, wait=wait)

    @classmethod
    def ready(
        cls, files: Iterable[FileRef], rejected: Iterable[str] = (), message: str | None = None
    ) -> Outcome:
        """Finished, with these files."""
        return cls("ready", files=tuple(files), rejected=tuple(rejected), message=message)

    @classmethod
    def failed(cls, message: str) -> Outcome:
        """Failed for good."""
        return cls("failed", message=message)

    @classmethod
    def resubmit(cls, message: str, wait: float | None = None) -> Outcome:
        """The remote request is lost; submit the job again."""
        return cls("resubmit", message=message, wait=wait)


@runtime_checkable
class CutoutBackend(Protocol):
    """What the stage functions need of a service client.

    ``name`` is the :attr:`jet_store.CutoutJob.backend` it serves, ``concurrency`` the
    most jobs it runs at once. ``submit`` and ``poll`` return an :class:`Outcome` and
    raise :class:`~sdo_cutout.errors.CutoutServiceError` when the service fails.
    Entering the client (``async with``) opens its connections for a stage.
    """

    @property
    def name(self) -> str:
        """The backend this client serves (``ssw``, ``jsoc``)."""
        ...

    @property
    def concurrency(self) -> int:
        """Most jobs of this service in flight at once."""
        ...

    async def submit(self, job: CutoutJob) -> Outcome: ...

    async def poll(self, job: CutoutJob) -> Outcome: ...

    async def __aenter__(self) -> Any: ...

    async def __aexit__(self, *exc_info: object) -> Any: ...


class ServiceClient:
    """Base of the service clients: one :class:`httpx.AsyncClient`, retries, redaction.

    Parameters
    ----------
    transport : httpx.AsyncBaseTransport, optional
        Replaces the network (``httpx.MockTransport`` in tests).
    timeout : float or httpx.Timeout
        Per-request timeouts.
    retry : RetryPolicy, optional
        Retries of each request (5 attempts, 1 s backoff scale by default).
    concurrency : int
        Jobs of this service run at once by the stage functions.
    max_connections : int
        HTTP connections at once.

    Notes
    -----
    The client opens its connection pool when entered (``async with``), entering nests,
    and the pool closes when the outermost ``async with`` ends. Without ``async with``
    the first request opens it and :meth:`aclose` closes it.
    """

    name: ClassVar[str] = "service"
    label: ClassVar[str] = "cutout service"

    def __init__(
        self,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        concurrency: int = 4,
        max_connections: int = 4,
    ) -> None:
        if concurrency < 1 or max_connections < 1:
            raise CutoutRequestError("concurrency and max_connections must be >= 1")
        self.transport = transport
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout, pool=None)
        self.retry = retry or RetryPolicy()
        self.concurrency = concurrency
        self.max_connections = max_connections
        self._client: httpx.AsyncClient | None = None
        self._depth = 0
        self._redactor: _Redact | None = None

    def _secrets(self) -> Sequence[str]:
        """Values that must never appear in a log line (overridden by clients that hold some)."""
        return ()

    def _user_agent(self) -> str:
        from importlib.metadata import PackageNotFoundError, version

        try:
            return f"sdo-cutout/{version('sdo-cutout')} (jet-hunter)"
        except PackageNotFoundError:  # pragma: no cover - running from a source tree
            return "sdo-cutout (jet-hunter)"

    def _open(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                transport=self.transport,
                timeout=self.timeout,
                headers={"User-Agent": self._user_agent()},
                limits=httpx.Limits(
                    max_connections=self.max_connections, max_keepalive_connections=self.max_connections
                ),
                follow_redirects=True,
            )
            secrets = [s for s in self._secrets() if s]
            if secrets:
                self._redactor = _Redact(secrets)
                for name in ("httpx", "httpcore"):
                    logging.getLogger(name).addFilter(self._redactor)
        return self._client

    async def aclose(self) -> None:
        """Close the connection pool (if open)."""
        client, self._client = self._client, None
        self._depth = 0
        if self._redactor is not None:
            for name in ("httpx", "httpcore"):
                logging.getLogger(name).removeFilter(self._redactor)
            self._redactor = None
        if client is not None:
            await client.aclose()

    async def __aenter__(self) -> Any:
        self._open()
        self._depth += 1
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._depth = max(0, self._depth - 1)
        if self._depth == 0:
            await self.aclose()

    async def _get(
        self,
        url: str,
        read: Callable[[httpx.Response], T],
        *,
        params: Mapping[str, str] | None = None,
        what: str,
    ) -> T:
        """GET ``url`` and hand the answer to ``read``, retrying transient failures.

        Timeouts, connection errors, 408, 429 and 5xx are retried (``Retry-After``
        honoured); ``read`` sees every other answer and may raise :class:`Transient`
        (e.g. an HTML outage page) to retry as well. ``what`` names the request in logs
        and errors, which never show the URL's query (it may hold an e-mail).

        Raises
        ------
        CutoutUnavailable
            When every attempt failed.
        """
        client = self._open()
        failures: list[str] = []

        def log_retry(state: RetryCallState) -> None:
            wait = state.next_action.sleep if state.next_action is not None else 0.0
            log.warning(
                "%s, %s: %s; retry %d/%d in %.2f s",
                self.label,
                what,
                failures[-1] if failures else "?",
                state.attempt_number,
                self.retry.attempts - 1,
                wait,
            )

        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(self.retry.attempts),
                wait=self.retry.wait,
                retry=retry_if_exception_type(Transient),
                reraise=True,
                before_sleep=log_retry,
            ):
                with attempt:
                    try:
                        response = await client.get(url, params=dict(params or {}))
                    except httpx.TimeoutException as err:
                        failures.append(f"timed out ({type(err).__name__})")
                        raise Transient(failures[-1]) from None
                    except (httpx.TransportError, httpx.DecodingError) as err:
                        failures.append(f"connection failed ({type(err).__name__})")
                        raise Transient(failures[-1]) from None
                    status = response.status_code
                    if status in (408, 429) or status >= 500:
                        failures.append(f"HTTP {status} {response.reason_phrase}".strip())
                        raise Transient(failures[-1], parse_retry_after(response.headers.get("Retry-After")))
                    try:
                        return read(response)
                    except Transient as err:
                        failures.append(err.reason)
                        raise
        except Transient:
            n = len(failures)
            raise CutoutUnavailable(
                f"the {self.label} failed {n} times on {what} (last: {failures[-1]}); "
                "it may be down or overloaded, run again later to resume",
                attempts=n,
                reasons=tuple(failures),
            ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def submit(self, job: CutoutJob) -> Outcome:
        """Submit one job (implemented by each service)."""
        raise NotImplementedError

    async def poll(self, job: CutoutJob) -> Outcome:
        """Ask how one submitted job is doing (implemented by each service)."""
        raise NotImplementedError


# -- adding jobs -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JobsAdded:
    """What :func:`add_jobs` did: jobs new to the store, jobs already there, those of them
    that learnt about more event reports, and failed ones reset to ``new``."""

    new: int = 0
    existing: int = 0
    merged: int = 0
    reset: int = 0


def add_jobs(store: Store, jobs: Iterable[CutoutJob], *, retry_failed: bool = False) -> JobsAdded:
    """Add jobs idempotently: an existing job (same key) keeps its state and remote id.

    An existing job only gains the ``kb_archivids`` of reports it did not list yet. With
    ``retry_failed``, an existing ``failed`` job goes back to ``new`` (no remote id, no
    attempts) so the next stage submits it again. Everything is one transaction.

    Examples
    --------
    >>> from jet_store import Store
    >>> from sdo_cutout.request import CutoutParams
    >>> store = Store("sqlite://")
    >>> job = CutoutParams.build("2010-06-20T11:14", "2010-06-20T11:20", center=(0, 0)).to_job(
    ...     params={"kb_archivids": ["ivo://x/1"]})
    >>> add_jobs(store, [job])
    JobsAdded(new=1, existing=0, merged=0, reset=0)
    >>> _ = store.update(CutoutJob, job.key, state="submitted", remote_id="r1")
    >>> from dataclasses import replace
    >>> add_jobs(store, [replace(job, params={"kb_archivids": ["ivo://x/2"]})])
    JobsAdded(new=0, existing=1, merged=1, reset=0)
    >>> kept = store.get(CutoutJob, job.key)
    >>> kept.state, kept.remote_id, kept.params["kb_archivids"]
    ('submitted', 'r1', ['ivo://x/1', 'ivo://x/2'])
    """
    by_key: dict[str, CutoutJob] = {}
    for job in jobs:
        by_key[job.key] = job
    new = existing = merged = reset = 0
    with store.transaction():
        for key, job in by_key.items():
            current = store.get(CutoutJob, key)
            if current is None:
                store.add([job], update=False)
                new += 1
                continue
            existing += 1
            changes: dict[str, Any] = {}
            known = list(current.params.get("kb_archivids") or [])
            more = [i for i in job.params.get("kb_archivids") or [] if i not in known]
            if more:
                changes["params"] = {**current.params, "kb_archivids": sorted(known + more)}
                merged += 1
            if retry_failed and current.state == JobState.FAILED:
                previous = [*current.params.get("previous_remote_ids", [])]
                if current.remote_id:
                    previous.append(current.remote_id)
                params = changes.get("params", current.params)
                changes["params"] = {**params, "previous_remote_ids": previous} if previous else params
                changes.update(
                    state=str(JobState.NEW), remote_id=None, attempts=0, message=None, updated_at=_now()
                )
                reset += 1
            if changes:
                store.update(CutoutJob, key, **changes)
    return JobsAdded(new=new, existing=existing, merged=merged, reset=reset)


# -- the stage -------------------------------------------------------------------------


@dataclass
class JobSummary:
    """What a stage run did.

    Attributes
    ----------
    jobs : int
        Jobs the run took up.
    submitted : int
        Submissions the services accepted.
    resumed : int
        Jobs picked up by their remote id (submitted by an earlier run).
    ready, failed : int
        Jobs that finished / failed for good in this run.
    pending : int
        Jobs still running remotely when the run ended (the next run resumes them).
    waiting : int
        Jobs not submitted: the service asked to wait (JSOC's one pending export per
        e-mail) or the stage only polls.
    errors : int
        Jobs left as they were because the service kept failing.
    frames : int
        Frame records added.
    rejected : int
        Listed file names refused as unsafe.
    messages : list of str
        One line per failed job or error.
    """

    jobs: int = 0
    submitted: int = 0
    resumed: int = 0
    ready: int = 0
    failed: int = 0
    pending: int = 0
    waiting: int = 0
    errors: int = 0
    frames: int = 0
    rejected: int = 0
    messages: list[str] = field(default_factory=list)

    def line(self) -> str:
        """The one-line summary the command line prints."""
        return (
            f"{self.jobs} jobs: {self.submitted} submitted, {self.ready} ready, {self.pending} pending, "
            f"{self.waiting} waiting, {self.failed} failed, {self.errors} errors; {self.frames} frames"
        )

    def to_dict(self) -> dict[str, Any]:
        """The summary as a JSON-compatible dict."""
        return {
            "jobs": self.jobs,
            "submitted": self.submitted,
            "resumed": self.resumed,
            "ready": self.ready,
            "failed": self.failed,
            "pending": self.pending,
            "waiting": self.waiting,
            "errors": self.errors,
            "frames": self.frames,
            "rejected": self.rejected,
            "messages": list(self.messages),
        }


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _progress_bar(total: int, progress: bool) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="job", desc="cutout jobs", disable=not (progress and sys.stderr.isatty()))


_JobResult = Literal["ready", "failed", "pending", "waiting", "error", "skipped"]


class _Stage:
    """One run of the stage over some jobs (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        backends: Mapping[str, CutoutBackend],
        *,
        submit: bool,
        poll: bool,
        concurrency: int | Mapping[str, int] | None,
        poll_interval: float,
        max_poll_interval: float,
        timeout: float | None,
        max_attempts: int,
        progress: bool,
    ) -> None:
        if poll_interval <= 0 or max_poll_interval < poll_interval:
            raise CutoutRequestError("need 0 < poll_interval <= max_poll_interval")
        if max_attempts < 1:
            raise CutoutRequestError(f"max_attempts must be >= 1, not {max_attempts}")
        self.store = store
        self.backends = backends
        self.submit = submit
        self.poll = poll
        self.poll_interval = poll_interval
        self.max_poll_interval = max_poll_interval
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.progress = progress
        self.summary = JobSummary()
        self.semaphores: dict[str, asyncio.Semaphore] = {}
        for name, backend in backends.items():
            n = concurrency.get(name) if isinstance(concurrency, Mapping) else concurrency
            self.semaphores[name] = asyncio.Semaphore(max(1, int(n or backend.concurrency)))
        self.deadline = float("inf")
        self.blocked: dict[str, str] = {}  # services that deferred a submission in a submit-only run
        self.stopping = False

    def select(self, keys: Iterable[str] | None) -> list[CutoutJob]:
        states = []
        if self.submit:
            states.append(JobState.NEW)
        if self.poll:
            states.append(JobState.SUBMITTED)
        if keys is None:
            jobs = [
                job
                for state in states
                for job in self.store.filter(CutoutJob, state=str(state))
                if job.backend in self.backends
            ]
        else:
            jobs = []
            for key in dict.fromkeys(keys):
                job = self.store.get(CutoutJob, key)
                if job is None:
                    raise CutoutRequestError(f"no cutout job with key {key!r}")
                if job.backend not in self.backends:
                    raise CutoutRequestError(f"job {key} needs a {job.backend} client, none was given")
                if job.state in states:
                    jobs.append(job)
        # jobs already known to the service first: a resumed JSOC export must end before a new one
        return sorted(jobs, key=lambda j: (j.remote_id is None, j.start_time, j.key))

    def update(self, job: CutoutJob, **changes: Any) -> CutoutJob:
        updated = self.store.update(CutoutJob, job.key, updated_at=_now(), **changes)
        assert isinstance(updated, CutoutJob)
        return updated

    def note(self, job: CutoutJob, message: str) -> None:
        self.summary.messages.append(f"{job.key}: {message}")

    async def sleep(self, seconds: float) -> bool:
        """Wait, but not past the deadline; False when the deadline has passed."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            return False
        await asyncio.sleep(max(0.0, min(seconds, left)))
        return time.monotonic() < self.deadline

    def next_wait(self, current: float, hint: float | None) -> float:
        wanted = current if hint is None else hint
        return min(self.max_poll_interval, max(self.poll_interval, wanted))

    async def run(self, keys: Iterable[str] | None) -> JobSummary:
        jobs = self.select(keys)
        self.summary.jobs = len(jobs)
        if not jobs:
            return self.summary
        self.deadline = time.monotonic() + self.timeout if self.timeout is not None else float("inf")
        used = {job.backend for job in jobs}
        entered: list[CutoutBackend] = []
        try:
            for name in used:
                await self.backends[name].__aenter__()
                entered.append(self.backends[name])
            with _progress_bar(len(jobs), self.progress) as bar:

                async def one(job: CutoutJob) -> None:
                    async with self.semaphores[job.backend]:
                        if self.stopping:  # another job raised: start nothing new
                            return
                        try:
                            result = await self.drive(job)
                        except BaseException:
                            self.stopping = True
                            raise
                    self.count(result)
                    bar.update(1)
                    bar.set_postfix(
                        ready=self.summary.ready,
                        pending=self.summary.pending,
                        failed=self.summary.failed,
                        refresh=False,
                    )

                tasks = [asyncio.ensure_future(one(job)) for job in jobs]
                try:
                    await asyncio.gather(*tasks)
                finally:
                    for task in tasks:
                        task.cancel()
                    await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            for backend in reversed(entered):
                await backend.__aexit__(None, None, None)
        return self.summary

    def count(self, result: _JobResult) -> None:
        s = self.summary
        if result == "ready":
            s.ready += 1
        elif result == "failed":
            s.failed += 1
        elif result == "pending":
            s.pending += 1
        elif result == "waiting":
            s.waiting += 1
        elif result == "error":
            s.errors += 1

    async def drive(self, job: CutoutJob) -> _JobResult:
        """Take one job as far as this stage goes; every change is committed at once."""
        backend = self.backends[job.backend]
        wait = self.poll_interval
        if job.remote_id is not None:
            self.summary.resumed += 1
            log.info("resuming %s job %s (%s)", job.backend, job.key, job.remote_id)
        while True:
            fresh = self.store.get(CutoutJob, job.key)  # another run may have moved it
            if fresh is None or fresh.state in (JobState.READY, JobState.FAILED):
                return "skipped"
            job = fresh
            if job.remote_id is None:
                if not self.submit:
                    return "waiting"
                outcome = await self.submit_one(backend, job)
                if outcome is None:
                    return "error"
                job = self.store.get(CutoutJob, job.key) or job
                if outcome.kind == "failed":
                    return "failed"
                if outcome.kind == "deferred":
                    if not self.poll:
                        self.blocked.setdefault(job.backend, outcome.message or "the service asked to wait")
                        return "waiting"
                    wait = self.next_wait(wait * 1.5, outcome.wait)
                    if not await self.sleep(wait):
                        return "waiting"
                    continue
                wait = self.next_wait(self.poll_interval, outcome.wait)
                if not self.poll:
                    return "pending"
                if not await self.sleep(wait):
                    return "pending"
            if not self.poll:
                return "pending"
            try:
                outcome = await backend.poll(job)
            except CutoutServiceError as err:
                self.update(job, message=str(err))
                self.note(job, str(err))
                log.error("polling %s job %s (%s) failed: %s", job.backend, job.key, job.remote_id, err)
                return "error"
            if outcome.kind == "ready":
                self.finish(job, outcome)
                return "ready"
            if outcome.kind == "failed":
                message = outcome.message or "the service reported a failure"
                self.update(job, state=str(JobState.FAILED), message=message)
                self.note(job, message)
                log.error("%s job %s (%s) failed: %s", job.backend, job.key, job.remote_id, message)
                return "failed"
            if outcome.kind in ("resubmit", "deferred"):
                previous = [*job.params.get("previous_remote_ids", []), job.remote_id]
                self.update(
                    job,
                    state=str(JobState.NEW),
                    remote_id=None,
                    message=outcome.message,
                    params={**job.params, "previous_remote_ids": previous},
                )
                log.warning(
                    "%s job %s (%s): %s; will submit again",
                    job.backend,
                    job.key,
                    job.remote_id,
                    outcome.message,
                )
                if not self.submit:
                    return "waiting"
                wait = self.next_wait(self.poll_interval, outcome.wait)
                if not await self.sleep(wait):
                    return "waiting"
                continue
            # pending
            if outcome.message and outcome.message != job.message:
                job = self.update(job, message=outcome.message)
            wait = self.next_wait(wait * 1.5, outcome.wait)
            if not await self.sleep(wait):
                return "pending"

    async def submit_one(self, backend: CutoutBackend, job: CutoutJob) -> Outcome | None:
        """Submit, record the result; None when the service failed (recorded on the job)."""
        if job.attempts >= self.max_attempts:
            message = f"gave up after {job.attempts} submissions (last: {job.message or 'no message'})"
            self.update(job, state=str(JobState.FAILED), message=message)
            self.note(job, message)
            return Outcome.failed(message)
        try:
            if job.backend in self.blocked:  # no request: the service just said it would refuse
                outcome = Outcome.deferred(self.blocked[job.backend])
            else:
                outcome = await backend.submit(job)
        except CutoutServiceError as err:
            self.update(job, attempts=job.attempts + 1, message=str(err))
            self.note(job, str(err))
            log.error("submitting %s job %s failed: %s", job.backend, job.key, err)
            return None
        if outcome.kind == "submitted":
            assert outcome.remote_id is not None
            self.update(
                job,
                state=str(JobState.SUBMITTED),
                remote_id=outcome.remote_id,
                attempts=job.attempts + 1,
                submitted_at=_now(),
                message=None,
            )
            self.summary.submitted += 1
            log.info("submitted %s job %s as %s", job.backend, job.key, outcome.remote_id)
        elif outcome.kind == "deferred":
            if outcome.message != job.message:
                self.update(job, message=outcome.message)
            log.info("%s job %s waits: %s", job.backend, job.key, outcome.message)
        elif outcome.kind == "failed":
            message = outcome.message or "the service refused the job"
            self.update(job, state=str(JobState.FAILED), attempts=job.attempts + 1, message=message)
            self.note(job, message)
            log.error("%s refused job %s: %s", job.backend, job.key, message)
        else:  # pragma: no cover - a backend bug
            raise CutoutServiceError(f"{job.backend} submit answered {outcome.kind!r}")
        return outcome

    def finish(self, job: CutoutJob, outcome: Outcome) -> None:
        """Frames and the ready state in one transaction."""
        frames = [
            FitsFrame(
                url=ref.url,
                job_key=job.key,
                event_id=job.event_id,
                wavelength=ref.wavelength,
                state=str(FrameState.PENDING),
            )
            for ref in outcome.files
        ]
        message = outcome.message
        if outcome.rejected:
            shown = ", ".join(repr(name) for name in outcome.rejected[:3])
            more = f" and {len(outcome.rejected) - 3} more" if len(outcome.rejected) > 3 else ""
            message = (f"{message}; " if message else "") + (
                f"refused {len(outcome.rejected)} unsafe file names: {shown}{more}"
            )
        params = {**job.params, "files": len(frames)}
        if outcome.rejected:
            params["rejected"] = list(outcome.rejected[:50])
        with self.store.transaction():
            self.store.add(frames, update=False)
            self.update(job, state=str(JobState.READY), message=message, params=params)
        self.summary.frames += len(frames)
        self.summary.rejected += len(outcome.rejected)
        log.info("%s job %s (%s) ready: %d files", job.backend, job.key, job.remote_id, len(frames))


def _backend_map(backends: Mapping[str, CutoutBackend] | Iterable[CutoutBackend]) -> dict[str, CutoutBackend]:
    if isinstance(backends, Mapping):
        return dict(backends)
    out: dict[str, CutoutBackend] = {}
    for backend in backends:
        if backend.name in out:
            raise CutoutRequestError(f"two clients for the {backend.name} backend")
        out[backend.name] = backend
    return out


def _run_sync(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion, also from inside a running event loop (Jupyter)."""

    async def main() -> T:
        return await make()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(main())
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sdo-cutout") as pool:
        return pool.submit(asyncio.run, main()).result()


_Backends = Mapping[str, CutoutBackend] | Iterable[CutoutBackend]


async def asubmit_jobs(
    store: Store,
    backends: _Backends,
    *,
    keys: Iterable[str] | None = None,
    concurrency: int | Mapping[str, int] | None = None,
    max_attempts: int = 3,
    progress: bool = True,
) -> JobSummary:
    """Coroutine of :func:`submit_jobs` (same arguments and result).

    Examples
    --------
    >>> import asyncio
    >>> from jet_store import Store
    >>> from sdo_cutout import SswClient
    >>> asyncio.run(asubmit_jobs(Store("sqlite://"), [SswClient()], progress=False)).jobs
    0
    """
    stage = _Stage(
        store,
        _backend_map(backends),
        submit=True,
        poll=False,
        concurrency=concurrency,
        poll_interval=1.0,
        max_poll_interval=1.0,
        timeout=None,
        max_attempts=max_attempts,
        progress=progress,
    )
    return await stage.run(keys)


def submit_jobs(
    store: Store,
    backends: _Backends,
    *,
    keys: Iterable[str] | None = None,
    concurrency: int | Mapping[str, int] | None = None,
    max_attempts: int = 3,
    progress: bool = True,
) -> JobSummary:
    """Submit the ``new`` jobs of the given backends (or those with ``keys``).

    Each accepted job becomes ``submitted`` with its ``remote_id``, committed at once.
    A job the service cannot take now (JSOC: this e-mail already has a pending export)
    stays ``new`` and counts as ``waiting``; :func:`run_jobs` submits it in turn.

    Parameters
    ----------
    store : jet_store.Store
        Where the jobs are.
    backends : mapping or iterable of CutoutBackend
        Service clients by backend name (or a list of clients); only jobs of these
        backends are taken.
    keys : iterable of str, optional
        Only these jobs.
    concurrency : int or mapping, optional
        Jobs at once per service (one number for all, or per name); the clients'
        ``concurrency`` by default.
    max_attempts : int
        Submissions of one job before it is marked ``failed``.
    progress : bool
        A progress bar on stderr when it is a terminal.

    Returns
    -------
    JobSummary

    Examples
    --------
    An SSW cutout service answered in-process (tests use ``jet_sandbox.ssw.SswServer``):

    >>> import httpx
    >>> from jet_store import CutoutJob, Store
    >>> from sdo_cutout import CutoutParams, SswClient
    >>> def service(request):
    ...     if request.url.path.endswith(".sh"):
    ...         return httpx.Response(200, text='<param name="JobID">ssw_1</param>')
    ...     if request.url.path.endswith("/ssw_1/"):
    ...         return httpx.Response(200, text='Per-Wave file lists <a href="c_AIA_304_.list">304</a>')
    ...     return httpx.Response(200, text="/disk/ssw_1/c_0001_AIA_304_.fts\\n")
    >>> ssw = SswClient("http://ssw.test/cgi-ssw/ssw_service_track_fov.sh", "http://ssw.test/data/",
    ...                 transport=httpx.MockTransport(service))
    >>> store = Store("sqlite://")
    >>> job = CutoutParams.build("2010-06-20T11:14", "2010-06-20T11:20", center=(0, 0)).to_job()
    >>> _ = add_jobs(store, [job])
    >>> submit_jobs(store, [ssw], progress=False).submitted
    1
    >>> store.get(CutoutJob, job.key).remote_id
    'ssw_1'
    >>> summary = poll_jobs(store, [ssw], poll_interval=0.001, progress=False)
    >>> summary.ready, summary.frames, store.get(CutoutJob, job.key).state
    (1, 1, 'ready')
    """
    return _run_sync(
        lambda: asubmit_jobs(
            store, backends, keys=keys, concurrency=concurrency, max_attempts=max_attempts, progress=progress
        )
    )


async def apoll_jobs(
    store: Store,
    backends: _Backends,
    *,
    keys: Iterable[str] | None = None,
    concurrency: int | Mapping[str, int] | None = None,
    poll_interval: float = 10.0,
    max_poll_interval: float = 120.0,
    timeout: float | None = 3600.0,
    progress: bool = True,
) -> JobSummary:
    """Coroutine of :func:`poll_jobs` (same arguments and result).

    Examples
    --------
    >>> import asyncio
    >>> from jet_store import Store
    >>> from sdo_cutout import SswClient
    >>> asyncio.run(apoll_jobs(Store("sqlite://"), [SswClient()], progress=False)).jobs
    0
    """
    stage = _Stage(
        store,
        _backend_map(backends),
        submit=False,
        poll=True,
        concurrency=concurrency,
        poll_interval=poll_interval,
        max_poll_interval=max_poll_interval,
        timeout=timeout,
        max_attempts=1,
        progress=progress,
    )
    return await stage.run(keys)


def poll_jobs(
    store: Store,
    backends: _Backends,
    *,
    keys: Iterable[str] | None = None,
    concurrency: int | Mapping[str, int] | None = None,
    poll_interval: float = 10.0,
    max_poll_interval: float = 120.0,
    timeout: float | None = 3600.0,
    progress: bool = True,
) -> JobSummary:
    """Poll the ``submitted`` jobs until they are ready or failed, or ``timeout`` passes.

    A ready job gets one ``pending`` :class:`jet_store.FitsFrame` per file URL, added in
    the same transaction as its state change. Jobs still running at the timeout stay
    ``submitted`` (counted as ``pending``) for the next run. A job the service says
    must be submitted again goes back to ``new`` (counted as ``waiting``).

    Parameters
    ----------
    store, backends, keys, concurrency, progress
        As in :func:`submit_jobs`.
    poll_interval, max_poll_interval : float
        First and longest wait between two polls of one job, in s; the wait grows by
        half after every pending answer, and a service's own hint is kept in bounds.
    timeout : float or None
        Overall limit of the run in s (None: no limit).

    Returns
    -------
    JobSummary

    Examples
    --------
    See :func:`submit_jobs`; with nothing submitted there is nothing to poll:

    >>> from jet_store import Store
    >>> from sdo_cutout import SswClient
    >>> poll_jobs(Store("sqlite://"), [SswClient()], progress=False).line()
    '0 jobs: 0 submitted, 0 ready, 0 pending, 0 waiting, 0 failed, 0 errors; 0 frames'
    """
    return _run_sync(
        lambda: apoll_jobs(
            store,
            backends,
            keys=keys,
            concurrency=concurrency,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
            timeout=timeout,
            progress=progress,
        )
    )


async def arun_jobs(
    store: Store,
    backends: _Backends,
    *,
    keys: Iterable[str] | None = None,
    concurrency: int | Mapping[str, int] | None = None,
    poll_interval: float = 10.0,
    max_poll_interval: float = 120.0,
    timeout: float | None = 3600.0,
    max_attempts: int = 3,
    progress: bool = True,
) -> JobSummary:
    """Coroutine of :func:`run_jobs` (same arguments and result).

    Examples
    --------
    >>> import asyncio
    >>> from jet_store import Store
    >>> from sdo_cutout import SswClient
    >>> asyncio.run(arun_jobs(Store("sqlite://"), [SswClient()], progress=False)).jobs
    0
    """
    stage = _Stage(
        store,
        _backend_map(backends),
        submit=True,
        poll=True,
        concurrency=concurrency,
        poll_interval=poll_interval,
        max_poll_interval=max_poll_interval,
        timeout=timeout,
        max_attempts=max_attempts,
        progress=progress,
    )
    return await stage.run(keys)


def run_jobs(
    store: Store,
    backends: _Backends,
    *,
    keys: Iterable[str] | None = None,
    concurrency: int | Mapping[str, int] | None = None,
    poll_interval: float = 10.0,
    max_poll_interval: float = 120.0,
    timeout: float | None = 3600.0,
    max_attempts: int = 3,
    progress: bool = True,
) -> JobSummary:
    """Take every ``new`` and ``submitted`` job to ``ready`` or ``failed``: submit, poll, resubmit.

    Per job: submit it unless it has a remote id (deferred submissions are tried again
    after a wait), then poll it; a job the service asks to resubmit is submitted again,
    at most ``max_attempts`` times in its life. Arguments as in :func:`submit_jobs` and
    :func:`poll_jobs`.

    Returns
    -------
    JobSummary

    Examples
    --------
    See the module docstring; both services at once, nothing to do in an empty store:

    >>> from jet_store import Store
    >>> from sdo_cutout import JsocClient, SswClient
    >>> run_jobs(Store("sqlite://"), [SswClient(), JsocClient()], progress=False).jobs
    0
    """
    return _run_sync(
        lambda: arun_jobs(
            store,
            backends,
            keys=keys,
            concurrency=concurrency,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
            timeout=timeout,
            max_attempts=max_attempts,
            progress=progress,
        )
    )
