"""Store bugs of issue 8: stream() and writes, big composite deletes, NaN, a locked file, ``~``."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from jet_store import (
    Annotation,
    FitsFrame,
    FrameState,
    ServiceError,
    Store,
    StoreBusy,
    UserError,
)
from jet_store.store import normalise_url


@pytest.fixture
def store(db_url: str) -> Store:
    with Store(db_url) as s:
        yield s


def _frames(n: int) -> list[FitsFrame]:
    return [FitsFrame(url=f"http://x/{i:04d}.fits") for i in range(n)]


def test_writes_inside_a_stream_loop_survive_an_early_break(store: Store) -> None:
    store.add(_frames(5))
    for frame in store.stream(FitsFrame, batch_size=2):
        assert store.set_state(FitsFrame, [frame.url], FrameState.DOWNLOADED) == 1
        break
    assert store.get(FitsFrame, "http://x/0000.fits").state == "downloaded"  # type: ignore[union-attr]


def test_writes_inside_an_open_stream_are_committed_at_once(store: Store, db_url: str) -> None:
    store.add(_frames(5))
    rows = store.stream(FitsFrame, batch_size=2)
    first = next(rows)
    store.set_state(FitsFrame, [first.url], FrameState.FAILED)
    with Store(db_url) as other:  # another process's view
        assert other.get(FitsFrame, first.url).state == "failed"  # type: ignore[union-attr]
    assert [f.url for f in rows] == [f"http://x/{i:04d}.fits" for i in range(1, 5)]


def test_stream_inside_a_transaction_sees_its_writes(store: Store) -> None:
    with store.transaction():
        store.add(_frames(3))
        assert len(list(store.stream(FitsFrame))) == 3


def test_deleting_many_composite_keys(store: Store) -> None:
    marks = [
        Annotation(
            classification_id=n // 3, task="T1", mark_index=n % 3, subject_id=1, workflow_id=2, shape="point"
        )
        for n in range(4500)
    ]
    store.add(marks)
    keys = [m.key for m in marks[:1500]]
    assert store.delete(Annotation, keys) == 1500
    assert store.count(Annotation) == 3000
    assert store.get(Annotation, marks[1500].key) == marks[1500]


def test_nan_and_infinities_come_back_the_same_on_both_backends(store: Store) -> None:
    store.add(
        [
            FitsFrame(url="http://x/nan.fits", crpix1=math.nan, crval1=math.inf, cdelt1=-math.inf),
            FitsFrame(url="http://x/one.fits", crpix1=1.0, crval1=2.0, cdelt1=3.0),
            FitsFrame(url="http://x/none.fits"),
        ]
    )
    back = store.get(FitsFrame, "http://x/nan.fits")
    assert back is not None
    assert math.isnan(back.crpix1)  # type: ignore[arg-type]
    assert (back.crval1, back.cdelt1) == (math.inf, -math.inf)
    assert store.get(FitsFrame, "http://x/none.fits").crpix1 is None  # type: ignore[union-attr]
    # NaN sorts after every number and equals itself in filters, as PostgreSQL defines it
    ordered = [f.url for f in store.filter(FitsFrame, where=[("crpix1", "!=", None)], order_by="crpix1")]
    assert ordered == ["http://x/one.fits", "http://x/nan.fits"]
    assert store.count(FitsFrame, where=[("crpix1", "=", math.nan)]) == 1
    assert store.count(FitsFrame, where=[("crpix1", ">", 5)]) == 1
    assert store.count(FitsFrame, where=[("crval1", ">", 1e308)]) == 1


LOCKER = textwrap.dedent(
    """
    import sqlite3, sys
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO frames (url, state, header) VALUES ('http://x/locker.fits', 'pending', '{}')")
    print("locked", flush=True)
    sys.stdin.readline()
    conn.execute("ROLLBACK")
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX locks")
def test_a_locked_sqlite_file_names_its_holder_and_is_a_service_error(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    Store(path).close()
    proc = subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        store = Store(path, busy_timeout=0.2)
        assert store.count(FitsFrame) == 0  # readers are not blocked (WAL)
        with pytest.raises(StoreBusy) as info:
            store.add(_frames(1))
        message = str(info.value)
        assert isinstance(info.value, ServiceError)
        assert str(path) in message
        assert "0.2 s" in message
        if Path("/proc/locks").exists():
            assert f"pid {proc.pid}" in message
        assert proc.stdin is not None
        proc.stdin.write("done\n")
        proc.stdin.flush()
        proc.wait(timeout=30)
        store.add(_frames(1))  # free again
        assert store.count(FitsFrame) == 1
    finally:
        proc.kill()
        proc.wait(timeout=30)


def test_busy_timeout_must_be_a_number_of_seconds(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="busy_timeout"):
        Store(tmp_path / "x.db", busy_timeout=-1)
    with pytest.raises(UserError, match="busy_timeout"):
        Store(tmp_path / "x.db", busy_timeout=math.nan)


def test_busy_timeout_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JET_HUNTER_DB_BUSY_TIMEOUT", "2.5")
    assert Store(tmp_path / "x.db").busy_timeout == 2.5
    monkeypatch.setenv("JET_HUNTER_DB_BUSY_TIMEOUT", "soon")
    with pytest.raises(UserError, match="JET_HUNTER_DB_BUSY_TIMEOUT"):
        Store(tmp_path / "x.db")


@pytest.mark.parametrize("url", ["~/jets.db", "sqlite:///~/jets.db"])
def test_home_folder_in_a_database_path_is_expanded(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert normalise_url(url) == f"sqlite:///{tmp_path / 'jets.db'}"
    with Store(url) as store:
        store.add(_frames(1))
    assert (tmp_path / "jets.db").is_file()
    assert not Path("~").exists()
    with Store(url, create=False) as again:
        assert again.count(FitsFrame) == 1
    os.remove(tmp_path / "jets.db")
    with pytest.raises(UserError, match="no database"):
        Store(url, create=False)
