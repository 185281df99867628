"""The file server: Range, If-Range, 416, HEAD, ETag, traversal, file faults in the request log."""

from __future__ import annotations

import contextlib
import http.client
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from jet_sandbox.errors import SandboxError
from jet_sandbox.files import DirectorySource, FileServer, FileStore, full_downloads, parse_range
from jet_sandbox.server import LoggedRequest

SIZE = 2 * 10**6


@pytest.fixture(scope="module")
def blob() -> bytes:
    """2 MB of non-repeating bytes."""
    return os.urandom(SIZE)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory, blob: bytes) -> Path:
    """A folder with a/b.fts (2 MB), small.txt, and a file outside it next door."""
    base = tmp_path_factory.mktemp("files")
    folder = base / "root"
    (folder / "a").mkdir(parents=True)
    (folder / "a" / "b.fts").write_bytes(blob)
    (folder / "small.txt").write_bytes(b"hello\n")
    (base / "secret.txt").write_bytes(b"not for you")
    with contextlib.suppress(OSError):  # no symlinks on Windows without privileges
        (folder / "escape.txt").symlink_to(base / "secret.txt")
    return folder


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as c:
        yield c


def wait_until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(0.01)


def raw_get(srv: FileServer, target: str) -> int:
    """Status of a GET with the request target exactly as given (no client-side normalisation)."""
    conn = http.client.HTTPConnection(srv.host, srv.port, timeout=10)
    try:
        conn.putrequest("GET", target, skip_accept_encoding=True)
        conn.endheaders()
        answer = conn.getresponse()
        answer.read()
        return answer.status
    finally:
        conn.close()


def entries(srv: FileServer, path: str = "/a/b.fts") -> list[LoggedRequest]:
    return [r for r in srv.requests if r.path == path]


# --------------------------------------------------------------------------- protocol


def test_get_and_head_carry_length_validators_and_ranges(
    root: Path, blob: bytes, client: httpx.Client
) -> None:
    with FileServer(root) as srv:
        assert srv.url.endswith("/") and srv.url_for("a/b.fts") == srv.url + "a/b.fts"
        head = client.head(srv.url + "a/b.fts")
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == str(SIZE)
        assert head.headers["accept-ranges"] == "bytes"
        assert head.headers["content-type"] == "application/fits"
        assert head.headers["etag"].startswith('"') and head.headers["last-modified"].endswith("GMT")
        got = client.get(srv.url + "a/b.fts")
        assert got.status_code == 200 and got.content == blob
        assert got.headers["etag"] == head.headers["etag"]  # stable
        log = srv.wait_for_requests(2)
    assert [(r.method, r.status, r.sent_bytes, r.body_bytes, r.range) for r in log] == [
        ("HEAD", 200, 0, SIZE, None),
        ("GET", 200, SIZE, SIZE, None),
    ]
    assert [r.full_body for r in log] == [False, True]


def test_ranges(root: Path, blob: bytes, client: httpx.Client) -> None:
    url_path = "a/b.fts"
    with FileServer(root) as srv:
        url = srv.url + url_path
        for asked, first, last in [
            ("bytes=1000-", 1000, SIZE - 1),
            ("bytes=10-19", 10, 19),
            ("bytes=-100", SIZE - 100, SIZE - 1),
            ("bytes=1999990-5000000", 1999990, SIZE - 1),
        ]:
            got = client.get(url, headers={"Range": asked})
            assert got.status_code == 206, asked
            assert got.headers["content-range"] == f"bytes {first}-{last}/{SIZE}"
            assert got.content == blob[first : last + 1]
            assert got.headers["content-length"] == str(last - first + 1)
        for asked in ("bytes=2000000-", "bytes=5000000-6000000", "bytes=-0"):
            got = client.get(url, headers={"Range": asked})
            assert got.status_code == 416 and got.headers["content-range"] == f"bytes */{SIZE}", asked
        for asked in ("bytes=0-1,5-9", "lines=1-2", "bytes=9-3", "bytes=abc"):  # ignored: whole file
            got = client.get(url, headers={"Range": asked})
            assert got.status_code == 200 and got.content == blob, asked
        head = client.head(url, headers={"Range": "bytes=100-"})
        assert head.status_code == 206 and head.headers["content-length"] == str(SIZE - 100)
        log = srv.wait_for_requests(12)
    assert [(r.range, r.status, r.sent_bytes) for r in log[:2]] == [
        ("bytes=1000-", 206, SIZE - 1000),
        ("bytes=10-19", 206, 10),
    ]
    assert full_downloads(log) == {"/a/b.fts": 4}


def test_if_range_and_if_none_match(root: Path, blob: bytes, client: httpx.Client) -> None:
    with FileServer(root) as srv:
        url = srv.url + "a/b.fts"
        head = client.head(url)
        etag, modified = head.headers["etag"], head.headers["last-modified"]
        for validator, status in [
            (etag, 206),
            (modified, 206),
            ('"stale-tag"', 200),
            ("W/" + etag, 200),  # weak tags never match If-Range
            ("Thu, 01 Jan 1970 00:00:00 GMT", 200),
            ("not a date", 200),
        ]:
            got = client.get(url, headers={"Range": "bytes=100-", "If-Range": validator})
            assert got.status_code == status, validator
            assert got.content == (blob[100:] if status == 206 else blob)
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
        assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_path_traversal_is_a_404(root: Path, client: httpx.Client) -> None:
    with FileServer(root) as srv:
        for target in (
            "/../secret.txt",
            "/a/../../secret.txt",
            "/%2e%2e/secret.txt",
            "/a/..%2f..%2fsecret.txt",
            "/..%5csecret.txt",
            "/C:/secret.txt",
            "//etc/passwd",
            "/escape.txt",  # a symbolic link that leaves the root
            "/missing.fts",
        ):
            assert raw_get(srv, target) == 404, target
        assert raw_get(srv, "/a/./b.fts") == 200
        assert client.get(srv.url + "small.txt").content == b"hello\n"


def test_folders_get_an_index(root: Path, client: httpx.Client) -> None:
    with FileServer(root) as srv:
        page = client.get(srv.url)
        assert page.status_code == 200 and 'href="a/"' in page.text and 'href="small.txt"' in page.text
        assert 'href="b.fts"' in client.get(srv.url + "a/").text
        moved = client.get(srv.url + "a")
        assert moved.status_code == 301 and moved.headers["location"] == "/a/"
    with FileServer(root, index=False) as srv:
        assert client.get(srv.url + "a/").status_code == 404


def test_bad_roots_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SandboxError, match="not a folder"):
        FileServer(tmp_path / "nope")
    with pytest.raises(SandboxError, match="latency_per_mb"):
        FileServer(tmp_path, latency_per_mb=-1)
    assert isinstance(FileServer(tmp_path).source, DirectorySource)


def test_parse_range_edges() -> None:
    assert parse_range("bytes=0-", 1) == (0, 0)
    assert parse_range(" Bytes = 5 - 7 ", 10) == (5, 7)
    assert parse_range("bytes=-50", 10) == (0, 9)


# --------------------------------------------------------------------------- memory and generators


def test_memory_and_generated_files_share_the_file_logic(client: httpx.Client) -> None:
    calls: list[int] = []
    gate = threading.Event()

    def make() -> bytes:
        calls.append(1)
        gate.wait(5)
        return b"generated " * 1000

    store = FileStore({"job/static.txt": b"static"})
    store.add("job/made.fts", make)
    with FileServer(store) as srv:
        results: list[bytes] = []

        def fetch() -> None:
            with httpx.Client(timeout=10) as own:
                results.append(own.get(srv.url + "job/made.fts").content)

        threads = [threading.Thread(target=fetch) for _ in range(3)]
        for thread in threads:
            thread.start()
        srv.wait_for_requests(0)
        wait_until(lambda: srv.received >= 3)
        gate.set()
        for thread in threads:
            thread.join(10)
        assert results == [b"generated " * 1000] * 3 and calls == [1]  # made once
        got = client.get(srv.url + "job/made.fts", headers={"Range": "bytes=10-19"})
        assert got.status_code == 206 and got.content == b"generated "
        assert client.get(srv.url + "job/static.txt").content == b"static"
        assert 'href="made.fts"' in client.get(srv.url + "job/").text
        assert raw_get(srv, "/job/../job/static.txt") == 404


def test_file_store_cache_folder_and_budget(tmp_path: Path) -> None:
    made: list[str] = []

    def maker(name: str) -> Callable[[], bytes]:
        return lambda: made.append(name) or name.encode() * 100

    cached = FileStore(cache_dir=tmp_path, last_modified=1_000_000_000)
    cached.add("j/x.fts", maker("x"))
    first = cached.lookup("j/x.fts")
    assert first is not None and (tmp_path / "j" / "x.fts").read_bytes() == b"x" * 100
    assert int(first.last_modified) == 1_000_000_000
    again = FileStore(cache_dir=tmp_path)
    again.add("j/x.fts", maker("x2"))
    assert again.lookup("j/x.fts") is not None and made == ["x"]  # the cached file is reused

    small = FileStore(max_cache_bytes=250)
    for name in "abc":
        small.add(f"{name}.fts", maker(name))
    for name in "abca":
        served = small.lookup(f"{name}.fts")
        assert served is not None and served.read() == name.encode() * 100
    assert made[1:] == ["a", "b", "c", "a"]  # "a" was evicted and made again
    with pytest.raises(SandboxError, match="not a safe file name"):
        small.add("../x.fts", b"")


# --------------------------------------------------------------------------- faults


def test_cut_mid_stream_then_resume_never_refetches_in_full(
    root: Path, blob: bytes, client: httpx.Client
) -> None:
    with FileServer(root, faults=["cut:bytes=500000"]) as srv:
        url = srv.url + "a/b.fts"
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(url)
        got = client.get(url, headers={"Range": "bytes=500000-"})
        assert got.status_code == 206 and blob[:500000] + got.content == blob
        log = srv.wait_for_requests(2)
    assert [(r.status, r.range, r.sent_bytes, r.body_bytes, r.faults) for r in log] == [
        (200, None, 500000, SIZE, ("truncate:bytes=500000:times=1",)),
        (206, "bytes=500000-", SIZE - 500000, SIZE - 500000, ()),
    ]
    assert full_downloads(log) == {}


def test_truncate_keep_applies_to_a_range(root: Path, client: httpx.Client) -> None:
    with FileServer(root, faults=["truncate:keep=0.5"]) as srv:
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(srv.url + "a/b.fts", headers={"Range": "bytes=1000000-"})
        (entry,) = srv.wait_for_requests(1)
    assert (entry.status, entry.sent_bytes, entry.body_bytes) == (206, 500000, 1000000)


def test_wrong_content_length(root: Path, blob: bytes, client: httpx.Client) -> None:
    with FileServer(root, faults=["length:delta=-100", "length:delta=4096:after=1"]) as srv:
        url = srv.url + "a/b.fts"
        short = client.get(url)  # looks complete, is 100 bytes short
        assert short.status_code == 200 and short.content == blob[:-100]
        assert short.headers["content-length"] == str(SIZE - 100)
        with pytest.raises(httpx.RemoteProtocolError):  # waits for 4096 bytes that never come
            client.get(url)
        assert client.get(url).content == blob
        log = srv.wait_for_requests(3)
    assert [(r.sent_bytes, r.body_bytes, r.faults, r.full_body) for r in log] == [
        (SIZE - 100, SIZE, ("length:delta=-100:times=1",), False),
        (SIZE, SIZE, ("length:delta=4096:times=1:after=1",), True),
        (SIZE, SIZE, (), True),
    ]


def test_reset_and_retry_after(root: Path, client: httpx.Client) -> None:
    faults = ["reset:1", "429:retry_after=0.2", "503:retry_after=1"]
    with FileServer(root, faults=faults) as srv:
        url = srv.url + "small.txt"
        with pytest.raises(httpx.TransportError):
            client.get(url)
        busy = client.get(url)
        assert busy.status_code == 429 and busy.headers["retry-after"] == "0.2"
        down = client.get(url)
        assert down.status_code == 503 and down.headers["retry-after"] == "1"
        assert client.get(url).content == b"hello\n"
        log = srv.wait_for_requests(4)
    assert [(r.status, r.faults) for r in log] == [
        (None, ("reset:times=1",)),
        (429, ("429:retry_after=0.2:times=1",)),
        (503, ("503:retry_after=1:times=1",)),
        (200, ()),
    ]


def test_latency_per_request_and_per_mb_bound_the_throughput(root: Path, client: httpx.Client) -> None:
    with FileServer(root, latency=0.05, latency_per_mb=0.25) as srv:  # 4 MB/s
        started = time.monotonic()
        assert client.get(srv.url + "small.txt").status_code == 200
        assert time.monotonic() - started >= 0.05
        started = time.monotonic()
        assert len(client.get(srv.url + "a/b.fts").content) == SIZE
        assert time.monotonic() - started >= 0.05 + 0.5 * 0.95


def test_a_client_that_goes_away_is_logged_with_the_bytes_really_sent(root: Path) -> None:
    with FileServer(root, latency_per_mb=1.0, chunk_size=16384) as srv:  # 2 s for the whole file
        with httpx.Client(timeout=10) as own, own.stream("GET", srv.url + "a/b.fts") as answer:
            assert answer.status_code == 200
            next(answer.iter_raw(16384))
            assert srv.in_flight() == 1
        wait_until(lambda: srv.in_flight() == 0 and srv.requests[0].sent_bytes < SIZE)
        (entry,) = srv.requests
    assert entry.body_bytes == SIZE and 0 < entry.sent_bytes < SIZE and not entry.full_body


def test_stop_interrupts_a_paced_download(root: Path) -> None:
    srv = FileServer(root, latency_per_mb=100.0).start()  # 200 s for the whole file
    errors: list[Exception] = []

    def fetch() -> None:
        try:
            with httpx.Client(timeout=30) as own:
                own.get(srv.url + "a/b.fts")
        except httpx.HTTPError as err:
            errors.append(err)

    thread = threading.Thread(target=fetch)
    thread.start()
    wait_until(lambda: srv.in_flight() == 1)
    started = time.monotonic()
    srv.stop()
    thread.join(10)
    assert time.monotonic() - started < 5 and errors and not thread.is_alive()
