"""The public names of sdo_cutout (imported lazily by ``__init__.py``, see :mod:`jet_store.lazy`)."""

from jet_store.retry import RetryPolicy

from .backend import BACKENDS, CutoutBackend, FileRef, Outcome, create_backend
from .download import DownloadSummary, adownload_frames, download_frames
from .download_errors import DownloadError, HeaderError, InvalidFits, LocalWriteError, UnsafeName, UnsafePath
from .errors import (
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
from .fetcher import Downloader, download_files
from .fetchtypes import DownloadItem, DownloadOptions, FileResult
from .fitsmeta import check_fits, frame_fields_from_header, header_to_json
from .http import DEFAULT_TIMEOUT
from .jobs import JobOptions, JobsAdded, JobSummary, add_jobs
from .jobstage import apoll_jobs, arun_jobs, asubmit_jobs, poll_jobs, run_jobs, submit_jobs
from .jsoc import JsocClient
from .names import resolve_inside, safe_name, safe_relative_path
from .request import (
    AIA_EUV_CADENCE,
    DEFAULT_WAVES,
    CutoutParams,
    jet_group_key,
    request_for_event,
    requests_for_events,
)
from .service import ServiceClient
from .ssw import SswClient
from .verify import VerifySummary, verify_frames

__version__: str
SSW_URL: str
SSW_DATA_URL: str
JSOC_URL: str

__all__ = [
    "__version__",
    "SSW_URL",
    "SSW_DATA_URL",
    "JSOC_URL",
    "DEFAULT_TIMEOUT",
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
