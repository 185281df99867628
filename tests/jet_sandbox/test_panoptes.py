"""The Panoptes replica driven by the real panoptes-client (1.7) over HTTP on loopback."""

from __future__ import annotations

import concurrent.futures
import hashlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import panoptes_client.panoptes as client_core
import panoptes_client.subject as client_subject
import pytest
import requests
from jet_sandbox.panoptes import PanoptesServer
from panoptes_client import Panoptes, Project, Subject, SubjectSet, User
from panoptes_client.panoptes import PanoptesAPIException

USER, PASSWORD = "jet-hunter", "sandbox-password"
PROJECT = 11265


@pytest.fixture(autouse=True)
def short_client_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """The client sleeps 5 s between retries; 1 s (its jitter's minimum) keeps the tests short."""
    monkeypatch.setattr(client_core, "RETRY_BACKOFF_INTERVAL", 1)
    monkeypatch.setattr(client_subject, "RETRY_BACKOFF_INTERVAL", 1)


@pytest.fixture
def server() -> Iterator[PanoptesServer]:
    with PanoptesServer(username=USER, password=PASSWORD) as srv:
        yield srv


@pytest.fixture
def client(server: PanoptesServer) -> Panoptes:
    return Panoptes.connect(username=USER, password=PASSWORD, endpoint=server.url)


@pytest.fixture
def frames(tmp_path: Path) -> list[Path]:
    paths = []
    for i in range(3):
        path = tmp_path / f"frame_{i}.png"
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes([i]) * (1000 + i))
        paths.append(path)
    return paths


def new_set(name: str) -> SubjectSet:
    sset = SubjectSet()
    sset.links.project = Project(PROJECT)
    sset.display_name = name
    sset.save()
    return sset


def new_subject(paths: list[Path], key: str) -> Subject:
    subject = Subject()
    subject.links.project = PROJECT
    for path in paths:
        subject.add_location(str(path), manual_mimetype="image/png")
    subject.metadata.update({"#subject_key": key, "!SOL": "SOL2010-06-20"})
    subject.save()
    return subject


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_connect_signs_in_with_csrf_and_gets_a_bearer_token(server: PanoptesServer, client: Panoptes) -> None:
    assert client.logged_in and client.logged_in_user_id == server.state.user_by_login(USER).id
    me = User.me()
    assert (me.login, me.subject_limit, me.uploaded_subjects_count) == (USER, 10_000, 0)
    paths = [(r.method, r.path) for r in server.requests[:3]]
    assert paths == [("GET", "/users/sign_in"), ("POST", "/users/sign_in"), ("POST", "/oauth/token")]
    assert server.requests[-1].header("Authorization", "").startswith("Bearer ")
    assert Project(PROJECT).display_name == "Solar Jet Hunter"


def test_sign_in_refuses_a_foreign_csrf_token_and_a_bad_password(server: PanoptesServer) -> None:
    page = requests.get(server.url + "/users/sign_in", timeout=10)
    assert 'name="csrf-token"' in page.text and page.headers["X-CSRF-Token"] in page.text
    stranger = requests.post(
        server.url + "/users/sign_in",
        json={"user": {"login": USER, "password": PASSWORD}},
        headers={"X-CSRF-Token": page.headers["X-CSRF-Token"]},  # no session cookie
        timeout=10,
    )
    assert stranger.status_code == 422
    with pytest.raises(PanoptesAPIException, match="Invalid login or password"):
        Panoptes.connect(username=USER, password="wrong", endpoint=server.url)


def test_subject_set_subjects_media_and_links_with_the_real_client(
    server: PanoptesServer, client: Panoptes, frames: list[Path]
) -> None:
    sset = new_set("June 2010 304")
    subjects = [new_subject(frames, f"key-{i}") for i in range(3)]
    sset.add(subjects)

    stored = server.subjects(project_id=PROJECT)
    assert [s.id for s in stored] == [int(s.id) for s in subjects]
    for record in stored:
        assert record.complete and record.sha256s == tuple(sha(p) for p in frames)
        assert [m.content_type for m in record.media] == ["image/png"] * 3
        assert record.subject_set_ids == (int(sset.id),)
        assert record.metadata["#subject_key"].startswith("key-")
    assert server.subject_set(int(sset.id)).subject_ids == tuple(int(s.id) for s in subjects)
    counts = server.request_counts()
    assert counts["POST subjects"] == 3 and counts["PUT uploads"] == 9 and counts["POST links"] == 1
    assert counts["GET set_member_subjects"] == 3  # SubjectSet.add asks once per subject first

    # media are readable at the locations the API lists
    listed = Subject.find(subjects[0].id)
    url = next(iter(listed.locations[0].values()))
    assert requests.get(url, timeout=10).content == frames[0].read_bytes()
    partial = requests.get(url, headers={"Range": "bytes=8-"}, timeout=10)
    assert partial.status_code == 206 and partial.content == frames[0].read_bytes()[8:]


def test_finding_a_set_by_name_and_listing_subjects_with_filters_and_pages(
    server: PanoptesServer, client: Panoptes, frames: list[Path]
) -> None:
    first, second = new_set("a"), new_set("b")
    in_first = [new_subject(frames[:1], f"a{i}") for i in range(5)]
    in_second = [new_subject(frames[:1], f"b{i}") for i in range(2)]
    first.add(in_first)
    second.add(in_second)
    loose = new_subject(frames[:1], "loose")

    found = list(SubjectSet.where(project_id=PROJECT, display_name="b"))
    assert [s.id for s in found] == [second.id] and found[0].set_member_subjects_count == 2
    assert {s.id for s in Subject.where(subject_set_id=first.id)} == {s.id for s in in_first}
    uploader = server.state.user_by_login(USER).id
    everything = list(Subject.where(project_id=PROJECT, upload_user_id=uploader, page_size=3))
    assert len(everything) == 8 and loose.id in {s.id for s in everything}
    pages = [r for r in server.requests if r.path == "/api/subjects" and r.params.get("page_size") == "3"]
    assert [r.params.get("page", "1") for r in pages] == ["1", "2", "3"]
    ids = ",".join(s.id for s in in_second)
    assert sorted(s.id for s in Subject.where(id=ids)) == sorted(s.id for s in in_second)

    doc = requests.get(server.url + "/api/subjects", params={"page_size": "500"}, timeout=10)
    meta = doc.json()["meta"]["subjects"]
    assert doc.headers["Content-Type"] == "application/vnd.api+json; version=1"
    assert (meta["page_size"], meta["count"], meta["next_href"]) == (100, 8, None)


def test_a_subject_is_created_already_linked_to_its_set(
    server: PanoptesServer, client: Panoptes, frames: list[Path]
) -> None:
    sset = new_set("linked at birth")
    answer, _ = client.post(
        "/subjects",
        json={
            "subjects": {
                "locations": ["image/png"],
                "metadata": {"#subject_key": "k"},
                "links": {"project": str(PROJECT), "subject_sets": [sset.id]},
            }
        },
    )
    created = answer["subjects"][0]
    assert created["links"]["subject_sets"] == [sset.id]
    upload_url = created["locations"][0]["image/png"]
    assert "sig=" in upload_url
    assert (
        requests.put(upload_url, data=b"x", headers={"Content-Type": "image/jpeg"}, timeout=10).status_code
        == 400
    )
    assert (
        requests.put(
            upload_url + "0", data=b"x", headers={"Content-Type": "image/png"}, timeout=10
        ).status_code
        == 403
    )
    assert (
        requests.put(upload_url, data=b"png", headers={"Content-Type": "image/png"}, timeout=10).status_code
        == 201
    )
    assert server.subject_set(int(sset.id)).subject_ids == (int(created["id"]),)
    assert server.subjects()[0].sha256s == (hashlib.sha256(b"png").hexdigest(),)


def test_linking_an_already_linked_subject_answers_422(
    server: PanoptesServer, client: Panoptes, frames: list[Path]
) -> None:
    sset = new_set("twice")
    subject = new_subject(frames[:1], "k")
    sset.add([subject])
    with pytest.raises(PanoptesAPIException, match="already exists"):
        client.post(f"/subject_sets/{sset.id}/links/subjects", json={"subjects": [subject.id]})
    assert server.subject_set(int(sset.id)).subject_ids == (int(subject.id),)


def test_duplicate_set_names_are_refused(server: PanoptesServer, client: Panoptes) -> None:
    new_set("same")
    with pytest.raises(PanoptesAPIException, match="already been taken"):
        new_set("same")
    assert len(server.subject_sets(PROJECT, "same")) == 1


def test_delete_needs_if_match_and_a_fresh_etag(
    server: PanoptesServer, client: Panoptes, frames: list[Path]
) -> None:
    sset = new_set("to delete from")
    subject = new_subject(frames[:1], "k")
    sset.add([subject])
    token = client.get_bearer_token()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    url = f"{server.url}/api/subjects/{subject.id}"
    assert requests.delete(url, headers=headers, timeout=10).status_code == 428
    stale = requests.delete(url, headers={**headers, "If-Match": '"stale"'}, timeout=10)
    assert stale.status_code == 412
    Subject.find(subject.id).delete()
    assert server.subjects() == [] and len(server.subjects(deleted=True)) == 1
    assert server.subject_set(int(sset.id)).subject_ids == ()
    assert list(Subject.where(project_id=PROJECT)) == []


def test_the_per_user_limit_answers_403_with_the_real_message(frames: list[Path]) -> None:
    with PanoptesServer(username=USER, password=PASSWORD, subject_limit=2) as srv:
        Panoptes.connect(username=USER, password=PASSWORD, endpoint=srv.url)
        new_subject(frames[:1], "a")
        new_subject(frames[:1], "b")
        me = User.me()
        assert (me.subject_limit, me.uploaded_subjects_count) == (2, 2)
        with pytest.raises(PanoptesAPIException, match="User has uploaded 2 subjects of 2 maximum"):
            new_subject(frames[:1], "c")
        assert len(srv.subjects()) == 2
        refused = [
            r for r in srv.requests if r.method == "POST" and r.path == "/api/subjects" and r.status == 403
        ]
        assert len(refused) == 5  # Subject.save retries any API error five times


def test_writes_without_a_token_are_refused_and_reads_are_public(server: PanoptesServer) -> None:
    answer = requests.post(
        server.url + "/api/subject_sets",
        data=json.dumps({"subject_sets": {"display_name": "x", "links": {"project": str(PROJECT)}}}),
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert answer.status_code == 401
    assert answer.json() == {"errors": [{"message": "You must be logged in to access this resource."}]}
    workflows = requests.get(server.url + "/api/workflows", params={"project_id": PROJECT}, timeout=10).json()
    assert {w["id"]: (w["display_name"], w["version"]) for w in workflows["workflows"]} == {
        "18563": ("Jet or Not", "5.19"),
        "19650": ("Box the jets", "4.52"),
    }


def test_sandbox_serve_panoptes_builds_the_replica_with_its_route_faults() -> None:
    import jet_hunter.cli as cli
    from jet_hunter.cli import sandbox
    from jet_sandbox.faults import FaultPlan

    args = cli.build_parser().parse_args(
        [
            "sandbox",
            "serve",
            "panoptes",
            "--subject-limit",
            "7",
            "--route-fault",
            "lost:subjects=504:1",
            "--route-fault",
            "uploads=500:p=0.5",
            "--latency",
            "0.01",
        ]
    )
    server = sandbox.SERVE["panoptes"].build(args, FaultPlan(latency=0.01))
    assert isinstance(server, PanoptesServer)
    assert server.panoptes_faults.lost["subjects"].specs() == ["504:times=1"]
    assert server.panoptes_faults.routes["uploads"].latency == 0.01
    assert server.state.user_by_login("jet-hunter").subject_limit == 7
    with server:
        assert server.environment()["PANOPTES_ENDPOINT"] == server.url


def test_concurrent_uploads_from_the_clients_thread_pool_and_two_sessions(
    server: PanoptesServer, client: Panoptes, frames: list[Path]
) -> None:
    with Subject.async_saves():  # the client's own pool of five threads
        pooled = [new_subject(frames, f"pool-{i}") for i in range(10)]
    for subject in pooled:
        assert subject.async_save_result

    def upload(name: str) -> list[str]:
        with Panoptes(username=USER, password=PASSWORD, endpoint=server.url):
            return [new_subject(frames[:1], f"{name}-{i}").id for i in range(5)]

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(upload, ["left", "right"]))
    stored = server.subjects()
    assert len(stored) == 20 and len({s.id for s in stored}) == 20
    assert all(s.complete for s in stored)
    assert {str(s.id) for s in stored} == {s.id for s in pooled} | set(results[0]) | set(results[1])
    assert User.me().uploaded_subjects_count == 20


def test_saving_a_changed_subject_puts_its_metadata_with_if_match(
    server: PanoptesServer, client: Panoptes, frames: list[Path]
) -> None:
    subject = new_subject(frames[:1], "k")
    found = Subject.find(subject.id)
    found.metadata["#note"] = "re-used after a lost answer"
    found.save()
    (stored,) = server.subjects()
    assert stored.metadata == {
        "#subject_key": "k",
        "!SOL": "SOL2010-06-20",
        "#note": "re-used after a lost answer",
    }
    assert stored.complete  # the media are untouched
    put = [r for r in server.requests if r.method == "PUT" and r.path == f"/api/subjects/{subject.id}"]
    assert len(put) == 1 and put[0].header("If-Match")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT")
def test_jet_hunter_sandbox_serve_panoptes_serves_the_real_client(tmp_path: Path, frames: list[Path]) -> None:
    script = "import sys, jet_hunter.cli as cli; sys.exit(cli.main(sys.argv[1:]))"
    command = [
        sys.executable,
        "-c",
        script,
        "sandbox",
        "serve",
        "panoptes",
        "--media-root",
        str(tmp_path / "media"),
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()  # blocks until the server prints its URL (or dies)
        assert first.startswith("Panoptes replica at http://127.0.0.1:"), (
            proc.stderr.read() if proc.stderr else ""
        )
        assert "PANOPTES_ENDPOINT=" in first and PASSWORD not in first
        url = first.split()[3]
        with Panoptes(username=USER, password=PASSWORD, endpoint=url):
            new_subject(frames[:1], "k")
        (stored,) = (tmp_path / "media" / "subject_location").iterdir()
        assert stored.read_bytes() == frames[0].read_bytes()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Panoptes replica stopped after" in out


def test_keep_alive_answers_are_not_held_back_by_nagle(server: PanoptesServer) -> None:
    """Headers and body are two writes; with Nagle on, each keep-alive answer waits ~40 ms for an ACK."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("GET", "/api/projects/11265")
        assert connection.getresponse().read()
        sockets = list(server._connections)  # the server's side of the open keep-alive connection
        assert sockets and all(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for s in sockets)
    finally:
        connection.close()
