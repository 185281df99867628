"""Faults of the Panoptes replica, and what the real panoptes-client (1.7) does under them."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import panoptes_client.panoptes as client_core
import panoptes_client.subject as client_subject
import pytest
import requests
from jet_sandbox.faults import FaultPlan
from jet_sandbox.panoptes import PanoptesServer
from jet_sandbox.panoptes_faults import PanoptesFaults
from panoptes_client import Panoptes, Subject, SubjectSet
from panoptes_client.panoptes import PanoptesAPIException

USER, PASSWORD, PROJECT = "jet-hunter", "sandbox-password", 11265


@pytest.fixture(autouse=True)
def one_second_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """The client's retry pause (5 s) cut to 1 s, the least its jitter of 1 s allows."""
    for module in (client_core, client_subject):
        monkeypatch.setattr(module, "RETRY_BACKOFF_INTERVAL", 1)


@pytest.fixture
def png(tmp_path: Path) -> Path:
    path = tmp_path / "frame.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x01" * 500)
    return path


@contextlib.contextmanager
def serve(faults: PanoptesFaults, **options: Any) -> Iterator[PanoptesServer]:
    with PanoptesServer(username=USER, password=PASSWORD, panoptes_faults=faults, **options) as srv:  # type: ignore[arg-type]
        Panoptes.connect(username=USER, password=PASSWORD, endpoint=srv.url)
        yield srv


def save_subject(path: Path, key: str) -> Subject:
    subject = Subject()
    subject.links.project = PROJECT
    subject.add_location(str(path), manual_mimetype="image/png")
    subject.metadata["#subject_key"] = key
    subject.save()
    return subject


def test_a_lost_504_makes_the_clients_retry_create_a_duplicate_without_media(png: Path) -> None:
    with serve(PanoptesFaults.parse(lost={"subjects": ["504:1"]})) as srv:
        returned = save_subject(png, "k1")  # returns normally: the client retried the POST
        stored = srv.subjects(project_id=PROJECT)
        assert [s.metadata["#subject_key"] for s in stored] == ["k1", "k1"]
        orphan, kept = stored
        assert not orphan.complete and orphan.sha256s == (None,)  # created, answer lost, never uploaded
        assert kept.complete and int(returned.id) == kept.id
        assert [(name, spec) for _, name, spec in srv.lost_answers] == [("subjects", "504:times=1")]
        statuses = [r.status for r in srv.requests if r.method == "POST" and r.path == "/api/subjects"]
        assert statuses == [504, 201]


def test_media_puts_that_keep_failing_are_dropped_silently(png: Path) -> None:
    with serve(PanoptesFaults.parse(routes={"uploads": ["500:times=5"]})) as srv:
        save_subject(png, "k1")  # no exception: the failed upload dies in the client's thread pool
        (subject,) = srv.subjects()
        assert not subject.complete and subject.media[0].puts == 0
        puts = [r.status for r in srv.requests if r.method == "PUT"]
        assert puts == [500] * 5  # the client's five attempts, then nothing


def test_a_409_on_a_link_is_an_api_error_and_nothing_is_linked(png: Path) -> None:
    with serve(PanoptesFaults.parse(routes={"links": ["409:1"]})) as srv:
        sset = SubjectSet()
        sset.links.project = PROJECT
        sset.display_name = "stale"
        sset.save()
        subject = save_subject(png, "k")
        with pytest.raises(PanoptesAPIException, match="stale object"):
            sset.add([subject])
        assert srv.subject_set(int(sset.id)).subject_ids == ()
        sset.add([subject])
        assert srv.subject_set(int(sset.id)).subject_ids == (int(subject.id),)


def test_a_reset_on_create_raises_a_connection_error(png: Path) -> None:
    with serve(PanoptesFaults.parse(routes={"subjects": ["reset:1"]})) as srv:
        with pytest.raises(requests.ConnectionError):
            save_subject(png, "k")
        assert srv.subjects() == []
        assert save_subject(png, "k").id is not None


def test_an_expired_token_fails_save_on_the_empty_401_and_a_refresh_recovers(png: Path) -> None:
    now = [1_700_000_000.0]
    with serve(PanoptesFaults(), clock=lambda: now[0], token_lifetime=3600) as srv:
        client = Panoptes.client()
        save_subject(png, "before")
        now[0] += 3601  # the server's clock: the token has expired, the client's clock says it has not
        with pytest.raises(TypeError):  # json_request returns None for the empty 401 body
            save_subject(png, "during")
        rejected = [(r.method, r.path) for r in srv.requests if r.status == 401]
        assert rejected == [("POST", "/api/subjects")]  # not retried: TypeError is no PanoptesAPIException
        client.bearer_expires = datetime.datetime.now()  # what an uploader must do: refresh early
        save_subject(png, "after")
        grants = [r for r in srv.requests if r.path == "/oauth/token"]
        assert len(grants) == 2
        assert [s.metadata["#subject_key"] for s in srv.subjects()] == ["before", "after"]


def test_a_refresh_token_is_single_use_so_racing_refreshes_raise_key_error() -> None:
    with PanoptesServer(username=USER, password=PASSWORD) as srv:
        client = Panoptes.connect(username=USER, password=PASSWORD, endpoint=srv.url)
        client.get_bearer_token()
        first = client.refresh_token
        client.bearer_expires = datetime.datetime.now()
        client.get_bearer_token()  # one thread refreshes
        assert client.refresh_token != first
        client.refresh_token, client.bearer_expires = first, datetime.datetime.now()
        with pytest.raises(KeyError, match="access_token"):  # the other reuses the spent refresh token
            client.get_bearer_token()


def test_the_expire_plan_expires_the_token_in_use_early(png: Path) -> None:
    with serve(PanoptesFaults.parse(expire=["401:after=1"])) as srv:
        save_subject(png, "a")  # first authenticated write: fine
        with pytest.raises(TypeError):
            save_subject(png, "b")
        answer = next(r for r in srv.requests if r.status == 401)
        assert answer.path == "/api/subjects"
        Panoptes.client().bearer_expires = datetime.datetime.now()
        save_subject(png, "c")
        assert [s.metadata["#subject_key"] for s in srv.subjects()] == ["a", "c"]


def test_route_faults_are_deterministic_by_seed_and_keep_the_servers_latency() -> None:
    def statuses(seed: int) -> list[int]:
        faults = PanoptesFaults.parse(routes={"projects": ["502:p=0.5"]}, seed=seed)
        with PanoptesServer(panoptes_faults=faults, faults=FaultPlan(latency=0.001)) as srv:
            codes = [requests.get(srv.url + "/api/projects/11265", timeout=10).status_code for _ in range(12)]
            assert {r.status for r in srv.requests if r.path == "/api/me"} <= {401}
            return codes

    first = statuses(4)
    assert first == statuses(4) and {502, 200} == set(first)
    assert first != statuses(5)


def test_tokens_can_expire_earlier_than_expires_in_says(png: Path) -> None:
    now = [1_700_000_000.0]
    options: dict[str, Any] = {"clock": lambda: now[0], "token_lifetime": 60, "advertised_lifetime": 7200}
    with serve(PanoptesFaults(), **options) as srv:
        client = Panoptes.client()
        client.get_bearer_token()
        assert (client.bearer_expires - datetime.datetime.now()).total_seconds() > 7000  # what it was told
        now[0] += 61
        with pytest.raises(TypeError):
            save_subject(png, "k")
        assert [r.status for r in srv.requests if r.path == "/api/subjects"] == [401]
        assert srv.auth.grants[0].expires - srv.auth.grants[0].issued == 60


def test_a_lost_504_on_a_link_makes_the_clients_retry_fail_on_422_although_linked(png: Path) -> None:
    with serve(PanoptesFaults.parse(lost={"links": ["504:1"]})) as srv:
        sset = SubjectSet()
        sset.links.project = PROJECT
        sset.display_name = "lost link"
        sset.save()
        subject = save_subject(png, "k")
        with pytest.raises(PanoptesAPIException, match="already exists"):
            sset.add([subject])  # the link was made; the retry of the POST is refused
        assert srv.subject_set(int(sset.id)).subject_ids == (int(subject.id),)
        posts = [r.status for r in srv.requests if r.method == "POST" and r.path.endswith("/links/subjects")]
        assert posts == [504, 422]
