"""The Store on SQLite and on a real PostgreSQL server: round trips, idempotence, queries."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jet_store import (
    RECORD_TYPES,
    AddResult,
    Annotation,
    BadFilter,
    CutoutJob,
    FitsFrame,
    FrameState,
    HekEvent,
    InvalidRecord,
    JobState,
    Store,
    UnknownField,
    UnknownKind,
    UserError,
    Workflow,
)
from record_strategies import records, same_record

T0 = datetime(2010, 6, 20, 11, 14, 44, 123456, tzinfo=timezone.utc)


def event(n: int, **changes: object) -> HekEvent:
    base = HekEvent(
        kb_archivid=f"ivo://helio-informatics.org/CJ_{n:05d}",
        event_type="CJ",
        start_time=T0 + timedelta(hours=n),
        end_time=T0 + timedelta(hours=n, minutes=12),
        sol_standard=f"SOL2010-06-20T{n % 24:02d}:14:44L{n}C0",
        hpc_x=-500.0 + n,
        hpc_y=300.25,
        channel=("171", "193", "211", "304")[n % 4],
        raw={"kb_archivid": f"ivo://x/{n}", "hpc_radius": "578.1", "peak": "", "nested": [1, {"a": None}]},
    )
    return dataclasses.replace(base, **changes)


@pytest.fixture
def store(db_url: str) -> Store:
    with Store(db_url) as s:
        yield s


@pytest.mark.parametrize("kind", sorted(RECORD_TYPES))
def test_every_kind_round_trips_unchanged(store: Store, kind: str) -> None:
    cls = RECORD_TYPES[kind]

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(records(cls), min_size=1, max_size=4))
    def check(batch: list) -> None:
        store.add(batch)
        latest = {r.key: r for r in batch}
        for key, record in latest.items():
            assert same_record(store.get(cls, key), record)

    check()


def test_readding_changes_nothing(store: Store) -> None:
    batch = [event(n) for n in range(50)]
    assert store.add(batch) == AddResult(added=50)
    assert store.add(batch) == AddResult(unchanged=50)
    assert store.add(reversed(batch)) == AddResult(unchanged=50)
    assert store.count(HekEvent) == 50
    assert store.filter(HekEvent) == sorted(batch, key=lambda e: e.kb_archivid)


def test_update_replaces_and_insert_only_keeps(store: Store) -> None:
    store.add([event(1), event(2)])
    moved = event(1, hpc_x=1.0, raw={"changed": True})
    assert store.add([moved, event(2), event(3)]) == AddResult(added=1, updated=1, unchanged=1)
    assert store.get(HekEvent, moved.kb_archivid) == moved
    assert store.add([event(1)], update=False) == AddResult(unchanged=1)
    assert store.get(HekEvent, moved.kb_archivid) == moved


def test_duplicate_keys_in_one_call_last_wins(store: Store) -> None:
    result = store.add([event(1, hpc_x=1.0), event(1, hpc_x=2.0)])
    assert result == AddResult(added=1)
    assert store.get(HekEvent, event(1).kb_archivid).hpc_x == 2.0


def test_large_bulk_add_spans_batches(store: Store) -> None:
    batch = [event(n) for n in range(4500)]
    assert store.add(batch).added == 4500
    assert store.count("events") == 4500
    assert sum(1 for _ in store.stream("events", batch_size=333)) == 4500


def test_mixed_kinds_in_one_call(store: Store) -> None:
    wf = Workflow(
        workflow_id=19650, version="4.52", display_name="Box the jets", tasks={"T1": {"type": "drawing"}}
    )
    ann = Annotation(
        classification_id=1,
        task="T1",
        mark_index=0,
        subject_id=9,
        workflow_id=19650,
        shape="point",
        x=1.5,
        y=2.5,
        frame=3,
    )
    assert store.add([event(1), wf, ann]) == AddResult(added=3)
    assert store.get("workflows", (19650, "4.52")) == wf
    assert store.get(Annotation, (1, "T1", 0)) == ann
    assert store.get(Annotation, (1, "T1", 1)) is None


def test_filters(store: Store) -> None:
    store.add([event(n) for n in range(10)])
    assert store.count("events", where=[("channel", "=", "304")]) == 2
    assert store.count("events", channel="304") == 2
    assert store.count("events", where=[("channel", "!=", "304")]) == 8
    assert store.count("events", where=[("hpc_x", ">=", "-495")]) == 5
    assert store.count("events", where=[("hpc_x", "<", -495)]) == 5
    assert store.count("events", where=[("start_time", ">", "2010-06-20T15:00")]) == 6
    assert store.count("events", where=[("start_time", "<=", T0 + timedelta(hours=3))]) == 4
    assert store.count("events", where=[("sol_standard", "like", "%L1%")]) == 1
    assert store.count("events", where=[("peak_time", "=", "null")]) == 10
    assert store.count("events", where=[("peak_time", "!=", None)]) == 0
    newest = store.filter("events", order_by="-start_time", limit=3)
    assert [e.kb_archivid for e in newest] == [event(n).kb_archivid for n in (9, 8, 7)]


@pytest.mark.parametrize(
    ("condition", "error"),
    [
        (("nope", "=", "1"), UnknownField),
        (("hpc_x", "~", "1"), BadFilter),
        (("hpc_x", "=", "west"), BadFilter),
        (("start_time", ">", "yesterday"), BadFilter),
        (("raw", "=", "{}"), BadFilter),
        (("hpc_x", "like", "1%"), BadFilter),
        (("peak_time", "<", "null"), BadFilter),
    ],
)
def test_bad_filters_are_clear(store: Store, condition: tuple, error: type) -> None:
    with pytest.raises(error):
        store.count("events", where=[condition])


def test_unknown_kind(store: Store) -> None:
    with pytest.raises(UnknownKind, match="known kinds"):
        store.filter("comets")


def test_stage_states(store: Store) -> None:
    jobs = [
        CutoutJob(
            key=f"ssw:{n}",
            backend="ssw",
            start_time=T0,
            end_time=T0 + timedelta(minutes=30),
            center_x=-500.0,
            center_y=300.0,
            fov_x=120.0,
            fov_y=120.0,
            wavelengths=(304, 171),
        )
        for n in range(5)
    ]
    store.add(jobs)
    assert store.counts()["cutouts"] == {"total": 5, "states": {"new": 5}}
    assert store.set_state("cutouts", ["ssw:0", "ssw:1"], JobState.SUBMITTED) == 2
    assert store.counts()["cutouts"]["states"] == {"new": 3, "submitted": 2}
    assert store.filter("cutouts", state="submitted")[0].wavelengths == (304, 171)
    updated = store.update(
        "cutouts", "ssw:2", state=JobState.READY, remote_id="ssw_service_150113_120434_79087"
    )
    assert store.get(CutoutJob, "ssw:2") == updated
    assert store.delete("cutouts", ["ssw:3", "ssw:4", "ssw:404"]) == 2
    with pytest.raises(UserError, match="no stage state"):
        store.set_state("events", [], "x")


def test_transaction_is_all_or_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.add([event(1)])
        store.add([FitsFrame(url="http://x/a.fits", state=FrameState.DOWNLOADED)])
        raise RuntimeError("killed mid-stage")
    assert store.count("events") == 0
    assert store.count("frames") == 0


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (event(1, raw={"x": float("nan")}), "JSON"),
        (event(1, start_time=datetime(2010, 6, 20)), "naive datetime"),
    ],
)
def test_invalid_values_are_refused_and_nothing_written(store: Store, bad: HekEvent, message: str) -> None:
    with pytest.raises(InvalidRecord, match=message):
        store.add([event(2), bad])
    assert store.count("events") == 0


def test_not_a_record(store: Store) -> None:
    with pytest.raises(InvalidRecord):
        store.add([{"kb_archivid": "x"}])  # type: ignore[list-item]


def test_nul_in_text_is_refused_on_postgres_and_kept_on_sqlite(store: Store) -> None:
    bad = event(1, description="nul\x00byte")
    if store.backend == "postgresql":
        with pytest.raises(InvalidRecord):
            store.add([bad])
    else:
        store.add([bad])
        assert store.get(HekEvent, bad.kb_archivid) == bad


def test_integer_beyond_64_bits_is_refused(store: Store) -> None:
    with pytest.raises(InvalidRecord):
        store.add([FitsFrame(url="http://x/big.fits", naxis1=2**70)])
    assert store.count("frames") == 0
