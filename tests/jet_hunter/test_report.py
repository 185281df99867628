"""The HTML report's files: pages, links, frames with the aggregation drawn, plots, rebuilds, CLI."""

from __future__ import annotations

import dataclasses
import math
import os
import pickle
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from jet_hunter.cli import main
from jet_hunter.report import MARKER, ReportError, build_report, load_report_jets
from jet_hunter.report.frames import COLORS, FrameImage, write_subject_frames, zoom_window
from jet_hunter.report.plots import height_time_figure, summary_figures
from jet_hunter.report.reuse import KEY_SUFFIX, record_frames, reuse_frames
from jet_store import AggregationRun, Annotation, Classification, Jet, JetCluster, Store, Subject
from PIL import Image
from process_helpers import cli_in_child, cli_launcher
from report_data import BuiltReport

LAUNCHER: Any = cli_launcher()


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def _links(page: Path) -> list[str]:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.links


def test_index_links_every_jet_and_every_link_resolves(built_report: BuiltReport) -> None:
    out = built_report.out
    pages = sorted(out.rglob("*.html"))
    with Store(built_report.db) as store:
        jets = store.filter(Jet)
    assert len(jets) == 2 and built_report.summary.jets == 2
    assert built_report.summary.messages == []
    jet_links = [link for link in _links(out / "index.html") if link.startswith("jets/")]
    assert len(set(jet_links)) == len(jets)
    for page in pages:
        for link in _links(page):
            if link.startswith("data:"):
                continue
            assert not re.match(r"^[a-z]+://", link), f"{page.name} links outside the report: {link}"
            target = (page.parent / link.split("#")[0]).resolve()
            assert target.is_file(), f"{page.name}: {link} does not resolve"
    for frame_src in re.findall(r'"src": "([^"]+)"', (out / "jets" / jet_links[0].split("/")[1]).read_text()):
        assert (out / "jets" / frame_src).resolve().is_file()


def test_no_asset_comes_from_a_cdn(built_report: BuiltReport) -> None:
    for path in [*built_report.out.rglob("*.html"), *built_report.out.glob("static/*")]:
        assert not re.search(r"(src|href)=[\"']?(https?:)?//", path.read_text(encoding="utf-8")), path
        assert "@import" not in path.read_text(encoding="utf-8")


def test_frames_show_the_consensus_box_on_the_real_renderings(built_report: BuiltReport) -> None:
    with Store(built_report.db) as store:
        (item, *_) = load_report_jets(store)
    view = item.subjects[0]
    drawn = np.asarray(
        Image.open(next((built_report.out / "frames" / item.slug).glob(f"s{view.subject_id}_f00.jpg")))
    )
    raw = (
        Image.open(built_report.data / view.paths[0]).convert("RGB").resize((drawn.shape[1], drawn.shape[0]))
    )
    cyan = np.array([int(COLORS["box"][i : i + 2], 16) for i in (1, 3, 5)])

    def near_cyan(img: np.ndarray) -> int:
        return int((np.abs(img.astype(int) - cyan).sum(axis=2) < 90).sum())

    assert near_cyan(drawn) > 200  # the consensus and sigma boxes
    assert near_cyan(np.asarray(raw)) == 0  # not in the AIA 304 colours of the frame itself
    # the image is the rendering beneath: away from the jet the frame is unchanged
    assert np.abs(drawn[:40, :40].astype(int) - np.asarray(raw)[:40, :40].astype(int)).mean() < 8


def test_height_time_samples_are_the_boxes_along_the_jet_axis(built_report: BuiltReport) -> None:
    with Store(built_report.db) as store:
        items = load_report_jets(store)
        boxes = [a for a in store.filter(Annotation) if a.shape == "rotateRectangle"]
    for item in items:
        members = {m for v in item.subjects for c in v.boxes() for m in c.members}
        assert len(item.heights) == len(
            [b for b in boxes if f"{b.classification_id}:{b.task}:{b.mark_index}" in members]
        )
        assert len(item.consensus) == len(item.subjects) >= 3
        top = max(s.height for s in item.consensus)
        assert top == pytest.approx(item.jet.max_height, rel=0.05)
        for s in item.consensus:
            assert s.lower is not None and s.upper is not None and s.lower < s.height < s.upper
        assert 0.5 < item.agreement <= 1.0
    assert (built_report.out / "plots" / f"{items[0].slug}_height_time.png").stat().st_size > 10_000


def test_summary_plots_are_images(built_report: BuiltReport) -> None:
    for name in ("disk", "durations", "heights", "velocities", "agreement"):
        with Image.open(built_report.out / "plots" / f"{name}.png") as img:
            assert img.width > 300 and len(np.unique(np.asarray(img.convert("L")))) > 10


def test_catalogue_files_beside_the_pages(built_report: BuiltReport) -> None:
    csv = (built_report.out / "catalogue.csv").read_text().splitlines()
    assert csv[0].startswith("#sjh_ID, date, SOL_event") and len(csv) == 3
    assert (built_report.out / "catalogue.ecsv").read_text().startswith("# %ECSV")


def _files(folder: Path) -> list[Path]:
    return sorted(p.relative_to(folder) for p in folder.rglob("*"))


def test_rebuild_replaces_the_report_and_refuses_other_folders(
    built_report: BuiltReport, tmp_path: Path
) -> None:
    out = tmp_path / "r"
    shutil.copytree(built_report.out, out)  # the first build: the session's report
    (out / "jets" / "stale.html").write_text("old")
    for key in out.rglob(f"*{KEY_SUFFIX}"):  # its frames not reusable: all drawn again
        key.unlink()
    with Store(built_report.db) as store, ThreadPoolExecutor(2) as pool:  # frames drawn on its workers
        second = build_report(store, out, data_dir=built_report.data, progress=False, executor=pool)
    assert _files(out) == _files(built_report.out)  # stale page gone, nothing added
    assert second.to_dict() | {"path": ""} == built_report.summary.to_dict() | {"path": ""}
    jpgs = sorted(out.rglob("*.jpg"))
    assert len(jpgs) == 2 * built_report.summary.frames  # each frame and its close-up, as drawn here
    for jpg in jpgs:
        assert jpg.read_bytes() == (built_report.out / jpg.relative_to(out)).read_bytes(), jpg
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary folders left
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    (thesis / "thesis.tex").write_text("precious")
    with Store(built_report.db) as store, pytest.raises(ReportError, match="not a jet-hunter report"):
        build_report(store, thesis, progress=False)
    assert (thesis / "thesis.tex").read_text() == "precious" and (out / MARKER).is_file()


def test_a_rebuild_reuses_the_frames_whose_inputs_did_not_change(
    built_report: BuiltReport, tmp_path: Path
) -> None:
    out = tmp_path / "r"
    shutil.copytree(built_report.out, out)
    with Store(built_report.db) as store:
        (item, *_) = load_report_jets(store)
    changed = item.subjects[0]
    data = tmp_path / "data"  # the same renderings (links), but one of this subject's frames is another
    for source in built_report.data.rglob("*.png"):
        (data / source.relative_to(built_report.data)).parent.mkdir(parents=True, exist_ok=True)
        os.link(source, data / source.relative_to(built_report.data))
    (data / changed.paths[0]).unlink()
    shutil.copyfile(built_report.data / changed.paths[-1], data / changed.paths[0])
    inodes = {p.relative_to(out): p.stat().st_ino for p in out.rglob("*.jpg")}
    plots = {p.relative_to(out): p.stat().st_ino for p in out.glob("plots/*.png")}
    (out / "plots" / f"{item.slug}_height_time.png.key").write_text("drawn from other inputs")
    with Store(built_report.db) as store:
        summary = build_report(store, out, data_dir=data, progress=False)
    assert summary.to_dict() | {"path": ""} == built_report.summary.to_dict() | {"path": ""}
    assert _files(out) == _files(built_report.out)
    again = {p.relative_to(out): p.stat().st_ino for p in out.rglob("*.jpg")}
    mine = {p for p in again if p.name.startswith(f"s{changed.subject_id}_")}
    assert len(mine) == 2 * changed.n_frames and len(again) == len(inodes)
    assert all(again[p] == inodes[p] for p in again if p not in mine)  # linked from the old report
    assert all(again[p] != inodes[p] for p in mine)  # drawn again: its inputs changed
    redrawn = Path("plots") / f"{item.slug}_height_time.png"
    assert {p: p == redrawn for p in plots} == {p: (out / p).stat().st_ino != plots[p] for p in plots}
    assert (out / redrawn).read_bytes() == (built_report.out / redrawn).read_bytes()
    first = Path("frames") / item.slug / f"s{changed.subject_id}_f00.jpg"
    assert (out / first).read_bytes() != (built_report.out / first).read_bytes()
    for p in mine - {first, first.with_name(f"{first.stem}_zoom.jpg")}:
        assert (out / p).read_bytes() == (built_report.out / p).read_bytes()  # the same frame drawn


def test_subject_frames_are_drawn_from_a_pickled_job(built_report: BuiltReport, tmp_path: Path) -> None:
    with Store(built_report.db) as store:
        (item, *_) = load_report_jets(store)
    view = item.subjects[1]
    job = pickle.loads(pickle.dumps((view, tmp_path / "f", built_report.data)))  # what a process pool sends
    frames = write_subject_frames(*job, relative_to=tmp_path)
    assert [f.index for f in frames] == list(range(view.n_frames)) and all(f.has_image for f in frames)
    for f in frames:
        drawn = built_report.out / "frames" / item.slug / Path(f.path).name
        assert (tmp_path / f.path).read_bytes() == drawn.read_bytes()


def test_frames_without_images_are_drawn_on_a_blank_canvas(built_report: BuiltReport, tmp_path: Path) -> None:
    with Store(built_report.db) as store:
        (item, *_) = load_report_jets(store)
        blank = build_report(store, tmp_path / "b", data_dir=None, progress=False)
    view = item.subjects[0]
    data = tmp_path / "data"  # that subject's renderings only, one of them unreadable
    for name in view.paths:
        (data / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built_report.data / name, data / name)
    (data / view.paths[1]).write_bytes(b"not a png")  # one unreadable frame: that frame only is blank
    frames = write_subject_frames(view, tmp_path / "r", data, relative_to=tmp_path)
    assert blank.messages == [] and blank.frames == built_report.summary.frames
    assert [f.has_image for f in frames[:3]] == [True, False, True] and len(frames) == view.n_frames
    page = (tmp_path / "b" / "jets" / f"{item.slug}.html").read_text()
    assert "frame images not in the data folder" in page
    frame = np.asarray(Image.open(tmp_path / "r" / f"s{view.subject_id}_f01.jpg"))
    assert frame[:20, :20].mean() < 40  # the dark canvas, marks still drawn
    ok = np.asarray(Image.open(tmp_path / "r" / f"s{view.subject_id}_f00.jpg"))
    assert ok[:20, :20].mean() > 200  # the white figure border of the real rendering
    dark = np.asarray(Image.open(tmp_path / "b" / "frames" / item.slug / f"s{view.subject_id}_f00.jpg"))
    assert dark[:20, :20].mean() < 40 and np.abs(dark.astype(int) - frame.astype(int)).mean() < 2


def test_cli_report(built_report: BuiltReport, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--db", built_report.db, "--data-dir", str(built_report.data), "report"]
    assert main([*args, "--out", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    assert "report: 2 jets, 90 frames, 0 problems" in out and str(tmp_path / "r" / "index.html") in out
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "notes.txt").write_text("mine")
    assert main([*args, "--out", str(tmp_path / "x")]) == 1
    assert "not a jet-hunter report" in capsys.readouterr().err
    missing = tmp_path / "none.db"  # no store there: an error, not an empty report of a new store
    assert main(["--db", str(missing), "report", "--out", str(tmp_path / "m")]) == 1
    assert capsys.readouterr().err.startswith("jet-hunter: ") and not missing.exists()
    assert not (tmp_path / "m").exists()


def test_empty_store_gives_an_empty_catalogue(tmp_path: Path) -> None:
    with Store(f"sqlite:///{tmp_path / 'e.db'}") as store:
        summary = build_report(store, tmp_path / "r", progress=False)
    assert summary.jets == 0 and (tmp_path / "r" / "index.html").is_file()
    assert math.isfinite(summary.frames)


def test_two_builds_at_once_leave_one_whole_report(built_report: BuiltReport, tmp_path: Path) -> None:
    out = tmp_path / "r"
    args = ["--db", built_report.db, "--data-dir", str(built_report.data), "-q", "report", "--out", str(out)]
    env = {"JET_HUNTER_CONFIG": os.devnull}
    # two real processes (forked from a server that imported the CLI once), at the same time
    procs = [
        LAUNCHER.Process(
            target=cli_in_child, args=(args, env, str(tmp_path.parent / f"{tmp_path.name}.{n}.err"))
        )
        for n in range(2)
    ]
    for proc in procs:
        proc.start()
    for n, proc in enumerate(procs):
        proc.join(timeout=300)
        assert proc.exitcode == 0, (tmp_path.parent / f"{tmp_path.name}.{n}.err").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]  # no temporary or old folders left
    assert len(list((out / "frames").rglob("*_zoom.jpg"))) == built_report.summary.frames
    assert len(list((out / "jets").glob("*.html"))) == 2 and (out / MARKER).is_file()


def test_a_subject_whose_metadata_cannot_map_marks_still_gets_its_page(
    built_report: BuiltReport, tmp_path: Path
) -> None:
    db = tmp_path / "copy.db"
    shutil.copy(built_report.db.removeprefix("sqlite:///"), db)
    with Store(f"sqlite:///{db}") as store:
        (item, *_) = load_report_jets(store)
        sid = item.subjects[0].subject_id
        (subject,) = [s for s in store.filter(Subject) if s.zooniverse_id == sid]
        store.add([dataclasses.replace(subject, metadata={**subject.metadata, "#cdelt1": "not a number"})])
        summary = build_report(store, tmp_path / "r", data_dir=built_report.data, progress=False)
        (again, *_) = load_report_jets(store)
    assert again.subjects[0].frames is None and again.subjects[1].frames is not None
    assert summary.jets == 2 and summary.frames == built_report.summary.frames
    assert len(again.consensus) == len(item.consensus) - 1  # that subject's heights cannot be measured
    assert (tmp_path / "r" / "jets" / f"{item.slug}.html").is_file()


def test_same_report_from_a_postgresql_store(
    built_report: BuiltReport, postgres_url: str, tmp_path: Path
) -> None:
    with Store(built_report.db) as local, Store(postgres_url) as team:
        for kind in (Subject, Classification, Annotation, JetCluster, Jet, AggregationRun):
            team.add(local.filter(kind))
        summary = build_report(team, tmp_path / "r", data_dir=built_report.data, progress=False)
    assert summary.to_dict() | {"path": ""} == built_report.summary.to_dict() | {"path": ""}
    for name in ("catalogue.csv", "catalogue.json"):
        assert (tmp_path / "r" / name).read_bytes() == (built_report.out / name).read_bytes()
    assert sorted(p.relative_to(tmp_path / "r") for p in (tmp_path / "r").rglob("*")) == sorted(
        p.relative_to(built_report.out) for p in built_report.out.rglob("*")
    )


@pytest.mark.parametrize("corner", ["top-left", "bottom-right"])
def test_close_up_stays_inside_the_axes(built_report: BuiltReport, corner: str) -> None:
    with Store(built_report.db) as store:
        (item, *_) = load_report_jets(store)
    view = item.subjects[0]
    assert view.frames is not None
    geometry = view.frames.geometry[view.frames.frame(0)]
    left, top, right, bottom = geometry.data_area_pixels()
    x, y = (left + 5, top + 5) if corner == "top-left" else (right - 5, bottom - 5)
    point = JetCluster(key="1:start:0", subject_id=view.subject_id, task="T1", shape="point", x=x, y=y)
    moved = dataclasses.replace(view, clusters=(point,))  # a jet at the edge of the data area
    image = Image.open(built_report.data / view.paths[0]).convert("RGB")
    ratio = image.width / geometry.width
    window = zoom_window(moved, image.size)
    assert window is not None
    assert left * ratio < window[0] < window[2] < right * ratio
    assert top * ratio < window[1] < window[3] < bottom * ratio
    close = np.asarray(image.crop(window))
    # the white figure around the axes (the title, the axis labels) is not in it
    for edge in (close[0], close[-1], close[:, 0], close[:, -1]):
        assert (edge.min(axis=1) > 230).mean() < 0.2


def test_no_plot_is_cut_at_the_figure_edge(built_report: BuiltReport) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    with Store(built_report.db) as store:
        items = load_report_jets(store)
    # a jet at each limb, with the longest id: their labels stay inside too
    limbs = [
        dataclasses.replace(
            item,
            jet=dataclasses.replace(item.jet, base_x=x, base_y=-40.0),
            row={**item.row, "#sjh_ID": "sjh_2012-07-08T13_10"},
        )
        for item, x in zip(items, (-950.0, 955.0), strict=True)
    ]
    figures = {**summary_figures([*items, *limbs]), "height-time": height_time_figure(items[0])}
    for name, fig in figures.items():
        renderer = FigureCanvasAgg(fig).get_renderer()
        fig.draw(renderer)
        drawn = fig.get_tightbbox(renderer)  # inches: everything drawn, titles and labels included
        width, height = fig.get_size_inches()
        assert drawn.x0 >= 0 and drawn.y0 >= 0 and drawn.x1 <= width and drawn.y1 <= height, (name, drawn)
        assert fig.axes[0].get_title()


def test_only_this_jets_frames_with_the_same_key_are_reused(tmp_path: Path) -> None:
    old, new = tmp_path / "a" / "old", tmp_path / "b" / "new"
    (old / "frames" / "j").mkdir(parents=True)
    (old / "frames" / "j" / "s1_f00.jpg").write_bytes(b"a frame")
    (tmp_path / "a" / "notes.txt").write_text("not a frame")
    outside = FrameImage("frames/j/../../../notes.txt", 1, 0, "", True)
    record_frames(old / "frames" / "j", 1, "k", [outside])
    assert reuse_frames(old, new, new / "frames" / "j", 1, "k") is None  # a record naming other files
    assert not (tmp_path / "b" / "notes.txt").exists()
    frame = FrameImage("frames/j/s1_f00.jpg", 1, 0, "2012-07-08 13:00:07", True)
    record_frames(old / "frames" / "j", 1, "k", [frame])
    assert reuse_frames(old, new, new / "frames" / "j", 1, "another key") is None
    assert not (new / "frames" / "j" / "s1_f00.jpg").exists()
    assert reuse_frames(old, new, new / "frames" / "j", 1, "k") == [frame]
    assert (new / "frames" / "j" / "s1_f00.jpg").read_bytes() == b"a frame"
    assert (new / "frames" / "j" / f"s1{KEY_SUFFIX}").is_file()  # recorded for the next build
