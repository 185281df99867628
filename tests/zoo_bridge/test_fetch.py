"""Exports fetched with the real panoptes-client from the Panoptes replica: generated or
reused, waited for, resumed, and imported."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import pytest
from jet_hunter.cli import main
from jet_sandbox.panoptes import PanoptesServer
from jet_sandbox.panoptes_faults import PanoptesFaults
from jet_store import Annotation, Classification, Store
from jet_store.retry import RetryPolicy
from panoptes_client import Project, Subject, SubjectSet, Workflow
from zoo_bridge import FetchError, PanoptesAuthError, import_classifications
from zoo_bridge.connection import PanoptesConfig, PanoptesConnection
from zoo_bridge.fetch import fetch_export

USER, PASSWORD, PROJECT = "jet-hunter", "sandbox-password", 11265


def connect(endpoint: str, username: str | None, password: str | None, **config: Any) -> PanoptesConnection:
    return PanoptesConnection(PanoptesConfig(endpoint, username, password, **config)).connect()


@pytest.fixture
def server() -> Iterator[PanoptesServer]:
    with PanoptesServer(username=USER, password=PASSWORD, export_polls=2) as srv:
        yield srv


@pytest.fixture
def conn(server: PanoptesServer) -> PanoptesConnection:
    """Signed in (and so panoptes-client's default client too, for the tests' set-up)."""
    return connect(server.url, USER, PASSWORD)


def _packaged_workflows() -> bytes:
    return resources.files("jet_sandbox").joinpath("data/panoptes_workflows_18563_19650.csv").read_bytes()


def test_generate_wait_and_download(conn: PanoptesConnection, tmp_path: Path) -> None:
    out = tmp_path / "exports" / "workflows.csv"
    result = fetch_export(conn, PROJECT, "workflows", out, generate=True, poll_interval=0.0, progress=False)
    assert out.read_bytes() == _packaged_workflows()
    assert result.generated and result.downloaded == out.stat().st_size == result.size_bytes
    again = fetch_export(conn, PROJECT, "workflows", out, poll_interval=0.0, progress=False)
    assert (again.generated, again.downloaded, again.medium_id) == (False, 0, result.medium_id)
    assert not list(out.parent.glob("*.part"))


def test_no_export_yet_is_generated(conn: PanoptesConnection, tmp_path: Path) -> None:
    result = fetch_export(conn, PROJECT, "subjects", tmp_path / "s.csv", poll_interval=0.0, progress=False)
    assert result.generated and (tmp_path / "s.csv").read_text().startswith("subject_id,project_id")


def test_an_interrupted_download_resumes(conn: PanoptesConnection, tmp_path: Path) -> None:
    medium = Project(PROJECT).generate_export("workflows")["media"][0]
    whole = _packaged_workflows()
    out = tmp_path / "w.csv"
    (tmp_path / "w.csv.part").write_bytes(whole[:1000])
    (tmp_path / "w.csv.part.json").write_text(json.dumps({"medium_id": medium["id"]}))
    result = fetch_export(conn, PROJECT, "workflows", out, poll_interval=0.0, progress=False)
    assert (result.resumed_from, result.downloaded) == (1000, len(whole) - 1000)
    assert out.read_bytes() == whole


def test_a_part_of_another_export_is_not_resumed(conn: PanoptesConnection, tmp_path: Path) -> None:
    Project(PROJECT).generate_export("workflows")
    (tmp_path / "w.csv.part").write_bytes(b"stale bytes of an older export")
    (tmp_path / "w.csv.part.json").write_text(json.dumps({"medium_id": "older"}))
    result = fetch_export(conn, PROJECT, "workflows", tmp_path / "w.csv", poll_interval=0.0, progress=False)
    assert result.resumed_from == 0 and (tmp_path / "w.csv").read_bytes() == _packaged_workflows()


def test_not_ready_in_time(tmp_path: Path) -> None:
    with PanoptesServer(username=USER, password=PASSWORD, export_polls=1000) as srv:
        conn = connect(srv.url, USER, PASSWORD)
        with pytest.raises(FetchError, match="not ready within"):
            fetch_export(
                conn,
                PROJECT,
                "workflows",
                tmp_path / "w.csv",
                generate=True,
                timeout=0.05,
                poll_interval=0.01,
                progress=False,
            )


def test_a_failed_download_is_a_fetch_error(conn: PanoptesConnection, tmp_path: Path) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, text="<html>down</html>")

    Project(PROJECT).generate_export("workflows")
    with (
        httpx.Client(transport=httpx.MockTransport(refuse)) as client,
        pytest.raises(FetchError, match="503"),
    ):
        fetch_export(
            conn, PROJECT, "workflows", tmp_path / "w.csv", poll_interval=0.0, progress=False, client=client
        )


def test_the_export_calls_go_through_the_connection_with_its_retries(tmp_path: Path) -> None:
    faults = PanoptesFaults.parse(routes={"exports": ["503:2"]})  # the first two export calls fail
    with PanoptesServer(username=USER, password=PASSWORD, panoptes_faults=faults) as srv:
        conn = connect(srv.url, USER, PASSWORD, retry=RetryPolicy(attempts=4, base_delay=0.0, max_delay=0.0))
        result = fetch_export(conn, PROJECT, "workflows", tmp_path / "w.csv", progress=False)
    assert result.generated and (tmp_path / "w.csv").read_bytes() == _packaged_workflows()


def test_login_is_needed() -> None:
    with pytest.raises(PanoptesAuthError, match="PANOPTES_USERNAME"):
        connect("http://127.0.0.1:9", None, None)


def _classify(server: PanoptesServer, subject_id: str) -> None:
    """Post one "Box the jets" classification made on a 960x720 image, as a front end does."""
    point = {"details": []}
    marks = [
        {**point, "tool": 0, "frame": 0, "x": 100.5, "y": 200.0},
        {**point, "tool": 1, "frame": 1, "x": 120.0, "y": 180.0},
        {**point, "tool": 2, "frame": 1, "x": 90, "y": 150, "width": 60, "height": 140, "angle": -30.5},
    ]
    seen = {"clientWidth": 758, "clientHeight": 569, "naturalWidth": 960, "naturalHeight": 720}
    body = {
        "annotations": [{"task": "T3", "value": 0}, {"task": "T1", "value": marks},
                        {"task": "T4", "value": 1}],
        "metadata": {"workflow_version": "4.52", "subject_dimensions": [seen, None]},
        "links": {"project": str(PROJECT), "workflow": "19650", "subjects": [subject_id]},
        "completed": True,
    }  # fmt: skip
    answer = httpx.post(
        f"{server.url}/api/classifications",
        json={"classifications": body},
        headers={"Accept": "application/vnd.api+json; version=1"},
        timeout=10,
    )
    assert answer.status_code == 201


def test_fetched_exports_import(
    server: PanoptesServer,
    conn: PanoptesConnection,  # signs panoptes-client in, for the set-up below
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sset = SubjectSet()
    sset.links.project = PROJECT
    sset.display_name = "June 2010"
    sset.save()
    subject = Subject()
    subject.links.project = PROJECT
    for frame in range(2):
        path = tmp_path / f"f{frame}.png"
        path.write_bytes(b"\x89PNG" + bytes([frame]) * 50)
        subject.add_location(str(path), manual_mimetype="image/png")
    subject.metadata.update(
        {"#subject_key": "key-0", "#width": "1920", "#height": "1440", "#frame_per_sub": "2"}
    )
    subject.save()
    sset.add([subject])
    Workflow(19650).links.subject_sets.add([sset])
    _classify(server, subject.id)

    monkeypatch.setenv("PANOPTES_USERNAME", USER)
    monkeypatch.setenv("PANOPTES_PASSWORD", PASSWORD)
    monkeypatch.setenv("JET_HUNTER_PANOPTES_URL", server.url)
    db = str(tmp_path / "cli.db")
    for kind in ("workflows", "classifications"):
        out = str(tmp_path / f"{kind}.csv")
        assert (
            main(
                [
                    "--db",
                    db,
                    "-q",
                    "fetch-export",
                    kind,
                    "--project",
                    str(PROJECT),
                    "--out",
                    out,
                    "--generate",
                    "--poll-interval",
                    "0",
                ]
            )
            == 0
        )
        assert f"{kind} export" in capsys.readouterr().out
    store = Store(db)
    summary = import_classifications(
        store, tmp_path / "classifications.csv", workflows=tmp_path / "workflows.csv", progress=False
    )
    assert (summary.added, summary.skipped) == (1, 0)
    c = store.filter(Classification)[0]
    assert (c.workflow_id, c.workflow_version, c.subject_id) == (19650, "4.52", int(subject.id))
    marks = store.filter(Annotation, task="T1", order_by="mark_index")
    assert [(m.shape, m.tool, m.frame) for m in marks] == [
        ("point", 0, 0),
        ("point", 1, 1),
        ("rotateRectangle", 2, 1),
    ]
    # the volunteer saw a 960x720 image: marks are doubled into the 1920x1440 subject
    assert (marks[0].x, marks[0].y) == (201.0, 400.0)
    assert (marks[2].width, marks[2].height, marks[2].angle) == (120.0, 280.0, -30.5)
    answers = {a.task: a.answer_index for a in store.filter(Annotation, shape="question")}
    assert answers == {"T3": 0, "T4": 1}
    store.close()
