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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from jet_store.progress import progress_bar

from jet_render.encode import RenderedImage
from jet_render.mp4 import CRF, PRESET, Frame, MovieResult, encode_fitting, yuv420p
from jet_render.style import MAX_BYTES

__all__ = ["make_movie", "render_movie", "MovieResult", "event_movies", "yuv420p", "PRESET", "CRF"]

logger = logging.getLogger(__name__)

Source = RenderedImage | npt.NDArray[np.uint8] | str | os.PathLike[str] | Any
"""What :func:`make_movie` takes as a frame: an image, an RGB array, an image file or a Rendering."""


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
    return encode_fitting(
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

    return encode_fitting(frames, len(paths), path, fps=fps, crf=crf, preset=preset, max_bytes=max_bytes)


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
