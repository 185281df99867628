"""A store with real records for the report tests: synthetic cutouts, simulated volunteers, aggregation.

Two HEK events, each a 6-minute synthetic AIA 304 cutout (jet_sandbox.aia) with one
jet of known truth, rendered framed at 960x720 by jet_render (the images volunteers
see), grouped into 3 subjects of 15 frames overlapping by 2, classified by the
simulated crowd of jet_sandbox.volunteers (careful, sloppy, random, anonymous,
repeat) on those images' geometry, then aggregated by jet_aggregate into the store.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from jet_aggregate import aggregate
from jet_hunter.report import ReportSummary, build_report
from jet_render.encode import encode
from jet_render.framed import render_framed
from jet_sandbox.aia import CutoutSpec, JetTruth, frame, make_jet
from jet_sandbox.volunteers import RenderedGeometry, simulate_event
from jet_store import Store

SIZE = (960, 720)


@dataclass(frozen=True)
class BuiltReport:
    """The store, data folder and report built once per test session."""

    db: str
    data: Path
    out: Path
    summary: ReportSummary


def events() -> list[tuple[CutoutSpec, JetTruth, str]]:
    """The two synthetic events: spec, jet truth, SOL name."""
    first = CutoutSpec(
        center_x=-300.0, center_y=200.0, start_time="2012-07-08T13:00", end_time="2012-07-08T13:06"
    )
    second = CutoutSpec(
        center_x=420.0, center_y=-310.0, start_time="2012-07-09T02:10", end_time="2012-07-09T02:16", seed=3
    )
    return [
        (
            first,
            make_jet(
                -320,
                210,
                45,
                "2012-07-08T13:00:40",
                "2012-07-08T13:03",
                "2012-07-08T13:05:20",
                max_height=40,
                width=6,
            ),
            "SOL2012-07-08T13:00:00L160C070",
        ),
        (
            second,
            make_jet(
                400,
                -330,
                110,
                "2012-07-09T02:10:30",
                "2012-07-09T02:12:10",
                "2012-07-09T02:15",
                max_height=55,
                width=5,
            ),
            "SOL2012-07-09T02:10:00L330C110",
        ),
    ]


def build_store(folder: Path) -> tuple[str, Path]:
    """Make the store and the data folder under ``folder``; return (database URL, data folder)."""
    data = folder / "data"
    db = f"sqlite:///{folder / 'report.db'}"
    with Store(db) as store:
        for n, (spec, truth, sol) in enumerate(events()):
            geometry = None
            names: dict[str, str] = {}
            for moment in spec.frame_times():
                image = render_framed(*frame(spec, truth, moment), size=SIZE)
                ll_x, ll_y, ur_x, ur_y = image.fractions
                geometry = RenderedGeometry(SIZE[0], SIZE[1], ll_x, ll_y, ur_x, ur_y)
                name = f"renderings/{sol}/{moment:%Y%m%d_%H%M%S}.png"
                (data / name).parent.mkdir(parents=True, exist_ok=True)
                (data / name).write_bytes(encode(image, "png").data)
                names[f"{moment:%Y%m%d_%H%M%S}"] = name
            sim = simulate_event(
                spec,
                [truth],
                seed=n,
                geometry=geometry,
                sol_standard=sol,
                first_subject_id=90_000_000 + 100 * n,
                first_classification_id=500_000_000 + 10_000 * n,
            )
            subjects = [
                dataclasses.replace(
                    s,
                    rendering_paths=tuple(
                        names[
                            s.metadata[f"#date-obs_{i}"][:19]
                            .replace("-", "")
                            .replace(":", "")
                            .replace("T", "_")
                        ]
                        for i in range(len(s.rendering_paths))
                    ),
                )
                for s in sim.subjects
            ]
            store.add([*subjects, *sim.classifications, *sim.annotations])
        aggregate(store, progress=False)
    return db, data


def shared_root(basetemp: Path) -> Path:
    """Where the session's report is built: shared by the session's xdist workers (they read it only)."""
    return basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp


def built_once(root: Path) -> BuiltReport:
    """The store and its report under ``root/report``, built by the first test process that asks.

    The others wait on a lock and read what it built, so a session builds it once, not
    once per xdist worker that runs a report test file.
    """
    folder = root / "report"
    root.mkdir(parents=True, exist_ok=True)
    with open(root / "report.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or if this process dies
        done = folder / "built.json"
        if not done.is_file():
            shutil.rmtree(folder, ignore_errors=True)  # what a process that died while building left
            folder.mkdir()
            db, data = build_store(folder)
            with Store(db) as store:
                summary = build_report(store, folder / "report", data_dir=data, progress=False)
            done.write_text(json.dumps({"db": db, "data": str(data), "summary": summary.to_dict()}))
        built = json.loads(done.read_text())
    return BuiltReport(built["db"], Path(built["data"]), folder / "report", ReportSummary(**built["summary"]))
