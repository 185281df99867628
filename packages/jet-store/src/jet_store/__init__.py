"""jet-store: the shared records of jet-hunter and the database that holds them.

Examples
--------
>>> import jet_store
>>> [kind for kind in sorted(jet_store.RECORD_TYPES) if kind.startswith("c")]
['classifications', 'clusters', 'cutouts']
"""

from jet_store.claims import DEFAULT_LEASE, Claim, default_owner
from jet_store.clients import DEFAULT_TIMEOUTS, Timeouts, user_agent
from jet_store.codec import from_json_dict, to_json_dict
from jet_store.errors import (
    BadFilter,
    ClaimLost,
    DataError,
    InvalidRecord,
    JetHunterError,
    NotADatabase,
    SchemaOutdated,
    SchemaTooNew,
    ServiceError,
    StoreBusy,
    StoreError,
    StoreUnavailable,
    UnknownField,
    UnknownKind,
    UserError,
)
from jet_store.progress import progress_bar
from jet_store.records import (
    RECORD_TYPES,
    AggregationRun,
    Annotation,
    Classification,
    CutoutJob,
    FitsFrame,
    FrameState,
    HekEvent,
    HekSearch,
    ImportReport,
    Jet,
    JetCluster,
    JobState,
    Record,
    Rendering,
    Subject,
    SubjectState,
    Workflow,
    record_type,
)
from jet_store.retry import RetryPolicy, Transient, is_transient_status, parse_retry_after
from jet_store.store import DEFAULT_DB_URL, AddResult, Store

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "Store",
    "AddResult",
    "DEFAULT_DB_URL",
    "Record",
    "RECORD_TYPES",
    "record_type",
    "HekEvent",
    "HekSearch",
    "CutoutJob",
    "JobState",
    "FitsFrame",
    "FrameState",
    "Rendering",
    "Subject",
    "SubjectState",
    "Workflow",
    "Classification",
    "Annotation",
    "ImportReport",
    "JetCluster",
    "Jet",
    "AggregationRun",
    "to_json_dict",
    "from_json_dict",
    "JetHunterError",
    "UserError",
    "ServiceError",
    "DataError",
    "StoreError",
    "StoreUnavailable",
    "NotADatabase",
    "SchemaOutdated",
    "SchemaTooNew",
    "UnknownKind",
    "UnknownField",
    "BadFilter",
    "InvalidRecord",
    "StoreBusy",
    "ClaimLost",
    "Claim",
    "DEFAULT_LEASE",
    "default_owner",
    "RetryPolicy",
    "Transient",
    "parse_retry_after",
    "is_transient_status",
    "user_agent",
    "Timeouts",
    "DEFAULT_TIMEOUTS",
    "progress_bar",
]
