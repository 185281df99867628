"""Smoke test of the upload benchmark: it runs both sides, verifies them, writes a row.

No timing is asserted (BENCHMARKS.md: benchmarks are not tests); sizes are tiny.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parents[2] / "benchmarks"


def test_upload_quick_run_writes_a_ratio_and_duplicate_counts(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("bench_upload", BENCH_DIR / "upload.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    results = tmp_path / "results"
    argv = ["--quick", "--subjects", "3", "--frames", "2", "--latency", "0", "--rounds", "1"]
    assert module.main([*argv, "--results-dir", str(results), "--quiet"]) == 0
    (row,) = json.loads((results / "results.json").read_text(encoding="utf-8"))["rows"]
    assert row["quick"] is True and row["ratio"] > 0
    dups = row["extra"]["duplicates"]
    assert set(dups) == {"anchor", "ours"}
    assert dups["ours"]["duplicates"] == 0 and dups["ours"]["without_media"] == 0
