"""The SSW cutout service replica over real HTTP: submit, poll, lists, FITS frames, truth, faults."""

from __future__ import annotations

import io
import itertools
import json
import queue
import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import jet_hunter.cli as cli
import pytest
from astropy.io import fits
from jet_hunter.cli import build_parser, sandbox
from jet_sandbox.aia import list_filename
from jet_sandbox.errors import BadQuery, SandboxError
from jet_sandbox.faults import FaultPlan
from jet_sandbox.files import full_downloads
from jet_sandbox.server import SandboxServer
from jet_sandbox.ssw import DATA_PATHS, MALICIOUS_LINES, READY_MARKER, REMOTE_DATA_DIR, SUBMIT_PATH, SswServer

START, END = "2012-07-08T13:05:00", "2012-07-08T13:07:00"  # 10 frames per channel at 12 s
JOB_ID = re.compile(r'<param name="JobID">(ssw_service_\d{6}_\d{6}_\d{5})</param>')


def params(**extra: Any) -> dict[str, str]:
    base = {
        "xcen": "-350",
        "ycen": "120",
        "fovx": "90",
        "fovy": "60",
        "starttime": START,
        "endtime": END,
        "waves": "171,304",
        "max_frames": "4",
        "notrack": "1",
        "queue_job": "1",
    }
    base.update({k: str(v) for k, v in extra.items()})
    return base


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=20) as c:
        yield c


def submit(client: httpx.Client, srv: SswServer, **extra: Any) -> str:
    answer = client.get(srv.submit_url, params=params(**extra))
    assert answer.status_code == 200, answer.text
    match = JOB_ID.search(answer.text)
    assert match is not None, answer.text
    return match.group(1)


def wait_ready(client: httpx.Client, folder: str, polls: int = 20) -> tuple[list[int], str]:
    """Poll a job folder until its index says it is done; the statuses seen and the index."""
    seen: list[int] = []
    for _ in range(polls):
        page = client.get(folder)
        seen.append(page.status_code)
        if page.status_code == 200 and READY_MARKER in page.text:
            return seen, page.text
    raise TimeoutError(f"job folder {folder} not ready after {polls} polls: {seen}")


def listed_urls(client: httpx.Client, folder: str, index: str) -> dict[str, list[str]]:
    """``{list name: [file URL, ...]}`` from an index: job folder + basename of each line."""
    found = {}
    for name in re.findall(r'href="([^"]+\.list)"', index):
        lines = client.get(folder + name).text.splitlines()
        found[name] = [folder + line.rsplit("/", 1)[1] for line in lines if line.strip()]
    return found


@pytest.fixture(scope="module")
def ssw() -> Iterator[SswServer]:
    with SswServer(pending_polls=2, building_polls=1, shape=(64, 64), seed=3) as srv:
        yield srv


# --------------------------------------------------------------------------- the protocol


def test_submit_poll_lists_and_files(ssw: SswServer, client: httpx.Client) -> None:
    assert ssw.submit_url.endswith(SUBMIT_PATH) and ssw.url == ssw.submit_url
    assert ssw.data_url.endswith("/solarsoft/archive/sdo/media/ssw/ssw_client/data/")
    job_id = submit(client, ssw)
    folder = ssw.data_url + job_id + "/"
    assert ssw.job_url(job_id) == folder
    assert ssw.jobs[job_id].params == params()
    first_fits = ssw.jobs[job_id].file_names()[0]
    assert client.get(folder + first_fits).status_code == 404  # not made yet
    seen, index = wait_ready(client, folder)
    assert seen == [404, 404, 200, 200] and ssw.polls(job_id) == 4
    lists = listed_urls(client, folder, index)
    assert list(lists) == [list_filename(START, 171), list_filename(START, 304)]
    raw = client.get(folder + list_filename(START, 304)).text.splitlines()
    assert all(line.startswith(f"{REMOTE_DATA_DIR}{job_id}/ssw_cutout_2012") for line in raw)
    start = datetime.fromisoformat(START).replace(tzinfo=UTC)
    end = datetime.fromisoformat(END).replace(tzinfo=UTC)
    for name, urls in lists.items():
        wave = int(name.split("_AIA_")[1].split("_")[0])
        assert len(urls) == 4  # 10 frames in the window, max_frames=4 -> every 3rd
        times = []
        for url in urls:
            answer = client.get(url)
            assert answer.status_code == 200 and answer.headers["content-type"] == "application/fits"
            with fits.open(io.BytesIO(answer.content)) as hdus:
                header = hdus[0].header
                assert hdus[0].data.shape == (43, 64)  # shape cap 64: 90x60 arcsec at 90/64 arcsec
                assert hdus[0].header["CDELT1"] == pytest.approx(90 / 64)
            assert header["WAVELNTH"] == wave and header["CTYPE1"] == "HPLN-TAN"
            moment = datetime.fromisoformat(header["DATE-OBS"]).replace(tzinfo=UTC)
            assert start <= moment <= end
            times.append(moment)
        assert [(b - a).total_seconds() for a, b in itertools.pairwise(times)] == [36.0] * 3
    mine = folder.removeprefix(ssw.base_url)
    fetched = full_downloads(r for r in ssw.requests if r.path.startswith(mine) and r.path.endswith(".fts"))
    assert fetched == {u.removeprefix(ssw.base_url): 1 for us in lists.values() for u in us}


def test_truth_matches_the_files(ssw: SswServer, client: httpx.Client) -> None:
    job_id = submit(client, ssw, waves="304", max_frames="")
    folder = ssw.job_url(job_id)
    _, index = wait_ready(client, folder)
    (urls,) = listed_urls(client, folder, index).values()
    truth = ssw.truth(job_id)
    assert [f.file for f in truth.frames] == [u.rsplit("/", 1)[1] for u in urls] and len(urls) == 10
    assert truth.jet is not None and truth.spec.waves == (304,)
    x, y = truth.frames[0].base_px
    assert 0 <= x < truth.spec.nx and 0 <= y < truth.spec.ny
    served = client.get(folder + "truth.json").json()
    assert served["jet"] == truth.jet.to_dict() and len(served["frames"]) == 10
    with pytest.raises(SandboxError, match="no SSW job"):
        ssw.truth("ssw_service_000000_000000_00000")


def test_fits_files_use_the_shared_range_and_etag_logic(ssw: SswServer, client: httpx.Client) -> None:
    job_id = submit(client, ssw, waves="171")
    folder = ssw.job_url(job_id)
    wait_ready(client, folder)
    url = folder + ssw.jobs[job_id].file_names()[0]
    whole = client.get(url)
    tail = client.get(url, headers={"Range": "bytes=2880-", "If-Range": whole.headers["etag"]})
    assert tail.status_code == 206 and whole.content[:2880] + tail.content == whole.content
    assert client.head(url).headers["etag"] == whole.headers["etag"]
    too_far = client.get(url, headers={"Range": f"bytes={len(whole.content)}-"})
    assert too_far.status_code == 416
    assert client.get(folder + "missing.fts").status_code == 404
    assert client.get(folder + "../x.fts").status_code == 404


def test_every_data_path_spelling_serves_the_jobs(ssw: SswServer, client: httpx.Client) -> None:
    job_id = submit(client, ssw, waves="304")
    wait_ready(client, ssw.job_url(job_id))
    name = ssw.jobs[job_id].file_names()[0]
    for base in DATA_PATHS:
        url = f"{ssw.base_url}{base}{job_id}/"
        assert READY_MARKER in client.get(url).text
        assert client.get(url + name).status_code == 200
    assert client.get(ssw.data_url + "ssw_service_000000_000000_00000/").status_code == 404
    polls = ssw.polls(job_id)
    moved = client.get(ssw.data_url + job_id)
    assert moved.status_code == 301 and moved.headers["location"].endswith(f"/{job_id}/")
    assert ssw.polls(job_id) == polls  # a redirect is not a poll


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"xcen": ""}, "missing required parameter"),
        ({"fovx": "wide"}, "not a number"),
        ({"fovy": "0"}, "must be in"),
        ({"waves": "94"}, "wavelength 94 is not available"),
        ({"waves": "304,x"}, "is not a wavelength"),
        ({"endtime": "2012-07-08T13:00:00"}, "is not after"),
        ({"endtime": "2012-07-10T13:00:00"}, "longer than"),
        ({"starttime": "yesterday"}, "is not a time"),
        ({"starttime": "2009-01-01T00:00:00", "endtime": "2009-01-01T00:10:00"}, "no AIA data before"),
        ({"max_frames": "-3"}, "max_frames"),
        ({"endtime": "2012-07-08T13:05:05"}, "no AIA frames"),
    ],
)
def test_bad_submits_get_an_html_error_page(
    ssw: SswServer, client: httpx.Client, change: dict[str, str], message: str
) -> None:
    before = len(ssw.jobs)
    answer = client.get(ssw.submit_url, params=params(**change))
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    assert "JobID" not in answer.text and message in answer.text
    assert len(ssw.jobs) == before
    with pytest.raises(BadQuery, match=message):
        ssw.submit(params(**change))


# --------------------------------------------------------------------------- options


def test_malicious_listing_and_its_bait(client: httpx.Client) -> None:
    with SswServer(pending_polls=0, building_polls=0, shape=(48, 48), malicious=True) as srv:
        job_id = submit(client, srv, waves="304")
        folder = srv.job_url(job_id)
        wait_ready(client, folder)
        lines = client.get(folder + list_filename(START, 304)).text.split("\n")
        hostile = [line.format(job=job_id, wave=304) for line in MALICIOUS_LINES]
        assert lines[-len(hostile) - 1 : -1] == hostile
        assert {
            "../../ssw_cutout_evil_AIA_304_.fts",
            "/etc/passwd",
            "C:\\ssw_cutout_evil_AIA_304_.fts",
        } <= set(lines)
        bait = client.get(folder + "ssw_cutout_evil_AIA_304_.fts")
        assert bait.status_code == 200 and bait.content.startswith(b"SIMPLE  =")
        assert client.get(folder + "passwd").text.startswith("root:")
        srv.set_malicious(job_id, False)
        assert not srv.is_malicious(job_id)
        assert "passwd" not in client.get(folder + list_filename(START, 304)).text
        assert client.get(folder + "ssw_cutout_evil_AIA_304_.fts").status_code == 404
    with SswServer(pending_polls=0, building_polls=0, shape=(48, 48)) as srv:
        job_id = submit(client, srv, waves="304")
        srv.set_malicious(job_id)
        wait_ready(client, srv.job_url(job_id))
        assert "/etc/passwd" in client.get(srv.job_url(job_id) + list_filename(START, 304)).text


def test_file_faults_hit_only_the_fits_files(client: httpx.Client) -> None:
    with SswServer(
        pending_polls=0, building_polls=0, shape=(48, 48), faults=["503:1"], file_faults=["cut:bytes=1000"]
    ) as srv:
        assert client.get(srv.submit_url, params=params()).status_code == 503
        job_id = submit(client, srv, waves="304")
        folder = srv.job_url(job_id)
        _, index = wait_ready(client, folder)
        (urls,) = listed_urls(client, folder, index).values()
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(urls[0])
        assert client.get(urls[0]).status_code == 200
        log = srv.requests
    assert [r.faults for r in log if r.faults] == [("503:times=1",), ("truncate:bytes=1000:times=1",)]
    cut = next(r for r in log if r.faults == ("truncate:bytes=1000:times=1",))
    assert cut.path.endswith(".fts") and cut.sent_bytes == 1000 and cut.body_bytes > 1000


def test_max_frames_cap_and_determinism(client: httpx.Client) -> None:
    blobs = []
    for _ in range(2):
        with SswServer(pending_polls=0, building_polls=0, shape=(48, 48), max_frames_cap=2, seed=9) as srv:
            job_id = submit(client, srv, waves="304", max_frames="")
            wait_ready(client, srv.job_url(job_id))
            names = srv.jobs[job_id].file_names()
            assert len(names) == 2 and srv.jobs[job_id].max_frames == 2
            blobs.append((job_id, client.get(srv.job_url(job_id) + names[1]).content))
    assert blobs[0] == blobs[1]


def test_frames_cached_under_root(tmp_path: Path, client: httpx.Client) -> None:
    with SswServer(pending_polls=0, building_polls=0, shape=(48, 48), root=tmp_path) as srv:
        job_id = submit(client, srv, waves="304")
        wait_ready(client, srv.job_url(job_id))
        name = srv.jobs[job_id].file_names()[0]
        blob = client.get(srv.job_url(job_id) + name).content
        (written,) = tmp_path.glob(f"*/{name}")
        assert written.read_bytes() == blob


def test_bad_options_are_refused() -> None:
    with pytest.raises(SandboxError):
        SswServer(pending_polls=-1)
    with pytest.raises(SandboxError):
        SswServer(shape=(8, 8))
    with pytest.raises(SandboxError):
        SswServer(max_frames_cap=0)


def test_cli_builds_the_replica_and_prints_both_urls(tmp_path: Path) -> None:
    args = build_parser().parse_args(
        [
            "sandbox",
            "serve",
            "ssw",
            "--pending-polls",
            "1",
            "--shape",
            "64x48",
            "--file-fault",
            "cut:bytes=10",
        ]
    )
    plan = FaultPlan.parse(args.fault, latency=args.latency, seed=args.seed)
    srv = sandbox.SERVE["ssw"].build(args, plan)
    assert isinstance(srv, SswServer) and srv.shape == (64, 48) and srv.pending_polls == 1
    assert srv.file_plan is not None and srv.file_plan.specs() == ["truncate:bytes=10:times=1"]
    with srv:
        env = srv.environment()
        assert env == {"JET_HUNTER_SSW_URL": srv.submit_url, "JET_HUNTER_SSW_DATA_URL": srv.data_url}
    assert json.dumps(env)


def test_cli_serve_prints_urls_env_and_file_faults(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], client: httpx.Client
) -> None:
    started: queue.Queue[SandboxServer] = queue.Queue()
    spec = sandbox.SERVE["ssw"]

    def build(args: Any, plan: Any) -> SandboxServer:
        server = spec.build(args, plan)
        started.put(server)
        return server

    monkeypatch.setitem(sandbox.SERVE, "ssw", sandbox.ServeSpec(spec.help, spec.add_arguments, build))
    codes: list[int] = []
    argv = ["sandbox", "serve", "ssw", "--shape", "48x48", "--fault", "503:1", "--file-fault", "reset:1"]
    thread = threading.Thread(target=lambda: codes.append(cli.main(argv)))
    thread.start()
    server = started.get(timeout=10)
    assert isinstance(server, SswServer)
    deadline = time.monotonic() + 10
    while not server.running and time.monotonic() < deadline:
        time.sleep(0.01)
    assert client.get(server.submit_url, params=params()).status_code in (503, 200)
    server.stop()
    thread.join(timeout=10)
    assert codes == [0]
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        f"SSW cutout service replica at {server.submit_url}  (export JET_HUNTER_SSW_URL={server.submit_url} "
        f"JET_HUNTER_SSW_DATA_URL={server.data_url})"
    )
    assert out[1] == "faults 503:times=1; files: faults reset:times=1; Ctrl-C to stop"
