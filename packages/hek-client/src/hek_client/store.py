"""Search HEK and save into a :class:`jet_store.Store`, window by window, resumably.

Each time window is one unit of work: its events are added (idempotently, on
``kb_archivid``) together with a :class:`jet_store.HekSearch` row recording the
window, the query's parameters and counts, in one transaction. A later run skips the
windows that complete searches with the same query fingerprint and base URL already
cover (``refresh=True`` fetches them again), so an interrupted ten-year search resumes
where it stopped and a repeated one costs no request at all.

HEK reports are filed days to months after the event: a window that ends within
``reporting_lag`` of now (30 days by default) is saved but not marked complete, so the
next run searches it again (cheaply: recent windows are few) and sees later reports.
On Ctrl-C the windows that completed are saved before the interrupt goes on.

Examples
--------
>>> import httpx
>>> from jet_store import Store
>>> from hek_client import HekClient, HekQuery, search_and_save
>>> rows = [{"kb_archivid": "ivo://x/1", "event_type": "CJ",
...          "event_starttime": "2010-06-01T10:00:00", "event_endtime": "2010-06-01T10:20:00"}]
>>> transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"result": rows}))
>>> store, query = Store("sqlite://"), HekQuery("2010-06-01", "2010-06-03")
>>> with HekClient(transport=transport, window=None) as client:
...     print(search_and_save(client, store, query, progress=False).line())
...     print(search_and_save(client, store, query, progress=False).line())
found 1, new 1, skipped 0 (windows: fetched 1, skipped 0)
found 0, new 0, skipped 0 (windows: fetched 0, skipped 1)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Generator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from jet_store import DEFAULT_LEASE, HekSearch, Store

from hek_client.async_client import AsyncHekClient
from hek_client.base import BaseHekClient, WindowResult
from hek_client.client import HekClient
from hek_client.query import HekQuery
from hek_client.searchlog import covered_intervals, plan_windows, search_key
from hek_client.settings import DEFAULT_REPORTING_LAG

__all__ = [
    "SaveSummary",
    "search_and_save",
    "asearch_and_save",
    "plan_windows",
    "search_key",
    "DEFAULT_REPORTING_LAG",
    "HEK_WINDOWS",
    "SaveOptions",
]

HEK_WINDOWS = "hek-windows"
"""The claim namespace of HEK windows (keys: :func:`search_key`)."""

log = logging.getLogger(__name__)


@dataclass
class SaveSummary:
    """What a search-and-save run did.

    Attributes
    ----------
    found : int
        Distinct events HEK returned in the windows fetched.
    new, updated, unchanged : int
        How the store took them (new rows, changed rows, rows already identical).
    skipped : int
        Malformed rows left out (``skip_reasons`` says why).
    windows_fetched, windows_skipped : int
        Windows asked from HEK, and windows skipped because an earlier search covers them.
    windows_open : int
        Windows fetched that end within the reporting lag: saved, searched again next run.
    windows_busy : int
        Windows left to another worker that holds their claim.
    pages : int
        Pages read.
    """

    found: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    windows_fetched: int = 0
    windows_skipped: int = 0
    windows_open: int = 0
    windows_busy: int = 0
    pages: int = 0
    skip_reasons: list[str] = field(default_factory=list)
    _ids: set[str] = field(default_factory=set, repr=False)

    @property
    def messages(self) -> Sequence[str]:
        """Why each malformed row was left out."""
        return list(self.skip_reasons)

    @property
    def exit_code(self) -> int:
        """0: a search that fails raises instead (its completed windows are saved)."""
        return 0

    def line(self) -> str:
        """The one-line summary the command line prints."""
        still_open = f", open {self.windows_open}" if self.windows_open else ""
        still_open += f", busy {self.windows_busy}" if self.windows_busy else ""
        return (
            f"found {self.found}, new {self.new}, skipped {self.skipped} "
            f"(windows: fetched {self.windows_fetched}, skipped {self.windows_skipped}{still_open})"
        )

    def to_dict(self) -> dict[str, Any]:
        """The summary as a JSON-compatible dict."""
        return {
            "found": self.found,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "windows_fetched": self.windows_fetched,
            "windows_skipped": self.windows_skipped,
            "windows_open": self.windows_open,
            "windows_busy": self.windows_busy,
            "pages": self.pages,
            "skip_reasons": list(self.skip_reasons),
        }


@dataclass(frozen=True)
class SaveOptions:
    """How :func:`search_and_save` treats windows already searched, recent ones and other workers.

    Attributes
    ----------
    refresh : bool
        Fetch windows again even when an earlier complete search covers them.
    reporting_lag : timedelta
        Windows ending later than ``now - reporting_lag`` are saved but stay open
        (searched again by the next run): HEK reports are filed late.
    lease : float
        Seconds a claim on a window lasts unless renewed (renewed while the search
        runs; a killed worker's windows are taken over after it).
    owner : str or None
        Who claims the windows (``host:pid`` by default).
    now : datetime or None
        The current time (for tests); the clock by default.
    """

    refresh: bool = False
    reporting_lag: timedelta = DEFAULT_REPORTING_LAG
    lease: float = DEFAULT_LEASE
    owner: str | None = None
    now: datetime | None = None


@dataclass(frozen=True)
class _Saver:
    """One search-and-save run: what to ask, where to save, when a window counts as settled."""

    store: Store
    client: BaseHekClient
    query: HekQuery
    options: SaveOptions
    settled_before: datetime
    summary: SaveSummary

    def __call__(self, done: WindowResult) -> None:
        _save_window(self, done)

    def claim(self, pending: list[HekQuery]) -> AbstractContextManager[list[Any]]:
        """Claims on the windows to fetch (renewed while held, released on exit)."""
        keys = [search_key(w, self.client.base_url) for w in pending]
        o = self.options
        self.store.release_dead_claims(HEK_WINDOWS)  # a killed search's windows, at once
        return self.store.claiming_keys(HEK_WINDOWS, keys, owner=o.owner, lease=o.lease)

    def mine(self, pending: list[HekQuery], won: list[Any]) -> list[HekQuery]:
        """The claimed windows still to fetch: another worker may have finished some meanwhile."""
        held = set(won)
        claimed = [w for w in pending if search_key(w, self.client.base_url) in held]
        self.summary.windows_busy = len(pending) - len(claimed)
        if self.summary.windows_busy:
            log.info(
                "%d HEK windows are being fetched by another worker; leaving them", self.summary.windows_busy
            )
        if self.options.refresh:
            return claimed
        covered = covered_intervals(self.store, self.query, self.client.base_url)
        mine = [w for w in claimed if not any(lo <= w.start and w.end <= hi for lo, hi in covered)]
        self.summary.windows_skipped += len(claimed) - len(mine)
        return mine


def _save_window(saver: _Saver, done: WindowResult) -> None:
    store, client, summary = saver.store, saver.client, saver.summary
    window, result = done.window, done.result
    complete = window.end <= saver.settled_before
    with store.transaction():
        added = store.add(result.events)
        store.add(
            [
                HekSearch(
                    key=search_key(window, client.base_url),
                    fingerprint=window.fingerprint,
                    start_time=window.start,
                    end_time=window.end,
                    base_url=client.base_url,
                    params=window.params(result_limit=client.page_size),
                    started_at=done.started_at,
                    finished_at=done.finished_at,
                    pages=result.pages,
                    found=len(result.events),
                    new=added.added,
                    skipped=len(result.skipped),
                    complete=complete,
                )
            ]
        )
    summary._ids.update(ev.kb_archivid for ev in result.events)
    summary.found = len(summary._ids)
    summary.new += added.added
    summary.updated += added.updated
    summary.unchanged += added.unchanged
    summary.skipped += len(result.skipped)
    summary.skip_reasons.extend(result.skipped)
    summary.windows_fetched += 1
    summary.windows_open += 0 if complete else 1
    summary.pages += result.pages
    log.debug(
        "saved HEK window %s..%s: %d events (%d new), %d pages",
        window.start,
        window.end,
        len(result.events),
        added.added,
        result.pages,
    )


def _start(
    client: BaseHekClient, store: Store, query: HekQuery, options: SaveOptions
) -> tuple[list[HekQuery], _Saver]:
    pending, covered = plan_windows(client, store, query, refresh=options.refresh)
    if covered:
        log.info(
            "%d of %d HEK windows already searched; skipping them", len(covered), len(pending) + len(covered)
        )
    settled = (options.now or datetime.now(timezone.utc)) - options.reporting_lag
    return pending, _Saver(store, client, query, options, settled, SaveSummary(windows_skipped=len(covered)))


def _save_all(windows: Generator[WindowResult, None, None], save: _Saver) -> None:
    """Save each window as it comes; on Ctrl-C also those that completed, then re-raise."""
    current: WindowResult | None = None
    try:
        for current in windows:
            save(current)
            current = None
    except KeyboardInterrupt:
        if current is not None:  # interrupted while saving it: its transaction was rolled back
            save(current)
        try:
            rest = windows.throw(KeyboardInterrupt())
            while True:
                save(rest)
                rest = next(windows)
        except (KeyboardInterrupt, StopIteration):
            pass
        log.info("interrupted: %d HEK windows saved", save.summary.windows_fetched)
        raise


def search_and_save(
    client: HekClient,
    store: Store,
    query: HekQuery,
    *,
    refresh: bool = False,
    progress: bool = True,
    reporting_lag: timedelta = DEFAULT_REPORTING_LAG,
    options: SaveOptions | None = None,
) -> SaveSummary:
    """Search HEK window by window and save each window's events and its search record.

    Parameters
    ----------
    client : HekClient
        How to ask (base URL, window length, concurrency, retries).
    store : jet_store.Store
        Where events (:class:`jet_store.HekEvent`) and searches
        (:class:`jet_store.HekSearch`) go.
    query : HekQuery
        What to ask.
    refresh : bool
        Fetch windows again even when an earlier complete search covers them.
    progress : bool
        Show a progress bar on stderr when it is a terminal.
    reporting_lag : timedelta
        Windows ending later than ``now - reporting_lag`` are saved but stay open.
    options : SaveOptions, optional
        All of these at once, with the claim's lease and owner (then ``refresh`` and
        ``reporting_lag`` are ignored).

    Returns
    -------
    SaveSummary
        Counts; ``line()`` is the one-line summary.

    Notes
    -----
    The windows to fetch are claimed in the store first (:meth:`jet_store.Store.claim_keys`),
    so two searches at once (two processes, two machines on one PostgreSQL) never fetch
    the same window: each takes the windows the other does not hold. Windows are saved
    as they complete, each in one transaction, so an error or a kill loses at most the
    windows in flight; the error is raised after the windows that completed were saved.
    Ctrl-C saves the windows that completed, then re-raises.
    """
    opts = options or SaveOptions(refresh=refresh, reporting_lag=reporting_lag)
    pending, save = _start(client, store, query, opts)
    if pending:
        with save.claim(pending) as won:
            mine = save.mine(pending, won)
            if mine:
                _save_all(client.iter_windows(query, windows=mine, progress=progress), save)
    return save.summary


async def asearch_and_save(
    client: AsyncHekClient,
    store: Store,
    query: HekQuery,
    *,
    progress: bool = True,
    options: SaveOptions = SaveOptions(),  # frozen: one default shared safely
) -> SaveSummary:
    """Async :func:`search_and_save` (its options as one :class:`SaveOptions`); the store is
    written from a worker thread."""
    pending, save = await asyncio.to_thread(_start, client, store, query, options)
    if pending:
        holding = save.claim(pending)
        won = await asyncio.to_thread(holding.__enter__)
        try:
            mine = await asyncio.to_thread(save.mine, pending, won)
            if mine:
                async for done in client.iter_windows(query, windows=mine, progress=progress):
                    await asyncio.to_thread(save, done)
        finally:
            await asyncio.to_thread(holding.__exit__, None, None, None)
    return save.summary
