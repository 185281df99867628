"""``benchmarks/compare_stores.py`` finds any stored value that differs, and only those."""

from __future__ import annotations

import runpy
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from jet_store import Annotation, Classification, Store

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "compare_stores.py"
T0 = datetime(2022, 3, 1, 14, 2, 11, tzinfo=timezone.utc)


def _script() -> dict[str, Any]:
    return runpy.run_path(str(SCRIPT))  # a script in a folder, not an installed module


def _store(path: Path, hpc_x: float | None, extra: bool = False) -> Path:
    with Store(path) as store:
        store.add([Classification(classification_id=1, subject_id=2, workflow_id=3, workflow_version="4.52",
                                  created_at=T0, metadata={"a": [1, 2.5]})])  # fmt: skip
        ids = {"classification_id": 1, "subject_id": 2, "workflow_id": 3, "task": "T1", "shape": "point"}
        store.add([Annotation(**ids, mark_index=i, x=1.0 * i, hpc_x=hpc_x) for i in range(2 + extra)])
    return path


def test_identical_stores_pass_and_any_difference_is_named(tmp_path: Path) -> None:
    compare = _script()["compare"]
    same = _store(tmp_path / "a.db", 1.5), _store(tmp_path / "b.db", 1.5)
    assert compare(*same) == []
    assert _script()["main"]([str(p) for p in same]) == 0
    ulp = _store(tmp_path / "c.db", 1.5000000000000002)
    problems = compare(same[0], ulp)
    assert problems == ["annotations row 1: [('hpc_x', 1.5, 1.5000000000000002)]"]
    assert compare(same[0], _store(tmp_path / "d.db", None)) != []
    longer = _store(tmp_path / "e.db", 1.5, extra=True)
    assert compare(same[0], longer) == ["annotations: row 3 is only in e.db"]
    assert _script()["main"]([str(same[0]), str(ulp)]) == 1
