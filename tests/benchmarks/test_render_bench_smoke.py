"""Smoke tests of the render and movie benchmarks: they run and write result rows with a ratio.

No timing is asserted (BENCHMARKS.md: benchmarks are not tests). Both anchors need
sunpy's Map and matplotlib (the movie one also imageio-ffmpeg); without them the tests
are skipped. Sizes are tiny (a few frames, one round) so both run in well under 30 s.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

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


def _rows(results: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads((results / "results.json").read_text(encoding="utf-8"))["rows"]
    return rows


@pytest.fixture
def anchors() -> None:
    """Skip unless the anchors' libraries are installed."""
    pytest.importorskip("matplotlib")
    pytest.importorskip("sunpy.map")


@pytest.mark.usefixtures("anchors")
def test_render_quick_run_writes_both_rows(tmp_path: Path) -> None:
    render = _load("render")
    results = tmp_path / "results"
    argv = ["--quick", "--frames", "3", "--anchor-frames", "1", "--rounds", "1"]
    argv += ["--results-dir", str(results), "--tmp-dir", str(tmp_path), "--quiet"]

    assert render.main(argv) == 0

    rows = _rows(results)
    assert [row["workload"] for row in rows] == [
        "render 3 framed 1920x1440 frames of a 600x500 AIA cutout, CRPIX drifting (one core)",
        "render 3 framed 1920x1440 frames of a 300x260 AIA cutout, CRPIX drifting (one core)",
        "render 3 framed 1920x1440 frames of a 600x500 AIA cutout, CRPIX drifting (2 workers vs 1)",
    ]
    for row in rows:
        assert row["quick"] is True
        assert row["ratio"] > 0
        assert row["ours_count"] == 3
        assert row["extra"]["crpix_drift_px_per_frame"] == 0.05
    assert rows[0]["anchor_count"] == rows[1]["anchor_count"] == 1
    assert rows[0]["extra"]["furniture_drawn"] == rows[1]["extra"]["furniture_drawn"] == 1  # drift reused
    assert rows[2]["extra"]["cpu_ceiling_2_vs_1"] > 0
    # the frames live in a temp folder of their own, removed at the end
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]


@pytest.mark.usefixtures("anchors")
def test_movie_quick_run_writes_a_ratio(tmp_path: Path) -> None:
    pytest.importorskip("imageio_ffmpeg")
    movie = _load("movie")
    results = tmp_path / "results"
    argv = ["--quick", "--frames", "2", "--anchor-frames", "1", "--rounds", "1"]
    argv += ["--results-dir", str(results), "--tmp-dir", str(tmp_path), "--quiet"]

    assert movie.main(argv) == 0

    (row,) = _rows(results)
    assert row["workload"] == "render an MP4 of 2 framed 1920x1440 frames of a 600x500 AIA cutout"
    assert row["quick"] is True
    assert row["ratio"] > 0
    assert (row["anchor_count"], row["ours_count"]) == (1, 2)
    assert row["extra"]["ours_includes_rendering"] is True
    assert row["extra"]["ours_movie_bytes"] > 0
    assert row["extra"]["png_files_written"] == 0  # frames go to ffmpeg in memory
    assert 0 < row["extra"]["subject_movie_bytes"] <= 1024 * 1024
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]
