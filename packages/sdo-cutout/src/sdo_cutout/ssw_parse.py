"""What the LMSAL SSW cutout service is asked and what its answers mean (pure).

The protocol is described in :mod:`sdo_cutout.ssw`. The parsers take bytes or text and
never crash on malformed input: they return what they can use, or raise
:class:`~sdo_cutout.errors.SswAnswerError` with a clear message.

Examples
--------
>>> from sdo_cutout.ssw_parse import job_folder_url, parse_index, parse_job_id, parse_list
>>> parse_job_id(b'<param name="JobID">ssw_service_150113_120434_79087</param>')
'ssw_service_150113_120434_79087'
>>> folder = job_folder_url("http://x.test/data/", "ssw_service_150113_120434_79087")
>>> folder
'http://x.test/data/ssw_service_150113_120434_79087/'
>>> page = parse_index('<h2>Per-Wave file lists</h2><a href="c_AIA_171_.list">171</a> '
...                    '<a href="c_AIA_304_.list">304</a>', folder)
>>> page.ready, [url.rsplit("/", 1)[1] for url in page.lists]
(True, ['c_AIA_171_.list', 'c_AIA_304_.list'])
>>> listed = parse_list("/remote/a/c_171_1.fts\\n\\n../../c_171_2.fts\\n/etc/passwd\\n", folder, 171)
>>> [f.url.rsplit("/", 1)[1] for f in listed.files], listed.rejected
(['c_171_1.fts', 'c_171_2.fts'], ("'passwd' is not a FITS file name",))
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

from jet_store import CutoutJob

from sdo_cutout.aia import AIA_WAVELENGTHS
from sdo_cutout.backend import FileRef
from sdo_cutout.convert import number_text
from sdo_cutout.errors import CutoutRequestError, SswAnswerError
from sdo_cutout.names import safe_fits_name

__all__ = [
    "READY_MARKER",
    "TIME_FORMAT",
    "IndexPage",
    "ListedFiles",
    "submit_params",
    "parse_job_id",
    "job_folder_url",
    "parse_index",
    "parse_list",
    "list_wavelength",
    "decode",
]

log = logging.getLogger(__name__)

READY_MARKER = "Per-Wave file lists"
"""The text a job folder's index holds once the job is done."""

TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
"""How the service wants ``starttime``/``endtime`` (UTC)."""

_JOB_ID = re.compile(r"<param\s+name\s*=\s*[\"']?JobID[\"']?\s*>\s*([^<]*?)\s*</param\s*>", re.IGNORECASE)
_SAFE_JOB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$")
_LIST_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*\.list$", re.IGNORECASE)
_HTML = re.compile(r"^\s*(<!doctype\s+html|<html|<head|<body|<\?xml)", re.IGNORECASE)
_LIST_WAVE = re.compile(r"(?:^|[_.-])(\d{2,4})[_.-]*\.list$", re.IGNORECASE)


def decode(body: bytes | str) -> str:
    """Text of an answer: UTF-8, undecodable bytes replaced (some answers hold latin-1).

    Examples
    --------
    >>> decode(b"caf\\xe9")
    'caf\\ufffd'
    """
    return body if isinstance(body, str) else body.decode("utf-8", errors="replace")


def submit_params(job: CutoutJob) -> dict[str, str]:
    """The submit request's parameters for a job.

    Examples
    --------
    >>> from sdo_cutout.request import CutoutParams
    >>> job = CutoutParams.build("2010-06-20T11:14:44", "2010-06-20T11:54:26", center=(813, -683.5),
    ...                          fov=(239, 221), waves=[304, 171]).to_job()
    >>> submit_params(job)  # doctest: +NORMALIZE_WHITESPACE
    {'xcen': '813', 'ycen': '-683.5', 'fovx': '239', 'fovy': '221', 'starttime': '2010-06-20T11:14:44',
     'endtime': '2010-06-20T11:54:26', 'waves': '171,304', 'max_frames': '199', 'queue_job': '1',
     'notrack': '1'}
    """
    if job.backend != "ssw":
        raise CutoutRequestError(f"job {job.key} is for {job.backend}, not the SSW cutout service")
    params = {
        "xcen": number_text(job.center_x),
        "ycen": number_text(job.center_y),
        "fovx": number_text(job.fov_x),
        "fovy": number_text(job.fov_y),
        "starttime": job.start_time.strftime(TIME_FORMAT),
        "endtime": job.end_time.strftime(TIME_FORMAT),
        "waves": ",".join(str(int(w)) for w in sorted(job.wavelengths)),
    }
    if job.max_frames is not None:
        params["max_frames"] = str(int(job.max_frames))
    params["queue_job"] = "1"
    if not job.track:
        params["notrack"] = "1"
    return params


def _snippet(text: str, limit: int = 160) -> str:
    """The readable start of an answer, for messages: tags stripped, spaces collapsed."""
    plain = re.sub(r"<[^>]*>", " ", text)
    plain = " ".join(plain.split())
    return plain[:limit] + ("..." if len(plain) > limit else "")


def parse_job_id(body: bytes | str) -> str:
    """The ``JobID`` of a submit answer.

    Raises
    ------
    SswAnswerError
        When the answer holds no JobID (the service's HTML error pages, outage pages)
        or one that is not a plain folder name.

    Examples
    --------
    >>> parse_job_id('<param name="JobID">ssw_service_150113_120434_79087</param>')
    'ssw_service_150113_120434_79087'
    >>> parse_job_id("<html><body><h1>Internal error</h1></body></html>")
    Traceback (most recent call last):
    ...
    sdo_cutout.errors.SswAnswerError: the SSW cutout service answered without a JobID: 'Internal error'
    """
    text = decode(body)
    match = _JOB_ID.search(text)
    if match is None:
        raise SswAnswerError(f"the SSW cutout service answered without a JobID: {_snippet(text)!r}")
    job_id = match.group(1).strip()
    if not _SAFE_JOB_ID.match(job_id) or job_id in (".", ".."):
        raise SswAnswerError(
            f"the SSW cutout service answered a JobID that is not a folder name: {job_id[:80]!r}"
        )
    return job_id


def job_folder_url(data_url: str, job_id: str) -> str:
    """The URL of a job's folder (ends with ``/``).

    Examples
    --------
    >>> job_folder_url("https://www.lmsal.com/solarsoft//archive/sdo/media/ssw/ssw_client/data", "ssw_1")
    'https://www.lmsal.com/solarsoft//archive/sdo/media/ssw/ssw_client/data/ssw_1/'
    >>> job_folder_url("http://x.test/data/", "../etc")
    Traceback (most recent call last):
    ...
    sdo_cutout.errors.SswAnswerError: not an SSW job id: '../etc'
    """
    if not _SAFE_JOB_ID.match(job_id) or job_id in (".", ".."):
        raise SswAnswerError(f"not an SSW job id: {job_id[:80]!r}")
    return data_url.rstrip("/") + "/" + job_id + "/"


class _Links(HTMLParser):
    """Collects the ``href`` of every ``<a>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag.lower() == "a":
            for name, value in attrs:
                if name.lower() == "href" and value:
                    self.hrefs.append(value)


@dataclass(frozen=True, slots=True)
class IndexPage:
    """What a job folder's index says: ``ready``, and the URL of each ``.list`` (in page order)."""

    ready: bool
    lists: tuple[str, ...] = ()


def _links(text: str) -> list[str]:
    parser = _Links()
    try:
        parser.feed(text)
        parser.close()
    except Exception as err:  # HTMLParser is lenient; a failure here must not be a crash
        log.warning("cannot fully parse an SSW index page (%s); using the links read so far", err)
    return parser.hrefs


def parse_index(body: bytes | str, folder_url: str) -> IndexPage:
    """Whether a job folder's index says the job is done, and its per-wave ``.list`` URLs.

    Every link whose path ends in a plain ``NAME.list`` counts (deduplicated, in page
    order); the URL is the job folder plus ``NAME``, whatever the link's own host or
    path, so an index cannot point the client elsewhere.

    Examples
    --------
    >>> parse_index("<html>Job queued</html>", "http://x.test/d/j/")
    IndexPage(ready=False, lists=())
    >>> parse_index('Per-Wave file lists: <a href="/elsewhere/a_AIA_94_.list">94</a>'
    ...             '<a href="a_AIA_94_.list">again</a> <a href="a.fts">fits</a>', "http://x.test/d/j/")
    IndexPage(ready=True, lists=('http://x.test/d/j/a_AIA_94_.list',))
    """
    text = decode(body)
    if READY_MARKER.lower() not in text.lower():
        return IndexPage(ready=False)
    base = folder_url if folder_url.endswith("/") else folder_url + "/"
    found: dict[str, None] = {}
    for href in _links(text):
        path = urlsplit(href.strip()).path
        name = path.rsplit("/", 1)[-1]
        if _LIST_NAME.match(name):
            found[base + name] = None
    return IndexPage(ready=True, lists=tuple(found))


def list_wavelength(name: str) -> int | None:
    """The AIA wavelength a ``.list`` file name is for, when it says.

    Examples
    --------
    >>> list_wavelength("ssw_cutout_20120923_000000_AIA_171_.list"), list_wavelength("files.list")
    (171, None)
    """
    match = _LIST_WAVE.search(name.rsplit("/", 1)[-1])
    if match is None:
        return None
    wave = int(match.group(1))
    return wave if wave in AIA_WAVELENGTHS else None


@dataclass(frozen=True, slots=True)
class ListedFiles:
    """The files of one ``.list``, and the reasons for the lines refused."""

    files: tuple[FileRef, ...]
    rejected: tuple[str, ...] = ()


def parse_list(body: bytes | str, folder_url: str, wavelength: float | None = None) -> ListedFiles:
    """The file URLs of one ``.list``: the job folder plus each line's basename.

    Blank lines are skipped; a line without a FITS-like basename is refused (and
    logged) rather than trusted; duplicates are dropped.

    Raises
    ------
    SswAnswerError
        When the body is an HTML page (an outage page served with status 200), not a
        list: the caller retries rather than taking it for an empty list.

    Examples
    --------
    >>> listed = parse_list(b"/a/b/x_1.fts\\r\\n/a/b/x_1.fts\\n \\n..%2fx.fts\\n", "http://h/d/j/", 304)
    >>> listed.files, listed.rejected
    ((FileRef(url='http://h/d/j/x_1.fts', wavelength=304.0),), ("'..%2fx.fts' is not a FITS file name",))
    """
    text = decode(body)
    if _HTML.match(text):
        raise SswAnswerError(
            f"the SSW cutout service answered an HTML page instead of a list: {_snippet(text)!r}"
        )
    base = folder_url if folder_url.endswith("/") else folder_url + "/"
    wave = float(wavelength) if wavelength is not None else None
    files: dict[str, FileRef] = {}
    rejected: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        try:
            name = safe_fits_name(line)
        except ValueError as err:
            rejected.append(str(err))
            log.warning("SSW listing line refused: %s", err)
            continue
        files.setdefault(base + name, FileRef(base + name, wave))
    return ListedFiles(files=tuple(files.values()), rejected=tuple(rejected))
