"""sdo-cutout: SDO/AIA cutout jobs and a verifying, resumable FITS downloader.

Cutout jobs: build them from HEK events (:func:`requests_for_events`, one job per
distinct jet) or explicit parameters (:class:`CutoutParams`), add them to a
:class:`jet_store.Store` (:func:`add_jobs`), and run them on the LMSAL SSW cutout
service (:class:`SswClient`) or JSOC's export with ``im_patch`` (:class:`JsocClient`)
with :func:`submit_jobs`, :func:`poll_jobs` or :func:`run_jobs`; a finished job adds
one pending :class:`jet_store.FitsFrame` per file URL. :func:`download_frames` fetches
and verifies those files. Both stages take one options object (:class:`JobOptions`,
:class:`DownloadOptions`) or its fields as keyword arguments.

Examples
--------
>>> import sdo_cutout
>>> sdo_cutout.JSOC_URL
'http://jsoc.stanford.edu'
>>> p = sdo_cutout.CutoutParams.build("2010-06-20T11:14:44", "2010-06-20T11:54:26", center=(813, -683))
>>> p.max_frames, p.key
(199, 'ssw:6afad99ba54cd163')

Running jobs needs the services (or the replicas of ``jet_sandbox``)::

    store = jet_store.Store("jets.db")
    sdo_cutout.add_jobs(store, sdo_cutout.requests_for_events(store.filter("events")))
    summary = sdo_cutout.run_jobs(store, [sdo_cutout.SswClient(), sdo_cutout.JsocClient()])
    print(summary.line())
"""

__version__ = "0.1.0"

SSW_URL = "http://www.lmsal.com/cgi-ssw/ssw_service_track_fov.sh"
"""The LMSAL SSW cutout service's submit CGI."""
SSW_DATA_URL = "https://www.lmsal.com/solarsoft//archive/sdo/media/ssw/ssw_client/data/"
"""Base of the SSW cutout job folders (job id appended)."""
JSOC_URL = "http://jsoc.stanford.edu"
"""The JSOC site root (``/cgi-bin/ajax/jsoc_fetch`` and the export folders live below it)."""

# -- cutout jobs (backend, service, request, ssw, jsoc, jobs, jobstage) -------------------
from jet_store.retry import RetryPolicy  # noqa: E402

from sdo_cutout.backend import BACKENDS, CutoutBackend, FileRef, Outcome, create_backend  # noqa: E402
from sdo_cutout.errors import (  # noqa: E402 (the addresses above come first: the clients read them)
    CutoutError,
    CutoutPermanentError,
    CutoutRequestError,
    CutoutServiceError,
    CutoutUnavailable,
    JsocAddressError,
    JsocAnswerError,
    JsocStatusError,
    SswAnswerError,
)
from sdo_cutout.http import DEFAULT_TIMEOUT  # noqa: E402
from sdo_cutout.jobs import JobOptions, JobsAdded, JobSummary, add_jobs  # noqa: E402
from sdo_cutout.jobstage import (  # noqa: E402
    apoll_jobs,
    arun_jobs,
    asubmit_jobs,
    poll_jobs,
    run_jobs,
    submit_jobs,
)
from sdo_cutout.jsoc import JsocClient  # noqa: E402
from sdo_cutout.request import (  # noqa: E402
    AIA_EUV_CADENCE,
    DEFAULT_WAVES,
    CutoutParams,
    jet_group_key,
    request_for_event,
    requests_for_events,
)
from sdo_cutout.service import ServiceClient  # noqa: E402
from sdo_cutout.ssw import SswClient  # noqa: E402

__all__ = [
    "__version__",
    "SSW_URL",
    "SSW_DATA_URL",
    "JSOC_URL",
    "DEFAULT_TIMEOUT",
    # cutout jobs
    "BACKENDS",
    "create_backend",
    "DEFAULT_WAVES",
    "AIA_EUV_CADENCE",
    "CutoutParams",
    "request_for_event",
    "requests_for_events",
    "jet_group_key",
    "SswClient",
    "JsocClient",
    "CutoutBackend",
    "ServiceClient",
    "RetryPolicy",
    "Outcome",
    "FileRef",
    "JobOptions",
    "JobsAdded",
    "JobSummary",
    "add_jobs",
    "submit_jobs",
    "asubmit_jobs",
    "poll_jobs",
    "apoll_jobs",
    "run_jobs",
    "arun_jobs",
    "CutoutError",
    "CutoutRequestError",
    "CutoutServiceError",
    "CutoutUnavailable",
    "CutoutPermanentError",
    "SswAnswerError",
    "JsocAnswerError",
    "JsocStatusError",
    "JsocAddressError",
]

# -- downloader (fetchtypes, fetcher, download, fitsmeta, names, verify) --------------------
from sdo_cutout.download import DownloadSummary, adownload_frames, download_frames  # noqa: E402
from sdo_cutout.download_errors import (  # noqa: E402
    DownloadError,
    HeaderError,
    InvalidFits,
    LocalWriteError,
    UnsafeName,
    UnsafePath,
)
from sdo_cutout.fetcher import Downloader, download_files  # noqa: E402
from sdo_cutout.fetchtypes import DownloadItem, DownloadOptions, FileResult  # noqa: E402
from sdo_cutout.fitsmeta import check_fits, frame_fields_from_header, header_to_json  # noqa: E402
from sdo_cutout.names import resolve_inside, safe_name, safe_relative_path  # noqa: E402
from sdo_cutout.verify import VerifySummary, verify_frames  # noqa: E402

__all__ += [
    "Downloader",
    "DownloadItem",
    "DownloadOptions",
    "FileResult",
    "DownloadSummary",
    "download_files",
    "download_frames",
    "adownload_frames",
    "verify_frames",
    "VerifySummary",
    "frame_fields_from_header",
    "header_to_json",
    "check_fits",
    "safe_name",
    "safe_relative_path",
    "resolve_inside",
    "DownloadError",
    "UnsafeName",
    "UnsafePath",
    "InvalidFits",
    "HeaderError",
    "LocalWriteError",
]
