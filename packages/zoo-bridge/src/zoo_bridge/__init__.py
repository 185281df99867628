"""zoo-bridge: Zooniverse subjects out, classification exports in.

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
from zoo_bridge.errors import ExportFileError, FetchError, RowError, ZooBridgeError  # noqa: E402
from zoo_bridge.import_report import ImportSummary  # noqa: E402
from zoo_bridge.importer import ImportOptions, import_classifications, import_workflows  # noqa: E402
from zoo_bridge.subjects_export import import_subjects  # noqa: E402
from zoo_bridge.workflows import WorkflowIndex, WorkflowSpec, read_workflows  # noqa: E402

__all__ = [
    "__version__",
    "PANOPTES_URL",
    "ZooBridgeError",
    "ExportFileError",
    "RowError",
    "FetchError",
    "ImportOptions",
    "ImportSummary",
    "WorkflowIndex",
    "WorkflowSpec",
    "import_classifications",
    "import_subjects",
    "import_workflows",
    "parse_classification_row",
    "read_workflows",
]
