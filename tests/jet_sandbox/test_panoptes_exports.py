"""Classifications posted as front ends do, and the three exports fetched with the real client."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import requests
from jet_sandbox.panoptes import PanoptesServer
from panoptes_client import Panoptes, Project, Subject, SubjectSet, Workflow
from panoptes_client.panoptes import PanoptesAPIException

USER, PASSWORD, PROJECT = "jet-hunter", "sandbox-password", 11265
CLASSIFICATION_HEADER = (
    "classification_id,user_name,user_id,user_ip,workflow_id,workflow_name,workflow_version,created_at,"
    "gold_standard,expert,metadata,annotations,subject_data,subject_ids"
)
SUBJECT_HEADER = (
    "subject_id,project_id,workflow_id,subject_set_id,metadata,locations,classifications_count,"
    "retired_at,retirement_reason,created_at,updated_at"
)


@pytest.fixture
def server() -> Iterator[PanoptesServer]:
    with PanoptesServer(username=USER, password=PASSWORD) as srv:
        Panoptes.connect(username=USER, password=PASSWORD, endpoint=srv.url)
        yield srv


@pytest.fixture
def uploaded(server: PanoptesServer, tmp_path: Path) -> tuple[SubjectSet, list[Subject]]:
    """Two subjects of two frames in a set that "Box the jets" shows."""
    sset = SubjectSet()
    sset.links.project = PROJECT
    sset.display_name = "June 2010"
    sset.save()
    subjects = []
    for i in range(2):
        subject = Subject()
        subject.links.project = PROJECT
        for frame in range(2):
            path = tmp_path / f"s{i}_{frame}.png"
            path.write_bytes(b"\x89PNG" + bytes([i, frame]) * 50)
            subject.add_location(str(path), manual_mimetype="image/png")
        subject.metadata.update({"#subject_key": f"key-{i}", "#width": "1920", "#height": "1440"})
        subject.save()
        subjects.append(subject)
    sset.add(subjects)
    Workflow(19650).links.subject_sets.add([sset])
    return sset, subjects


def classify(server: PanoptesServer, body: dict[str, Any], **headers: str) -> requests.Response:
    """POST a classification the way the Zooniverse front end does."""
    return requests.post(
        server.url + "/api/classifications",
        json={"classifications": body},
        headers={"Accept": "application/vnd.api+json; version=1", **headers},
        timeout=10,
    )


def box_the_jets(subject_id: str) -> dict[str, Any]:
    return {
        "annotations": [
            {"task": "T3", "value": 0},
            {
                "task": "T1",
                "value": [
                    {"x": 100.5, "y": 200.0, "tool": 0, "frame": 0, "details": []},
                    {"x": 120.0, "y": 180.0, "tool": 1, "frame": 1, "details": []},
                    {
                        "x": 90,
                        "y": 150,
                        "width": 60,
                        "height": 140,
                        "angle": -30.5,
                        "tool": 2,
                        "frame": 1,
                        "details": [],
                    },
                ],
            },
            {"task": "T4", "value": 1},
        ],
        "metadata": {
            "source": "api",
            "workflow_version": "4.52",
            "subject_dimensions": [
                {"clientWidth": 758, "clientHeight": 569, "naturalWidth": 1920, "naturalHeight": 1440},
                None,
            ],
            "started_at": "2022-03-01T14:02:00.000Z",
            "finished_at": "2022-03-01T14:02:11.000Z",
        },
        "completed": True,
        "links": {"project": str(PROJECT), "workflow": "19650", "subjects": [subject_id]},
    }


def rows_of(export: requests.Response) -> list[dict[str, str]]:
    return list(export.csv_dictreader())  # type: ignore[attr-defined]


def test_classification_export_has_the_real_columns_labels_and_volunteers(
    server: PanoptesServer, uploaded: tuple[SubjectSet, list[Subject]]
) -> None:
    _, subjects = uploaded
    token = Panoptes.client().get_bearer_token()
    assert classify(server, box_the_jets(subjects[0].id), Authorization=f"Bearer {token}").status_code == 201
    assert (
        classify(server, box_the_jets(subjects[1].id), **{"X-Forwarded-For": "10.0.0.7"}).status_code == 201
    )
    question = {
        "annotations": [{"task": "T0", "value": 1}],
        "metadata": {"subject_dimensions": [None, None]},
        "links": {"project": str(PROJECT), "workflow": "18563", "subjects": [subjects[1].id]},
    }
    assert classify(server, question, **{"X-Forwarded-For": "10.0.0.8"}).status_code == 201

    export = Project(PROJECT).get_export("classifications", generate=True)
    assert export.text.splitlines()[0] == CLASSIFICATION_HEADER
    rows = rows_of(Project(PROJECT).get_export("classifications"))
    assert len(rows) == 3 and [r["workflow_id"] for r in rows] == ["19650", "19650", "18563"]
    logged_in, anonymous, jet_or_not = rows

    assert (logged_in["user_name"], logged_in["user_id"]) == (USER, str(server.state.user_by_login(USER).id))
    assert anonymous["user_name"] == f"not-logged-in-{anonymous['user_ip']}" and anonymous["user_id"] == ""
    assert (
        re.fullmatch(r"[0-9a-f]{20}", anonymous["user_ip"]) and anonymous["user_ip"] != jet_or_not["user_ip"]
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", logged_in["created_at"])
    assert (logged_in["workflow_name"], logged_in["workflow_version"]) == ("Box the jets", "4.52")
    assert jet_or_not["workflow_version"] == "5.19" and jet_or_not["subject_ids"] == subjects[1].id

    annotations = json.loads(logged_in["annotations"])
    assert [a["task"] for a in annotations] == ["T3", "T1", "T4"]
    assert annotations[0]["value"].startswith("Yes")
    marks = annotations[1]["value"]
    assert [m["tool"] for m in marks] == [0, 1, 2] and [m["frame"] for m in marks] == [0, 1, 1]
    assert all(m["tool_label"] for m in marks) and marks[2]["angle"] == -30.5
    assert annotations[1]["task_label"] and annotations[2]["value"].startswith("No")
    assert json.loads(jet_or_not["annotations"])[0]["task"] == "T0"

    metadata = json.loads(logged_in["metadata"])
    assert metadata["subject_dimensions"][0]["naturalWidth"] == 1920
    data = json.loads(logged_in["subject_data"])
    assert data == {
        subjects[0].id: {"retired": None, "#subject_key": "key-0", "#width": "1920", "#height": "1440"}
    }


def test_subjects_export_rows_per_set_and_workflow(
    server: PanoptesServer, uploaded: tuple[SubjectSet, list[Subject]]
) -> None:
    sset, subjects = uploaded
    classify(server, box_the_jets(subjects[0].id))
    export = Project(PROJECT).get_export("subjects", generate=True)
    assert export.text.splitlines()[0] == SUBJECT_HEADER
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert [(r["subject_id"], r["workflow_id"], r["subject_set_id"]) for r in rows] == [
        (s.id, "19650", sset.id) for s in subjects
    ]
    assert [r["classifications_count"] for r in rows] == ["1", "0"]
    locations = json.loads(rows[0]["locations"])
    assert list(locations) == ["0", "1"]
    assert requests.get(locations["1"], timeout=10).content == b"\x89PNG" + bytes([0, 1]) * 50
    assert json.loads(rows[1]["metadata"])["#subject_key"] == "key-1"
    assert rows[0]["created_at"].endswith(" UTC")


def test_workflow_export_is_the_real_export_of_both_workflows(server: PanoptesServer) -> None:
    export = Project(PROJECT).get_export("workflows", generate=True)
    packaged = resources.files("jet_sandbox").joinpath("data/panoptes_workflows_18563_19650.csv").read_bytes()
    assert export.content == packaged
    rows = list(csv.DictReader(io.StringIO(export.text)))
    latest = {r["workflow_id"]: f"{r['version']}.{r['minor_version']}" for r in rows}
    assert latest == {"18563": "5.19", "19650": "4.52"}


def test_exports_need_generating_first_and_download_with_range(server: PanoptesServer) -> None:
    with pytest.raises(PanoptesAPIException, match="No classifications_export exists"):
        Project(PROJECT).get_export("classifications")
    described = Project(PROJECT).generate_export("workflows")
    src = described["media"][0]["src"]
    assert described["media"][0]["metadata"]["state"] == "ready"
    whole = requests.get(src, timeout=10)
    part = requests.get(src, headers={"Range": "bytes=100-"}, timeout=10)
    assert part.status_code == 206 and part.content == whole.content[100:]
    assert requests.get(src.replace("sig=", "sig=x"), timeout=10).status_code == 403


def test_an_export_can_stay_creating_for_some_polls() -> None:
    with PanoptesServer(username=USER, password=PASSWORD, export_polls=2) as srv:
        Panoptes.connect(username=USER, password=PASSWORD, endpoint=srv.url)
        Project(PROJECT).generate_export("subjects")
        states = [
            Project(PROJECT).describe_export("subjects")["media"][0]["metadata"]["state"] for _ in range(3)
        ]
        assert states == ["creating", "creating", "ready"]


def test_bad_classifications_are_refused(
    server: PanoptesServer, uploaded: tuple[SubjectSet, list[Subject]]
) -> None:
    _, subjects = uploaded
    body = box_the_jets(subjects[0].id)
    assert classify(server, {**body, "links": {**body["links"], "subjects": ["1"]}}).status_code == 404
    assert classify(server, {**body, "annotations": "nope"}).status_code == 422
    assert classify(server, {**body, "links": {"project": str(PROJECT)}}).status_code == 422
    assert server.classifications() == []
