"""The public names of hek_client (imported lazily by ``__init__.py``, see :mod:`jet_store.lazy`)."""

from jet_store.retry import RetryPolicy

from .async_client import AsyncHekClient
from .base import DEFAULT_TIMEOUT, BaseHekClient, WindowResult
from .client import HekClient
from .errors import BadAnswer, HekError, HekQueryError, HekRejected, HekUnavailable, TooManyPages
from .parse import ParsedAnswer, ParsedEvents, decode_body, parse_answer, parse_event, parse_events
from .query import DEFAULT_BOX, AttrFilter, HekQuery, as_utc, parse_event_types
from .result import HekResult, events_table
from .settings import DEFAULT_CONCURRENCY, DEFAULT_REPORTING_LAG, DEFAULT_WINDOW, HEK_URL, MAX_WINDOWS
from .store import (
    SaveOptions,
    SaveSummary,
    asearch_and_save,
    plan_windows,
    search_and_save,
)

__version__: str

__all__ = [
    "__version__",
    "HEK_URL",
    "DEFAULT_BOX",
    "DEFAULT_TIMEOUT",
    "DEFAULT_WINDOW",
    "HekQuery",
    "AttrFilter",
    "as_utc",
    "parse_event_types",
    "DEFAULT_CONCURRENCY",
    "MAX_WINDOWS",
    "DEFAULT_REPORTING_LAG",
    "BaseHekClient",
    "HekClient",
    "AsyncHekClient",
    "RetryPolicy",
    "WindowResult",
    "HekResult",
    "events_table",
    "ParsedAnswer",
    "ParsedEvents",
    "decode_body",
    "parse_answer",
    "parse_event",
    "parse_events",
    "SaveSummary",
    "SaveOptions",
    "search_and_save",
    "asearch_and_save",
    "plan_windows",
    "HekError",
    "HekQueryError",
    "HekRejected",
    "HekUnavailable",
    "TooManyPages",
    "BadAnswer",
]
