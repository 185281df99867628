"""zoo-bridge: Zooniverse subjects out, classification exports in.

The metadata contract (:mod:`zoo_bridge.metadata`) is what both directions share: every
subject carries, as strings, what turns a classification export alone into solar
coordinates and times.

Inbound: :func:`import_classifications`, :func:`import_subjects` and
:func:`import_workflows` read Panoptes exports into ``jet_store`` records, each
returning an :class:`ImportSummary`.

Examples
--------
>>> import zoo_bridge
>>> zoo_bridge.PANOPTES_URL
'https://www.zooniverse.org'
"""

__version__ = "0.1.0"

PANOPTES_URL = "https://www.zooniverse.org"
"""The Panoptes API endpoint that panoptes-client talks to."""

from zoo_bridge.classifications import parse_classification_row  # noqa: E402
from zoo_bridge.connection import PanoptesConfig, PanoptesConnection  # noqa: E402
from zoo_bridge.errors import (  # noqa: E402  (after the constants other modules import)
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
from zoo_bridge.grouping import GroupingOptions, subject_key, windows  # noqa: E402
from zoo_bridge.import_report import ImportSummary  # noqa: E402
from zoo_bridge.importer import ImportOptions, import_classifications, import_workflows  # noqa: E402
from zoo_bridge.manifest import ExportSummary, export_subjects  # noqa: E402
from zoo_bridge.media import check_subject_files, require_valid  # noqa: E402
from zoo_bridge.metadata import FrameMetadata, frame_count, frame_metadata, subject_metadata  # noqa: E402
from zoo_bridge.subjects import SubjectSummary, make_subjects  # noqa: E402
from zoo_bridge.subjects_export import import_subjects  # noqa: E402
from zoo_bridge.upload import UploadOptions, UploadSummary, upload_subjects  # noqa: E402
from zoo_bridge.workflows import WorkflowIndex, WorkflowSpec, read_workflows  # noqa: E402

__all__ = [
    "__version__",
    "PANOPTES_URL",
    # errors
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
    # the metadata contract
    "FrameMetadata",
    "subject_metadata",
    "frame_metadata",
    "frame_count",
    # exports read back
    "ImportOptions",
    "ImportSummary",
    "WorkflowIndex",
    "WorkflowSpec",
    "import_classifications",
    "import_subjects",
    "import_workflows",
    "parse_classification_row",
    "read_workflows",
    # subjects out
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
