"""jet-sandbox: local replicas of the remote services, with fault injection, for offline tests.

Each replica is a real HTTP server on 127.0.0.1 (ephemeral port), started from Python
(``with HekServer(...) as srv: srv.url``) or from the CLI (``jet-hunter sandbox serve
hek``). It serves recorded and synthetic data with the shapes of the real service and
takes a :class:`FaultPlan` (latency, 5xx, 429 + Retry-After, HTML on 200, resets,
truncated bodies, non-UTF-8 bytes, ...). Available: the HEK replica (:mod:`jet_sandbox.hek`) and synthetic AIA
cutouts with known jets (:mod:`jet_sandbox.aia`).

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
from jet_sandbox.errors import BadQuery, FaultSpecError, SandboxError
from jet_sandbox.faults import Fault, FaultDecision, FaultPlan, FaultSchedule
from jet_sandbox.hek import HekServer
from jet_sandbox.hek_catalog import HekAnswer, HekCatalog
from jet_sandbox.hek_query import AttributeFilter, HekQuery
from jet_sandbox.replicas import REPLICAS, replica
from jet_sandbox.server import LoggedRequest, Request, Response, Route, SandboxServer

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "SandboxServer",
    "Route",
    "Request",
    "Response",
    "LoggedRequest",
    "Fault",
    "FaultPlan",
    "FaultSchedule",
    "FaultDecision",
    "HekServer",
    "HekCatalog",
    "HekAnswer",
    "HekQuery",
    "AttributeFilter",
    "REPLICAS",
    "replica",
    "SandboxError",
    "FaultSpecError",
    "BadQuery",
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
