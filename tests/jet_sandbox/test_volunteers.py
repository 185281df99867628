"""Simulated volunteers: the crowd's kinds, the export shape, the records."""

from __future__ import annotations

import itertools
import json

from jet_sandbox.aia import CutoutSpec, make_jet
from jet_sandbox.volunteers import DEFAULT_CROWD, EXPORT_COLUMNS, simulate_event, subject_windows

SPEC = CutoutSpec(center_x=-300.0, center_y=200.0, start_time="2012-07-08T13:00", end_time="2012-07-08T13:06")
JET = make_jet(
    -320, 210, 45, "2012-07-08T13:01", "2012-07-08T13:03", "2012-07-08T13:05", max_height=40, width=6
)


def test_windows_overlap_and_cover() -> None:
    assert [(w.start, w.stop) for w in subject_windows(10, 15, 2)] == [(0, 10)]
    windows = subject_windows(60, 15, 2)
    assert all(b.start == a.stop - 2 for a, b in itertools.pairwise(windows[:-1]))
    assert windows[-1].stop == 60


def test_crowd_kinds_show_in_the_records() -> None:
    sim = simulate_event(SPEC, [JET], seed=1)
    per_subject = len(DEFAULT_CROWD) + 1  # the repeat classifier classifies twice
    assert len(sim.classifications) == per_subject * len(sim.subjects)
    anonymous = {c.user_name for c in sim.classifications if c.user_id is None}
    assert len(anonymous) == 2 and all(u.startswith("not-logged-in-") for u in anonymous)
    first = sim.subjects[0].zooniverse_id
    users = [c.user_name for c in sim.classifications if c.subject_id == first]
    assert len(users) - len(set(users)) == 1
    frames = {a.frame for a in sim.annotations if a.shape != "question"}
    assert len(frames) > 3  # marks in several frames


def test_export_rows_have_the_export_columns_and_the_metadata() -> None:
    sim = simulate_event(SPEC, [JET], seed=2)
    row = sim.export_rows[0]
    assert tuple(row) == EXPORT_COLUMNS
    data = json.loads(row["subject_data"])[row["subject_ids"]]
    assert data["#crpix1"] and data["#date-obs_0"] and data["#width"] == "1920"
    tasks = [a["task"] for a in json.loads(row["annotations"])]
    assert tasks[:1] == ["T3"]
    assert json.loads(row["metadata"])["subject_dimensions"][0]["naturalWidth"] == 1920


def test_same_seed_same_marks() -> None:
    a = simulate_event(SPEC, [JET], seed=3)
    b = simulate_event(SPEC, [JET], seed=3)
    assert a.annotations == b.annotations and a.export_rows == b.export_rows
