"""jet-sandbox: local replicas of the remote services, with fault injection, for offline tests.

Each replica is a real HTTP server on 127.0.0.1 (ephemeral port), started from Python
(``with HekServer(...) as srv: srv.url``) or from the CLI (``jet-hunter sandbox serve
hek``). It serves recorded and synthetic data with the shapes of the real service and
takes a :class:`FaultPlan` (latency, 5xx, 429 + Retry-After, HTML on 200, resets,
truncated bodies, non-UTF-8 bytes, ...). Available: the HEK replica (:mod:`jet_sandbox.hek`), the
SSW cutout service (:mod:`jet_sandbox.ssw`), JSOC export (:mod:`jet_sandbox.jsoc`), a file server
with Range/ETag and download faults (:mod:`jet_sandbox.files`), the Panoptes API
(:mod:`jet_sandbox.panoptes`), and synthetic AIA cutouts with
known jets (:mod:`jet_sandbox.aia`).

Examples
--------
>>> import jet_sandbox
>>> jet_sandbox.__version__
'0.1.0'
>>> with jet_sandbox.HekServer(faults=["503:1"]) as srv:
...     srv.url.startswith("http://127.0.0.1:") and srv.url.endswith("/hek/her")
True
"""

from jet_sandbox.aia import (
    CutoutSpec,
    CutoutTruth,
    FrameTruth,
    JetTruth,
    Observer,
    SyntheticAiaError,
    cutout_filename,
    frame,
    frame_bytes,
    list_filename,
    load_truth,
    make_jet,
    observer_at,
    random_jet,
    random_spec,
    write_cutout,
)
from jet_sandbox.errors import BadQuery, FaultSpecError, RangeNotSatisfiable, SandboxError
from jet_sandbox.faults import Fault, FaultDecision, FaultPlan, FaultSchedule
from jet_sandbox.files import DirectorySource, FileServer, FileSource, FileStore, ServedFile, full_downloads
from jet_sandbox.hek import HekServer
from jet_sandbox.hek_catalog import HekAnswer, HekCatalog
from jet_sandbox.hek_query import AttributeFilter, HekQuery
from jet_sandbox.jsoc import JsocExport, JsocServer
from jet_sandbox.panoptes import PanoptesServer
from jet_sandbox.panoptes_faults import PanoptesFaults
from jet_sandbox.replicas import REPLICAS, replica
from jet_sandbox.server import LoggedRequest, Request, Response, Route, SandboxServer, StreamBody
from jet_sandbox.ssw import SswJob, SswServer

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "SandboxServer",
    "Route",
    "Request",
    "Response",
    "StreamBody",
    "LoggedRequest",
    "Fault",
    "FaultPlan",
    "FaultSchedule",
    "FaultDecision",
    "HekServer",
    "SswServer",
    "SswJob",
    "JsocServer",
    "JsocExport",
    "PanoptesServer",
    "PanoptesFaults",
    "FileServer",
    "FileSource",
    "FileStore",
    "DirectorySource",
    "ServedFile",
    "full_downloads",
    "HekCatalog",
    "HekAnswer",
    "HekQuery",
    "AttributeFilter",
    "REPLICAS",
    "replica",
    "SandboxError",
    "FaultSpecError",
    "BadQuery",
    "RangeNotSatisfiable",
    "CutoutSpec",
    "CutoutTruth",
    "FrameTruth",
    "JetTruth",
    "Observer",
    "SyntheticAiaError",
    "cutout_filename",
    "frame",
    "frame_bytes",
    "list_filename",
    "load_truth",
    "make_jet",
    "observer_at",
    "random_jet",
    "random_spec",
    "write_cutout",
]
