"""MP4 movies (H.264, yuv420p) of rendered frames, under Panoptes' 1 MiB by default.

Three ways in, one encoder:

- :func:`make_movie` takes frames in memory (:class:`~jet_render.encode.RenderedImage`
  from :func:`~jet_render.framed.render_framed`, or ``(height, width, 3)`` RGB arrays),
  image files (PNG/JPEG paths) or Rendering records (their ``path`` under
  ``data_dir``), in the order given. This is what the upload stage calls for a
  subject's movie.
- :func:`render_movie` renders FITS files straight into a movie: each frame goes from
  the FITS file to ffmpeg in memory, with no PNG written or decoded on the way.
- :func:`event_movies` makes one movie per event of its renderings, and makes it again
  only when one of them changed (their SHA-256s are kept beside the movie).

Palette frames (``RenderedImage``) are converted to yuv420p here, through a 256-entry
table per plane (BT.601 limited range, as ffmpeg's own RGB conversion), so ffmpeg
receives half the bytes of RGB and does no colour conversion; RGB frames and files
are sent as ``rgb24``. The encoder is imageio-ffmpeg's bundled ffmpeg: ``libx264``,
``yuv420p``, ``+faststart``, dimensions made even by cropping at most one bottom row /
right column (so the geometry of the top-left part is unchanged). The default x264
preset is ``ultrafast`` (the encode is most of the time) with CRF 23, capped by a
VBV rate that spreads ``max_bytes`` over the movie's duration; if the file still comes
out larger it is encoded again at CRF + 4 (up to 40) and then scaled by 0.8 per step,
and what was done is returned in :attr:`MovieResult.degraded`.

Examples
--------
>>> import tempfile, pathlib
>>> import numpy as np
>>> from jet_render.colors import palette_for
>>> from jet_render.encode import RenderedImage
>>> from jet_render.movie import make_movie
>>> rng = np.random.default_rng(0)
>>> frames = [RenderedImage(index=rng.integers(0, 192, (120, 160), dtype=np.uint8),
...                         palette=palette_for(304)) for _ in range(5)]
>>> out = pathlib.Path(tempfile.mkdtemp()) / "movie.mp4"
>>> result = make_movie(frames, out, fps=5, max_bytes=200_000)
>>> result.frames, (result.width, result.height), result.size_bytes <= 200_000
(5, (160, 120), True)
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from jet_store.progress import progress_bar

from jet_render.encode import RenderedImage
from jet_render.style import MAX_BYTES

__all__ = ["make_movie", "render_movie", "MovieResult", "event_movies", "yuv420p", "PRESET", "CRF"]

logger = logging.getLogger(__name__)

PRESET = "ultrafast"
"""Default x264 preset: the encode is most of a movie's time, and this is its fastest."""
CRF = 23
"""Default x264 constant rate factor (x264's own default; lower is better)."""
_MAX_CRF = 40

Frame = RenderedImage | npt.NDArray[np.uint8]
Source = RenderedImage | npt.NDArray[np.uint8] | str | os.PathLike[str] | Any


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


def _movie(
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


def _load(source: Source, data_dir: Path | None) -> Frame:
    from PIL import Image

    if isinstance(source, (RenderedImage, np.ndarray)):
        return source
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
    elif isinstance(getattr(source, "path", None), str):  # a Rendering record
        path = (data_dir or Path(".")) / source.path
    else:
        raise TypeError(f"cannot make a movie frame of {type(source).__name__}")
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"))


def make_movie(
    frames: Sequence[Source],
    path: str | os.PathLike[str],
    *,
    fps: float = 10.0,
    crf: int = CRF,
    preset: str = PRESET,
    max_bytes: int | None = MAX_BYTES,
    data_dir: str | os.PathLike[str] | None = None,
) -> MovieResult:
    """Write an MP4 of ``frames`` (in order) to ``path``.

    Parameters
    ----------
    frames
        :class:`~jet_render.encode.RenderedImage` objects (sent as yuv420p, no PNG on
        the way), ``(height, width, 3)`` uint8 RGB arrays, PNG/JPEG paths, or Rendering
        records (their ``path`` is relative to ``data_dir``). Images of another size
        than the first are resized to it.
    path
        The ``.mp4`` to write (temporary name, then rename).
    fps, crf, preset
        Frame rate, x264 constant rate factor and preset.
    max_bytes
        The size limit (default 1 MiB, Panoptes'; None: no limit): the rate is capped
        to fit, then the CRF raised by 4 (up to 40), then the size scaled by 0.8, until
        it fits.
    data_dir
        The data folder Rendering records' paths are relative to.
    """
    root = Path(data_dir) if data_dir is not None else None
    items = list(frames)
    return _movie(
        lambda: (_load(item, root) for item in items),
        len(items),
        path,
        fps=fps,
        crf=crf,
        preset=preset,
        max_bytes=max_bytes,
    )


def render_movie(
    fits_paths: Sequence[str | os.PathLike[str]],
    path: str | os.PathLike[str],
    request: Any = None,
    *,
    fps: float = 10.0,
    crf: int = CRF,
    preset: str = PRESET,
    max_bytes: int | None = MAX_BYTES,
    progress: bool = False,
) -> MovieResult:
    """Render FITS files (in order) straight into an MP4: no image files on the way.

    ``request`` is a :class:`~jet_render.stage.RenderRequest` (default: framed 1920 x
    1440); each frame is rendered in memory while ffmpeg encodes the previous ones (a
    second process, so the two overlap on two cores). A retry to fit ``max_bytes``
    renders the frames again (cheap next to the encode) rather than keeping them all.
    """
    from jet_render.stage import RenderRequest, render_image

    req = request or RenderRequest()
    paths = [Path(p) for p in fits_paths]

    def frames() -> Iterator[Frame]:
        with progress_bar(len(paths), enabled=progress, desc="movie", unit="frame") as bar:
            for p in paths:
                yield render_image(p, req)
                bar.update(1)

    return _movie(frames, len(paths), path, fps=fps, crf=crf, preset=preset, max_bytes=max_bytes)


# -- one movie per event ----------------------------------------------------------------


def _digest(members: Iterable[Any], options: dict[str, Any]) -> str:
    text = json.dumps([[m.path, m.sha256] for m in members] + [options], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def event_movies(
    store: Any,
    data_dir: str | os.PathLike[str],
    *,
    kind: str = "framed",
    fps: float = 10.0,
    crf: int = CRF,
    preset: str = PRESET,
    max_bytes: int | None = None,
) -> list[MovieResult]:
    """One movie per event (or job) of its renderings of ``kind``, in time order.

    Movies go to ``<data_dir>/movies/<group>_<kind>.mp4``; the group is the folder of
    the renderings (``renderings/<group>/<kind>/...``); no size limit unless
    ``max_bytes`` is given (an event's movie is not a subject's). Beside each, ``.mp4.json`` holds
    the digest of its renderings (paths and SHA-256s) and options: a movie whose
    renderings did not change is not encoded again (``reused``); one whose frames were
    rendered again (a re-fetched FITS file, a new renderer) is.
    """
    from jet_store import Rendering

    root = Path(data_dir)
    groups: dict[str, list[Any]] = {}
    for rendering in store.stream(Rendering):
        parts = Path(rendering.path).parts
        if len(parts) >= 4 and parts[0] == "renderings" and parts[2] == kind:
            groups.setdefault(parts[1], []).append(rendering)
    options = {"fps": fps, "crf": crf, "preset": preset, "max_bytes": max_bytes}
    results = []
    for group, members in sorted(groups.items()):
        members.sort(key=lambda r: (r.obs_time.isoformat() if r.obs_time else "", r.path))
        present = [r for r in members if (root / r.path).exists()]
        if not present:
            continue
        target = root / "movies" / f"{group}_{kind}.mp4"
        sidecar = target.with_name(target.name + ".json")
        digest = _digest(present, options)
        if target.exists() and sidecar.exists():
            try:
                saved = json.loads(sidecar.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                saved = {}
            if saved.get("digest") == digest and isinstance(saved.get("result"), dict):
                done = dict(saved["result"], path=target, reused=True)
                results.append(MovieResult(**done))
                continue
        result = make_movie(
            present, target, fps=fps, crf=crf, preset=preset, max_bytes=max_bytes, data_dir=root
        )
        record = {k: v for k, v in asdict(result).items() if k not in ("path", "reused")}
        tmp = sidecar.with_name(f".{sidecar.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"digest": digest, "result": record}), encoding="utf-8")
        os.replace(tmp, sidecar)
        results.append(result)
    return results
