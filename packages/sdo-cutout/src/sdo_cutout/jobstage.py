"""The cutout-job stage: submit, poll, resume, each job committed on its own.

The stage functions read jobs from a :class:`jet_store.Store`, drive them through a
backend client (:class:`sdo_cutout.ssw.SswClient`, :class:`sdo_cutout.jsoc.JsocClient`)
and commit every job's change on its own, so a kill loses at most the request in
flight (the states are listed in :mod:`sdo_cutout.jobs`).

A job that holds a ``remote_id`` is never submitted again: a run that died while jobs
were queued remotely picks them up by id on the next run. (A backend may drop the id
explicitly, e.g. JSOC status 7 "this e-mail already has a pending request", which
means the request was not taken; earlier ids are kept in
``params["previous_remote_ids"]``.) A job still pending ``max_job_age`` after its
submission is lost: it is submitted once more (``params["lost"]``), then failed.

:func:`submit_jobs` submits ``new`` jobs; :func:`poll_jobs` polls ``submitted`` ones
until they are ready, fail, or the overall ``timeout`` ends the run (they stay
``submitted`` and the next run resumes them); :func:`run_jobs` does both, job by job,
resubmitting what a backend asks to. Each has an ``a``-prefixed coroutine twin. The
timeout is a real deadline for polling: a poll in flight when it passes is abandoned,
and the summary says how many jobs were left and how long each had waited since its
submission. Submissions are not cut (an answer lost there would submit the job twice)
and ``new`` jobs are still submitted after it, so they run remotely until the next run.

Workers: each job is driven while its claim in the store is held
(:meth:`jet_store.Store.claiming_keys`, renewed in the background, released at the
end), and read again once claimed, so two processes (or machines on one PostgreSQL
store) never submit or poll one job at once; a job another worker holds counts as
``busy``. A killed worker's claims expire after ``lease`` seconds (at once when it ran
on this machine: :func:`sdo_cutout.claims.release_dead_claims`).

Concurrency: jobs run as asyncio tasks, at most ``concurrency`` jobs of one service in
flight at once (one :class:`asyncio.Semaphore` per service; each service client owns
one :class:`httpx.AsyncClient` with its own connection limit). Jobs with a remote id
go first, so a resumed JSOC export finishes before a new one is asked for. Polling
waits ``poll_interval`` seconds, growing by half each time up to ``max_poll_interval``
(a service's own hint, such as JSOC's ``wait``, is honoured within those bounds).
Every option is a field of :class:`~sdo_cutout.jobs.JobOptions`; the functions take
one (``options=``) and/or its fields as keyword arguments.

Transient HTTP failures are retried inside the clients (:mod:`sdo_cutout.service`); a
request that still fails raises :class:`~sdo_cutout.errors.CutoutUnavailable`, which
the stage records on the job (state unchanged, ``errors`` in the summary); one that no
retry fixes (:class:`~sdo_cutout.errors.CutoutPermanentError`) fails the job with its
reason. The stage goes on with the other jobs either way.

Examples
--------
A toy backend that is ready at the second poll:

>>> from jet_store import Store, CutoutJob, FitsFrame
>>> from sdo_cutout.backend import FileRef, Outcome
>>> from sdo_cutout.jobs import add_jobs
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

from collections.abc import Iterable
from typing import Any

from jet_store import Store

from sdo_cutout.jobdriver import Backends, JobStage
from sdo_cutout.jobs import JobOptions, JobSummary
from sdo_cutout.sync import run_sync

__all__ = [
    "submit_jobs",
    "asubmit_jobs",
    "poll_jobs",
    "apoll_jobs",
    "run_jobs",
    "arun_jobs",
]


# -- the stage functions ---------------------------------------------------------------------


async def asubmit_jobs(
    store: Store,
    backends: Backends,
    *,
    keys: Iterable[str] | None = None,
    options: JobOptions | None = None,
    **changes: Any,
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
    stage = JobStage(store, backends, JobOptions.of(options, changes), submit=True, poll=False)
    return await stage.run(keys)


def submit_jobs(
    store: Store,
    backends: Backends,
    *,
    keys: Iterable[str] | None = None,
    options: JobOptions | None = None,
    **changes: Any,
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
    options : JobOptions, optional
        The run's settings (``concurrency``, ``max_attempts``, ``progress``, ...).
    **changes
        Fields of :class:`~sdo_cutout.jobs.JobOptions` that replace those of ``options``.

    Returns
    -------
    JobSummary

    Examples
    --------
    An SSW cutout service answered in-process (tests use ``jet_sandbox.ssw.SswServer``):

    >>> import httpx
    >>> from jet_store import CutoutJob, Store
    >>> from sdo_cutout import CutoutParams, SswClient, add_jobs
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
    return run_sync(lambda: asubmit_jobs(store, backends, keys=keys, options=options, **changes))


async def apoll_jobs(
    store: Store,
    backends: Backends,
    *,
    keys: Iterable[str] | None = None,
    options: JobOptions | None = None,
    **changes: Any,
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
    stage = JobStage(store, backends, JobOptions.of(options, changes), submit=False, poll=True)
    return await stage.run(keys)


def poll_jobs(
    store: Store,
    backends: Backends,
    *,
    keys: Iterable[str] | None = None,
    options: JobOptions | None = None,
    **changes: Any,
) -> JobSummary:
    """Poll the ``submitted`` jobs until they are ready or failed, or ``timeout`` passes.

    A ready job gets one ``pending`` :class:`jet_store.FitsFrame` per file URL, added in
    the same transaction as its state change. Jobs still running at the timeout stay
    ``submitted`` (counted as ``pending``) for the next run. A job the service says
    must be submitted again, or lost (pending past ``max_job_age``), goes back to
    ``new`` (counted as ``waiting``). Arguments as in :func:`submit_jobs`; the options
    that matter here are ``poll_interval``, ``max_poll_interval``, ``timeout`` and
    ``max_job_age``.

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
    return run_sync(lambda: apoll_jobs(store, backends, keys=keys, options=options, **changes))


async def arun_jobs(
    store: Store,
    backends: Backends,
    *,
    keys: Iterable[str] | None = None,
    options: JobOptions | None = None,
    **changes: Any,
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
    stage = JobStage(store, backends, JobOptions.of(options, changes), submit=True, poll=True)
    return await stage.run(keys)


def run_jobs(
    store: Store,
    backends: Backends,
    *,
    keys: Iterable[str] | None = None,
    options: JobOptions | None = None,
    **changes: Any,
) -> JobSummary:
    """Take every ``new`` and ``submitted`` job to ``ready`` or ``failed``: submit, poll, resubmit.

    Per job: submit it unless it has a remote id (deferred submissions are tried again
    after a wait), then poll it; a job the service asks to resubmit is submitted again,
    at most ``max_attempts`` times in its life. Arguments as in :func:`submit_jobs`.

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
    return run_sync(lambda: arun_jobs(store, backends, keys=keys, options=options, **changes))
