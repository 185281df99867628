"""The simulated crowd classifying on the Panoptes replica, as a front end does."""

from __future__ import annotations

import csv
import io
import json
import math
import struct
import zlib
from pathlib import Path

import pytest
from jet_sandbox.aia import CutoutSpec, CutoutTruth, make_jet
from jet_sandbox.panoptes import PanoptesServer
from jet_sandbox.volunteers import Marker, RenderedGeometry, simulate_event
from jet_sandbox.volunteers_panoptes import classify_on_panoptes, crowd_users, link_workflows, subject_view

SPEC = CutoutSpec(center_x=-300.0, center_y=200.0, start_time="2012-07-08T13:00", end_time="2012-07-08T13:06")
JET = make_jet(
    -320, 210, 45, "2012-07-08T13:01", "2012-07-08T13:03", "2012-07-08T13:05", max_height=40, width=6
)
CROWD = ("careful", "careful", "sloppy", "random", "anonymous", "repeat")


def _png(width: int, height: int) -> bytes:
    """A real (grey) PNG of the rendered size: what the browser reads the natural size from."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def replica(tmp_path: Path):  # type: ignore[no-untyped-def]
    """The replica with the crowd's accounts and one event's subjects uploaded through panoptes-client."""
    from panoptes_client import Panoptes, Project, Subject, SubjectSet

    sim = simulate_event(SPEC, [JET], seed=3)
    image = tmp_path / "frame.png"
    image.write_bytes(_png(1920, 1440))
    with PanoptesServer(users=[*crowd_users(CROWD), *crowd_users(("anonymous", "repeat"))]) as srv:
        Panoptes.connect(username=srv.username, password=srv.password, endpoint=srv.url)
        sset = SubjectSet()
        sset.links.project = Project(11265)
        sset.display_name = "crowd test"
        sset.save()
        made = []
        for record in sim.subjects:
            subject = Subject()
            subject.links.project = 11265
            for _ in record.rendering_paths[:3]:
                subject.add_location(str(image), manual_mimetype="image/png")
            subject.metadata.update(record.metadata)
            subject.save()
            made.append(subject)
        sset.add(made)
        yield srv, sim


def _truth() -> CutoutTruth:
    return CutoutTruth(spec=SPEC, jet=JET, frames=())


def test_the_crowd_classifies_both_workflows_and_the_export_is_realistic(replica, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    srv, sim = replica
    assert link_workflows(srv.url, srv.username, srv.password)
    journal = tmp_path / "crowd.jsonl"
    summary = classify_on_panoptes(srv.url, [_truth()], crowd=CROWD, seed=5, journal=journal)
    n = len(sim.subjects)
    assert summary.subjects == n and summary.without_truth == 0
    per_subject = len(CROWD) + 1  # the repeat volunteer sends twice
    assert len(srv.classifications(workflow_id=19650)) == per_subject * n
    assert len(srv.classifications(workflow_id=18563)) == per_subject * n  # retires at 7 = all of them

    rows = list(csv.DictReader(io.StringIO(srv.generate_export(11265, "classifications").data.decode())))
    assert len(rows) == 2 * per_subject * n
    anonymous = [r for r in rows if r["user_id"] == ""]
    assert anonymous and all(r["user_name"].startswith("not-logged-in-") for r in anonymous)
    assert {r["user_name"] for r in rows if r["user_id"]} == {u.login for u in crowd_users(CROWD)}
    box = [r for r in rows if r["workflow_id"] == "19650" and r["user_name"] == "sim-careful-00"]
    meta = json.loads(box[0]["metadata"])
    assert meta["workflow_version"] == "4.52"
    assert meta["subject_dimensions"][0]["naturalWidth"] == 1920  # read from the image itself
    annotations = json.loads(box[0]["annotations"])
    assert [a["task"] for a in annotations][:2] == ["T3", "T1"] and annotations[0]["value"] == "Yes"
    tools = {m["tool"]: m for m in annotations[1]["value"]}
    assert set(tools) == {0, 1, 2} and tools[2]["tool_label"]
    # the careful volunteer's base point sits on the truth, seen through the subject's own WCS
    subject_meta = json.loads(box[0]["subject_data"])[box[0]["subject_ids"]]
    x, y = Marker(SPEC, RenderedGeometry()).image(JET.base_x, JET.base_y)
    assert math.hypot(tools[0]["x"] - x, tools[0]["y"] - y) < 6.0
    assert subject_view(subject_meta).center_x == pytest.approx(SPEC.center_x, abs=1e-6)
    jet_or_not = [r for r in rows if r["workflow_id"] == "18563" and r["user_name"].startswith("sim-careful")]
    assert {json.loads(r["annotations"])[0]["value"] for r in jet_or_not} == {
        "Yes, there is at least one jet in this image sequence."
    }


def test_a_rerun_sends_nothing_twice_and_the_same_marks(replica, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    srv, sim = replica
    link_workflows(srv.url, srv.username, srv.password)
    journal = tmp_path / "crowd.jsonl"
    crowd = ("anonymous", "repeat")  # anonymous volunteers are shown everything again
    first = classify_on_panoptes(srv.url, [_truth()], crowd=crowd, seed=5, journal=journal)
    sent = [(c.user_id, c.workflow_id, c.subject_ids, c.annotations) for c in srv.classifications()]
    assert first.classifications == len(sent) == 2 * 3 * len(sim.subjects)
    again = classify_on_panoptes(srv.url, [_truth()], crowd=crowd, seed=5, journal=journal)
    assert again.classifications == 0 and again.already == 2 * len(sim.subjects)
    assert len(srv.classifications()) == len(sent)
    # killed between the repeat volunteer's two classifications of the last subject
    lines = journal.read_text().splitlines()
    assert json.loads(lines[-1])["n"] == 1
    journal.write_text("\n".join(lines[:-1]) + "\n")
    third = classify_on_panoptes(srv.url, [_truth()], crowd=crowd, seed=5, journal=journal)
    assert third.classifications == 1
    last = srv.classifications()[-1]
    assert (last.user_id, last.workflow_id, last.subject_ids, last.annotations) == sent[-1]
