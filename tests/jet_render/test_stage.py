"""The render stage: records, idempotence, process pool, movies, CLI."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest
from jet_render.stage import RENDERER, render_frames
from jet_store import Rendering, Store
from PIL import Image

from .conftest import Cutout


def test_stage_records_geometry_and_is_idempotent(cutout: Cutout, store: Store) -> None:
    store.add(cutout.frames())
    first = render_frames(store, cutout.root, kind="framed", fmt="png", progress=False)
    assert (first.rendered, first.failed) == (len(cutout.paths), 0)
    records = sorted(store.filter(Rendering), key=lambda r: r.obs_time)
    assert [r.obs_time for r in records] == [f.date_obs for f in cutout.truth.frames]
    r = records[0]
    assert (r.format, r.width, r.height, r.renderer) == ("png", 1920, 1440, RENDERER)
    assert 0.1 < r.im_ll_x < r.im_ur_x < 0.95 and 0.05 < r.im_ll_y < r.im_ur_y < 0.95
    assert r.params["request"]["kind"] == "framed" and r.params["cmap"] == "sdoaia304"
    file = cutout.root / r.path
    assert r.frame_path is not None and (cutout.root / r.frame_path).is_file()  # the FITS it shows
    assert file.stat().st_size == r.size_bytes < 1024 * 1024
    with Image.open(file) as im:
        assert im.size == (1920, 1440)
    again = render_frames(store, cutout.root, kind="framed", fmt="png", progress=False)
    assert (again.rendered, again.skipped) == (0, len(cutout.paths))
    # a different request renders again; no temp files left behind
    bare = render_frames(store, cutout.root, kind="bare", fmt="jpeg", progress=False)
    assert bare.rendered == len(cutout.paths)
    assert not list(cutout.root.rglob("*.tmp"))


def test_degraded_images_are_recorded(cutout: Cutout, store: Store) -> None:
    store.add(cutout.frames()[:1])
    summary = render_frames(store, cutout.root, kind="bare", max_bytes=60_000, progress=False)
    assert summary.degraded == 1
    (r,) = store.filter(Rendering)
    assert r.params["degraded"] and r.size_bytes <= 60_000


def test_process_pool_equals_serial(cutout: Cutout, tmp_path: Path) -> None:
    frames = cutout.frames()[:4]
    results = []
    for workers in (1, 2):
        store = Store("sqlite://")
        store.add(frames)
        render_frames(store, cutout.root, kind="bare", size=(300, 250), workers=workers, progress=False)
        results.append({r.path: (r.sha256, r.width, r.im_ur_x) for r in store.filter(Rendering)})
    assert results[0] == results[1] and len(results[0]) == 4


def test_render_files_on_a_pool_equals_serial_and_draws_the_furniture_once(
    cutout: Cutout, tmp_path: Path
) -> None:
    from jet_render import furniture
    from jet_render.stage import RenderRequest, render_files

    request = RenderRequest(kind="framed", size=(640, 480))
    runs = []
    for workers in (1, 2):
        furniture.clear_cache()
        pairs = [(p, tmp_path / str(workers) / f"{p.stem}.png") for p in cutout.paths[:4]]
        records = render_files(pairs, request, workers=workers)
        runs.append(([r["sha256"] for r in records], [out.read_bytes() for _src, out in pairs]))
        # drawn here before the pool starts, so forked workers inherit it
        assert len(furniture._CACHE) == 1
    assert runs[0] == runs[1]
    assert len(set(runs[0][0])) == 4


def test_movie_of_an_event(cutout: Cutout, store: Store) -> None:
    import imageio_ffmpeg
    from jet_render.movie import event_movies, make_movie

    store.add(cutout.frames())
    render_frames(store, cutout.root, kind="bare", progress=False)
    (movie,) = event_movies(store, cutout.root, kind="bare", fps=5)
    assert movie.path.exists() and movie.frames == len(cutout.paths)
    assert (movie.width, movie.height) == (600, 500)
    n, secs = imageio_ffmpeg.count_frames_and_secs(str(movie.path))
    assert n == len(cutout.paths) and secs == pytest.approx(len(cutout.paths) / 5, abs=0.3)
    files = [cutout.root / r.path for r in store.filter(Rendering)]
    small = make_movie(files, cutout.root / "small.mp4", max_bytes=8_000)
    assert small.size_bytes <= 8_000  # the rate cap, then the CRF and size steps if needed


def test_cli_render(cutout: Cutout, tmp_path: Path) -> None:
    from jet_hunter.cli import render as cli_render
    from jet_hunter.cli.app import App
    from jet_hunter.config import load_settings

    db = tmp_path / "t.db"
    with Store(f"sqlite:///{db}") as s:
        s.add(cutout.frames()[:2])
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers()
    cli_render.register(commands)
    args = parser.parse_args(["render", "--bare", "--format", "jpeg", "--size", "120x100"])
    out = io.StringIO()
    app = App(settings=load_settings({"db": str(db), "data_dir": str(cutout.root)}), quiet=True, out=out)
    try:
        assert args.func(app, args) == 0
    finally:
        app.close()
    assert out.getvalue().startswith("rendered 2 frames")


def test_renderings_are_redone_when_the_frame_s_file_or_the_renderer_changes(
    cutout: Cutout, store: Store
) -> None:
    import dataclasses

    from jet_render.stage import file_sha256

    frames = [
        dataclasses.replace(f, sha256=file_sha256(cutout.root / str(f.path))) for f in cutout.frames()[:3]
    ]
    store.add(frames)
    assert render_frames(store, cutout.root, kind="bare", progress=False).rendered == 3
    (r,) = [x for x in store.filter(Rendering) if x.frame_url == frames[0].url]
    assert r.params["frame_sha256"] == frames[0].sha256
    # verify re-fetched frame 0: a new file, a new recorded hash -> only it is rendered again
    store.add([dataclasses.replace(frames[0], sha256="0" * 64)])
    again = render_frames(store, cutout.root, kind="bare", progress=False)
    assert (again.rendered, again.skipped) == (1, 2)
    # a rendering by another version of the renderer is stale too
    old = next(x for x in store.filter(Rendering) if x.frame_url == frames[1].url)
    store.add([dataclasses.replace(old, renderer="jet_render/0.0")])
    third = render_frames(store, cutout.root, kind="bare", progress=False)
    assert (third.rendered, third.skipped) == (2, 1)  # frame 0's hash still differs from its file


def test_render_file_reads_gzipped_fits_and_records_the_file_s_hash(cutout: Cutout, tmp_path: Path) -> None:
    import gzip
    import hashlib

    from jet_render.stage import RenderRequest, render_file

    packed = tmp_path / "frame.fts.gz"
    packed.write_bytes(gzip.compress(cutout.paths[0].read_bytes()))
    request = RenderRequest(kind="bare")
    plain = render_file(cutout.paths[0], tmp_path / "plain.png", request)
    zipped = render_file(packed, tmp_path / "zipped.png", request)
    assert zipped["sha256"] == plain["sha256"]  # the same image
    assert zipped["params"]["frame_sha256"] == hashlib.sha256(packed.read_bytes()).hexdigest()
