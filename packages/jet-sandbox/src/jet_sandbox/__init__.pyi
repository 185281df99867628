"""The public names of jet_sandbox (imported lazily by ``__init__.py``, see :mod:`jet_store.lazy`)."""

from .aia import (
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
from .errors import BadQuery, FaultSpecError, RangeNotSatisfiable, SandboxError
from .faults import Fault, FaultDecision, FaultPlan, FaultSchedule
from .files import DirectorySource, FileServer, FileSource, FileStore, ServedFile, full_downloads
from .hek import HekServer
from .hek_catalog import HekAnswer, HekCatalog
from .hek_query import AttributeFilter, HekQuery
from .jsoc import JsocExport, JsocServer
from .panoptes import PanoptesServer
from .panoptes_faults import PanoptesFaults
from .replicas import REPLICAS, replica
from .server import LoggedRequest, Request, Response, Route, SandboxServer, StreamBody
from .ssw import SswJob, SswServer

__version__: str

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
