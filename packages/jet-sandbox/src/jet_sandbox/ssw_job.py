"""What an SSW cutout job is: the service's paths and limits, its submit parameters read, the job record.

The protocol (as the real service at www.lmsal.com)
-------------------------------------------------------
1. ``GET /cgi-ssw/ssw_service_track_fov.sh?xcen=..&ycen=..&fovx=..&fovy=..&starttime=..
   &endtime=..&waves=171,304&max_frames=..&notrack=1&queue_job=1`` answers text holding
   ``<param name="JobID">ssw_service_150113_120434_79087</param>``. Job ids come from a
   counter and the seed (``ssw_service_YYMMDD_HHMMSS_PID``, a fictitious submission
   clock), so a run is reproducible. A missing or bad parameter gets an HTML error
   page (status 200, as from the real CGI) without a JobID.
2. The job folder ``{data_url}{job}/`` answers 404 to the first ``pending_polls``
   polls, then a page without "Per-Wave file lists" to the next ``building_polls``
   ones, then the HTML index: "Per-Wave file lists" with one link per wavelength to
   ``ssw_cutout_<start>_AIA_<wave>_.list``, and links to the FITS files. Files of a job
   not ready yet are 404; the folder URL without its final ``/`` is redirected (301).
3. Each ``.list`` holds one absolute path of the service's disk per line
   (``/archive/sdo/media/ssw/ssw_client/data/<job>/ssw_cutout_..._AIA_304_.fts``); the
   file URL is the job folder plus the basename.

Paths: the data folders answer under ``/solarsoft/archive/sdo/media/ssw/ssw_client/data/``
(:attr:`SswServer.data_url`), the real URL's double-slash spelling
``/solarsoft//archive/...``, and the older mirror's ``/sdomedia/ssw/media/ssw/ssw_client/data/``.
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from jet_sandbox.aia import list_filename
from jet_sandbox.errors import BadQuery
from jet_sandbox.jobdata import SyntheticCutout, supported_wave

__all__ = [
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
    "BAIT_PREFIX",
    "make_job_id",
]

SUBMIT_PATH = "/cgi-ssw/ssw_service_track_fov.sh"
"""Path of the submit CGI."""


DATA_PATH = "/solarsoft/archive/sdo/media/ssw/ssw_client/data/"
"""Path of the job folders' base (:attr:`SswServer.data_url`)."""


DATA_PATHS = (
    DATA_PATH,
    "/solarsoft//archive/sdo/media/ssw/ssw_client/data/",
    "/sdomedia/ssw/media/ssw/ssw_client/data/",
)
"""Every path the job folders answer under (the real URL's spelling, and the older mirror's)."""


REMOTE_DATA_DIR = "/archive/sdo/media/ssw/ssw_client/data/"
"""Where the real service keeps job folders on its disk (the paths in ``.list`` files)."""


READY_MARKER = "Per-Wave file lists"
"""What a finished job's index says."""


TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
"""How the service writes ``starttime``/``endtime``."""


MAX_WINDOW = timedelta(days=1)
"""Longest window a job may ask for."""


AIA_START = datetime(2010, 5, 13, tzinfo=UTC)
"""The first day of AIA science data."""


MAX_FOV = 2500.0
"""Largest field of view (arcsec) a job may ask for."""


MALICIOUS_LINES = (
    "../../ssw_cutout_evil_AIA_{wave}_.fts",
    "/etc/passwd",
    "C:\\ssw_cutout_evil_AIA_{wave}_.fts",
    "..\\..\\ssw_cutout_evil_AIA_{wave}_.fts",
    REMOTE_DATA_DIR + "{job}/../../../../../tmp/ssw_cutout_evil_AIA_{wave}_.fts",
    "..",
    "%2e%2e%2fssw_cutout_evil_AIA_{wave}_.fts",
    "ssw_cutout_evil_AIA_{wave}_.fts\x00.txt",
    "   ",
)
"""Lines added to every ``.list`` of a malicious job (``{job}``, ``{wave}`` filled in)."""


BAIT_PREFIX = "ssw_cutout_evil"


_REQUIRED = ("xcen", "ycen", "fovx", "fovy", "starttime", "endtime", "waves")


@dataclasses.dataclass(frozen=True, slots=True)
class SswJob:
    """One submitted job.

    Attributes
    ----------
    job_id
        The JobID answered.
    params
        The submit parameters, as sent (first value of each).
    cutout
        Its synthetic data (spec, jet, frames).
    max_frames
        The frames-per-wavelength limit applied (request and server cap), or None.
    submitted
        POSIX seconds of the submission (``Last-Modified`` of its files).
    """

    job_id: str
    params: Mapping[str, str]
    cutout: SyntheticCutout
    max_frames: int | None
    submitted: float

    @property
    def waves(self) -> tuple[int, ...]:
        """The wavelengths, in request order."""
        return self.cutout.waves

    def list_name(self, wave: int) -> str:
        """Name of the ``.list`` of one wavelength."""
        return list_filename(self.cutout.spec.start_time, wave)

    def file_names(self, wave: int | None = None) -> list[str]:
        """Names of the FITS files (of one wavelength, or all), in listing order."""
        return [self.cutout.ssw_name(w, t) for w, t in self.cutout.frames if wave is None or w == wave]


def make_job_id(seed: int, counter: int) -> str:
    """``ssw_service_YYMMDD_HHMMSS_PID`` from a fictitious clock and a seeded process id."""
    clock = datetime(2015, 1, 13, 12, 4, 34) + timedelta(days=seed % 997, seconds=41 * (counter - 1))
    pid = random.Random(f"jet_sandbox.ssw.job:{seed}:{counter}").randrange(10000, 100000)
    return f"ssw_service_{clock:%y%m%d_%H%M%S}_{pid}"


def _number(params: Mapping[str, str], name: str) -> float:
    text = params.get(name, "").strip()
    try:
        value = float(text)
    except ValueError:
        raise BadQuery(f"{name}={text!r} is not a number") from None
    if not math.isfinite(value):
        raise BadQuery(f"{name}={text!r} is not a finite number")
    return value


def _time(params: Mapping[str, str], name: str) -> datetime:
    text = params.get(name, "").strip()
    clean = text[:-1] if text.endswith(("Z", "z")) else text
    try:
        moment = datetime.fromisoformat(clean)
    except ValueError:
        raise BadQuery(f"{name}={text!r} is not a time like 2012-07-08T13:05:00") from None
    if "T" not in clean and " " not in clean:
        raise BadQuery(f"{name}={text!r} has no time of day (use {TIME_FORMAT})")
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _waves(text: str) -> tuple[int, ...]:
    waves: list[int] = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        if not item.isdigit():
            raise BadQuery(f"waves={text!r}: {item!r} is not a wavelength")
        waves.append(supported_wave(int(item), "this service"))
    if not waves:
        raise BadQuery("waves is empty")
    return tuple(dict.fromkeys(waves))


@dataclasses.dataclass(frozen=True, slots=True)
class SubmitRequest:
    """What a submit asks for, read and checked: centre and field of view (arcsec), window, channels.

    ``max_frames`` is the frames-per-wavelength limit (the request's and the server's cap), or None.
    """

    xcen: float
    ycen: float
    fovx: float
    fovy: float
    start: datetime
    end: datetime
    waves: tuple[int, ...]
    max_frames: int | None


def read_submit(params: Mapping[str, str], *, max_frames_cap: int | None = None) -> SubmitRequest:
    """Read and check the submit CGI's parameters (first value of each).

    Raises
    ------
    BadQuery
        For a missing or bad parameter (the CGI answers an HTML error page).

    Examples
    --------
    >>> asked = read_submit({"xcen": "0", "ycen": "0", "fovx": "60", "fovy": "60", "waves": "304,171",
    ...                      "starttime": "2012-07-08T13:05:00", "endtime": "2012-07-08T13:06:00",
    ...                      "max_frames": "9"}, max_frames_cap=5)
    >>> asked.waves, asked.max_frames, asked.end - asked.start
    ((304, 171), 5, datetime.timedelta(seconds=60))
    """
    missing = [name for name in _REQUIRED if not params.get(name, "").strip()]
    if missing:
        raise BadQuery(f"missing required parameter(s): {', '.join(missing)}")
    xcen, ycen = _number(params, "xcen"), _number(params, "ycen")
    fovx, fovy = _number(params, "fovx"), _number(params, "fovy")
    for name, fov in (("fovx", fovx), ("fovy", fovy)):
        if not 0 < fov <= MAX_FOV:
            raise BadQuery(f"{name}={fov:g} must be in (0, {MAX_FOV:g}] arcsec")
    start, end = _time(params, "starttime"), _time(params, "endtime")
    if end <= start:
        raise BadQuery(f"endtime {end:{TIME_FORMAT}} is not after starttime {start:{TIME_FORMAT}}")
    if end - start > MAX_WINDOW:
        raise BadQuery(f"the window {end - start} is longer than the {MAX_WINDOW} a job may ask for")
    if start < AIA_START:
        raise BadQuery(f"no AIA data before {AIA_START:%Y-%m-%d}")
    waves = _waves(params["waves"])
    max_frames: int | None = None
    if params.get("max_frames", "").strip():
        text = params["max_frames"].strip()
        if not text.isdigit() or int(text) < 1:
            raise BadQuery(f"max_frames={text!r} is not a positive whole number")
        max_frames = int(text)
    if max_frames_cap is not None:
        max_frames = max_frames_cap if max_frames is None else min(max_frames, max_frames_cap)
    return SubmitRequest(xcen, ycen, fovx, fovy, start, end, waves, max_frames)
