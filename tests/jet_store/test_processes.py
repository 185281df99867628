"""Several processes on one database, and processes killed in the middle of a write."""

from __future__ import annotations

import os
import signal
import sys
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa
from jet_store import FitsFrame, Store
from process_helpers import spawn, start_together, wait_for

WRITER = textwrap.dedent(
    """
    import sys
    from jet_store import FitsFrame, Store
    url, name, batches, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    store = Store(url)
    print("ready", flush=True)
    sys.stdin.readline()  # start together
    for b in range(batches):
        store.add([FitsFrame(url=f"http://{name}/{b}/{i}.fits", header={"N": i}) for i in range(size)])
    print("done", flush=True)
    """
)

BULK = textwrap.dedent(
    """
    import sys
    from jet_store import FitsFrame, Store
    url, n = sys.argv[1], int(sys.argv[2])
    store = Store(url)
    header = {f"KEY{k}": k * 1.5 for k in range(60)}
    batch = [FitsFrame(url=f"http://bulk/{i}.fits", header=header) for i in range(n)]
    print("adding", flush=True)
    store.add(batch)
    print("added", flush=True)
    """
)


def test_two_processes_write_one_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"  # both create the schema: a race too
    procs = [spawn(WRITER, url, name, 20, 200) for name in ("a", "b")]
    start_together(procs)
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert "done" in out
    store = Store(url)
    assert store.count(FitsFrame) == 2 * 20 * 200
    assert store.count(FitsFrame, where=[("url", "like", "http://b/%")]) == 20 * 200


def _insert_in_progress(url: str) -> bool:
    if url.startswith("sqlite"):
        wal = Path(sa.make_url(url).database + "-wal")  # type: ignore[operator]
        return wal.exists() and wal.stat().st_size > 2_000_000
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            active = conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE state = 'active' AND query LIKE 'INSERT INTO frames%' AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
        return bool(active)
    finally:
        engine.dispose()


def test_killed_bulk_insert_leaves_no_partial_batch(db_url: str) -> None:
    store = Store(db_url)
    first = [FitsFrame(url=f"http://first/{i}.fits") for i in range(100)]
    store.add(first)
    proc = spawn(BULK, db_url, 60_000)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "adding"
    wait_for(lambda: _insert_in_progress(db_url) or proc.poll() is not None, what="the bulk insert")
    assert proc.poll() is None, "the bulk insert finished before it could be killed; make it bigger"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    # a later process sees exactly what was committed before
    after = Store(db_url)
    assert after.count(FitsFrame) == 100
    assert {f.url for f in after.filter(FitsFrame)} == {f.url for f in first}
    # and can write again (no stale lock)
    after.add([FitsFrame(url="http://later/1.fits")])
    assert after.count(FitsFrame) == 101


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_reader_not_blocked_by_writer(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'wal.db'}"
    store = Store(url)
    store.add([FitsFrame(url="http://x/1.fits")])
    with store.transaction():
        store.add([FitsFrame(url="http://x/2.fits")])
        # another connection (another process in real life) still reads the last commit
        other = Store(url)
        assert other.count(FitsFrame) == 1
    assert other.count(FitsFrame) == 2
