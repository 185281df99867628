"""The public names of zoo_bridge (imported lazily by ``__init__.py``, see :mod:`jet_store.lazy`)."""

from .classifications import parse_classification_row
from .connection import PanoptesConfig, PanoptesConnection
from .errors import (
    BadSubjectFiles,
    ExportFileError,
    FetchError,
    GroupingError,
    ManifestError,
    MediaMissing,
    MetadataError,
    PanoptesAuthError,
    PanoptesError,
    PanoptesNotFound,
    PanoptesUnavailable,
    RowError,
    SubjectLimitExceeded,
    ZooBridgeError,
)
from .grouping import GroupingOptions, subject_key, windows
from .import_report import ImportSummary
from .importer import ImportOptions, import_classifications, import_workflows
from .manifest import ExportSummary, export_subjects
from .media import check_subject_files, require_valid
from .metadata import FrameMetadata, frame_count, frame_metadata, subject_metadata
from .subjects import SubjectSummary, make_subjects
from .subjects_export import import_subjects
from .upload import UploadOptions, UploadSummary, upload_subjects
from .workflows import WorkflowIndex, WorkflowSpec, read_workflows

__version__: str
PANOPTES_URL: str

__all__ = [
    "__version__",
    "PANOPTES_URL",
    "ZooBridgeError",
    "MetadataError",
    "GroupingError",
    "ManifestError",
    "BadSubjectFiles",
    "PanoptesError",
    "PanoptesUnavailable",
    "PanoptesAuthError",
    "PanoptesNotFound",
    "SubjectLimitExceeded",
    "MediaMissing",
    "ExportFileError",
    "RowError",
    "FetchError",
    "FrameMetadata",
    "subject_metadata",
    "frame_metadata",
    "frame_count",
    "ImportOptions",
    "ImportSummary",
    "WorkflowIndex",
    "WorkflowSpec",
    "import_classifications",
    "import_subjects",
    "import_workflows",
    "parse_classification_row",
    "read_workflows",
    "GroupingOptions",
    "windows",
    "subject_key",
    "make_subjects",
    "SubjectSummary",
    "check_subject_files",
    "require_valid",
    "export_subjects",
    "ExportSummary",
    "PanoptesConfig",
    "PanoptesConnection",
    "UploadOptions",
    "UploadSummary",
    "upload_subjects",
]
