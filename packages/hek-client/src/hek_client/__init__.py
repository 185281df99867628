"""hek-client: query the Heliophysics Event Knowledgebase (HEK) for solar events.

Build a :class:`HekQuery` (what to ask), run it with a :class:`HekClient` (paging,
time windows, bounded concurrency, retries; :class:`AsyncHekClient` from asyncio), get a :class:`HekResult` of
:class:`jet_store.HekEvent` records (or an astropy table), or save straight into a
:class:`jet_store.Store` with :func:`search_and_save`, which skips windows already
searched.

Examples
--------
>>> import hek_client
>>> hek_client.HEK_URL
'https://www.lmsal.com/hek/her'
>>> q = hek_client.HekQuery("2010-06-01", "2020-06-01", channel=304)
>>> len(hek_client.HekClient().plan(q))  # 90-day windows
41

A search needs the service (or ``jet_sandbox.hek.HekServer``, a local replica)::

    with hek_client.HekClient() as client:
        result = client.search(q)
    table = result.to_table()
"""

from jet_store.retry import RetryPolicy

from hek_client.async_client import AsyncHekClient
from hek_client.base import (
    DEFAULT_CONCURRENCY,
    DEFAULT_TIMEOUT,
    DEFAULT_WINDOW,
    HEK_URL,
    MAX_WINDOWS,
    BaseHekClient,
    WindowResult,
)
from hek_client.client import HekClient
from hek_client.errors import BadAnswer, HekError, HekQueryError, HekRejected, HekUnavailable, TooManyPages
from hek_client.parse import ParsedAnswer, ParsedEvents, decode_body, parse_answer, parse_event, parse_events
from hek_client.query import DEFAULT_BOX, AttrFilter, HekQuery, as_utc, parse_event_types
from hek_client.result import HekResult, events_table
from hek_client.store import (
    DEFAULT_REPORTING_LAG,
    SaveOptions,
    SaveSummary,
    asearch_and_save,
    plan_windows,
    search_and_save,
)

__version__ = "0.1.0"

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
