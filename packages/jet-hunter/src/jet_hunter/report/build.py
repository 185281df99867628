"""Build the static HTML report: catalogue table, one page per jet, summary plots.

:func:`build_report` reads the store (:mod:`jet_hunter.report.model`), draws every
jet's frames with the aggregation on them (:mod:`~jet_hunter.report.frames`), makes
the plots (:mod:`~jet_hunter.report.plots`), writes the catalogue files beside the
pages and renders the jinja2 templates shipped in this package; the stylesheet and
the script are copied from the package too (no CDN: the folder works offline and
from a file:// URL). The report is built in a temporary folder next to ``out`` and
swapped in at the end, so a reader (or a second run at the same time) never sees a
half-written report. The temporary folders are named for their writer (``host:pid``,
:mod:`jet_store.tempfiles`): a build killed before its swap leaves at most its own,
which the next build removes (those of builds still running are kept). A failure of
one jet is written on its page and in the summary, and the other jets go on.

Frames are drawn one job per subject (:mod:`~jet_hunter.report.drawing`), on the
caller's executor when one is passed; a rebuild of the same folder links the frames of
subjects whose inputs did not change from the report it replaces
(:mod:`~jet_hunter.report.reuse`), and so are the plots drawn for the same inputs.

Examples
--------
>>> from jet_hunter.report.build import ReportSummary
>>> ReportSummary(path="r/index.html", jets=3, frames=45).line()
'report: 3 jets, 45 frames, 0 problems -> r/index.html'
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from jet_aggregate.catalogue import write_catalogue
from jet_store import AggregationRun, Store, UserError
from jet_store.tempfiles import make_temporary, remove_dead_temporaries, temporary_name

from jet_hunter.report.drawing import FrameJobs
from jet_hunter.report.frames import COLORS, FrameImage, frames_by_subject
from jet_hunter.report.model import ReportJet, load_report_jets
from jet_hunter.report.plots import SUMMARY_PLOTS, height_time_plot, summary_plots
from jet_hunter.report.reuse import plot_key, record_key, reused_files

__all__ = ["MARKER", "TABLE_COLUMNS", "ReportError", "ReportSummary", "build_report"]

log = logging.getLogger(__name__)

MARKER = ".jet-hunter-report"
"""File that marks a folder as a report, so that a new build may replace it."""


BUILD_SUFFIX = ".build"
OLD_SUFFIX = ".old"
"""Endings of a build's temporary folders next to ``out``: the new report, the replaced one."""


class ReportError(UserError):
    """The report cannot be written where it was asked to go."""


@dataclass(frozen=True)
class Column:
    """A column of the catalogue table: key, header, unit, sort type, value and help."""

    key: str
    label: str
    unit: str
    type: str
    value: Callable[[ReportJet], Any]
    digits: int = 1
    help: str = ""


def _row(name: str) -> Callable[[ReportJet], Any]:
    return lambda item: item.row[name]


TABLE_COLUMNS: tuple[Column, ...] = (
    Column("sjh_ID", "jet", "", "text", _row("#sjh_ID"), help="catalogue id: open the jet's page"),
    Column(
        "start_time", "start", "UTC", "text", _row("start_time"), help="frame where the base first appears"
    ),
    Column("SOL_event", "HEK event", "", "text", _row("SOL_event")),
    Column("duration", "duration", "min", "num", lambda i: i.jet.duration_min, 1, "start to end frame"),
    Column("basepoint_X", "base x", "arcsec", "num", _row("basepoint_X"), 1, "helioprojective"),
    Column("basepoint_Y", "base y", "arcsec", "num", _row("basepoint_Y"), 1, "helioprojective"),
    Column("longitude", "lon", "deg", "num", _row("basepoint_X_longitude"), 1, "heliographic Stonyhurst"),
    Column("latitude", "lat", "deg", "num", _row("basepoint_Y_latitude"), 1, "heliographic Stonyhurst"),
    Column("max_height", "max height", "arcsec", "num", _row("max_height"), 1),
    Column("avg_width", "width", "arcsec", "num", _row("avg_width"), 1),
    Column("velocity", "velocity", "km/s", "num", lambda i: i.jet.velocity, 0),
    Column("velocity_error", "+-", "km/s", "num", lambda i: i.jet.velocity_error, 0, "1-sigma"),
    Column(
        "position_angle", "PA", "deg", "num", _row("position_angle"), 0, "counter-clockwise from solar north"
    ),
    Column("n_subjects", "subjects", "", "num", _row("n_subjects"), 0),
    Column("n_volunteers", "volunteers", "", "num", _row("n_volunteers"), 0, "who marked the jet"),
    Column(
        "agreement", "agreement", "", "num", lambda i: i.agreement, 2, "volunteers who marked it / who saw it"
    ),
    Column("sigma", "box sigma", "", "num", _row("sigma"), 2, "mean IoU spread of the boxes"),
    Column("flags", "flags", "", "text", _row("flags")),
)
"""The columns of the index table (sort keys for the filter box: the ``key`` names)."""


@dataclass
class ReportSummary:
    """What :func:`build_report` wrote."""

    path: str
    jets: int = 0
    frames: int = 0
    plots: int = 0
    messages: list[str] = field(default_factory=list)

    def line(self) -> str:
        """One line for people."""
        return f"report: {self.jets} jets, {self.frames} frames, {len(self.messages)} problems -> {self.path}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible fields."""
        return {
            "path": self.path,
            "jets": self.jets,
            "frames": self.frames,
            "plots": self.plots,
            "messages": list(self.messages),
        }

    @property
    def exit_code(self) -> int:
        """0 when every jet's page is complete, 3 when some frames or plots failed."""
        return 3 if self.messages else 0


def _cell(col: Column, item: ReportJet, href: str) -> dict[str, Any]:
    value = col.value(item)
    if col.type == "num":
        number = math.nan if value is None else float(value)
        ok = math.isfinite(number)
        text = f"{number:.{col.digits}f}" if ok else "\u2013"
        return {"value": repr(number) if ok else "", "text": text, "num": True, "href": None}
    text = str(value or "")
    return {"value": text, "text": text, "num": False, "href": href if col.key == "sjh_ID" else None}


def _fmt(value: Any, digits: int = 1, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "\u2013"
    if isinstance(value, float):
        return f"{value:.{digits}f}{' ' + unit if unit else ''}"
    return f"{value}{' ' + unit if unit else ''}"


def _facts(item: ReportJet) -> list[dict[str, str]]:
    j, r = item.jet, item.row
    err = "" if j.velocity_error is None else f" \u00b1 {j.velocity_error:.0f}"
    return [
        {"label": "start (UTC)", "value": f"{r['start_time']} \u00b1 {j.start_error or 0:.0f} s"},
        {"label": "peak (UTC)", "value": r["peak_time"] or "\u2013"},
        {"label": "end (UTC)", "value": f"{r['end_time']} \u00b1 {j.end_error or 0:.0f} s"},
        {"label": "duration", "value": _fmt(j.duration_min, 1, "min")},
        {
            "label": "base point (HPC)",
            "value": f"{j.base_x:.1f}\u2033 \u00b1 {j.std_x or 0:.1f}, "
            f"{j.base_y:.1f}\u2033 \u00b1 {j.std_y or 0:.1f}",
        },
        {
            "label": "base point (HGS lon, lat)",
            "value": f"{_fmt(j.base_lon)}\u00b0, {_fmt(j.base_lat)}\u00b0",
        },
        {
            "label": "max height",
            "value": f"{_fmt(j.max_height, 1, 'arcsec')} (+{_fmt(j.upper_height)} / {_fmt(j.lower_height)})",
        },
        {"label": "width", "value": f"{_fmt(j.avg_width, 1, 'arcsec')} \u00b1 {_fmt(j.std_width)}"},
        {"label": "velocity", "value": f"{_fmt(j.velocity, 0)}{err} km/s"},
        {"label": "position angle", "value": _fmt(r["position_angle"], 0, "deg")},
        {"label": "subjects / volunteers", "value": f"{len(item.subjects)} / {j.n_volunteers or 0}"},
        {"label": "agreement", "value": _fmt(item.agreement, 2)},
        {"label": "box sigma", "value": _fmt(j.sigma, 2)},
        {"label": "flags", "value": str(r["flags"])},
        {"label": "HEK event", "value": j.sol_standard or "\u2013"},
        {"label": "parameters", "value": j.params_hash or "\u2013"},
    ]


def _flipbooks(frames: Sequence[FrameImage], item: ReportJet) -> list[dict[str, Any]]:
    peak = {v.subject_id: min((b.frame or 0 for b in v.boxes()), default=0) for v in item.subjects}
    books = []
    for sid, group in frames_by_subject(frames).items():
        items = [
            {"src": "../" + f.path, "time": f.time, "zoom": "../" + f.zoom if f.zoom else ""} for f in group
        ]
        books.append(
            {
                "subject_id": sid,
                "n": len(group),
                "first": group[0].time,
                "last": group[-1].time,
                "start": min(max(peak.get(sid, 0), 0), len(group) - 1),
                "first_src": items[0]["src"],
                "first_zoom": items[0]["zoom"],
                "frames_json": json.dumps(items),
                "real": all(f.has_image for f in group),
            }
        )
    return books


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("jet_hunter.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )


def _copy_static(target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for entry in resources.files("jet_hunter.report").joinpath("static").iterdir():
        if entry.is_file():
            (target / entry.name).write_bytes(entry.read_bytes())


def _check_out(out: Path) -> None:
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise ReportError(f"{out} exists and is not a jet-hunter report; choose another folder")


def _swap_in(tmp: Path, out: Path) -> None:
    for _ in range(5):  # another build may swap its own report in at the same moment
        _check_out(out)
        old = None
        if out.exists():
            old = temporary_name(out, OLD_SUFFIX)
            try:
                out.rename(old)
            except FileNotFoundError:
                old = None
        try:
            tmp.rename(out)
        except OSError:  # the other build's report arrived in between: it is as good as the old one
            if old is not None:
                if out.exists():
                    shutil.rmtree(old, ignore_errors=True)
                else:
                    old.rename(out)
            continue
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return
    raise ReportError(f"could not replace {out}: other builds kept writing it")


def build_report(
    store: Store,
    out: str | os.PathLike[str],
    *,
    data_dir: str | os.PathLike[str] | None = None,
    progress: bool = True,
    executor: Executor | None = None,
) -> ReportSummary:
    """Write the HTML report of every stored jet into the folder ``out``.

    Parameters
    ----------
    store : jet_store.Store
        The jets, clusters, annotations and subjects.
    out : path
        The report folder (created; a previous report there is replaced; a folder
        that is not a report is refused).
    data_dir : path, optional
        The data folder the subjects' rendering paths are relative to (frames are
        drawn on blank canvases when their images are not there).
    progress : bool
        A progress bar over the subjects' frames on stderr.
    executor : concurrent.futures.Executor, optional
        Draws the subjects' frames on its workers (a local process pool, a Dask
        cluster's executor: they must see ``data_dir`` and ``out``'s folder); None: here.

    Raises
    ------
    ReportError
        If ``out`` is a file or a folder that holds something else.
    """
    out = Path(out)
    _check_out(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    data = Path(data_dir) if data_dir is not None else None
    for suffix in (BUILD_SUFFIX, OLD_SUFFIX):  # what builds killed before their swap left
        for left in remove_dead_temporaries(out, suffix):
            log.info("removed %s, left by a killed build", left)
    tmp = make_temporary(out, BUILD_SUFFIX, directory=True)
    try:
        previous = out if (out / MARKER).is_file() else None  # its unchanged frames are reused
        summary = _build_into(store, tmp, data, progress=progress, executor=executor, previous=previous)
        (tmp / MARKER).write_text("made by `jet-hunter report`; replaced by each build\n")
        _swap_in(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    summary.path = str(out / "index.html")
    return summary


def _build_into(
    store: Store,
    root: Path,
    data_dir: Path | None,
    *,
    progress: bool,
    executor: Executor | None,
    previous: Path | None,
) -> ReportSummary:
    items = load_report_jets(store)
    env = _environment()
    runs = store.filter(AggregationRun)
    common = {
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "n_jets": len(items),
        "params": ", ".join(sorted({r.params_hash for r in runs})),
    }
    summary = ReportSummary(path=str(root / "index.html"), jets=len(items))
    _copy_static(root / "static")
    jets = [i.jet for i in items]
    for fmt in ("csv", "ecsv", "json"):
        write_catalogue(jets, root / f"catalogue.{fmt}", fmt)
    drawing = FrameJobs(
        items, root, data_dir, executor, previous=previous
    )  # on the executor's workers, if any
    drawn = None if executor is not None else drawing.results(progress=progress)  # else first, here
    # meanwhile here the plots, each linked from the previous report if drawn for the same inputs
    plots = {name: root / "plots" / f"{name}.png" for name in SUMMARY_PLOTS}
    names = [f"plots/{name}.png" for name in SUMMARY_PLOTS]
    key = plot_key([(i.row["#sjh_ID"], i.jet, i.agreement) for i in items])
    if not reused_files(previous, root, names, key):
        summary_plots(items, root / "plots")
    record_key(root, names, key)
    summary.plots = len(plots)
    heights: dict[int, str] = {}
    for n, item in enumerate(items):
        name = [f"plots/{item.slug}_height_time.png"]
        key = plot_key(item.row["#sjh_ID"], item.jet, item.heights, item.consensus)
        try:
            if not reused_files(previous, root, name, key):
                height_time_plot(item, root / name[0])
            record_key(root, name, key)
        except Exception as exc:  # one jet's plot failing must not lose the report
            heights[n] = f"{item.row['#sjh_ID']}: height-time plot failed ({exc})"
    if drawn is None:
        drawn = drawing.results(progress=progress)
    page = env.get_template("jet.html.j2")
    for n, item in enumerate(items):
        frames, messages = drawn[n]
        if n in heights:
            messages.append(heights[n])
        ht = root / "plots" / f"{item.slug}_height_time.png"
        summary.frames += len(frames)
        summary.messages.extend(messages)
        html = page.render(
            root="../",
            jet_id=item.row["#sjh_ID"],
            sol=item.jet.sol_standard or "",
            facts=_facts(item),
            flipbooks=_flipbooks(frames, item),
            colors=COLORS,
            height_time=f"../plots/{ht.name}",
            prev=f"{items[n - 1].slug}.html" if n > 0 else None,
            next=f"{items[n + 1].slug}.html" if n + 1 < len(items) else None,
            messages=messages,
            **common,
        )
        (root / "jets").mkdir(exist_ok=True)
        (root / "jets" / f"{item.slug}.html").write_text(html, encoding="utf-8")
    rows = [[_cell(c, i, f"jets/{i.slug}.html") for c in TABLE_COLUMNS] for i in items]
    index = env.get_template("index.html.j2").render(
        root="",
        columns=[
            {"key": c.key, "label": c.label, "unit": c.unit, "type": c.type, "help": c.help}
            for c in TABLE_COLUMNS
        ],
        rows=rows,
        plots=[{"src": f"plots/{p.name}", "title": SUMMARY_PLOTS[name]} for name, p in plots.items()],
        n_subjects=len({v.subject_id for i in items for v in i.subjects}),
        n_volunteers=len({m.user or m.classification_id for i in items for v in i.subjects for m in v.marks}),
        messages=summary.messages,
        **common,
    )
    (root / "index.html").write_text(index, encoding="utf-8")
    return summary
