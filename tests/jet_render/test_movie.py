"""Movies: frames in memory straight to ffmpeg (yuv420p), under 1 MiB, redone only when stale."""

from __future__ import annotations

from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from jet_render.encode import RenderedImage
from jet_render.framed import read_fits, render_framed
from jet_render.movie import event_movies, make_movie, render_movie
from jet_render.stage import render_frames
from jet_store import Rendering, Store

from .conftest import Cutout


def _first_frame(path: Path) -> np.ndarray:
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    w, h = meta["size"]
    frame = np.frombuffer(next(reader), np.uint8).reshape(h, w, 3)
    reader.close()
    return frame


def _subject_frames(cutout: Cutout) -> list[RenderedImage]:
    frames = []
    for path in cutout.paths:
        data, header = read_fits(path)
        frames.append(render_framed(data, header))
    return (frames * 3)[:15]  # a subject: 15 frames of 1920x1440


def test_a_subject_s_movie_from_frames_in_memory_fits_one_mebibyte(cutout: Cutout, tmp_path: Path) -> None:
    frames = _subject_frames(cutout)
    result = make_movie(frames, tmp_path / "subject.mp4", fps=10)
    assert result.size_bytes <= 1024 * 1024 == 1048576
    assert (result.frames, result.width, result.height) == (15, 1920, 1440)
    n, _secs = imageio_ffmpeg.count_frames_and_secs(str(result.path))
    assert n == 15
    # the colours made it through the palette -> yuv420p tables (decoded back to RGB)
    decoded = _first_frame(result.path).astype(int)
    want = frames[0].rgb().astype(int)
    assert np.abs(decoded - want).mean() < 6
    assert not list(tmp_path.glob("*.png")) and not list(tmp_path.glob("*.tmp*"))


def test_palette_frames_and_rgb_frames_give_the_same_colours(cutout: Cutout, tmp_path: Path) -> None:
    frames = _subject_frames(cutout)[:3]
    a = make_movie(frames, tmp_path / "pal.mp4", max_bytes=None)
    b = make_movie([f.rgb() for f in frames], tmp_path / "rgb.mp4", max_bytes=None)
    diff = np.abs(_first_frame(a.path).astype(int) - _first_frame(b.path).astype(int))
    assert diff.mean() < 2


def test_render_movie_goes_from_fits_to_mp4_without_image_files(cutout: Cutout, tmp_path: Path) -> None:
    out = tmp_path / "movie" / "event.mp4"
    result = render_movie(cutout.paths, out, fps=5)
    assert result.frames == len(cutout.paths) and result.size_bytes <= 1024 * 1024
    assert sorted(p.name for p in out.parent.iterdir()) == ["event.mp4"]
    n, secs = imageio_ffmpeg.count_frames_and_secs(str(out))
    assert n == len(cutout.paths) and secs == pytest.approx(len(cutout.paths) / 5, abs=0.3)


def test_a_tight_limit_caps_the_rate_then_degrades_until_it_fits(cutout: Cutout, tmp_path: Path) -> None:
    frames = _subject_frames(cutout)[:4]
    free = make_movie(frames, tmp_path / "free.mp4", max_bytes=None)
    capped = make_movie(frames, tmp_path / "capped.mp4", max_bytes=free.size_bytes // 3)
    assert capped.size_bytes <= free.size_bytes // 3
    tiny = make_movie(frames, tmp_path / "tiny.mp4", max_bytes=6_000)
    assert tiny.size_bytes <= 6_000 and tiny.degraded


def test_a_name_with_a_colon_is_a_file_not_a_protocol(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frames = [np.full((64, 64, 3), 40 * n, np.uint8) for n in range(3)]
    monkeypatch.chdir(tmp_path)  # a relative name: ffmpeg would take "event" for a protocol
    result = make_movie(frames, Path("event:2010-06-20T11:14.mp4"), max_bytes=None)
    assert result.frames == 3 and (tmp_path / "event:2010-06-20T11:14.mp4").stat().st_size > 0
    assert [p.name for p in tmp_path.iterdir()] == ["event:2010-06-20T11:14.mp4"]


def test_mixed_frames_are_refused(cutout: Cutout, tmp_path: Path) -> None:
    frames = _subject_frames(cutout)[:2]
    with pytest.raises(ValueError, match="all palette images or all RGB"):
        make_movie([frames[0], frames[1].rgb()], tmp_path / "mixed.mp4")
    assert not list(tmp_path.iterdir())


def test_event_movie_is_reused_until_a_frame_is_rendered_again(cutout: Cutout, store: Store) -> None:
    frames = cutout.frames()
    store.add(frames)
    render_frames(store, cutout.root, kind="bare", progress=False)
    (first,) = event_movies(store, cutout.root, kind="bare")
    assert not first.reused
    made = first.path.stat().st_mtime_ns
    (again,) = event_movies(store, cutout.root, kind="bare")
    assert again.reused and again.path.stat().st_mtime_ns == made
    assert (again.frames, again.width, again.height) == (first.frames, first.width, first.height)
    # the first frame's FITS file changes (verify re-fetched it): its image, then the movie
    from astropy.io import fits

    path = cutout.root / str(frames[0].path)
    with fits.open(path, mode="update") as hdul:
        hdul[0].data = hdul[0].data[::-1].copy()
    summary = render_frames(store, cutout.root, kind="bare", progress=False)
    assert (summary.rendered, summary.skipped) == (1, len(frames) - 1)
    (redone,) = event_movies(store, cutout.root, kind="bare")
    assert not redone.reused
    assert len(store.filter(Rendering)) == len(frames)
