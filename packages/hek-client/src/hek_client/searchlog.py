"""What a store already holds of a HEK search: each window's key, and the windows still to fetch.

A window is covered when complete :class:`jet_store.HekSearch` rows with the same query
fingerprint and base URL together span it (see :mod:`hek_client.store`).

Examples
--------
>>> from jet_store import Store
>>> from hek_client import HekClient, HekQuery
>>> query = HekQuery("2010-06-01", "2010-06-03")
>>> pending, done = plan_windows(HekClient(window=None), Store("sqlite://"), query)
>>> len(pending), len(done)
(1, 0)
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from jet_store import HekSearch, Store

from hek_client.base import BaseHekClient
from hek_client.query import HekQuery

__all__ = ["search_key", "plan_windows", "covered_intervals"]


def _url_tag(base_url: str) -> str:
    return hashlib.sha256(base_url.encode("utf-8")).hexdigest()[:8]


def search_key(window: HekQuery, base_url: str) -> str:
    """The :class:`jet_store.HekSearch` key of a window: fingerprint, window, and service.

    Examples
    --------
    >>> search_key(HekQuery("2010-06-01", "2010-07-01"), "https://www.lmsal.com/hek/her")
    '43e3efd7052be6e4/20100601T000000-20100701T000000@59af7be1'
    """
    return (
        f"{window.fingerprint}/{window.start:%Y%m%dT%H%M%S}-{window.end:%Y%m%dT%H%M%S}@{_url_tag(base_url)}"
    )


def covered_intervals(store: Store, query: HekQuery, base_url: str) -> list[tuple[datetime, datetime]]:
    """Merged time intervals that complete searches of this query (and URL) cover."""
    searches = store.filter(
        HekSearch,
        where=[
            ("fingerprint", "=", query.fingerprint),
            ("complete", "=", True),
            ("start_time", "<", query.end),
            ("end_time", ">", query.start),
        ],
        order_by="start_time",
    )
    merged: list[tuple[datetime, datetime]] = []
    for search in searches:
        if search.base_url != base_url:
            continue
        if merged and search.start_time <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], search.end_time))
        else:
            merged.append((search.start_time, search.end_time))
    return merged


def plan_windows(
    client: BaseHekClient, store: Store, query: HekQuery, *, refresh: bool = False
) -> tuple[list[HekQuery], list[HekQuery]]:
    """Split ``query`` into the windows to fetch and those already covered in ``store``.

    A window is covered when complete searches with the same fingerprint and base URL
    together span it. With ``refresh`` every window is fetched.
    """
    windows = client.plan(query)
    if refresh:
        return windows, []
    covered = covered_intervals(store, query, client.base_url)
    pending: list[HekQuery] = []
    done: list[HekQuery] = []
    for window in windows:
        inside = any(lo <= window.start and window.end <= hi for lo, hi in covered)
        (done if inside else pending).append(window)
    return pending, done
