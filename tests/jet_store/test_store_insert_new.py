"""``Store.add(..., update=False)``: new keys go straight to the driver's executemany;
what is stored, what is counted and what is refused are the same as through the
comparing path, on SQLite and on PostgreSQL."""

from __future__ import annotations

import dataclasses
import sqlite3
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jet_store import RECORD_TYPES, AddResult, Annotation, FitsFrame, FrameState, InvalidRecord, Store
from record_strategies import records, same_record

T0 = datetime(2012, 7, 8, 13, 5, 7, 120000, tzinfo=timezone.utc)


@pytest.fixture
def store(db_url: str) -> Store:
    with Store(db_url) as s:
        yield s


_BATCHES = st.sampled_from(sorted(RECORD_TYPES)).flatmap(
    lambda kind: st.lists(records(RECORD_TYPES[kind]), min_size=1, max_size=4)
)


def test_records_of_every_kind_inserted_new_read_back_unchanged(store: Store) -> None:
    @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(_BATCHES)
    def check(batch: list) -> None:
        cls = type(batch[0])
        latest = {r.key: r for r in batch}
        before = {key for key in latest if store.get(cls, key) is not None}
        result = store.add(batch, update=False)
        assert (result.added, result.unchanged) == (len(latest) - len(before), len(before))
        for key in latest.keys() - before:
            assert same_record(store.get(cls, key), latest[key])

    check()


def _raw_rows(path: str, table: str) -> list[tuple[object, ...]]:
    """Every stored value as SQLite has it (text, number or NULL), with its type."""
    with closing(sqlite3.connect(path)) as db:
        columns = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
        listed = ", ".join(f"{c}, typeof({c})" for c in columns)
        return db.execute(f"SELECT {listed} FROM {table} ORDER BY rowid").fetchall()


def test_the_same_bytes_as_the_comparing_path(tmp_path: Path) -> None:
    frames = [
        FitsFrame(url=f"http://x/{n}.fits", state=FrameState.DOWNLOADED, obs_time=T0, crpix1=float("nan"),
                  crval1=float("inf") if n % 2 else None, header={"N": n, "nested": [None, {"a": 1.5}]})
        for n in range(5)
    ]  # fmt: skip
    with Store(tmp_path / "fast.db") as fast, Store(tmp_path / "slow.db") as slow:
        assert fast.add(frames, update=False) == AddResult(added=5)
        assert slow.add(frames) == AddResult(added=5)
        for mine, theirs in zip(fast.filter(FitsFrame), slow.filter(FitsFrame), strict=True):
            assert same_record(mine, theirs)
    rows = _raw_rows(str(tmp_path / "fast.db"), "frames")
    assert rows == _raw_rows(str(tmp_path / "slow.db"), "frames")
    assert "NaN" in rows[0] and "downloaded" in rows[0]


def test_counts_across_batches_and_existing_keys(store: Store) -> None:
    frames = [FitsFrame(url=f"http://x/{n}.fits", naxis1=n) for n in range(4500)]
    assert store.add(frames[1000:2000], update=False) == AddResult(added=1000)
    changed = [dataclasses.replace(f, naxis1=-1) for f in frames]
    assert store.add(changed, update=False) == AddResult(added=3500, unchanged=1000)
    assert store.count(FitsFrame) == 4500
    assert store.get(FitsFrame, "http://x/1500.fits").naxis1 == 1500  # left alone, not updated
    assert store.get(FitsFrame, "http://x/3000.fits").naxis1 == -1


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (FitsFrame(url="http://x/b.fits", header={"x": float("nan")}), "JSON"),
        (FitsFrame(url="http://x/b.fits", obs_time=datetime(2012, 7, 8)), "naive datetime"),
        (FitsFrame(url="http://x/b.fits", naxis1=2**70), "store|refused"),
    ],
)
def test_refused_values_write_nothing(store: Store, bad: FitsFrame, message: str) -> None:
    with pytest.raises(InvalidRecord, match=message):
        store.add([FitsFrame(url="http://x/good.fits"), bad], update=False)
    assert store.count(FitsFrame) == 0


def test_floats_of_every_kind_stored_as_through_the_comparing_path(tmp_path: Path) -> None:
    """SQLite floats skip their processor unless NaN: every kind of float stored the same."""
    import numpy as np

    odd: list[object] = [float("nan"), float("inf"), -float("inf"), -0.0, 5e-324, 1.5, 3, None,
                         np.float64("nan"), np.float64(2.5), np.float32(0.25)]  # fmt: skip
    marks = [
        Annotation(classification_id=1, task="T1", mark_index=n, subject_id=2, workflow_id=3, shape="point",
                   x=value, y=odd[-1 - n], hpc_x=value, angle=odd[n // 2])  # type: ignore[arg-type]
        for n, value in enumerate(odd)
    ]  # fmt: skip
    with Store(tmp_path / "fast.db") as fast, Store(tmp_path / "slow.db") as slow:
        assert fast.add(marks, update=False) == AddResult(added=len(odd))
        assert slow.add(marks) == AddResult(added=len(odd))
    rows = _raw_rows(str(tmp_path / "fast.db"), "annotations")
    assert rows == _raw_rows(str(tmp_path / "slow.db"), "annotations")
    assert sum(row.count("NaN") for row in rows) == 8  # x, y, hpc_x, angle: 2 each
