"""The render stage: downloaded frames -> image files + Rendering records.

:func:`render_frames` reads every :class:`~jet_store.FitsFrame` in state
``downloaded`` (its ``path`` relative to the data folder), renders it framed or bare as
PNG or JPEG, writes the file to a temporary name and renames it into place
(``renderings/<job or event>/<kind>/<frame file stem>.<png|jpg>`` under the data
folder), and records a :class:`~jet_store.Rendering` with the geometry, the renderer and
its parameters. Records are added in batches, one transaction each; a file is only
recorded after it is complete, so a kill loses at most the batch in flight, whose files
are simply rendered again.

Idempotent: a frame whose rendering exists with the same request (kind, size, format,
style, normalisation, colour map, size limit), the same renderer version (``RENDERER``)
and the same FITS file (its SHA-256: the rendering records the hash of the bytes it
read in ``params["frame_sha256"]``, compared with the frame's recorded ``sha256``) and
whose file is on disk is skipped. So a frame that ``verify`` re-fetched, or a new
version of this package, renders again (and :func:`~jet_render.movie.event_movies` then
makes the movie again).
With ``workers > 1`` frames are rendered on a process pool (:mod:`jet_render.pool`:
furniture drawn here once and inherited; :func:`render_files` does the same for plain
file paths). Frames go out in time order, in a few contiguous chunks per worker; a
worker reads the FITS files and writes the image files itself and sends back only the
small geometry record, and this process only writes the Rendering records, in batches.

Safe to run on several processes or machines at once: frames are claimed (namespace
``"render"``, keyed by the rendering path) in steps while they are rendered and
recorded, so no frame is rendered twice; with ``executor`` (a process pool or a Dask
client's executor) one share of the run goes to each worker and this process sweeps up
what a dead worker left (:func:`jet_store.executors.run_shared`).

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> from jet_store import FitsFrame, Store
>>> from jet_sandbox.aia import CutoutSpec, write_cutout
>>> from jet_render.stage import render_frames
>>> tmp = Path(tempfile.mkdtemp())
>>> spec = CutoutSpec(center_x=-400, center_y=300, shape=(60, 50), start_time="2012-07-08T13:05",
...                   end_time="2012-07-08T13:05:20")
>>> paths = write_cutout(spec, None, tmp / "cutouts" / "job1")
>>> store = Store("sqlite://")
>>> _ = store.add([FitsFrame(url=f"https://x/{p.name}", job_key="job1", state="downloaded",
...                          path=str(p.relative_to(tmp))) for p in paths])
>>> summary = render_frames(store, tmp, kind="bare", progress=False)
>>> summary.rendered, summary.skipped
(2, 0)
>>> render_frames(store, tmp, kind="bare", progress=False).skipped
2
>>> r = store.filter("renderings")[0]
>>> r.path, r.width, r.height, (r.im_ll_x, r.im_ur_y)
('renderings/job1/bare/ssw_cutout_20120708_130507_AIA_304_.png', 60, 50, (0.0, 1.0))
"""

from __future__ import annotations

import functools
import logging
import os
import re
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jet_store import DEFAULT_LEASE, FitsFrame, Rendering, Store, default_owner
from jet_store.executors import merge_summaries, rotate, run_shared
from jet_store.progress import progress_bar

from jet_render.encode import FORMATS
from jet_render.normalize import Normalization
from jet_render.pool import pooled
from jet_render.renderfile import (
    RenderRequest,
    file_sha256,
    pool_furniture,
    render_file,
    render_files,
    render_image,
)
from jet_render.style import MAX_BYTES, Style

__all__ = [
    "render_frames",
    "render_file",
    "render_files",
    "render_image",
    "RenderSummary",
    "RenderRequest",
    "rendering_path",
    "file_sha256",
    "RENDERER",
]

logger = logging.getLogger(__name__)

RENDERER = "jet_render/0.2"
"""The ``renderer`` of every Rendering record this package writes (bumped when the images change)."""
CLAIMS = "render"
"""The claims namespace of frames being rendered (keyed by the rendering's path)."""


@dataclass
class RenderSummary:
    """What a render run did."""

    rendered: int = 0
    skipped: int = 0
    failed: int = 0
    degraded: int = 0
    bytes: int = 0
    busy: int = 0
    messages: list[str] = field(default_factory=list)

    def line(self) -> str:
        """One summary line for the CLI."""
        mean = self.bytes / self.rendered / 1024 if self.rendered else 0.0
        busy = f", {self.busy} held by another worker" if self.busy else ""
        return (
            f"rendered {self.rendered} frames (mean {mean:.0f} KiB), skipped {self.skipped} already done, "
            f"degraded {self.degraded} to fit, failed {self.failed}{busy}"
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            k: getattr(self, k)
            for k in ("rendered", "skipped", "failed", "degraded", "bytes", "busy", "messages")
        }


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "frames"


def rendering_path(frame: FitsFrame, kind: str, fmt: str) -> str:
    """Where a frame's image goes, relative to the data folder (POSIX separators)."""
    group = _safe(frame.job_key or frame.event_id or "frames")
    stem = Path(frame.path or frame.url.rsplit("/", 1)[-1]).stem
    return f"renderings/{group}/{kind}/{stem}{FORMATS[fmt]}"


def _is_current(
    old: Rendering | None, frame: FitsFrame, request: RenderRequest, root: Path, rel: str
) -> bool:
    """Whether ``old`` is this frame's file rendered this way by this renderer (skip it)."""
    if old is None or old.frame_url != frame.url or old.renderer != RENDERER:
        return False
    if old.params.get("request") != request.params() or not (root / rel).exists():
        return False
    shown = old.params.get("frame_sha256")
    return shown is not None and shown == (frame.sha256 or file_sha256(root / str(frame.path)))


def _task(item: tuple[FitsFrame, str, str, RenderRequest]) -> Rendering | str:
    frame, data_dir, rel, request = item
    try:
        geo = render_file(Path(data_dir) / str(frame.path), Path(data_dir) / rel, request)
    except Exception as err:  # reported per frame; the run goes on
        logger.debug("rendering %s failed", frame.path, exc_info=True)
        return f"{frame.path}: {type(err).__name__}: {err}"
    return Rendering(
        path=rel,
        frame_url=frame.url,
        frame_path=frame.path,
        renderer=RENDERER,
        event_id=frame.event_id,
        obs_time=frame.obs_time,
        created_at=datetime.now(UTC),
        **geo,
    )


def _sort_key(frame: FitsFrame) -> tuple[str, str, str]:
    when = frame.obs_time.isoformat() if frame.obs_time else ""
    return (frame.event_id or frame.job_key or "", when, frame.path or "")


def render_frames(
    store: Store,
    data_dir: str | os.PathLike[str],
    *,
    kind: str = "framed",
    fmt: str = "png",
    size: tuple[int, int] | None = None,
    style: Style | None = None,
    norm: Normalization | None = None,
    cmap: str | None = None,
    max_bytes: int | None = MAX_BYTES,
    frames: Iterable[FitsFrame] | None = None,
    workers: int = 1,
    batch: int = 50,
    progress: bool = True,
    executor: Executor | None = None,
    lease: float = DEFAULT_LEASE,
) -> RenderSummary:
    """Render every downloaded frame (or ``frames``) that is not yet rendered this way.

    Parameters
    ----------
    store, data_dir
        The store and the data folder (frame paths and rendering paths are relative to it).
    kind, fmt, size
        ``"framed"`` (default 1920 x 1440) or ``"bare"`` (default one pixel per data
        pixel); ``"png"`` (8-bit palette) or ``"jpeg"``; ``(width, height)`` in px.
    style, norm, cmap, max_bytes
        Look and size limit (see :class:`RenderRequest`); images over ``max_bytes`` are
        degraded and the steps recorded in ``params["degraded"]``.
    frames
        Render these instead of every downloaded frame.
    workers
        Processes to render on (1: in this process).
    batch
        Records per store transaction.
    progress
        Show a progress bar on stderr.
    executor
        Render on these workers instead (a process pool, a Dask client's executor): each
        worker takes its frames through the store's claims (see
        :func:`jet_store.executors.run_shared`); ``workers`` is then ignored.
    lease
        Seconds a claim on a frame lasts unless renewed (a killed worker's frames are
        taken over after it; at once when it ran on this machine).
    """
    request = RenderRequest(
        kind=kind,
        fmt=fmt,
        size=size,
        style=style or Style(),
        norm=norm or Normalization(),
        cmap=cmap,
        max_bytes=max_bytes,
    )
    chosen = list(frames) if frames is not None else None
    if executor is not None:
        task = functools.partial(_render_share, str(data_dir), request, chosen, batch, lease)
        shared = run_shared(store, executor, task)
        summary = merge_summaries(shared.values, final=("skipped", "failed", "busy", "messages"))
        summary.skipped -= sum(v.rendered for v in shared.values[:-1])  # the sweep saw those as done
        summary.messages.extend(shared.errors)
        logger.info(summary.line())
        return summary
    return _render_run(store, Path(data_dir), request, chosen, workers, batch, progress, lease, (0, 1))


def _render_share(
    data_dir: str,
    request: RenderRequest,
    frames: list[FitsFrame] | None,
    batch: int,
    lease: float,
    store: Store,
    index: int,
    count: int,
) -> RenderSummary:
    """One worker's share of a distributed render run (see :func:`jet_store.executors.run_shared`)."""
    return _render_run(store, Path(data_dir), request, frames, 1, batch, False, lease, (index, count))


def _render_run(
    store: Store,
    root: Path,
    request: RenderRequest,
    frames: list[FitsFrame] | None,
    workers: int,
    batch: int,
    progress: bool,
    lease: float,
    share: tuple[int, int],
) -> RenderSummary:
    chosen = frames if frames is not None else store.filter(FitsFrame, state="downloaded")
    chosen.sort(key=_sort_key)
    existing = {r.path: r for r in store.stream(Rendering)}
    summary = RenderSummary()
    todo: list[tuple[FitsFrame, str, str, RenderRequest]] = []
    for frame in chosen:
        if not frame.path:
            summary.failed += 1
            summary.messages.append(f"{frame.url}: no local path")
            continue
        rel = rendering_path(frame, request.kind, request.fmt)
        if _is_current(existing.get(rel), frame, request, root, rel):
            summary.skipped += 1
            continue
        todo.append((frame, str(root), rel, request))
    store.release_dead_claims(CLAIMS)
    owner = default_owner()
    todo = rotate(todo, *share)
    step = max(batch, workers * 16)
    bar = progress_bar(len(todo), enabled=progress, desc="render", unit="frame")
    pending: list[Rendering] = []

    def flush() -> None:
        if pending:
            store.add(pending)
            pending.clear()

    try:
        for start in range(0, len(todo), step):
            part = todo[start : start + step]
            # claimed while rendered and recorded: no other worker renders these meanwhile
            with store.claiming_keys(
                CLAIMS, [rel for _f, _r, rel, _q in part], owner=owner, lease=lease
            ) as got:
                held = set(got)
                summary.busy += len(part) - len(held)
                bar.update(len(part) - len(held))
                mine = [t for t in part if t[2] in held and not _done_meanwhile(store, t, root)]
                summary.skipped += len(held) - len(mine)
                bar.update(len(held) - len(mine))
                for result in _results(mine, workers):
                    bar.update(1)
                    if isinstance(result, str):
                        summary.failed += 1
                        summary.messages.append(result)
                        logger.warning("render failed: %s", result)
                        continue
                    summary.rendered += 1
                    summary.bytes += result.size_bytes or 0
                    summary.degraded += bool(result.params.get("degraded"))
                    pending.append(result)
                    if len(pending) >= batch:
                        flush()
                flush()
    finally:
        flush()
        bar.close()
    logger.info(summary.line())
    return summary


def _done_meanwhile(store: Store, item: tuple[FitsFrame, str, str, RenderRequest], root: Path) -> bool:
    """Whether another worker rendered this frame since the run read the renderings."""
    frame, _root, rel, request = item
    return _is_current(store.get(Rendering, rel), frame, request, root, rel)


def _results(
    todo: list[tuple[FitsFrame, str, str, RenderRequest]], workers: int
) -> Iterator[Rendering | str]:
    if workers <= 1 or len(todo) <= 1:
        yield from map(_task, todo)
        return
    sources = [Path(root) / str(frame.path) for frame, root, _rel, _req in todo]
    yield from pooled(_task_chunk, todo, sources, pool_furniture(todo[0][3]), workers)


def _task_chunk(items: list[tuple[FitsFrame, str, str, RenderRequest]]) -> list[Rendering | str]:
    return [_task(item) for item in items]
