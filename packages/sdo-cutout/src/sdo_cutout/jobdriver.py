"""The engine of the cutout-job stage: :class:`JobStage` drives each job as far as a run goes.

The stage functions of :mod:`sdo_cutout.jobstage` (``submit_jobs``, ``poll_jobs``,
``run_jobs``) make one :class:`JobStage` per run; its behaviour is described there.

Examples
--------
>>> from jet_store import Store
>>> from sdo_cutout import JobOptions, SswClient
>>> stage = JobStage(Store("sqlite://"), [SswClient()], JobOptions(progress=False), submit=True, poll=True)
>>> stage.select(None), stage.summary.jobs
([], 0)
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Mapping
from typing import Any

from jet_store import CutoutJob, JobState, Store
from jet_store.claims import default_owner
from jet_store.progress import progress_bar

from sdo_cutout.backend import CutoutBackend, Outcome
from sdo_cutout.errors import CutoutPermanentError, CutoutRequestError, CutoutServiceError
from sdo_cutout.joboutcome import (
    SUMMARY_FIELD,
    Backends,
    JobResult,
    backend_map,
    job_age,
    ready_frames,
    ready_message,
)
from sdo_cutout.jobs import JobOptions, JobSummary, utc_now

__all__ = ["JobStage", "Backends", "JobResult"]

log = logging.getLogger(__name__)


class JobStage:
    """One run of the stage over some jobs (see :mod:`sdo_cutout.jobstage`).

    Parameters
    ----------
    store : jet_store.Store
        Where the jobs are.
    backends : mapping or iterable of CutoutBackend
        The service clients; only jobs of these backends are taken.
    options : JobOptions
        How the run behaves.
    submit, poll : bool
        Whether this run submits ``new`` jobs and polls ``submitted`` ones.
    """

    def __init__(
        self, store: Store, backends: Backends, options: JobOptions, *, submit: bool, poll: bool
    ) -> None:
        self.store = store
        self.backends = backend_map(backends)
        self.options = options
        self.submit = submit
        self.poll = poll
        self.summary = JobSummary()
        self.semaphores: dict[str, asyncio.Semaphore] = {}
        concurrency = options.concurrency
        for name, backend in self.backends.items():
            n = concurrency.get(name) if isinstance(concurrency, Mapping) else concurrency
            self.semaphores[name] = asyncio.Semaphore(max(1, int(n or backend.concurrency)))
        self.deadline = float("inf")
        self.started = time.monotonic()
        self.blocked: dict[str, str] = {}  # services that deferred a submission in a submit-only run
        self.stopping = False
        self.left_pending: dict[str, float | None] = {}  # job key -> age, of jobs the deadline left
        self.owner = options.owner or default_owner()

    # -- selection and records ----------------------------------------------------------

    def select(self, keys: Iterable[str] | None) -> list[CutoutJob]:
        """The jobs this run takes up, those known to their service first."""
        states = ([JobState.NEW] if self.submit else []) + ([JobState.SUBMITTED] if self.poll else [])
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
        updated = self.store.update(CutoutJob, job.key, updated_at=utc_now(), **changes)
        assert isinstance(updated, CutoutJob)
        return updated

    def note(self, job: CutoutJob, message: str) -> None:
        self.summary.note(f"{job.key}: {message}")

    # -- time ----------------------------------------------------------------------------

    def past_deadline(self) -> bool:
        return time.monotonic() >= self.deadline

    async def sleep(self, seconds: float) -> bool:
        """Wait, but not past the deadline; False when the deadline has passed."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            return False
        await asyncio.sleep(max(0.0, min(seconds, left)))
        return not self.past_deadline()

    def next_wait(self, current: float, hint: float | None) -> float:
        wanted = current if hint is None else hint
        return min(self.options.max_poll_interval, max(self.options.poll_interval, wanted))

    def left(self, job: CutoutJob, result: JobResult) -> JobResult:
        """``result`` for a job the deadline stops; remembered for the summary."""
        if self.past_deadline():
            self.left_pending[job.key] = job_age(job)
        return result

    # -- the run -------------------------------------------------------------------------

    async def run(self, keys: Iterable[str] | None) -> JobSummary:
        """Take the selected jobs as far as this stage goes; return the summary."""
        self.store.release_dead_claims(CutoutJob)
        jobs = self.select(keys)
        self.summary.jobs = len(jobs)
        if not jobs:
            return self.summary
        self.started = time.monotonic()
        timeout = self.options.timeout
        self.deadline = self.started + timeout if timeout is not None else float("inf")
        used = {job.backend for job in jobs}
        entered: list[CutoutBackend] = []
        try:
            for name in used:
                await self.backends[name].__aenter__()
                entered.append(self.backends[name])
            with progress_bar(
                len(jobs), enabled=self.options.progress, desc="cutout jobs", unit="job"
            ) as bar:

                async def one(job: CutoutJob) -> None:
                    async with self.semaphores[job.backend]:
                        if self.stopping:  # another job raised: start nothing new
                            return
                        try:
                            result = await self.claimed(job)
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
        self.report_deadline()
        return self.summary

    async def claimed(self, job: CutoutJob) -> JobResult:
        """Drive ``job`` while holding its claim (renewed in the background); busy when another holds it."""
        with self.store.claiming_keys(
            CutoutJob, [job.key], owner=self.owner, lease=self.options.lease
        ) as got:
            if not got:
                log.info("%s job %s is held by another worker; left to it", job.backend, job.key)
                return "busy"
            return await self.drive(job)

    def report_deadline(self) -> None:
        if not self.left_pending or self.options.timeout is None:
            return
        self.summary.timed_out = True
        ages = sorted(self.left_pending.items(), key=lambda kv: -(kv[1] or 0.0))
        shown = ", ".join(
            f"{key} ({'?' if age is None else f'{age:.0f} s'} since submission)" for key, age in ages[:10]
        )
        more = f" and {len(ages) - 10} more" if len(ages) > 10 else ""
        message = (
            f"timeout of {self.options.timeout:g} s reached after {time.monotonic() - self.started:.1f} s "
            f"with {len(ages)} jobs not finished: {shown}{more}; run again to resume them"
        )
        self.summary.note(message)
        log.warning("%s", message)

    def count(self, result: JobResult) -> None:
        """Count a job's result in the summary (``skipped`` jobs are not counted)."""
        name = SUMMARY_FIELD.get(result)
        if name is not None:
            setattr(self.summary, name, getattr(self.summary, name) + 1)

    async def drive(self, job: CutoutJob) -> JobResult:
        """Take one job as far as this stage goes; every change is committed at once."""
        backend = self.backends[job.backend]
        wait = self.options.poll_interval
        if job.remote_id is not None:
            self.summary.resumed += 1
            log.info("resuming %s job %s (%s)", job.backend, job.key, job.remote_id)
        while True:
            fresh = self.store.get(CutoutJob, job.key)  # another run may have moved it
            if fresh is None or fresh.state in (JobState.READY, JobState.FAILED):
                return "skipped"
            job = fresh
            if self.past_deadline() and job.remote_id is not None:  # new jobs are still submitted
                return self.left(job, "pending")
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
                        return self.left(job, "waiting")
                    continue
                wait = self.next_wait(self.options.poll_interval, outcome.wait)
                if not self.poll:
                    return "pending"
                if not await self.sleep(wait):
                    return self.left(job, "pending")
            if not self.poll:
                return "pending"
            try:
                outcome = await self.poll_one(backend, job)
            except TimeoutError:
                return self.left(job, "pending")
            except CutoutPermanentError as err:
                return self.fail(job, str(err))
            except CutoutServiceError as err:
                self.update(job, message=str(err))
                self.note(job, str(err))
                log.error("polling %s job %s (%s) failed: %s", job.backend, job.key, job.remote_id, err)
                return "error"
            if outcome.kind == "ready":
                self.finish(job, outcome)
                return "ready"
            if outcome.kind == "failed":
                return self.fail(job, outcome.message or "the service reported a failure")
            if outcome.kind == "pending" and self.is_lost(job):
                job, outcome = self.lose(job)
                if outcome.kind == "failed":
                    return "failed"
            if outcome.kind in ("resubmit", "deferred"):
                self.forget_remote(job, outcome)
                if not self.submit:
                    return "waiting"
                if not await self.sleep(self.next_wait(self.options.poll_interval, outcome.wait)):
                    return self.left(job, "waiting")
                continue
            # pending
            if outcome.message and outcome.message != job.message:
                job = self.update(job, message=outcome.message)
            wait = self.next_wait(wait * 1.5, outcome.wait)
            if not await self.sleep(wait):
                return self.left(job, "pending")

    async def poll_one(self, backend: CutoutBackend, job: CutoutJob) -> Outcome:
        """One poll, abandoned (TimeoutError) when the run's deadline passes while in flight."""
        if self.deadline == float("inf"):
            return await backend.poll(job)
        async with asyncio.timeout_at(asyncio.get_running_loop().time() + (self.deadline - time.monotonic())):
            return await backend.poll(job)

    def fail(self, job: CutoutJob, message: str) -> JobResult:
        self.update(job, state=str(JobState.FAILED), message=message)
        self.note(job, message)
        log.error("%s job %s (%s) failed: %s", job.backend, job.key, job.remote_id, message)
        return "failed"

    def is_lost(self, job: CutoutJob) -> bool:
        limit, age = self.options.max_job_age, job_age(job)
        return limit is not None and age is not None and age > limit

    def lose(self, job: CutoutJob) -> tuple[CutoutJob, Outcome]:
        """A job pending past ``max_job_age``: submit it once more, or fail it the second time."""
        self.summary.lost += 1
        lost = [*job.params.get("lost", []), job.remote_id]
        age = job_age(job) or 0.0
        text = (
            f"{job.backend} job {job.remote_id} lost: still pending {age:.0f} s after its submission "
            f"(limit {self.options.max_job_age:g} s)"
        )
        job = self.update(job, params={**job.params, "lost": lost})
        if len(lost) > 1:
            self.fail(job, f"{text}; it was submitted again once already")
            return job, Outcome.failed(text)
        self.note(job, f"{text}; submitting it again")
        return job, Outcome.resubmit(f"{text}; submitting it again")

    def forget_remote(self, job: CutoutJob, outcome: Outcome) -> None:
        previous = [*job.params.get("previous_remote_ids", []), job.remote_id]
        self.update(
            job,
            state=str(JobState.NEW),
            remote_id=None,
            message=outcome.message,
            params={**job.params, "previous_remote_ids": previous},
        )
        log.warning(
            "%s job %s (%s): %s; will submit again", job.backend, job.key, job.remote_id, outcome.message
        )

    async def submit_one(self, backend: CutoutBackend, job: CutoutJob) -> Outcome | None:
        """Submit, record the result; None when the service failed (recorded on the job)."""
        if job.attempts >= self.options.max_attempts:
            message = f"gave up after {job.attempts} submissions (last: {job.message or 'no message'})"
            self.fail(job, message)
            return Outcome.failed(message)
        try:
            if job.backend in self.blocked:  # no request: the service just said it would refuse
                outcome = Outcome.deferred(self.blocked[job.backend])
            else:
                outcome = await backend.submit(job)
        except CutoutPermanentError as err:
            self.update(job, attempts=job.attempts + 1)
            self.fail(job, str(err))
            return Outcome.failed(str(err))
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
                submitted_at=utc_now(),
                message=None,
            )
            self.summary.submitted += 1
            log.info("submitted %s job %s as %s", job.backend, job.key, outcome.remote_id)
        elif outcome.kind == "deferred":
            if outcome.message != job.message:
                self.update(job, message=outcome.message)
            log.info("%s job %s waits: %s", job.backend, job.key, outcome.message)
        elif outcome.kind == "failed":
            self.update(job, attempts=job.attempts + 1)
            self.fail(job, outcome.message or "the service refused the job")
        else:  # pragma: no cover - a backend bug
            raise CutoutServiceError(f"{job.backend} submit answered {outcome.kind!r}")
        return outcome

    def finish(self, job: CutoutJob, outcome: Outcome) -> None:
        """Frames and the ready state in one transaction."""
        frames = ready_frames(job, outcome)
        message = ready_message(outcome)
        params = {**job.params, "files": len(frames)}
        if outcome.rejected:
            params["rejected"] = list(outcome.rejected[:50])
        with self.store.transaction():
            self.store.add(frames, update=False)
            self.update(job, state=str(JobState.READY), message=message, params=params)
        self.summary.frames += len(frames)
        self.summary.rejected += len(outcome.rejected)
        log.info("%s job %s (%s) ready: %d files", job.backend, job.key, job.remote_id, len(frames))
