"""Frames into an H.264 MP4 (yuv420p) with imageio-ffmpeg's ffmpeg, under a size limit.

Palette frames (``RenderedImage``) go to ffmpeg as yuv420p through a 256-entry table per
plane (BT.601 limited range); RGB frames as ``rgb24``. :func:`encode_fitting` encodes
again with a higher CRF, then a smaller size, until the file fits (see
:mod:`jet_render.movie`, which feeds it).

Examples
--------
>>> import numpy as np
>>> from jet_render.colors import palette_for
>>> from jet_render.encode import RenderedImage
>>> from jet_render.mp4 import yuv420p
>>> frame = RenderedImage(index=np.zeros((4, 6), dtype=np.uint8), palette=palette_for(304))
>>> len(yuv420p(frame)) == 4 * 6 * 3 // 2
True
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from jet_render.encode import RenderedImage

__all__ = ["CRF", "PRESET", "Frame", "MovieResult", "encode_fitting", "yuv420p"]

logger = logging.getLogger(__name__)

PRESET = "ultrafast"
"""Default x264 preset: the encode is most of a movie's time, and this is its fastest."""
CRF = 23
"""Default x264 constant rate factor (x264's own default; lower is better)."""
_MAX_CRF = 40

Frame = RenderedImage | npt.NDArray[np.uint8]


@dataclass
class MovieResult:
    """What a movie function wrote (``reused``: it was already up to date)."""

    path: Path
    frames: int
    width: int
    height: int
    size_bytes: int
    crf: int
    preset: str = PRESET
    degraded: list[str] = field(default_factory=list)
    reused: bool = False


# -- frames -> ffmpeg -------------------------------------------------------------------

_BT601 = np.array(
    [
        [0.256788, 0.504129, 0.097906, 16.0],
        [-0.148223, -0.290993, 0.439216, 128.0],
        [0.439216, -0.367788, -0.071427, 128.0],
    ]
)


@lru_cache(maxsize=16)
def _yuv_tables(
    palette_bytes: bytes,
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint16], npt.NDArray[np.uint16]]:
    rgb = np.frombuffer(palette_bytes, np.uint8).reshape(-1, 3).astype(np.float64)
    yuv = rgb @ _BT601[:, :3].T + _BT601[:, 3]
    y = np.clip(np.rint(yuv[:, 0]), 16, 235).astype(np.uint8)
    # chroma kept x4 (no rounding yet): a 2x2 block's four entries are summed, then /4
    u = np.clip(np.rint(yuv[:, 1] * 4), 0, 1020).astype(np.uint16)
    v = np.clip(np.rint(yuv[:, 2] * 4), 0, 1020).astype(np.uint16)
    return y, u, v


def yuv420p(image: RenderedImage) -> bytes:
    """A palette image (even size) as one raw yuv420p frame, BT.601 limited range.

    Luma per pixel; chroma the mean of each 2x2 block, as ffmpeg's conversion does.

    Examples
    --------
    >>> import numpy as np
    >>> from jet_render.colors import palette_for
    >>> white = RenderedImage(index=np.full((2, 4), 255, np.uint8), palette=palette_for(304))
    >>> list(yuv420p(white))
    [235, 235, 235, 235, 235, 235, 235, 235, 128, 128, 128, 128]
    """
    y_tab, u_tab, v_tab = _yuv_tables(np.ascontiguousarray(image.palette, np.uint8).tobytes())
    index = image.index
    quads = (index[0::2, 0::2], index[0::2, 1::2], index[1::2, 0::2], index[1::2, 1::2])
    planes = [np.take(y_tab, index)]
    for table in (u_tab, v_tab):
        total = np.take(table, quads[0])
        for q in quads[1:]:
            total += np.take(table, q)
        total += 8  # round half up: (4 entries x4) / 16
        planes.append((total >> 4).astype(np.uint8))
    return b"".join(np.ascontiguousarray(p).tobytes() for p in planes)


def _cropped(frame: Frame, w: int, h: int) -> Frame:
    if isinstance(frame, RenderedImage):
        if frame.index.shape != (h, w):
            return RenderedImage(index=frame.index[:h, :w], palette=frame.palette, fractions=frame.fractions)
        return frame
    return frame[:h, :w]


def _scaled(frame: Frame, scale: float) -> Frame:
    from PIL import Image

    if scale == 1.0:
        return frame
    if isinstance(frame, RenderedImage):
        frame = frame.rgb()
    h, w = frame.shape[:2]
    size = (max(2, round(w * scale)), max(2, round(h * scale)))
    return np.asarray(Image.fromarray(frame).resize(size, Image.Resampling.LANCZOS))


def _size_of(frame: Frame) -> tuple[int, int]:
    shape = frame.index.shape if isinstance(frame, RenderedImage) else frame.shape
    return int(shape[1]), int(shape[0])


def _encode(
    frames: Iterator[Frame], out: Path, fps: float, crf: int, preset: str, scale: float, maxrate: float | None
) -> tuple[int, int, int]:
    """Encode ``frames`` to ``out`` (temp name + rename); return (frames, width, height)."""
    import imageio_ffmpeg

    first = _scaled(next(frames), scale)
    w, h = _size_of(first)
    w, h = w - w % 2, h - h % 2
    palette = isinstance(first, RenderedImage)
    params = ["-crf", str(crf), "-preset", preset, "-movflags", "+faststart"]
    if maxrate is not None:
        params += ["-maxrate", f"{int(maxrate)}", "-bufsize", f"{int(maxrate)}"]
    tmp = out.with_name(f".{out.stem}.{os.getpid()}.tmp{out.suffix}")
    writer = imageio_ffmpeg.write_frames(
        # "file:": ffmpeg reads a name like "2010-06-20T11:14.mp4" as the URL of a protocol
        f"file:{tmp.absolute()}",
        (w, h),
        pix_fmt_in="yuv420p" if palette else "rgb24",
        fps=fps,
        codec="libx264",
        pix_fmt_out="yuv420p",
        quality=None,
        macro_block_size=1,
        output_params=params,
        ffmpeg_log_level="error",
    )
    writer.send(None)
    count = 0
    try:
        for item in _chain(first, frames):
            frame = item if item is first else _scaled(item, scale)
            if isinstance(frame, RenderedImage) != palette:
                raise ValueError("a movie's frames must be all palette images or all RGB")
            if _size_of(frame) != _size_of(first):
                if palette:
                    raise ValueError(f"frame {count} is {_size_of(frame)}, the first is {_size_of(first)}")
                frame = _resized(np.asarray(frame), _size_of(first))
            frame = _cropped(frame, w, h)
            if isinstance(frame, RenderedImage):
                writer.send(yuv420p(frame))
            else:
                writer.send(np.ascontiguousarray(frame))
            count += 1
    except BaseException:
        writer.close()
        tmp.unlink(missing_ok=True)
        raise
    writer.close()
    os.replace(tmp, out)
    return count, w, h


def _chain(first: Frame, rest: Iterator[Frame]) -> Iterator[Frame]:
    yield first
    yield from rest


def _resized(frame: npt.NDArray[np.uint8], size: tuple[int, int]) -> npt.NDArray[np.uint8]:
    from PIL import Image

    return np.asarray(Image.fromarray(frame).resize(size, Image.Resampling.LANCZOS))


def encode_fitting(
    frames: Callable[[], Iterator[Frame]],
    count: int,
    path: str | os.PathLike[str],
    *,
    fps: float,
    crf: int,
    preset: str,
    max_bytes: int | None,
) -> MovieResult:
    """Encode (again, from a fresh ``frames()``) until the movie fits ``max_bytes``."""
    if count < 1:
        raise ValueError("a movie needs at least one frame")
    if fps <= 0 or not np.isfinite(fps):
        raise ValueError(f"fps must be a positive number, not {fps!r}")
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    degraded: list[str] = []
    scale = 1.0
    # spread the budget over the movie's duration, with 15 % headroom for the container
    maxrate = None if max_bytes is None else 0.85 * max_bytes * 8 / max(count / fps, 1.0)
    while True:
        n, w, h = _encode(frames(), out, fps, crf, preset, scale, maxrate)
        size = out.stat().st_size
        if max_bytes is None or size <= max_bytes:
            break
        if crf < _MAX_CRF:
            crf = min(_MAX_CRF, crf + 4)
            degraded.append(f"crf {crf}")
        elif w > 64:
            scale *= 0.8
            degraded.append(f"scaled by {scale:.3g}")
        else:
            raise ValueError(f"cannot fit the movie under {max_bytes} bytes")
    logger.info("wrote %s: %d frames %dx%d, %d bytes (%s, crf %d)", out, n, w, h, size, preset, crf)
    return MovieResult(
        path=out, frames=n, width=w, height=h, size_bytes=size, crf=crf, preset=preset, degraded=degraded
    )
