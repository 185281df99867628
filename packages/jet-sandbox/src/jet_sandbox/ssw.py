"""The LMSAL SSW cutout service replica: submit, poll the job folder, per-wave lists, FITS files.

Usage
-----
``srv.submit_url`` is the CGI (``JET_HUNTER_SSW_URL``), ``srv.data_url`` the base of
the job folders (``JET_HUNTER_SSW_DATA_URL``)::

    with SswServer(pending_polls=2, shape=(96, 96)) as srv:
        job_id = my_client(srv.submit_url, srv.data_url).submit(...)
        truth = srv.truth(job_id)  # the jet drawn in the frames, for later stages

From a shell: ``jet-hunter sandbox serve ssw --pending-polls 3 --fault 503:1``.

The protocol, as the real service at www.lmsal.com answers it, and the paths the job folders
answer under are described in :mod:`jet_sandbox.ssw_job`; the jobs and where each stands
are kept by :class:`jet_sandbox.ssw_jobs.SswJobs` (:attr:`SswServer.queue`).

Data: the frames are synthetic AIA cutouts (:mod:`jet_sandbox.aia`) of the requested
centre, field of view, window and wavelengths, on AIA's 12 s grid, thinned evenly to at
most ``max_frames`` per wavelength (and ``max_frames_cap``), with a random jet inside the
field of view; the content depends only on the request and the seed. Frames are made
on first request (about 10 ms for 100x100 pixels) and kept in memory, or written under
``root`` when given. ``truth.json`` in the job folder (outside the fault plans) and
:meth:`SswServer.truth` give the truth of exactly the frames listed.

Faults: ``faults``/``latency`` apply to the submit CGI, the job folder pages and the
``.list`` files, and to the FITS files too unless ``file_faults`` is given (then the
FITS files follow that plan alone, with its own counters and latency). The FITS files
are served by :func:`jet_sandbox.files.file_response` (Range, ETag, If-Range, 416; see
:mod:`jet_sandbox.files` for the file faults).

Hostile listings: with ``malicious=True`` (or :meth:`SswServer.set_malicious`) every
``.list`` of a job also holds the lines of :data:`MALICIOUS_LINES` (``../../x.fts``,
``/etc/passwd``, ``C:\\x.fts``, ...), and the job folder serves a valid FITS file under
every basename they name (``ssw_cutout_evil_AIA_<wave>_.fts``) and a text ``passwd``,
so that a downloader that trusts a name would really write it somewhere.

Examples
--------
>>> import re, urllib.request
>>> from jet_sandbox.ssw import SswServer
>>> with SswServer(pending_polls=1, building_polls=0, shape=(48, 48)) as srv:
...     query = ("xcen=-300&ycen=200&fovx=60&fovy=60&starttime=2012-07-08T13:05:00"
...              "&endtime=2012-07-08T13:06:00&waves=171,304&max_frames=3&notrack=1&queue_job=1")
...     answer = urllib.request.urlopen(srv.submit_url + "?" + query).read().decode()
...     job = re.search(r'<param name="JobID">([^<]+)</param>', answer).group(1)
...     try:
...         urllib.request.urlopen(srv.data_url + job + "/")
...     except urllib.error.HTTPError as err:
...         print("pending:", err.code)
...     index = urllib.request.urlopen(srv.data_url + job + "/").read().decode()
...     lists = re.findall(r'href="([^"]+[.]list)"', index)
...     listed = urllib.request.urlopen(srv.data_url + job + "/" + lists[1]).read().decode().split()
...     fits = urllib.request.urlopen(srv.data_url + job + "/" + listed[0].rsplit("/", 1)[1]).read()
pending: 404
>>> job.startswith("ssw_service_"), "Per-Wave file lists" in index, lists
(True, True, ['ssw_cutout_20120708_130500_AIA_171_.list', 'ssw_cutout_20120708_130500_AIA_304_.list'])
>>> listed[0]  # doctest: +ELLIPSIS
'/archive/sdo/media/ssw/ssw_client/data/ssw_service_..._.../ssw_cutout_20120708_130507_AIA_304_.fts'
>>> fits[:9]
b'SIMPLE  ='

>>> len(srv.truth(job).frames)
6
"""

from __future__ import annotations

import html
import logging
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import ClassVar

from jet_sandbox.aia import CutoutTruth, SyntheticAiaError
from jet_sandbox.errors import BadQuery, SandboxError
from jet_sandbox.faults import Fault, FaultPlan
from jet_sandbox.files import CHUNK_SIZE, FileStore, ServedFile, file_response, not_found, safe_parts
from jet_sandbox.jobdata import SyntheticCutout, frame_shape
from jet_sandbox.server import Request, Response, Route, SandboxServer
from jet_sandbox.server_faults import file_fault_plan
from jet_sandbox.server_messages import SuffixMatch
from jet_sandbox.ssw_job import (
    AIA_START,
    BAIT_PREFIX,
    DATA_PATH,
    DATA_PATHS,
    MALICIOUS_LINES,
    MAX_FOV,
    MAX_WINDOW,
    READY_MARKER,
    REMOTE_DATA_DIR,
    SUBMIT_PATH,
    TIME_FORMAT,
    SswJob,
    read_submit,
)
from jet_sandbox.ssw_jobs import SswJobs
from jet_sandbox.ssw_pages import (
    BUILDING_PAGE,
    ERROR_PAGE,
    SUBMIT_ANSWER,
    index_page,
    list_text,
)

__all__ = [
    "SswServer",
    "SswJob",
    "SUBMIT_PATH",
    "DATA_PATH",
    "DATA_PATHS",
    "REMOTE_DATA_DIR",
    "READY_MARKER",
    "MALICIOUS_LINES",
    "TIME_FORMAT",
    "AIA_START",
    "MAX_FOV",
    "MAX_WINDOW",
]

logger = logging.getLogger(__name__)


class SswServer(SandboxServer):
    """The SSW cutout service replica (see the module docstring).

    Parameters
    ----------
    pending_polls
        Polls of a job folder answered 404 before anything else.
    building_polls
        Polls answered next with a page without the ready marker.
    faults, latency
        Fault plan and latency of the service (and of the files unless ``file_faults``).
    file_faults
        A separate fault plan (or faults / spec strings, with the server's latency) for
        the FITS files.
    latency_per_mb
        Pacing of the FITS files, seconds per 10**6 bytes.
    seed
        Seed of the job ids and the synthetic data.
    shape
        Largest ``(nx, ny)`` of a frame (coarser pixels for wider fields of view);
        None: 0.6 arcsec pixels.
    max_frames_cap
        Server-side limit on frames per wavelength (None: only the request's).
    root
        Folder where frames are written once made (else kept in memory).
    malicious
        Add :data:`MALICIOUS_LINES` to every job's lists.
    host, port
        Where to listen.
    """

    name: ClassVar[str] = "ssw"
    label: ClassVar[str] = "SSW cutout service replica"
    env_var: ClassVar[str | None] = "JET_HUNTER_SSW_URL"
    data_env_var: ClassVar[str] = "JET_HUNTER_SSW_DATA_URL"
    entry_path: ClassVar[str] = SUBMIT_PATH

    def __init__(
        self,
        *,
        pending_polls: int = 2,
        building_polls: int = 1,
        faults: FaultPlan | Iterable[Fault | str] | None = None,
        latency: float | None = None,
        file_faults: FaultPlan | Iterable[Fault | str] | None = None,
        latency_per_mb: float | None = None,
        seed: int = 0,
        shape: tuple[int, int] | None = None,
        max_frames_cap: int | None = None,
        root: str | os.PathLike[str] | None = None,
        malicious: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(faults=faults, latency=latency, host=host, port=port)
        if pending_polls < 0 or building_polls < 0:
            raise SandboxError("pending_polls and building_polls must be >= 0")
        if max_frames_cap is not None and max_frames_cap < 1:
            raise SandboxError(f"max_frames_cap must be >= 1, not {max_frames_cap}")
        shape = frame_shape(shape)
        self.pending_polls = pending_polls
        self.building_polls = building_polls
        self.file_plan = file_fault_plan(file_faults, self.fault_plan)
        self.latency_per_mb = float(latency_per_mb or 0.0)
        self.seed = seed
        self.shape = shape
        self.max_frames_cap = max_frames_cap
        self.malicious = malicious
        self.store = FileStore(cache_dir=root)
        self.queue = SswJobs(seed=seed)

    # -- addresses ---------------------------------------------------------------------

    @property
    def submit_url(self) -> str:
        """The submit CGI's URL (``JET_HUNTER_SSW_URL``)."""
        return self.base_url + SUBMIT_PATH

    @property
    def data_url(self) -> str:
        """The job folders' base URL, ending in ``/`` (``JET_HUNTER_SSW_DATA_URL``)."""
        return self.base_url + DATA_PATH

    def job_url(self, job_id: str) -> str:
        """The folder URL of a job."""
        return self.data_url + job_id + "/"

    def environment(self) -> dict[str, str]:
        """``JET_HUNTER_SSW_URL`` and ``JET_HUNTER_SSW_DATA_URL``."""
        return {"JET_HUNTER_SSW_URL": self.submit_url, self.data_env_var: self.data_url}

    # -- jobs ----------------------------------------------------------------------------

    @property
    def jobs(self) -> dict[str, SswJob]:
        """Every job submitted so far, by JobID."""
        return self.queue.jobs

    def job(self, job_id: str) -> SswJob:
        """One job.

        Raises
        ------
        SandboxError
            If there is no such job.
        """
        return self.queue.job(job_id)

    def truth(self, job_id: str) -> CutoutTruth:
        """The truth of a job's frames: spec, jet, and where the jet is in every frame listed."""
        return self.job(job_id).cutout.truth()

    def polls(self, job_id: str) -> int:
        """How many times a job's folder was asked for."""
        return self.queue.polls(job_id)

    def set_malicious(self, job_id: str, malicious: bool = True) -> None:
        """Make one job's lists hostile (or not), whatever ``malicious`` says for the others."""
        self.queue.set_hostile(job_id, malicious)

    def set_redirect(self, job_id: str, location: str | None) -> None:
        """Answer one job's folder ``302`` with this ``Location`` (its own URL: a loop); None: stop."""
        self.queue.set_redirect(job_id, location)

    def is_malicious(self, job_id: str) -> bool:
        """Whether a job's lists hold :data:`MALICIOUS_LINES`."""
        return self.queue.is_hostile(job_id, default=self.malicious)

    def submit(self, params: Mapping[str, str]) -> SswJob:
        """Queue a job as the CGI does (no HTTP); returns it.

        Raises
        ------
        BadQuery
            For a missing or bad parameter (the CGI answers an HTML error page).

        Examples
        --------
        >>> srv = SswServer(shape=(32, 32))
        >>> job = srv.submit({"xcen": "0", "ycen": "0", "fovx": "60", "fovy": "60", "waves": "304",
        ...                   "starttime": "2012-07-08T13:05:00", "endtime": "2012-07-08T13:06:00"})
        >>> job.job_id, len(job.file_names()), job.list_name(304)
        ('ssw_service_150113_120434_63871', 5, 'ssw_cutout_20120708_130500_AIA_304_.list')
        """
        asked = read_submit(params, max_frames_cap=self.max_frames_cap)
        try:
            cutout = SyntheticCutout.build(
                xcen=asked.xcen,
                ycen=asked.ycen,
                fovx=asked.fovx,
                fovy=asked.fovy,
                start=asked.start,
                end=asked.end,
                waves=asked.waves,
                seed=self.seed,
                shape=self.shape,
                max_frames=asked.max_frames,
            )
        except SyntheticAiaError as err:
            raise BadQuery(str(err)) from None
        if not cutout.frames:
            raise BadQuery("no AIA frames in the window (it is shorter than the 12 s cadence)")
        job = self.queue.add(params, cutout, asked.max_frames, submitted=float(int(time.time())))
        job_id = job.job_id
        for wave, moment in cutout.frames:
            name = f"{cutout.key}/{cutout.ssw_name(wave, moment)}"
            if name not in self.store:
                self.store.add(name, cutout.maker(wave, moment), last_modified=job.submitted)
        logger.info("SSW job %s queued: %d frames of %s", job_id, len(cutout.frames), asked.waves)
        return job

    # -- HTTP ----------------------------------------------------------------------------

    def routes(self) -> Sequence[Route]:
        """The submit CGI, then for each data path: FITS files, truth.json, folders and lists."""
        routes = [Route(SUBMIT_PATH, self._submit_page)]
        for base in DATA_PATHS:
            routes += [
                Route(base, self._fits, match=SuffixMatch(base, (".fts", ".fits")), faults=self.file_plan),
                Route(base, self._truth_file, match=SuffixMatch(base, ("/truth.json",)), accepts=frozenset()),
                Route(base, self._folder, prefix=True),
            ]
        return routes

    def _submit_page(self, request: Request) -> Response:
        try:
            job = self.submit(request.params)
        except BadQuery as err:
            logger.info("SSW submit refused (%s): %s", err, request.params)
            return Response.html(ERROR_PAGE.format(message=html.escape(str(err))))
        answer = SUBMIT_ANSWER.format(
            job=job.job_id,
            waves=",".join(str(w) for w in job.waves),
            url=html.escape(self.job_url(job.job_id)),
        )
        return Response.text(answer)

    def _locate(self, request: Request) -> tuple[SswJob | None, list[str]]:
        """The job a data path names, and the rest of the path (None if no such job)."""
        base = next((b for b in DATA_PATHS if request.path.startswith(b)), DATA_PATH)
        parts = safe_parts(request.path[len(base) :])
        if not parts:
            return None, []
        return self.queue.find(parts[0]), parts[1:]

    def _folder(self, request: Request) -> Response:
        job, rest = self._locate(request)
        if job is None:
            return not_found(request.path)
        location = self.queue.redirect(job.job_id)
        if location is not None:
            return Response.html(
                "<html><body>Found</body></html>", status=302, headers=[("Location", location)]
            )
        if not rest and not request.path.endswith("/"):
            return Response.html(
                f'<html><body>Moved to <a href="{html.escape(request.path)}/">here</a></body></html>',
                status=301,
                headers=[("Location", request.path + "/")],
            )
        if not rest:
            return self._poll(request, job)
        if len(rest) != 1 or not self.queue.is_ready(job.job_id):
            return not_found(request.path)
        name = rest[0]
        if name.endswith(".list"):
            for wave in job.waves:
                if job.list_name(wave) == name:
                    served = ServedFile.from_bytes(
                        list_text(job, wave, malicious=self.is_malicious(job.job_id)).encode(),
                        name=name,
                        last_modified=job.submitted,
                    )
                    return file_response(request, served)
        if self.is_malicious(job.job_id) and name == "passwd":
            return Response.text("root:x:0:0:root:/root:/bin/bash\n")
        return not_found(request.path)

    def _poll(self, request: Request, job: SswJob) -> Response:
        stage = self.queue.poll(job.job_id, pending=self.pending_polls, building=self.building_polls)
        if stage == "pending":
            return not_found(request.path)
        if stage == "building":
            return Response.html(BUILDING_PAGE.format(job=job.job_id))
        return Response.html(index_page(job))

    def _fits(self, request: Request) -> Response:
        job, rest = self._locate(request)
        if job is None or len(rest) != 1 or not self.queue.is_ready(job.job_id):
            return not_found(request.path)
        name = rest[0]
        served = self.store.lookup(f"{job.cutout.key}/{name}")
        if served is None and self.is_malicious(job.job_id) and name.startswith(BAIT_PREFIX):
            wave, moment = job.cutout.frames[0]
            served = self.store.lookup(f"{job.cutout.key}/{job.cutout.ssw_name(wave, moment)}")
        return file_response(request, served, latency_per_mb=self.latency_per_mb, chunk_size=CHUNK_SIZE)

    def _truth_file(self, request: Request) -> Response:
        job, rest = self._locate(request)
        if job is None or rest != ["truth.json"]:
            return not_found(request.path)
        served = ServedFile.from_bytes(
            job.cutout.truth_json(), name="truth.json", last_modified=job.submitted
        )
        return file_response(request, served)
