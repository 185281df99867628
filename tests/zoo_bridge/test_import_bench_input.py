"""The benchmark's generated export is a valid export whose marks all map to the Sun."""

from __future__ import annotations

import gc
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
from jet_render.coords import ImageGeometry, pixel_to_world
from jet_store import Annotation, Store
from zoo_bridge import ExportFileError, frame_metadata, import_classifications, import_workflows
from zoo_bridge.classifications import SubjectDataCache, parse_classification_row
from zoo_bridge.workflows import WorkflowIndex
from zoo_export_helpers import read_rows

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "import_export.py"


def _bench() -> ModuleType:
    sys.path.insert(0, str(BENCH.parent))
    spec = importlib.util.spec_from_file_location("bench_import_export", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_generated_export_imports_with_every_mark_on_the_sun(tmp_path: Path, workflows_csv: Path) -> None:
    bench = _bench()
    path = tmp_path / "export.csv"
    rows = bench.generate(path, 0.3)
    store = Store(tmp_path / "s.db")
    summary = import_classifications(store, path, workflows=workflows_csv, progress=False)
    assert (summary.rows, summary.added, summary.skipped) == (rows, rows, 0)
    marks = store.filter(Annotation, where=[("shape", "!=", "question")])
    assert len(marks) == 3 * rows
    assert all(m.hpc_x is not None and m.frame_time is not None for m in marks)
    # every point as jet_render maps it from that frame's own metadata (per-frame CRPIX)
    stored = {c.classification_id: c for c in store.stream("classifications")}
    for mark in (m for m in marks if m.shape == "point"):
        meta = stored[mark.classification_id].subject_data[str(mark.subject_id)]
        frame = frame_metadata(meta, mark.frame)
        geometry = ImageGeometry.from_metadata({**meta, **frame.wcs})
        tx, ty = pixel_to_world(mark.x, mark.y, geometry, frame.wcs)
        assert (mark.hpc_x, mark.hpc_y) == pytest.approx((float(tx), float(ty)), abs=1e-6)
        assert mark.frame_time == frame.obs_time


def test_quick_run_writes_a_row(tmp_path: Path) -> None:
    pytest.importorskip("pandas")  # the anchor: only in the bench environment
    bench = _bench()
    argv = ["--quick", "--size-mb", "0.2", "--rounds", "1", "--quiet"]
    assert bench.main([*argv, "--results-dir", str(tmp_path / "results"), "--tmp-dir", str(tmp_path)]) == 0
    row = json.loads((tmp_path / "results" / "results.json").read_text())["rows"][-1]
    assert row["benchmark"] == "import_export.py" and row["ours_count"] == row["extra"]["rows"]
    assert set(row["extra"]["peak_bytes"]) == {
        "ours", "anchor", "ours_quarter", "anchor_quarter", "ours_half", "anchor_half"
    }  # fmt: skip
    assert row["extra"]["part_rows"]["half"] < row["extra"]["rows"]


def test_the_first_rows_are_the_smaller_export(tmp_path: Path) -> None:
    bench = _bench()
    big, small, cut = tmp_path / "big.csv", tmp_path / "small.csv", tmp_path / "cut.csv"
    bench.generate(big, 0.2)
    rows = bench.generate(small, 0.05)
    assert bench.head(big, cut, 0.05) == rows
    assert cut.read_bytes() == small.read_bytes()


def test_rows_of_one_subject_share_its_parsed_metadata(tmp_path: Path, workflows_csv: Path) -> None:
    bench = _bench()
    path = tmp_path / "export.csv"
    bench.generate(path, 0.2)  # ~40 rows, 16 per subject, each row with its subject's cell
    rows = read_rows(path)
    index = WorkflowIndex.from_store(_with_workflows(tmp_path, workflows_csv))
    cache = SubjectDataCache()
    parsed = [parse_classification_row(row, index, map_sun=False, subjects=cache) for row in rows]
    values = [p.classification.subject_data for p in parsed]
    for row, value in zip(rows, values, strict=True):
        assert value == json.loads(row["subject_data"])
    assert values[0] is values[15] and values[16] is not values[15]  # parsed once per subject
    assert values[16] != values[15]


def test_import_stores_each_row_its_own_subject_data_and_restores_gc(
    tmp_path: Path, workflows_csv: Path
) -> None:
    bench = _bench()
    path = tmp_path / "export.csv"
    bench.generate(path, 0.2)
    before = gc.get_threshold()
    store = Store(tmp_path / "s.db")
    import_classifications(store, path, workflows=workflows_csv, progress=False)
    assert gc.get_threshold() == before
    stored = {c.classification_id: c for c in store.stream("classifications")}
    for row in read_rows(path):
        assert stored[int(row["classification_id"])].subject_data == json.loads(row["subject_data"])
    with pytest.raises(ExportFileError):
        import_classifications(store, tmp_path / "missing.csv", progress=False)
    assert gc.get_threshold() == before


def _with_workflows(tmp_path: Path, workflows_csv: Path) -> Store:
    store = Store(tmp_path / "w.db")
    import_workflows(store, workflows_csv, progress=False)
    return store
