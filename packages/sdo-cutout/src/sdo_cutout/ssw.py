"""The LMSAL SSW cutout service: :class:`SswClient`, speaking the protocol of :mod:`sdo_cutout.ssw_parse`.

1. **Submit**: ``GET <ssw_url>?xcen=..&ycen=..&fovx=..&fovy=..&starttime=..&endtime=..
   &waves=171,304&max_frames=..&notrack=1&queue_job=1`` (:func:`submit_params`). The
   answer is text holding ``<param name="JobID">ssw_service_...</param>``
   (:func:`parse_job_id`); the real service answers HTML error pages without one.
2. **Poll** the job folder ``<data_url><JobID>/`` (:func:`job_folder_url`): a 404, or
   an index without "Per-Wave file lists", means pending (:func:`parse_index`).
3. **Lists**: the ready index links one ``.list`` per wavelength
   (``ssw_cutout_20120923_000000_AIA_171_.list``); EVERY one is read (the seed kept
   only the first). Each holds one remote path per line; the file URL is the job
   folder plus the path's basename (:func:`parse_list`). Listed names are untrusted:
   only a plain FITS basename is kept, anything else is refused with a logged reason.

The parsers take bytes or text and never crash on malformed input: they return what
they can use, or raise :class:`~sdo_cutout.errors.SswAnswerError` with a clear message.

Examples
--------
>>> from sdo_cutout.ssw import SswClient
>>> SswClient("http://ssw.test/cgi-ssw/submit.sh", "http://ssw.test/data").data_url
'http://ssw.test/data/'

With a client (tests run it against ``jet_sandbox.ssw.SswServer``, a local replica)::

    async with SswClient(srv.submit_url, srv.data_url) as ssw:
        outcome = await ssw.submit(job)
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
from jet_store import CutoutJob
from jet_store.retry import RetryPolicy, Transient

from sdo_cutout.backend import FileRef, Outcome
from sdo_cutout.errors import CutoutRequestError, SswAnswerError
from sdo_cutout.http import DEFAULT_TIMEOUT
from sdo_cutout.service import ServiceClient
from sdo_cutout.ssw_parse import (
    READY_MARKER,
    TIME_FORMAT,
    IndexPage,
    ListedFiles,
    decode,
    job_folder_url,
    list_wavelength,
    parse_index,
    parse_job_id,
    parse_list,
    submit_params,
)

__all__ = [
    "SswClient",
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


class SswClient(ServiceClient):
    """Client of the LMSAL SSW cutout service (backend ``"ssw"``).

    Parameters
    ----------
    submit_url : str
        The submit CGI (``sdo_cutout.SSW_URL``, or a replica's ``submit_url``).
    data_url : str
        Base of the job folders (``sdo_cutout.SSW_DATA_URL``; the job id is appended).
    transport, timeout, retry, concurrency, max_connections
        As in :class:`~sdo_cutout.service.ServiceClient`: by default 4 jobs and 4
        connections at once.

    Examples
    --------
    >>> SswClient("http://127.0.0.1:8000/cgi-ssw/ssw_service_track_fov.sh", "http://127.0.0.1:8000/data/")
    SswClient('http://127.0.0.1:8000/cgi-ssw/ssw_service_track_fov.sh', 'http://127.0.0.1:8000/data/')
    """

    name = "ssw"
    label = "SSW cutout service"
    rank = 0  # the default backend

    def __init__(
        self,
        submit_url: str | None = None,
        data_url: str | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        concurrency: int = 4,
        max_connections: int = 4,
    ) -> None:
        from sdo_cutout import SSW_DATA_URL, SSW_URL

        super().__init__(
            transport=transport,
            timeout=timeout,
            retry=retry,
            concurrency=concurrency,
            max_connections=max_connections,
        )
        self.submit_url = _check_url(submit_url or SSW_URL, "SSW submit URL")
        data = _check_url(data_url or SSW_DATA_URL, "SSW data URL")
        self.data_url = data if data.endswith("/") else data + "/"

    def __repr__(self) -> str:
        return f"SswClient({self.submit_url!r}, {self.data_url!r})"

    async def submit(self, job: CutoutJob) -> Outcome:
        """Submit one job; its JobID becomes the remote id.

        An answer without a JobID (an HTML error or outage page) is retried like a
        transient failure, then raises :class:`~sdo_cutout.errors.CutoutUnavailable`
        whose message quotes the page.
        """
        params = submit_params(job)

        def read(response: httpx.Response) -> str:
            if response.status_code >= 400:
                raise SswAnswerError(
                    f"the SSW cutout service refused the submission with HTTP {response.status_code} "
                    f"at {self.submit_url}; check the ssw_url setting"
                )
            try:
                return parse_job_id(response.content)
            except SswAnswerError as err:
                raise Transient(str(err)) from None

        job_id = await self._get(self.submit_url, read, params=params, what=f"submitting {job.key}")
        return Outcome.submitted(job_id)

    async def poll(self, job: CutoutJob) -> Outcome:
        """Look at the job folder; when it is done, read every wavelength's list."""
        if job.remote_id is None:
            raise CutoutRequestError(f"job {job.key} has no SSW job id to poll")
        folder = job_folder_url(self.data_url, job.remote_id)

        def read_index(response: httpx.Response) -> IndexPage:
            if response.status_code == 404:
                return IndexPage(ready=False)
            if response.status_code >= 400:
                raise SswAnswerError(
                    f"the SSW job folder {folder} answered HTTP {response.status_code}; check ssw_data_url"
                )
            return parse_index(response.content, folder)

        page = await self._get(folder, read_index, what=f"job folder {job.remote_id}")
        if not page.ready:
            return Outcome.pending()
        if not page.lists:
            return Outcome.failed(
                f"SSW job {job.remote_id} is done but its folder links no per-wave .list file; "
                "the service found no data for this window"
            )
        files: list[FileRef] = []
        rejected: list[str] = []
        empty: list[str] = []
        for list_url in page.lists:
            name = list_url.rsplit("/", 1)[-1]

            def read_listing(response: httpx.Response, name: str = name) -> ListedFiles:
                if response.status_code >= 400:
                    # the index links it: it is being written, or the server hiccupped
                    raise Transient(f"HTTP {response.status_code} for the linked list {name}")
                try:
                    return parse_list(response.content, folder, list_wavelength(name))
                except SswAnswerError as err:
                    raise Transient(str(err)) from None

            listed = await self._get(list_url, read_listing, what=f"list {name} of {job.remote_id}")
            if not listed.files:
                empty.append(name)
            files.extend(listed.files)
            rejected.extend(f"{name}: {reason}" for reason in listed.rejected)
        if not files:
            return Outcome.failed(
                f"SSW job {job.remote_id} listed no usable FITS file in {len(page.lists)} lists"
                + (f" ({len(rejected)} lines refused)" if rejected else "")
            )
        message = f"empty lists: {', '.join(empty)}" if empty else None
        unique = {ref.url: ref for ref in files}
        return Outcome.ready(unique.values(), rejected=rejected, message=message)


def _check_url(url: str, what: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CutoutRequestError(f"the {what} must be http(s)://host/..., not {url!r}")
    return url
