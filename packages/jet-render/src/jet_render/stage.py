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

import gzip
import hashlib
import io
import logging
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jet_store import FitsFrame, Rendering, Store
from jet_store.progress import progress_bar

from jet_render.bare import render_bare
from jet_render.colors import cmap_name
from jet_render.encode import FORMATS, RenderedImage, encode
from jet_render.framed import read_fits, render_framed
from jet_render.normalize import Normalization
from jet_render.pool import pooled
from jet_render.style import DEFAULT_SIZE, MAX_BYTES, Style

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
KINDS = ("framed", "bare")


@dataclass(frozen=True)
class RenderRequest:
    """What to render: kind, format, size, look and size limit (stored in ``params``)."""

    kind: str = "framed"
    fmt: str = "png"
    size: tuple[int, int] | None = None
    style: Style = field(default_factory=Style)
    norm: Normalization = field(default_factory=Normalization)
    cmap: str | None = None
    max_bytes: int | None = MAX_BYTES

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}; use framed or bare")
        fmt = self.fmt.lower().replace("jpg", "jpeg")
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {self.fmt!r}; use png or jpeg")
        object.__setattr__(self, "fmt", fmt)
        if self.kind == "framed" and self.size is None:
            object.__setattr__(self, "size", DEFAULT_SIZE)
        if self.size is not None:
            object.__setattr__(self, "size", (int(self.size[0]), int(self.size[1])))

    def params(self) -> dict[str, Any]:
        """The request as stored in a Rendering's ``params["request"]`` (compared on re-runs)."""
        out: dict[str, Any] = {
            "kind": self.kind,
            "format": self.fmt,
            "size": None if self.size is None else list(self.size),
            "norm": self.norm.to_dict(),
            "cmap": self.cmap,
            "max_bytes": self.max_bytes,
        }
        if self.kind == "framed":
            out["style"] = self.style.to_dict()
        return out


@dataclass
class RenderSummary:
    """What a render run did."""

    rendered: int = 0
    skipped: int = 0
    failed: int = 0
    degraded: int = 0
    bytes: int = 0
    messages: list[str] = field(default_factory=list)

    def line(self) -> str:
        """One summary line for the CLI."""
        mean = self.bytes / self.rendered / 1024 if self.rendered else 0.0
        return (
            f"rendered {self.rendered} frames (mean {mean:.0f} KiB), skipped {self.skipped} already done, "
            f"degraded {self.degraded} to fit, failed {self.failed}"
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            k: getattr(self, k) for k in ("rendered", "skipped", "failed", "degraded", "bytes", "messages")
        }


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "frames"


def rendering_path(frame: FitsFrame, kind: str, fmt: str) -> str:
    """Where a frame's image goes, relative to the data folder (POSIX separators)."""
    group = _safe(frame.job_key or frame.event_id or "frames")
    stem = Path(frame.path or frame.url.rsplit("/", 1)[-1]).stem
    return f"renderings/{group}/{kind}/{stem}{FORMATS[fmt]}"


def _render(raw: bytes, request: RenderRequest) -> tuple[RenderedImage, Any]:
    if raw[:2] == b"\x1f\x8b":  # a gzipped FITS file (astropy only sniffs this on paths)
        raw = gzip.decompress(raw)
    data, header = read_fits(io.BytesIO(raw))
    if request.kind == "framed":
        assert request.size is not None
        image = render_framed(
            data, header, size=request.size, style=request.style, norm=request.norm, cmap=request.cmap
        )
    else:
        image = render_bare(data, header, size=request.size, norm=request.norm, cmap=request.cmap)
    return image, header


def render_image(fits_path: str | os.PathLike[str], request: RenderRequest | None = None) -> RenderedImage:
    """One FITS file rendered as ``request`` says, in memory (what :func:`render_file` encodes)."""
    return _render(Path(fits_path).read_bytes(), request or RenderRequest())[0]


def render_file(
    fits_path: str | os.PathLike[str], out_path: str | os.PathLike[str], request: RenderRequest | None = None
) -> dict[str, Any]:
    """Render one FITS file to ``out_path`` (temp name + rename); return the geometry and params.

    The result has ``width``, ``height``, ``im_ll_x``, ``im_ll_y``, ``im_ur_x``,
    ``im_ur_y``, ``format``, ``size_bytes``, ``sha256`` and ``params`` (with
    ``frame_sha256``, the hash of the FITS bytes rendered).
    """
    request = request or RenderRequest()
    raw = Path(fits_path).read_bytes()
    image, header = _render(raw, request)
    encoded = encode(image, request.fmt, max_bytes=request.max_bytes)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    tmp.write_bytes(encoded.data)
    os.replace(tmp, out)
    ll_x, ll_y, ur_x, ur_y = image.fractions
    params = {
        "request": request.params(),
        "cmap": cmap_name(header.get("WAVELNTH"), request.cmap),
        "encoding": encoded.params,
        "degraded": encoded.degraded,
        "frame_sha256": hashlib.sha256(raw).hexdigest(),
    }
    return {
        "format": encoded.format,
        "width": encoded.width,
        "height": encoded.height,
        "im_ll_x": ll_x,
        "im_ll_y": ll_y,
        "im_ur_x": ur_x,
        "im_ur_y": ur_y,
        "size_bytes": len(encoded.data),
        "sha256": hashlib.sha256(encoded.data).hexdigest(),
        "params": params,
    }


def file_sha256(path: str | os.PathLike[str]) -> str | None:
    """The SHA-256 of a file (hex), or None if it cannot be read."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


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
    root = Path(data_dir)
    chosen = list(frames) if frames is not None else store.filter(FitsFrame, state="downloaded")
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
    bar = progress_bar(len(todo), enabled=progress, desc="render", unit="frame")
    pending: list[Rendering] = []

    def flush() -> None:
        if pending:
            store.add(pending)
            pending.clear()

    try:
        for result in _results(todo, workers):
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
    finally:
        flush()
        bar.close()
    logger.info(summary.line())
    return summary


def _results(
    todo: list[tuple[FitsFrame, str, str, RenderRequest]], workers: int
) -> Iterator[Rendering | str]:
    if workers <= 1 or len(todo) <= 1:
        yield from map(_task, todo)
        return
    sources = [Path(root) / str(frame.path) for frame, root, _rel, _req in todo]
    yield from pooled(_task_chunk, todo, sources, _framed(todo[0][3]), workers)


def _task_chunk(items: list[tuple[FitsFrame, str, str, RenderRequest]]) -> list[Rendering | str]:
    return [_task(item) for item in items]


def _framed(request: RenderRequest) -> tuple[tuple[int, int], Style] | None:
    """The size and style whose furniture a pool warms (None: bare images have none)."""
    if request.kind != "framed" or request.size is None:
        return None
    return request.size, request.style


def _render_chunk(items: list[tuple[str, str, RenderRequest]]) -> list[dict[str, Any]]:
    return [render_file(src, out, request) for src, out, request in items]


def render_files(
    pairs: Sequence[tuple[str | os.PathLike[str], str | os.PathLike[str]]],
    request: RenderRequest | None = None,
    *,
    workers: int = 1,
) -> list[dict[str, Any]]:
    """Render ``(fits_path, out_path)`` pairs; return :func:`render_file`'s records, in order.

    With ``workers > 1`` the files are rendered on a process pool as :func:`render_frames`
    does (furniture drawn once here and inherited, chunks of paths per task, only the
    small records sent back). The images are byte-identical to a serial run.
    """
    request = request or RenderRequest()
    items = [(str(src), str(out), request) for src, out in pairs]
    if workers <= 1 or len(items) <= 1:
        return _render_chunk(items)
    return list(pooled(_render_chunk, items, [src for src, _out, _req in items], _framed(request), workers))
