"""The preparation chain: HEK search -> cutout jobs -> downloads -> renderings (-> movies).

Each step is the package's own stage function, run over the store: each reads what is
pending, does it, and commits item by item, so :func:`prepare` can be interrupted at
any point and run again to finish (nothing done twice, nothing duplicated).

Examples
--------
>>> from jet_hunter.config import load_settings
>>> from jet_hunter.pipeline import cutout_clients
>>> [c.name for c in cutout_clients(load_settings(env={}, files=[]), ["ssw"])]
['ssw']
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Collection, Iterable, Sequence
from concurrent.futures import Executor
from typing import Any

from hek_client import HekClient, HekQuery, SaveSummary, search_and_save
from jet_render import MovieResult, RenderSummary, event_movies, render_frames
from jet_store import HekEvent, Store
from sdo_cutout import (
    BACKENDS,
    CutoutBackend,
    DownloadSummary,
    JobsAdded,
    JobSummary,
    JsocClient,
    SswClient,
    add_jobs,
    download_frames,
    requests_for_events,
    run_jobs,
)

from jet_hunter.chain_terms import PREPARE_STEPS
from jet_hunter.config import ConfigError, Settings

__all__ = ["cutout_clients", "prepare", "PrepareSummary", "events_between", "PREPARE_STEPS"]

log = logging.getLogger(__name__)


def cutout_clients(settings: Settings, backends: Iterable[str]) -> list[CutoutBackend]:
    """One client per named backend (``ssw``, ``jsoc``), at the configured addresses."""
    clients: list[CutoutBackend] = []
    for name in dict.fromkeys(backends):
        if name == "ssw":
            clients.append(SswClient(settings.ssw_url, settings.ssw_data_url))
        elif name == "jsoc":  # the e-mail is needed to submit, not to poll: the client says so
            clients.append(JsocClient(settings.jsoc_url, email=settings.secrets.jsoc_email))
        else:
            raise ConfigError(f"unknown cutout backend {name!r}; use one of {', '.join(BACKENDS)}")
    return clients


def events_between(store: Store, query: HekQuery) -> list[HekEvent]:
    """Stored events of ``query``'s time range, event types and channel, oldest first.

    Only what the search asked for: ``run --type cj --channel 304`` makes cutout jobs of
    the coronal jets reported in 304, not of the flares stored by an earlier search.
    ``**`` (every type) keeps every type.
    """
    where: list[tuple[str, str, Any]] = [("start_time", "<=", query.end), ("end_time", ">=", query.start)]
    if query.channel is not None:
        where.append(("channel", "=", query.channel))
    events = store.filter(HekEvent, where=where, order_by="start_time")
    if "**" in query.event_types:
        return events
    types = {t.upper() for t in query.event_types}
    return [ev for ev in events if ev.event_type.upper() in types]


@dataclasses.dataclass(frozen=True, slots=True)
class PrepareSummary:
    """What each step of :func:`prepare` did."""

    hek: SaveSummary
    events: int
    jobs: JobsAdded
    cutouts: JobSummary
    downloads: DownloadSummary
    renderings: RenderSummary | None = None
    movies: tuple[MovieResult, ...] = ()
    steps: tuple[str, ...] = PREPARE_STEPS

    @property
    def messages(self) -> list[str]:
        """What failed, step by step (cutout jobs, downloads, renderings)."""
        out = [f"hek: {m}" for m in self.hek.messages]
        out += [f"cutouts: {m}" for m in self.cutouts.messages]
        out += [f"download: {m}" for m in self.downloads.messages]
        if self.renderings is not None:
            out += [f"render: {m}" for m in self.renderings.messages]
        return out

    @property
    def exit_code(self) -> int:
        """0 when every step went through, 2 when a service kept failing, 3 when a frame did not render."""
        if self.cutouts.errors or self.downloads.failed:
            return 2
        return 0 if self.renderings is None or not self.renderings.failed else 3

    def line(self) -> str:
        """The summary: one line per step (what ``jet-hunter run`` prints)."""
        return "\n".join(self.lines())

    def to_dict(self) -> dict[str, Any]:
        """Each step's summary as a JSON-compatible dict."""
        doc: dict[str, Any] = {
            "hek": self.hek.to_dict(),
            "events": self.events,
            "jobs": {"new": self.jobs.new, "existing": self.jobs.existing, "reset": self.jobs.reset},
            "cutouts": self.cutouts.to_dict(),
            "downloads": self.downloads.to_dict(),
        }
        if self.renderings is not None:
            doc["renderings"] = self.renderings.to_dict()
        doc["movies"] = [
            {"path": str(m.path), "frames": m.frames, "size_bytes": m.size_bytes} for m in self.movies
        ]
        return doc

    def lines(self) -> list[str]:
        """One line per step, for people."""
        out = []
        if "hek" in self.steps:
            out.append(f"hek:       {self.hek.line()}")
        if "cutouts" in self.steps:
            jobs = f"{self.jobs.new} new jobs, {self.jobs.existing} existing"
            out.append(f"cutouts:   {self.events} events -> {jobs}; " + self.cutouts.line())
        if "download" in self.steps:
            out.append(f"download:  {self.downloads.line()}")
        if self.renderings is not None and "render" in self.steps:
            out.append(f"render:    {self.renderings.line()}")
        if self.movies:
            size = sum(m.size_bytes for m in self.movies) / 1e6
            out.append(f"movies:    {len(self.movies)} MP4 files, {size:.1f} MB")
        return out


def prepare(
    settings: Settings,
    store: Store,
    start: Any,
    end: Any,
    *,
    event_types: str = "cj",
    channel: Any = None,
    backend: str = "ssw",
    waves: Sequence[int] = (304,),
    poll_interval: float = 10.0,
    max_poll_interval: float = 120.0,
    timeout: float | None = 3600.0,
    workers: int = 4,
    render: str | None = "framed",
    image_format: str = "png",
    render_workers: int = 1,
    movies: bool = False,
    progress: bool = True,
    executor: Executor | None = None,
    steps: Collection[str] = PREPARE_STEPS,
    on_step: Callable[[str], None] | None = None,
) -> PrepareSummary:
    """Run the preparation chain over ``start..end`` (str, datetime or astropy Time).

    Parameters
    ----------
    settings : Settings
        Service addresses, data folder and secrets (:func:`jet_hunter.config.load_settings`).
    store : jet_store.Store
        Where every record goes.
    start, end
        The time range of the HEK search.
    event_types, channel
        What to search for (``cj`` = coronal jets; channel e.g. 304).
    backend, waves
        Cutout service (``ssw`` or ``jsoc``) and AIA wavelengths to request.
    poll_interval, max_poll_interval, timeout
        How cutout jobs are polled (seconds); jobs still running at ``timeout`` stay
        submitted for the next run.
    workers
        Downloads in flight per host.
    render, image_format, render_workers
        Rendering of the downloaded frames: ``framed`` (what volunteers see), ``bare``
        or None (no rendering); ``png`` or ``jpeg``; processes.
    movies
        Also make one MP4 movie per event of its renderings.
    progress
        Progress bars on stderr.
    executor
        Download and render on these workers (a Dask cluster: ``--scheduler``), sharing
        the frames through the store's claims; else in this process.
    steps
        Which of :data:`PREPARE_STEPS` to run (``hek`` and ``cutouts`` need ``start``/``end``).
    on_step
        Called with each step's name as it starts (``jet-hunter run`` prints ``stage NAME ...``).
    """
    unknown = set(steps) - set(PREPARE_STEPS)
    if unknown:
        raise ConfigError(f"unknown prepare steps {sorted(unknown)}; use {', '.join(PREPARE_STEPS)}")

    def starting(step: str) -> bool:
        if step not in steps:
            return False
        log.info("stage %s", step)
        if on_step is not None:
            on_step(step)
        return True

    hek, events, added, cutouts = SaveSummary(), [], JobsAdded(), JobSummary()
    if "hek" in steps or "cutouts" in steps:
        query = HekQuery(start, end, event_types=event_types, channel=channel)
        if starting("hek"):
            with HekClient(settings.hek_url) as client:
                hek = search_and_save(client, store, query, progress=progress)
        events = events_between(store, query)
    if starting("cutouts"):
        jobs = requests_for_events(events, backend=backend, waves=waves)
        added = add_jobs(store, jobs)
        cutouts = run_jobs(
            store,
            cutout_clients(settings, [backend]),
            keys=[job.key for job in jobs],
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
            timeout=timeout,
            progress=progress,
        )
    downloads = DownloadSummary()
    if starting("download"):
        downloads = download_frames(
            store, settings.data_dir, executor=executor, workers=workers, progress=progress
        )
    renderings = None
    made: list[MovieResult] = []
    if render is not None and starting("render"):
        renderings = render_frames(
            store,
            settings.data_dir,
            kind=render,
            fmt=image_format,
            workers=render_workers,
            progress=progress,
            executor=executor,
        )
        if movies:
            made = event_movies(store, settings.data_dir, kind=render)
    order = tuple(s for s in PREPARE_STEPS if s in steps)
    return PrepareSummary(hek, len(events), added, cutouts, downloads, renderings, tuple(made), order)
