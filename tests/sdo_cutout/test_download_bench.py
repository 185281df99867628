"""Smoke test of benchmarks/download.py: it runs and writes a row (no timing is asserted).

The anchor, parfive, is installed only in the ``bench`` hatch environment; without it the
run is skipped. The input files are checked everywhere.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
from astropy.io import fits

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "download.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_download", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_input_files_are_valid_fits_and_reproducible(tmp_path: Path) -> None:
    bench = _load()
    first = bench.make_files(tmp_path / "a", 4, (40, 30))
    again = bench.make_files(tmp_path / "b", 4, (40, 30))
    assert first == again and len({s.name for s in first}) == 4
    path = tmp_path / "a" / bench.JOB / first[0].name
    assert hashlib.sha256(path.read_bytes()).hexdigest() == first[0].sha256
    with fits.open(path, checksum=True) as hdul:
        assert hdul[0].data.shape == (30, 40) and hdul[0].header["WAVELNTH"] == 171


def test_quick_run_writes_a_row(tmp_path: Path) -> None:
    pytest.importorskip("parfive")
    bench = _load()
    results = tmp_path / "results"
    argv = ["--quick", "--files", "6", "--rounds", "1", "--no-kill", "--quiet"]
    assert bench.main([*argv, "--results-dir", str(results), "--tmp-dir", str(tmp_path)]) == 0
    [row] = json.loads((results / "results.json").read_text(encoding="utf-8"))["rows"]
    assert row["quick"] is True and row["ratio"] > 0 and row["extra"]["files"] == 6
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]
