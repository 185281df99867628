"""The subjects stage on a real rendered cutout: stored, stable, re-render safe, movies."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from jet_render.stage import render_frames
from jet_store import Rendering, Store, Subject
from zoo_bridge.grouping import GroupingOptions
from zoo_bridge.metadata import frame_metadata
from zoo_bridge.subjects import make_subjects
from zoo_data import EVENT, SOL, make_rendered


@pytest.fixture(scope="module")
def twelve(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Twelve frames (13:05:00..13:07:20 at 12 s), rendered small."""
    return make_rendered(tmp_path_factory.mktemp("twelve"), frames_end="2012-07-08T13:07:20", size=(160, 120))


def test_subjects_are_stored_in_order_with_metadata(twelve, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = f"sqlite:///{tmp_path / 'copy.db'}"
    with Store(twelve.db_url) as src, Store(db) as store:
        store.add(src.filter("events") + src.filter("frames") + src.filter("renderings"))
        options = GroupingOptions(frames_per_subject=5, overlap=2)
        summary = make_subjects(store, twelve.root, options, progress=False)
        assert (summary.events, summary.subjects, summary.new) == (1, 4, 4)
        subjects = store.filter(Subject, order_by="index")
        renderings = {r.frame_url: r for r in store.filter(Rendering)}
        frames = store.filter("frames", order_by="obs_time")
        urls = [f.url for f in frames]
        assert len(urls) == 12
        assert [s.frame_urls for s in subjects] == [
            tuple(urls[0:5]),
            tuple(urls[3:8]),
            tuple(urls[6:11]),
            tuple(urls[7:12]),
        ]
        for s in subjects:
            assert s.event_id == EVENT and s.sol_standard == SOL and s.state == "grouped"
            assert s.rendering_paths == tuple(renderings[u].path for u in s.frame_urls)
            assert s.media_paths == s.rendering_paths
            assert s.metadata["#subject_key"] == s.key
            assert frame_metadata(s.metadata, 4).file_name == Path(s.rendering_paths[4]).name
        # a re-run changes nothing
        again = make_subjects(store, twelve.root, options, progress=False)
        assert (again.new, again.updated, again.unchanged) == (0, 0, 4)


def test_a_rerender_keeps_the_subjects_and_their_upload_state(twelve, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = f"sqlite:///{tmp_path / 'copy.db'}"
    with Store(twelve.db_url) as src, Store(db) as store:
        store.add(src.filter("events") + src.filter("frames") + src.filter("renderings"))
        options = GroupingOptions(frames_per_subject=15, overlap=2)
        make_subjects(store, twelve.root, options, progress=False)
        (subject,) = store.filter(Subject)
        assert len(subject.frame_urls) == 12  # a short event is one subject
        store.add([replace(subject, state="linked", zooniverse_id=77)])
        # re-render at another size: new renderings (newer), new paths
        moved = [replace(r, path=r.path.replace("framed", "framed2")) for r in store.filter(Rendering)]
        for r in moved:
            dest = twelve.root / r.path
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes((twelve.root / r.path.replace("framed2", "framed")).read_bytes())
        store.add(moved)
        summary = make_subjects(store, twelve.root, options, progress=False)
        assert (summary.new, summary.updated) == (0, 1)
        (after,) = store.filter(Subject)
        assert after.key == subject.key and after.state == "linked" and after.zooniverse_id == 77
        assert all("framed2" in p for p in after.rendering_paths)


def test_movies_are_made_per_subject(twelve, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = f"sqlite:///{tmp_path / 'copy.db'}"
    with Store(twelve.db_url) as src, Store(db) as store:
        store.add(src.filter("events") + src.filter("frames") + src.filter("renderings"))
        options = GroupingOptions(frames_per_subject=8, overlap=2, media="both")
        summary = make_subjects(store, twelve.root, options, progress=False)
        assert summary.movies == 2
        for s in store.filter(Subject):
            assert s.media_paths[:-1] == s.rendering_paths
            movie = twelve.root / s.media_paths[-1]
            assert movie.suffix == ".mp4" and 0 < movie.stat().st_size < 1024 * 1024
        assert make_subjects(store, twelve.root, options, progress=False).movies == 0


def test_other_wavelengths_and_products_are_left_out(twelve, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = f"sqlite:///{tmp_path / 'copy.db'}"
    with Store(twelve.db_url) as src, Store(db) as store:
        store.add(src.filter("events") + src.filter("frames") + src.filter("renderings"))
        assert (
            make_subjects(store, twelve.root, GroupingOptions(wavelength=171), progress=False).subjects == 0
        )
        assert make_subjects(store, twelve.root, GroupingOptions(kind="bare"), progress=False).subjects == 0
        render_frames(store, twelve.root, kind="bare", progress=False)
        bare = make_subjects(store, twelve.root, GroupingOptions(kind="bare"), progress=False)
        framed = make_subjects(store, twelve.root, GroupingOptions(), progress=False)
        assert bare.subjects == framed.subjects == 1
        keys = {s.key for s in store.filter(Subject)}
        assert len(keys) == 2
