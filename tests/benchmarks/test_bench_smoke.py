"""Smoke tests of the benchmark scripts: they run, and write a results row with a ratio.

No timing is asserted (BENCHMARKS.md: benchmarks are not tests). The store benchmark
needs peewee, its anchor, which only the ``bench`` hatch environment installs; without
it that test is skipped.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH_DIR = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str) -> ModuleType:
    # the benchmarks are scripts in a folder, not an installed package
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH_DIR / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_store_ingest_quick_run_writes_a_ratio(tmp_path: Path) -> None:
    pytest.importorskip("peewee")
    store_ingest = _load("store_ingest")
    results = tmp_path / "results"
    argv = ["--quick", "--records", "20", "--anchor-records", "4", "--rounds", "1"]
    argv += ["--results-dir", str(results), "--tmp-dir", str(tmp_path), "--quiet"]

    assert store_ingest.main(argv) == 0

    rows = json.loads((results / "results.json").read_text(encoding="utf-8"))["rows"]
    assert [row["workload"] for row in rows] == [
        "ingest 20 FITS header records into the store",
        "read 20 FITS header records back from the store",
    ]
    for row in rows:
        assert row["quick"] is True
        assert row["ratio"] > 0
        assert row["anchor_count"] == 4
        assert row["ours_count"] == 20
    assert rows[0]["extra"]["ours_db_bytes"] > 0
    assert rows[0]["extra"]["anchor_db_bytes"] > 0
    assert "ingest 20 FITS header records" in (results / "results.md").read_text(encoding="utf-8")
    # the databases live in a temp folder of their own, removed at the end
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]


def test_headers_are_realistic_and_reproducible() -> None:
    store_ingest = _load("store_ingest")
    first, again = store_ingest.make_sources(151), store_ingest.make_sources(151)
    assert first == again
    header = first[0].header
    assert 90 <= len(header) <= 120
    assert {type(v) for v in header.values()} == {str, int, float, bool}
    assert header["TELESCOP"] == "SDO/AIA"
    assert len({s.url for s in first}) == 151
    assert first[0].job_key != first[150].job_key  # a new event every 150 frames


def test_results_table_keeps_full_runs_apart_from_quick_runs(tmp_path: Path) -> None:
    common = _load("_common")
    full = common.Result(
        workload="w", anchor="a", anchor_median_s=10.0, ours_median_s=1.0, target=">= 5x", target_ratio=5.0
    )
    quick = common.Result(
        workload="w",
        anchor="a",
        anchor_median_s=2.0,
        ours_median_s=1.0,
        target=">= 5x",
        target_ratio=5.0,
        unit="records",
        anchor_count=10,
        ours_count=100,
        quick=True,
    )
    common.append_result(full, tmp_path)
    md = common.append_result(quick, tmp_path).read_text(encoding="utf-8")

    assert full.ratio == pytest.approx(10.0)
    assert quick.ratio == pytest.approx(20.0)  # 100 records/s vs 5: records/s when counts differ
    assert "| 10.0x | >= 5x met |" in md
    assert "## Smoke runs" in md
    assert [row.quick for row in common.load_rows(tmp_path)] == [False, True]


def test_run_all_finds_every_benchmark_but_itself() -> None:
    run_all = _load("run_all")
    names = [p.stem for p in run_all.discover()]
    assert "store_ingest" in names
    assert "run_all" not in names
    assert not [name for name in names if name.startswith("_")]
