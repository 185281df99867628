"""Bulk adds on PostgreSQL send one array per column (``unnest``), not one parameter per
value, and every kind of value comes back as it went in."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from jet_store import AddResult, Annotation, FitsFrame, Store, Subject
from jet_store.schema import table_for

T0 = datetime(2012, 7, 8, 13, 0, 5, 123456, tzinfo=timezone.utc)


def _frames(n: int, **extra: Any) -> list[FitsFrame]:
    return [
        FitsFrame(
            url=f"http://x/{i:04d}.fits", obs_time=T0, exptime=math.nan, header={"N": i, "L": [1, 2]}, **extra
        )
        for i in range(n)
    ]


def test_a_bulk_add_binds_one_array_per_column(postgres_url: str) -> None:
    with Store(postgres_url) as store:
        sent: list[int] = []

        @sa.event.listens_for(store.engine, "before_cursor_execute")
        def count(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
            if statement.startswith("INSERT INTO frames"):
                sent.append(len(params))

        assert store.add(_frames(1500)) == AddResult(added=1500)
        assert store.add(_frames(1500)) == AddResult(unchanged=1500)
    # the multi-row VALUES form bound 29 parameters per frame, up to 1000 frames a statement
    assert sent and all(n <= len(table_for(FitsFrame).columns) for n in sent), sent


def test_values_come_back_through_the_arrays(postgres_url: str) -> None:
    subject = Subject(key="s1", rendering_paths=("a.png", "b.png"), metadata={"#width": 1920}, updated_at=T0)
    mark = Annotation(
        classification_id=1, task="T1", mark_index=0, subject_id=9, workflow_id=19650, shape="rectangle",
        details=([{"value": 0}], None), x=math.inf, frame_time=T0,
    )  # fmt: skip
    with Store(postgres_url) as store:
        assert store.add([subject, mark, *_frames(3)]) == AddResult(added=5)
        assert store.get(Subject, "s1") == subject
        assert store.get(Annotation, (1, "T1", 0)) == mark
        frame = store.get(FitsFrame, "http://x/0001.fits")
        assert frame is not None and frame.obs_time == T0 and math.isnan(frame.exptime or 0.0)
        assert frame.header == {"N": 1, "L": [1, 2]}
        changed = [*_frames(2), FitsFrame(url="http://x/0002.fits", obs_time=T0, state="downloaded")]
        assert store.add(changed) == AddResult(updated=1, unchanged=2)
        assert store.get(FitsFrame, "http://x/0002.fits").state == "downloaded"  # type: ignore[union-attr]
