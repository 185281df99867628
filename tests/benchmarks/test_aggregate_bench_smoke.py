"""Smoke tests of the aggregation benchmarks' data and our side (the anchor,
panoptes_aggregation, lives in the ``reference`` hatch env; without it ``main`` skips)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH_DIR = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH_DIR / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_box_benchmark_data_and_our_side() -> None:
    boxes = _load("aggregate_boxes")
    subjects = boxes.make_subjects(3)
    assert all(marks.shape == (16, 5) for _, marks in subjects)
    from jet_aggregate.iou import iou_matrix

    for truth, marks in subjects:
        (cluster,), labels = boxes.our_clusters(marks)
        assert labels.count(0) >= 12
        assert iou_matrix(cluster[0], truth)[0, 0] > 0.85


def test_question_benchmark_our_side() -> None:
    questions = _load("aggregate_questions")
    counts = questions.our_counts(questions.EXTRACTS)
    assert len(counts) == 6_373 and sum(sum(c.values()) for c in counts.values()) == 25_292


def test_benchmarks_skip_without_the_reference(tmp_path: Path) -> None:
    if importlib.util.find_spec("panoptes_aggregation") is not None:
        pytest.skip("the reference is installed here")
    for name in ("aggregate_boxes", "aggregate_questions"):
        with pytest.raises(SystemExit) as info:
            _load(name).main(["--quick", "--results-dir", str(tmp_path)])
        assert info.value.code == 4
