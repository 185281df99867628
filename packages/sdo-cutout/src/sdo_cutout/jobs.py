"""Cutout jobs in the store: adding them, the options of a stage run, and its summary.

A job goes through these states (:mod:`sdo_cutout.jobstage` drives it):

=============  ==============================================================
``new``        built by :mod:`sdo_cutout.request`, added with :func:`add_jobs`
``submitted``  the service accepted it; ``remote_id`` holds its job/request id
``ready``      finished: one ``pending`` :class:`jet_store.FitsFrame` per file
               URL was added in the SAME transaction as the state change
``failed``     the service refused it, reported a clear error, failed in a way no
               retry fixes, was lost twice, or ``max_attempts`` submissions failed
=============  ==============================================================

:class:`JobOptions` holds every setting of a stage run once, with its default;
:class:`JobSummary` is what a run did.

Examples
--------
>>> JobOptions().poll_interval, JobOptions(timeout=5).timeout
(10.0, 5.0)
>>> JobOptions.of(None, {"max_attempts": 0})
Traceback (most recent call last):
...
sdo_cutout.errors.CutoutRequestError: max_attempts must be >= 1, not 0
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from jet_store import CutoutJob, JobState, Store

from sdo_cutout.errors import CutoutRequestError
from sdo_cutout.options import with_changes

__all__ = ["JobOptions", "JobsAdded", "JobSummary", "add_jobs", "utc_now"]


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


def _seconds(value: float | None, what: str, *, allow_zero: bool = True) -> float | None:
    if value is None:
        return None
    number = float(value)
    if math.isnan(number) or number < 0 or (number == 0 and not allow_zero) or math.isinf(number):
        raise CutoutRequestError(f"{what} must be a finite number of seconds > 0, not {value!r}")
    return number


@dataclass(frozen=True)
class JobOptions:
    """How a run of the cutout-job stage behaves (every default lives here).

    Parameters
    ----------
    concurrency : int or mapping, optional
        Jobs at once per service (one number for all, or per backend name); the
        clients' ``concurrency`` by default.
    poll_interval, max_poll_interval : float
        First and longest wait between two polls of one job, in s; the wait grows by
        half after every pending answer, and a service's own hint is kept in bounds.
    timeout : float or None
        Overall limit of the run in s, requests in flight included (None: no limit).
        Jobs still running then stay ``submitted`` for the next run.
    max_attempts : int
        Submissions of one job in its life before it is marked ``failed``.
    max_job_age : float or None
        Seconds a submitted job may stay pending after its submission before it is
        taken as lost (an SSW job folder that stays 404): it is submitted once more,
        and marked ``failed`` if that one is lost too. None: wait for ever.
    lease : float
        Seconds a claim on a job lasts without renewal: a killed worker's jobs are
        taken over by the next run after this long.
    owner : str, optional
        Who claims the jobs (``host:pid`` by default).
    progress : bool
        A progress bar on stderr when it is a terminal.

    Examples
    --------
    >>> JobOptions(poll_interval=5, max_poll_interval=1)
    Traceback (most recent call last):
    ...
    sdo_cutout.errors.CutoutRequestError: need 0 < poll_interval <= max_poll_interval
    """

    concurrency: int | Mapping[str, int] | None = None
    poll_interval: float = 10.0
    max_poll_interval: float = 120.0
    timeout: float | None = 3600.0
    max_attempts: int = 3
    max_job_age: float | None = 6 * 3600.0
    lease: float = 300.0
    owner: str | None = None
    progress: bool = True

    def __post_init__(self) -> None:
        poll = _seconds(self.poll_interval, "poll_interval", allow_zero=False)
        longest = _seconds(self.max_poll_interval, "max_poll_interval", allow_zero=False)
        if poll is None or longest is None or longest < poll:
            raise CutoutRequestError("need 0 < poll_interval <= max_poll_interval")
        object.__setattr__(self, "poll_interval", poll)
        object.__setattr__(self, "max_poll_interval", longest)
        object.__setattr__(self, "timeout", _seconds(self.timeout, "timeout"))
        object.__setattr__(self, "max_job_age", _seconds(self.max_job_age, "max_job_age"))
        object.__setattr__(self, "lease", _seconds(self.lease, "lease", allow_zero=False))
        if self.max_attempts < 1:
            raise CutoutRequestError(f"max_attempts must be >= 1, not {self.max_attempts}")

    @classmethod
    def of(cls, options: JobOptions | None, changes: Mapping[str, Any]) -> JobOptions:
        """``options`` (or the defaults) with ``changes`` applied; unknown names are refused."""
        return with_changes(cls, options, changes, "job stage")


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
                    state=str(JobState.NEW), remote_id=None, attempts=0, message=None, updated_at=utc_now()
                )
                reset += 1
            if changes:
                store.update(CutoutJob, key, **changes)
    return JobsAdded(new=new, existing=existing, merged=merged, reset=reset)


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
    lost : int
        Jobs pending longer than ``max_job_age``: submitted again, or failed.
    busy : int
        Jobs skipped because another worker holds their claim.
    timed_out : bool
        The run's ``timeout`` ended it with jobs still pending.
    messages : list of str
        One line per failed job, error, lost job, and the timeout.

    Examples
    --------
    >>> s = JobSummary(jobs=2, ready=1, errors=1)
    >>> s.line(), s.exit_code
    ('2 jobs: 0 submitted, 1 ready, 0 pending, 0 waiting, 0 failed, 1 errors; 0 frames', 2)
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
    lost: int = 0
    busy: int = 0
    timed_out: bool = False
    messages: list[str] = field(default_factory=list)

    def line(self) -> str:
        """The one-line summary the command line prints."""
        text = (
            f"{self.jobs} jobs: {self.submitted} submitted, {self.ready} ready, {self.pending} pending, "
            f"{self.waiting} waiting, {self.failed} failed, {self.errors} errors; {self.frames} frames"
        )
        extra = [f"{self.lost} lost"] if self.lost else []
        extra += [f"{self.busy} held by another worker"] if self.busy else []
        extra += ["timeout reached"] if self.timed_out else []
        return text + (f" ({', '.join(extra)})" if extra else "")

    @property
    def exit_code(self) -> int:
        """2 when a service kept failing for some job, else 0."""
        return 2 if self.errors else 0

    def to_dict(self) -> dict[str, Any]:
        """The summary as a JSON-compatible dict."""
        doc = dataclasses.asdict(self)
        doc["messages"] = list(self.messages)
        return doc

    def note(self, message: str) -> None:
        """Add a message (at most 200 are kept)."""
        if len(self.messages) < 200:
            self.messages.append(message)
