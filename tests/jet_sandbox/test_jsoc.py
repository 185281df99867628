"""The JSOC export replica over real HTTP: address check, exp_request, exp_status, files, 429."""

from __future__ import annotations

import http.client
import io
import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from astropy.io import fits
from jet_hunter.cli import build_parser, sandbox
from jet_sandbox.errors import BadQuery, SandboxError
from jet_sandbox.faults import FaultPlan
from jet_sandbox.jsoc import (
    CHECK_PATH,
    FETCH_PATH,
    NO_DATA_FILE,
    JsocServer,
    parse_process,
    parse_record_set,
)

EMAIL = "jets@example.org"
DS = "aia.lev1_euv_12s[2012-07-08T13:05:00Z/1m][171,304]{image}"
PROCESS = (
    "n=0|im_patch,t_ref=2012-07-08T13:05:00,t=1,r=0,c=0,locunits=arcsec,boxunits=arcsec,"
    "x=-350.5,y=120,width=60,height=45"
)


def export_params(**extra: Any) -> dict[str, str]:
    base = {
        "op": "exp_request",
        "format": "json",
        "ds": DS,
        "notify": EMAIL,
        "method": "url",
        "protocol": "fits",
        "process": PROCESS,
    }
    base.update({k: str(v) for k, v in extra.items()})
    return base


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=20) as c:
        yield c


def make(**options: Any) -> JsocServer:
    options.setdefault("wait", 0)
    options.setdefault("shape", (48, 48))
    options.setdefault("registered", (EMAIL, "other@example.org"))
    return JsocServer(**options)


def fetch(client: httpx.Client, srv: JsocServer, **params: Any) -> dict[str, Any]:
    answer = client.get(srv.fetch_url, params=params)
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json", answer.text
    doc: dict[str, Any] = answer.json()
    return doc


def status(client: httpx.Client, srv: JsocServer, request_id: str) -> dict[str, Any]:
    return fetch(client, srv, op="exp_status", requestid=request_id, format="json")


def raw_json(srv: JsocServer, target: str) -> dict[str, Any]:
    """GET with the request target exactly as written (raw |, , and = in the query)."""
    conn = http.client.HTTPConnection(srv.host, srv.port, timeout=10)
    try:
        conn.putrequest("GET", target, skip_accept_encoding=True)
        conn.endheaders()
        answer = conn.getresponse()
        doc: dict[str, Any] = json.loads(answer.read())
        return doc
    finally:
        conn.close()


@pytest.fixture
def fetch_raw(fetch: Any) -> Any:
    """The conftest's stdlib fetcher: one fresh connection per request."""
    return fetch


def wait_until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(0.01)


# --------------------------------------------------------------------------- protocol


def test_check_address_variants(client: httpx.Client) -> None:
    with make() as srv:
        assert srv.check_url.endswith(CHECK_PATH) and srv.url == srv.base_url + "/"

        def check(address: str, checkonly: bool = True) -> int:
            params = {"address": address, **({"checkonly": "1"} if checkonly else {})}
            answer = client.get(srv.check_url, params=params)
            assert answer.headers["content-type"] == "application/json"
            value: int = answer.json()["status"]
            return value

        assert check(EMAIL) == 2 and check(EMAIL.upper()) == 2
        assert check("pending@example.org") == 4
        assert check("stranger@example.org") == 4
        assert check("not-an-email") == -2 and check("") == -2
        assert check("new@example.org", checkonly=False) == 1
        assert check("new@example.org") == 4


def test_export_cycle_with_no_data_file_and_files(client: httpx.Client) -> None:
    with make() as srv:
        asked = fetch(client, srv, **export_params())
        assert asked["status"] == 2 and asked["requestid"] == "JSOC_20140325_334"
        assert {"wait", "size", "method", "protocol", "count", "requestid", "status", "dir"} <= set(asked)
        request_id = asked["requestid"]
        assert client.get(srv.base_url + srv.exports[request_id].dir + "/x.fits").status_code == 404
        seen = [status(client, srv, request_id)["status"] for _ in range(3)]
        done = status(client, srv, request_id)
        assert seen == [6, 2, 1] and done["status"] == 0 and srv.polls(request_id) == 4
        assert status(client, srv, request_id)["status"] == 0  # stays done
        assert done["dir"].startswith("/SUM") and done["dir"].endswith("/S00000")
        assert {"size", "count", "method", "protocol", "requestid", "data"} <= set(done)
        names = [entry["filename"] for entry in done["data"]]
        assert names.count(NO_DATA_FILE) == 1 and len(names) == 10 == done["count"]
        record = done["data"][0]["record"]
        assert record.startswith("aia.lev1_euv_12s[2012-07-08T13:05:") and record.endswith("Z][171]")
        start = datetime(2012, 7, 8, 13, 5, tzinfo=UTC)
        waves = []
        for name in names:
            if name == NO_DATA_FILE:
                continue
            answer = client.get(srv.base_url + done["dir"] + "/" + name)
            assert answer.status_code == 200 and answer.headers["accept-ranges"] == "bytes"
            with fits.open(io.BytesIO(answer.content)) as hdus:
                header = hdus[0].header
            moment = datetime.fromisoformat(header["DATE-OBS"]).replace(tzinfo=UTC)
            assert 0 <= (moment - start).total_seconds() <= 60
            assert f".{header['WAVELNTH']}.image.fits" in name
            waves.append(header["WAVELNTH"])
        assert sorted(set(waves)) == [171, 304]
        truth = srv.truth(request_id)
        assert [f.file for f in truth.frames] == [n for n in names if n != NO_DATA_FILE]
        assert truth.jet is not None and truth.spec.center_x == -350.5
        url = srv.base_url + done["dir"] + "/" + truth.frames[0].file
        part = client.get(url, headers={"Range": "bytes=-100"})
        assert part.status_code == 206 and part.headers["content-range"].startswith("bytes ")
        with pytest.raises(SandboxError, match="no JSOC export"):
            srv.truth("JSOC_0")


def test_both_requestor_spellings_and_process_encodings(client: httpx.Client) -> None:
    with make(registered=("a@example.org", "b@example.org", "c@example.org", "d@example.org")) as srv:
        ids = []
        asked = fetch(client, srv, **export_params(notify="a@example.org", requestor="jet-hunter"))
        ids.append(asked["requestid"])
        asked = fetch(client, srv, **export_params(notify="b@example.org", requester="jet-hunter"))
        ids.append(asked["requestid"])
        raw = (
            f"{FETCH_PATH}?op=exp_request&format=json&ds={DS}&notify=c@example.org&method=url"
            f"&protocol=fits&requestor=jet-hunter&process={PROCESS}"
        )
        assert "|" in raw and "im_patch," in raw
        ids.append(raw_json(srv, raw)["requestid"])
        double = PROCESS.replace("|", "%257C").replace(",", "%252C").replace("=", "%253D")
        raw = raw.replace(PROCESS, double).replace("c@example.org", "d@example.org")
        ids.append(raw_json(srv, raw)["requestid"])
        exports = srv.exports
    assert len(set(ids)) == 4
    patches = [exports[i].im_patch for i in ids]
    assert all(p == patches[0] for p in patches) and patches[0]["x"] == "-350.5"
    assert exports[ids[0]].params["requestor"] == "jet-hunter" and exports[ids[1]].params["requester"]


def test_post_form_works_like_get(client: httpx.Client) -> None:
    with make() as srv:
        answer = client.post(srv.fetch_url, data=export_params())
        assert answer.json()["status"] == 2


def test_a_second_pending_request_gets_7_until_the_first_is_done(client: httpx.Client) -> None:
    with make() as srv:
        first = fetch(client, srv, **export_params())["requestid"]
        second = fetch(client, srv, **export_params())
        assert second["status"] == 7 and "pending" in second["error"] and second["requestid"] == first
        assert fetch(client, srv, **export_params(notify="other@example.org"))["status"] == 2
        while status(client, srv, first)["status"] != 0:
            pass
        assert fetch(client, srv, **export_params())["status"] == 2
    with make(pending_timeout=0) as srv:
        fetch(client, srv, **export_params())
        assert fetch(client, srv, **export_params())["status"] == 2  # the first no longer blocks


def test_transient_errors_unknown_and_expired(client: httpx.Client) -> None:
    with make(transient_error_every=2, status_sequence=(2, 1, 0)) as srv:
        request_id = fetch(client, srv, **export_params())["requestid"]
        seen = [status(client, srv, request_id)["status"] for _ in range(6)]
        assert seen == [2, 4, 1, 4, 0, 0]
        assert status(client, srv, "JSOC_20990101_001")["status"] == 6
        done = status(client, srv, request_id)
        url = srv.base_url + done["dir"] + "/" + srv.exports[request_id].files[0]
        assert client.get(url).status_code == 200
        srv.expire(request_id)
        expired = status(client, srv, request_id)
        assert expired["status"] == 5 and "expired" in expired["error"]
        assert client.get(url).status_code == 404


def test_finish_makes_an_export_done(client: httpx.Client) -> None:
    with make(status_sequence=(6, 6, 6, 0)) as srv:
        request_id = fetch(client, srv, **export_params())["requestid"]
        assert status(client, srv, request_id)["status"] == 6
        srv.finish(request_id)
        assert status(client, srv, request_id)["status"] == 0


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        ({"notify": "stranger@example.org"}, 4, "has not been registered"),
        ({"notify": "pending@example.org"}, 4, "has not been registered"),
        ({"notify": ""}, 4, "requires a notify"),
        ({"ds": "hmi.M_45s[2012-07-08T13:05:00Z/1m]"}, 4, "not exported"),
        ({"ds": "aia.lev1_euv_12s[2012-07-08T13:05:00Z/1m][94]{image}"}, 4, "wavelength 94"),
        ({"ds": "aia.lev1_euv_12s[2012-07-08T13:05:00Z/1m][304]{spikes}"}, 4, "segment"),
        ({"ds": "aia.lev1_euv_12s[yesterday/1m][304]"}, 4, "cannot read the time"),
        ({"ds": "aia.lev1_euv_12s[2012-07-08T13:05:00Z/1y][304]"}, 4, "duration"),
        ({"ds": "garbage"}, 4, "cannot parse"),
        ({"process": "n=0"}, 4, "no im_patch step"),
        ({"process": PROCESS.replace("boxunits=arcsec", "boxunits=pixels")}, 4, "only takes arcsec"),
        ({"process": PROCESS.replace("x=-350.5,", "")}, 4, "needs x="),
        ({"method": "ftp"}, 4, "method"),
        ({"ds": "aia.lev1_euv_12s[2012-07-08T13:05:00Z/1d][304]{image}"}, 3, "too large"),
    ],
)
def test_refused_exports(client: httpx.Client, change: dict[str, str], code: int, message: str) -> None:
    with make(max_records=1000) as srv:
        answer = fetch(client, srv, **export_params(**change))
        assert answer["status"] == code and message in answer["error"]
        assert srv.exports == {}
        assert fetch(client, srv, op="exp_nonsense")["status"] == 4


def test_parsers() -> None:
    start, end, waves = parse_record_set("aia.lev1_euv_12s[2012-07-08T13:05Z/2h][304, 171]")
    assert (end - start).total_seconds() == 7200 and waves == (304, 171)
    assert parse_record_set("AIA.LEV1_EUV_12S[2012-07-08T13:05:00]")[2] == (171, 193, 211, 304)
    assert (parse_record_set("aia.lev1_euv_12s[2015-08-01T00:00:36_TAI/60]")[0].second) == 0
    with pytest.raises(BadQuery):
        parse_process("n=0|im_patch,x=1,y=2,width=-3,height=4")


# --------------------------------------------------------------------------- connections and faults


def test_more_than_one_connection_gets_429(client: httpx.Client) -> None:
    with make(latency_per_mb=50.0, busy_retry_after=0.25, status_sequence=(0,)) as srv:
        request_id = fetch(client, srv, **export_params())["requestid"]
        done = status(client, srv, request_id)
        url = srv.base_url + done["dir"] + "/" + srv.exports[request_id].files[0]
        with httpx.Client(timeout=20) as slow, slow.stream("GET", url) as download:
            assert download.status_code == 200  # its body trickles in: one connection in flight
            busy = client.get(srv.fetch_url, params={"op": "exp_status", "requestid": request_id})
            assert busy.status_code == 429 and busy.headers["retry-after"] == "0.25"
            assert srv.in_flight("127.0.0.1") == 1
        wait_until(lambda: srv.in_flight() == 0)
        assert status(client, srv, request_id)["status"] == 0
        assert [r.status for r in srv.requests].count(429) == 1
    with make(max_connections=None, latency_per_mb=50.0, status_sequence=(0,)) as srv:
        request_id = fetch(client, srv, **export_params())["requestid"]
        done = status(client, srv, request_id)
        url = srv.base_url + done["dir"] + "/" + srv.exports[request_id].files[0]
        with httpx.Client(timeout=20) as slow, slow.stream("GET", url) as download:
            assert download.status_code == 200
            assert status(client, srv, request_id)["status"] == 0


def test_sequential_requests_on_new_connections_are_never_refused(fetch_raw: Any) -> None:
    with make(status_sequence=(0,)) as srv:
        for _ in range(40):  # each on a fresh connection, right after the previous answer
            assert fetch_raw(srv.fetch_url, {"op": "exp_status", "requestid": "JSOC_0"}).status == 200
        assert all(r.status == 200 for r in srv.requests)


def test_file_faults_hit_only_the_files(client: httpx.Client) -> None:
    with make(faults=["503:retry_after=0.1:1"], file_faults=["cut:bytes=2000", "length:delta=-10"]) as srv:
        first = client.get(srv.fetch_url, params=export_params())
        assert first.status_code == 503 and first.headers["retry-after"] == "0.1"
        request_id = fetch(client, srv, **export_params())["requestid"]
        srv.finish(request_id)
        done = status(client, srv, request_id)
        url = srv.base_url + done["dir"] + "/" + srv.exports[request_id].files[0]
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(url)
        short = client.get(url)
        whole = client.get(url)
        assert len(short.content) == len(whole.content) - 10
    cut = [r for r in srv.requests if r.faults and r.path.endswith(".fits")]
    assert [(r.faults, r.sent_bytes) for r in cut] == [
        (("truncate:bytes=2000:times=1",), 2000),
        (("length:delta=-10:times=1",), len(whole.content) - 10),
    ]


def test_cli_builds_the_replica() -> None:
    args = build_parser().parse_args(
        [
            "sandbox",
            "serve",
            "jsoc",
            "--registered",
            "me@example.org",
            "--status-sequence",
            "2,0",
            "--max-connections",
            "0",
            "--wait",
            "0.5",
        ]
    )
    srv = sandbox.SERVE["jsoc"].build(args, FaultPlan())
    assert isinstance(srv, JsocServer)
    assert (srv.registered, srv.status_sequence, srv.max_connections, srv.wait_seconds) == (
        {"me@example.org"},
        (2, 0),
        None,
        0.5,
    )
    with srv:
        assert srv.environment() == {"JET_HUNTER_JSOC_URL": srv.url}
        assert urlsplit(srv.url).path == "/"
    with pytest.raises(SandboxError):
        JsocServer(status_sequence=())
