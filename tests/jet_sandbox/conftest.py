"""Fixtures of the jet_sandbox tests: a plain HTTP fetcher, HEK parameters, the recording."""

from __future__ import annotations

import dataclasses
import http.client
import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from jet_sandbox.hek import HekServer


@dataclasses.dataclass
class Reply:
    """One HTTP answer as the tests see it."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    @property
    def ids(self) -> list[str]:
        return [event["kb_archivid"] for event in self.json()["result"]]


def _fetch(
    url: str,
    params: Mapping[str, Any] | None = None,
    *,
    method: str = "GET",
    body: bytes | None = None,
    timeout: float = 10.0,
) -> Reply:
    """One request on a fresh connection (stdlib only, so the raw bytes are visible)."""
    split = urlsplit(url)
    target = split.path + ("?" + urlencode(params) if params else "")
    conn = http.client.HTTPConnection(split.hostname, split.port, timeout=timeout)
    try:
        conn.request(method, target, body=body)
        resp = conn.getresponse()
        data = resp.read()
        return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
    finally:
        conn.close()


Fetch = Callable[..., Reply]


@pytest.fixture(scope="session")
def fetch() -> Fetch:
    """``fetch(url, params=None, method="GET", body=None) -> Reply``."""
    return _fetch


def search_params(start: str, end: str, **extra: Any) -> dict[str, Any]:
    """The parameters of a HEK CJ search."""
    return {
        "cmd": "search",
        "type": "column",
        "cosec": "2",
        "event_type": "cj",
        "event_starttime": start,
        "event_endtime": end,
        **extra,
    }


@pytest.fixture(scope="session")
def hek_params() -> Callable[..., dict[str, Any]]:
    """``hek_params(start, end, **extra)``: the parameters of a HEK CJ search."""
    return search_params


@pytest.fixture(scope="session")
def june_params() -> dict[str, Any]:
    """The parameters of the recorded June-2010 query (bare obs_channelid included)."""
    return search_params(
        "2010-06-01T00:00:00",
        "2010-07-01T00:00:00",
        event_coordsys="helioprojective",
        x1=-1200,
        x2=1200,
        y1=-1200,
        y2=1200,
        obs_channelid=304,
    )


@pytest.fixture(scope="session")
def recorded_file(data_dir: Path) -> Path:
    """tests/data/her_cj_2010-06.json, the recorded answer."""
    return data_dir / "her_cj_2010-06.json"


@pytest.fixture(scope="session")
def recorded(recorded_file: Path) -> list[dict[str, Any]]:
    """The 16 recorded events, as in the test data."""
    events: list[dict[str, Any]] = json.loads(recorded_file.read_text("utf-8"))["result"]
    return events


@pytest.fixture(scope="module")
def hek() -> Iterator[HekServer]:
    """A HEK replica without faults, shared by the tests of one module."""
    with HekServer(seed=0) as srv:
        yield srv
