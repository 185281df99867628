"""MP4 movies (H.264, yuv420p) of rendered frames, optionally under a size limit.

:func:`make_movie` reads image files (renderings or any PNG/JPEG paths, in the order
given; :func:`event_movies` sorts an event's renderings by observation time) and pipes
them to ffmpeg through ``imageio-ffmpeg`` (its bundled ffmpeg binary): ``libx264``,
``yuv420p``, dimensions made even by cropping at most one row/column (bottom/right, so
the geometry of the top-left part is unchanged), ``+faststart``. With ``max_bytes``
the movie is encoded again at a higher CRF (lower quality), then at a smaller size,
until it fits; what was done is returned.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["make_movie", "MovieResult", "event_movies"]

logger = logging.getLogger(__name__)


@dataclass
class MovieResult:
    """What :func:`make_movie` wrote."""

    path: Path
    frames: int
    width: int
    height: int
    size_bytes: int
    crf: int
    degraded: list[str] = field(default_factory=list)


def _load(path: str | os.PathLike[str], size: tuple[int, int] | None) -> npt.NDArray[np.uint8]:
    from PIL import Image

    with Image.open(path) as img:
        rgb = img.convert("RGB")
        if size is not None and rgb.size != size:
            rgb = rgb.resize(size, Image.Resampling.LANCZOS)
        return np.asarray(rgb)


def _encode(
    images: Sequence[str | os.PathLike[str]], out: Path, fps: float, crf: int, scale: float
) -> tuple[int, int]:
    import imageio_ffmpeg

    first = _load(images[0], None)
    h, w = first.shape[:2]
    w, h = round(w * scale), round(h * scale)
    w, h = w - w % 2, h - h % 2
    tmp = out.with_name(f".{out.stem}.{os.getpid()}.tmp{out.suffix}")
    writer = imageio_ffmpeg.write_frames(
        str(tmp),
        (w, h),
        fps=fps,
        codec="libx264",
        pix_fmt_out="yuv420p",
        macro_block_size=1,
        output_params=["-crf", str(crf), "-preset", "veryfast", "-movflags", "+faststart"],
        ffmpeg_log_level="error",
    )
    writer.send(None)
    try:
        for path in images:
            frame = _load(path, (round(first.shape[1] * scale), round(first.shape[0] * scale)))
            writer.send(np.ascontiguousarray(frame[:h, :w]))
    finally:
        writer.close()
    os.replace(tmp, out)
    return w, h


def make_movie(
    images: Sequence[str | os.PathLike[str]],
    path: str | os.PathLike[str],
    *,
    fps: float = 10.0,
    crf: int = 20,
    max_bytes: int | None = None,
) -> MovieResult:
    """Write an MP4 of ``images`` (file paths, in order) to ``path``.

    Parameters
    ----------
    images
        PNG/JPEG files of the same size (others are resized to the first one's).
    path
        The ``.mp4`` to write (temporary name, then rename).
    fps, crf
        Frame rate and x264 constant rate factor (lower is better quality; 20 default).
    max_bytes
        If given, raise the CRF by 4 (up to 40), then scale down by 0.8, until it fits.
    """
    if not images:
        raise ValueError("a movie needs at least one image")
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    degraded: list[str] = []
    scale = 1.0
    while True:
        w, h = _encode(images, out, fps, crf, scale)
        size = out.stat().st_size
        if max_bytes is None or size <= max_bytes:
            break
        if crf < 40:
            crf = min(40, crf + 4)
            degraded.append(f"crf {crf}")
        elif w > 64:
            scale *= 0.8
            degraded.append(f"scaled by {scale:.3g}")
        else:
            raise ValueError(f"cannot fit the movie under {max_bytes} bytes")
    logger.info("wrote %s: %d frames %dx%d, %d bytes", out, len(images), w, h, size)
    return MovieResult(
        path=out, frames=len(images), width=w, height=h, size_bytes=size, crf=crf, degraded=degraded
    )


def event_movies(
    store: Any,
    data_dir: str | os.PathLike[str],
    *,
    kind: str = "framed",
    fps: float = 10.0,
    max_bytes: int | None = None,
) -> list[MovieResult]:
    """One movie per event (or job) of its renderings of ``kind``, in time order.

    Movies go to ``<data_dir>/movies/<group>_<kind>.mp4``; the group is the folder of
    the renderings (``renderings/<group>/<kind>/...``).
    """
    from jet_store import Rendering

    root = Path(data_dir)
    groups: dict[str, list[Any]] = {}
    for rendering in store.stream(Rendering):
        parts = Path(rendering.path).parts
        if len(parts) >= 4 and parts[0] == "renderings" and parts[2] == kind:
            groups.setdefault(parts[1], []).append(rendering)
    results = []
    for group, members in sorted(groups.items()):
        members.sort(key=lambda r: (r.obs_time.isoformat() if r.obs_time else "", r.path))
        files = [root / r.path for r in members if (root / r.path).exists()]
        if files:
            target = root / "movies" / f"{group}_{kind}.mp4"
            results.append(make_movie(files, target, fps=fps, max_bytes=max_bytes))
    return results
