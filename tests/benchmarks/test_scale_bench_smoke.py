"""Smoke test of benchmarks/scale.py: its parts run on tiny sizes and give rows (no timing asserted)."""

from __future__ import annotations

import importlib.util
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

BENCH_DIR = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH_DIR / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_store_numbers_and_aggregation_rows(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    scale = _load("scale")
    numbers = scale._store_numbers(f"sqlite:///{tmp_path / 'f.db'}", 400, lambda _store: 1)
    assert set(numbers) == {
        "insert_s",
        "count_pending_s",
        "one_job_s",
        "get_url_s",
        "claim_release_64_s",
        "bytes",
    }
    args = SimpleNamespace(quick=True, rounds=1, quiet=True, crowds=1)
    with ThreadPoolExecutor(2) as pool:
        (row,) = scale.bench_aggregation(args, [("2 threads", pool)])
    assert row.unit == "subjects" and row.ours_count == 10 and row.ratio > 0 and row.quick
