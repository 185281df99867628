"""The jobs an SSW replica holds and where each stands: pending, building, ready.

:class:`SswJobs` is thread-safe: it numbers the jobs (:func:`~jet_sandbox.ssw_job.make_job_id`),
counts the polls of each job folder and moves a job from pending (404) through building
(a page without the ready marker) to ready, and keeps the per-job switches tests set
(hostile listings, a redirect). :class:`~jet_sandbox.ssw.SswServer` passes its numbers
of pending and building polls at each poll, so changing them on a running replica takes
effect at once.

Examples
--------
>>> from jet_sandbox.jobdata import SyntheticCutout
>>> from datetime import datetime, timezone
>>> t0 = datetime(2012, 7, 8, 13, 5, tzinfo=timezone.utc)
>>> cutout = SyntheticCutout.build(xcen=0, ycen=0, fovx=60, fovy=60, start=t0,
...                                end=t0.replace(minute=6), waves=(304,), seed=0, shape=(32, 32))
>>> jobs = SswJobs(seed=0)
>>> job = jobs.add({}, cutout, None, submitted=0.0)
>>> [jobs.poll(job.job_id, pending=1, building=1) for _ in range(3)], jobs.polls(job.job_id)
(['pending', 'building', 'ready'], 3)
>>> jobs.is_hostile(job.job_id, default=False), jobs.find(job.job_id) is job
(False, True)
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Literal

from jet_sandbox.errors import SandboxError
from jet_sandbox.jobdata import SyntheticCutout
from jet_sandbox.ssw_job import SswJob, make_job_id

__all__ = ["SswJobs", "Stage"]

#: where a job stands when its folder is polled
Stage = Literal["pending", "building", "ready"]


class SswJobs:
    """The jobs of one SSW replica and their states (see the module docstring)."""

    def __init__(self, *, seed: int) -> None:
        self.seed = seed
        self._jobs: dict[str, SswJob] = {}
        self._polls: dict[str, int] = {}
        self._ready: set[str] = set()
        self._hostile: dict[str, bool] = {}
        self._redirects: dict[str, str] = {}
        self._submitted = 0
        self._lock = threading.Lock()

    def add(
        self, params: Mapping[str, str], cutout: SyntheticCutout, max_frames: int | None, *, submitted: float
    ) -> SswJob:
        """Queue a job of these submit parameters and data, with the next JobID."""
        with self._lock:
            self._submitted += 1
            job_id = make_job_id(self.seed, self._submitted)
            job = SswJob(job_id, dict(params), cutout, max_frames, submitted)
            self._jobs[job_id] = job
            self._polls[job_id] = 0
        return job

    @property
    def jobs(self) -> dict[str, SswJob]:
        """Every job submitted so far, by JobID."""
        with self._lock:
            return dict(self._jobs)

    def job(self, job_id: str) -> SswJob:
        """One job.

        Raises
        ------
        SandboxError
            If there is no such job.
        """
        with self._lock:
            try:
                return self._jobs[job_id]
            except KeyError:
                raise SandboxError(f"no SSW job {job_id!r} on this replica") from None

    def find(self, job_id: str) -> SswJob | None:
        """One job, or None."""
        with self._lock:
            return self._jobs.get(job_id)

    def polls(self, job_id: str) -> int:
        """How many times a job's folder was asked for."""
        with self._lock:
            return self._polls.get(job_id, 0)

    def poll(self, job_id: str, *, pending: int, building: int) -> Stage:
        """Count one poll of a job's folder: where the job stands after ``pending`` polls
        answered as not there yet, then ``building`` ones answered as not ready."""
        with self._lock:
            self._polls[job_id] += 1
            polls = self._polls[job_id]
            if polls > pending + building:
                self._ready.add(job_id)
            if job_id in self._ready:
                return "ready"
        return "pending" if polls <= pending else "building"

    def is_ready(self, job_id: str) -> bool:
        """Whether a job's files are served."""
        with self._lock:
            return job_id in self._ready

    def set_hostile(self, job_id: str, hostile: bool) -> None:
        """Make one job's lists hostile (or not), whatever the default says."""
        self.job(job_id)
        with self._lock:
            self._hostile[job_id] = hostile

    def is_hostile(self, job_id: str, *, default: bool) -> bool:
        """Whether a job's lists are hostile (``default`` unless set for the job)."""
        with self._lock:
            return self._hostile.get(job_id, default)

    def set_redirect(self, job_id: str, location: str | None) -> None:
        """Answer one job's folder ``302`` with this ``Location``; None: stop."""
        self.job(job_id)
        with self._lock:
            if location is None:
                self._redirects.pop(job_id, None)
            else:
                self._redirects[job_id] = location

    def redirect(self, job_id: str) -> str | None:
        """Where a job's folder redirects to, if it does."""
        with self._lock:
            return self._redirects.get(job_id)
