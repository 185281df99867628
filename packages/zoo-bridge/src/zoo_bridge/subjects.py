"""The subjects stage: an event's renderings -> stored :class:`~jet_store.Subject` records.

:func:`make_subjects` takes, per event, one rendering per FITS frame of the chosen
wavelength and product (the newest when a frame was rendered several times), in time
order, cuts them into windows (:func:`zoo_bridge.grouping.windows`), and stores one
Subject per window with its ordered frames, its key, its files and its metadata
(:func:`zoo_bridge.metadata.subject_metadata`). With ``media="movie"`` or ``"both"`` it
also writes one MP4 per subject (``subjects/<key>.mp4`` under the data folder, kept
under the Panoptes 1 MiB limit).

Idempotent and safe to re-run: the same frames give the same keys; a subject that
exists keeps its upload state and Zooniverse id, and only its local fields (paths,
metadata) are refreshed when the renderings changed. Each event is one transaction,
made under a claim on the event (namespace ``"subjects"``), so several processes or
Dask workers (``executor``) never make one event's subjects or movies at once.

Examples
--------
>>> from jet_store import Store
>>> summary = make_subjects(Store("sqlite://"), ".", progress=False)
>>> summary.line()
'0 subjects from 0 events: 0 new, 0 updated, 0 unchanged; 0 movies'
"""

from __future__ import annotations

import functools
import logging
import os
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from jet_store import DEFAULT_LEASE, FitsFrame, HekEvent, Rendering, Store, Subject, default_owner
from jet_store.executors import merge_summaries, rotate, run_shared
from jet_store.progress import progress_bar

from zoo_bridge.grouping import GroupingOptions, subject_key, windows
from zoo_bridge.metadata import subject_metadata

__all__ = ["SubjectSummary", "make_subjects", "event_frames", "MOVIE_MAX_BYTES"]

logger = logging.getLogger(__name__)

MOVIE_MAX_BYTES = 1024 * 1024 - 4096
"""Movies are kept just under the Panoptes 1 MiB limit per file."""

CLAIMS = "subjects"
"""The claims namespace of events whose subjects are being made (keyed by event id)."""

_LOCAL_FIELDS = ("rendering_paths", "media_paths", "metadata", "sol_standard", "index")


@dataclass
class SubjectSummary:
    """What a subjects run did."""

    events: int = 0
    subjects: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    movies: int = 0
    busy: int = 0
    messages: list[str] = field(default_factory=list)

    def line(self) -> str:
        """One summary line for the CLI."""
        busy = f"; {self.busy} events held by another worker" if self.busy else ""
        return (
            f"{self.subjects} subjects from {self.events} events: {self.new} new, {self.updated} updated, "
            f"{self.unchanged} unchanged; {self.movies} movies{busy}"
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        keys = ("events", "subjects", "new", "updated", "unchanged", "movies", "busy", "messages")
        return {k: getattr(self, k) for k in keys}

    @property
    def exit_code(self) -> int:
        """3 when some event could not be made into subjects, else 0."""
        return 3 if self.messages else 0


def _kind_of(rendering: Rendering) -> str | None:
    request = (rendering.params or {}).get("request") or {}
    if isinstance(request, dict) and request.get("kind"):
        return str(request["kind"])
    parts = PurePosixPath(rendering.path).parts
    return parts[2] if len(parts) >= 4 and parts[0] == "renderings" else None


def _wavelength_matches(frame: FitsFrame, wavelength: float | None) -> bool:
    if wavelength is None:
        return True
    return frame.wavelength is not None and abs(float(frame.wavelength) - float(wavelength)) < 0.5


def event_frames(store: Store, options: GroupingOptions) -> dict[str, list[tuple[Rendering, FitsFrame]]]:
    """Per event (its ``kb_archivid``, else ``job:<job key>``), the chosen (rendering, frame)
    pairs in time order: one rendering of ``options.kind`` per frame of ``options.wavelength``.
    """
    frames = {f.url: f for f in store.stream(FitsFrame) if _wavelength_matches(f, options.wavelength)}
    chosen: dict[str, Rendering] = {}
    for rendering in store.stream(Rendering):
        if rendering.frame_url not in frames or _kind_of(rendering) != options.kind:
            continue
        current = chosen.get(rendering.frame_url)
        stamp = rendering.created_at or datetime.min.replace(tzinfo=UTC)
        if current is None or stamp >= (current.created_at or datetime.min.replace(tzinfo=UTC)):
            chosen[rendering.frame_url] = rendering
    groups: dict[str, list[tuple[Rendering, FitsFrame]]] = defaultdict(list)
    for url, rendering in chosen.items():
        frame = frames[url]
        event = frame.event_id or rendering.event_id or (f"job:{frame.job_key}" if frame.job_key else None)
        if event is None:
            continue
        groups[event].append((rendering, frame))
    for pairs in groups.values():
        pairs.sort(
            key=lambda p: ((p[1].obs_time or p[0].obs_time or datetime.min.replace(tzinfo=UTC)), p[1].url)
        )
    return dict(sorted(groups.items()))


def _movie(data_dir: Path, key: str, renderings: Iterable[Rendering], fps: float) -> str:
    from jet_render.movie import make_movie

    rel = f"subjects/{key}.mp4"
    make_movie([data_dir / r.path for r in renderings], data_dir / rel, fps=fps, max_bytes=MOVIE_MAX_BYTES)
    return rel


def make_subjects(
    store: Store,
    data_dir: str | os.PathLike[str],
    options: GroupingOptions | None = None,
    *,
    fps: float = 5.0,
    progress: bool = True,
    executor: Executor | None = None,
    lease: float = DEFAULT_LEASE,
) -> SubjectSummary:
    """Group every event's renderings into subjects and store them (see the module doc).

    Parameters
    ----------
    store, data_dir
        The store and the data folder (rendering paths are relative to it).
    options
        N, overlap, wavelength, product and media (:class:`GroupingOptions`).
    fps
        Frame rate of subject movies.
    progress
        Show a progress bar over events.
    executor
        Make the subjects on these workers (a process pool, a Dask client's executor):
        each takes its events through the store's claims
        (:func:`jet_store.executors.run_shared`); this process sweeps up after them.
    lease
        Seconds a claim on an event lasts unless renewed.
    """
    options = options or GroupingOptions()
    if executor is not None:
        shared = run_shared(
            store, executor, functools.partial(_subjects_share, str(data_dir), options, fps, lease)
        )
        summary = merge_summaries(
            shared.values, final=("events", "subjects", "unchanged", "busy", "messages")
        )
        summary.unchanged -= sum(v.new + v.updated for v in shared.values[:-1])  # the sweep saw them done
        summary.messages.extend(shared.errors)
        return summary
    return _subjects_run(store, Path(data_dir), options, fps, progress, lease, (0, 1))


def _subjects_share(
    data_dir: str, options: GroupingOptions, fps: float, lease: float, store: Store, index: int, count: int
) -> SubjectSummary:
    """One worker's share of a distributed subjects run (see :func:`jet_store.executors.run_shared`)."""
    return _subjects_run(store, Path(data_dir), options, fps, False, lease, (index, count))


def _subjects_run(
    store: Store,
    root: Path,
    options: GroupingOptions,
    fps: float,
    progress: bool,
    lease: float,
    share: tuple[int, int],
) -> SubjectSummary:
    summary = SubjectSummary()
    groups = event_frames(store, options)
    store.release_dead_claims(CLAIMS)
    owner = default_owner()
    with progress_bar(len(groups), enabled=progress, desc="subjects", unit="event") as bar:
        for event_id in rotate(list(groups), *share):
            summary.events += 1
            with store.claiming_keys(CLAIMS, [event_id], owner=owner, lease=lease) as got:
                if not got:  # another worker is making this event's subjects
                    summary.busy += 1
                    bar.update(1)
                    continue
                try:
                    _event_subjects(store, root, event_id, groups[event_id], options, fps, summary)
                except (OSError, ValueError) as err:  # one event's failure does not stop the stage
                    summary.messages.append(f"{event_id}: {err}")
                    logger.warning("cannot make subjects of %s: %s", event_id, err)
            bar.update(1)
    return summary


def _event_subjects(
    store: Store,
    root: Path,
    event_id: str,
    pairs: list[tuple[Rendering, FitsFrame]],
    options: GroupingOptions,
    fps: float,
    summary: SubjectSummary,
) -> None:
    event = store.get(HekEvent, event_id)
    sol = event.sol_standard if event is not None else None
    records: list[Subject] = []
    for index, window in enumerate(windows(len(pairs), options)):
        members = pairs[window.start : window.stop]
        renderings = [r for r, _f in members]
        frames = [f for _r, f in members]
        urls = tuple(f.url for f in frames)
        key = subject_key(None if event_id.startswith("job:") else event_id, options.product, urls)
        paths = tuple(r.path for r in renderings)
        existing = store.get(Subject, key)
        media: list[str] = list(paths) if options.media in ("frames", "both") else []
        if options.media in ("movie", "both"):
            movie = f"subjects/{key}.mp4"
            stale = existing is None or existing.rendering_paths != paths or not (root / movie).exists()
            if stale:
                _movie(root, key, renderings, fps)
                summary.movies += 1
            media.append(movie)
        draft = Subject(
            key=key,
            rendering_paths=paths,
            frame_urls=urls,
            media_paths=tuple(media),
            event_id=None if event_id.startswith("job:") else event_id,
            sol_standard=sol,
            index=index,
        )
        metadata = subject_metadata(draft, renderings, frames, frames_per_subject=options.frames_per_subject)
        draft = replace(draft, metadata=metadata)
        summary.subjects += 1
        if existing is None:
            records.append(replace(draft, updated_at=datetime.now(UTC)))
            summary.new += 1
            continue
        changes = {
            name: getattr(draft, name)
            for name in _LOCAL_FIELDS
            if getattr(existing, name) != getattr(draft, name)
        }
        if changes:
            records.append(replace(existing, **changes, updated_at=datetime.now(UTC)))
            summary.updated += 1
        else:
            summary.unchanged += 1
    with store.transaction():
        store.add(records)
