"""The 6 real rows of test workflow 15803, checked value by value against the file."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from jet_store import Annotation, Classification, Store
from zoo_bridge import RowError, import_classifications, parse_classification_row
from zoo_bridge.classifications import display_scales, parse_created_at, subject_frames
from zoo_bridge.workflows import WorkflowIndex
from zoo_export_helpers import read_rows

SHAPE_FIELDS = ("x", "y", "width", "height", "angle")


@pytest.fixture(scope="module")
def rows(data_dir: Path) -> list[dict[str, str]]:
    return read_rows(data_dir / "zooniverse" / "test-workflow-15803-classifications.csv")


def _expected_annotations(row: dict[str, str], workflow_index: WorkflowIndex) -> list[dict[str, object]]:
    """What the file says, read with json alone."""
    spec = workflow_index.get(15803, row["workflow_version"])
    assert spec is not None
    found: list[dict[str, object]] = []
    for entry in json.loads(row["annotations"]):
        task = spec.tasks[entry["task"]]
        if task.type == "single":
            found.append(
                {
                    "task": entry["task"],
                    "mark_index": 0,
                    "shape": "question",
                    "answer": entry["value"].strip(),
                }
            )
            continue
        for i, mark in enumerate(entry["value"]):
            expected: dict[str, object] = {
                "task": entry["task"],
                "mark_index": i,
                "shape": task.tools[mark["tool"]].type,
                "tool": mark["tool"],
                "tool_label": mark["tool_label"],
                "frame": mark["frame"],
            }
            expected.update({k: float(mark[k]) for k in SHAPE_FIELDS if k in mark})
            found.append(expected)
    return found


def test_every_mark_frame_and_tool(
    store: Store,
    data_dir: Path,
    workflows_csv: Path,
    workflow_index: WorkflowIndex,
    rows: list[dict[str, str]],
) -> None:
    path = data_dir / "zooniverse" / "test-workflow-15803-classifications.csv"
    summary = import_classifications(store, path, workflows=workflows_csv, progress=False)
    assert (summary.rows, summary.added, summary.skipped, summary.filtered) == (6, 6, 0, 0)
    assert summary.annotations == store.count(Annotation) == 1 + 1 + 7 + 3 + 8 + 8
    for row in rows:
        cid = int(row["classification_id"])
        c = store.get(Classification, cid)
        assert c is not None
        assert c.subject_id == int(row["subject_ids"])
        assert (c.workflow_id, c.workflow_version, c.workflow_name) == (
            15803,
            row["workflow_version"],
            "Charlie_Test_1",
        )
        assert (c.user_name, c.user_id) == ("CharKap", 2103159)
        assert c.created_at == datetime.strptime(row["created_at"], "%Y-%m-%d %H:%M:%S UTC").replace(
            tzinfo=timezone.utc
        )
        assert c.subject_data == json.loads(row["subject_data"])
        assert list(c.annotations) == json.loads(row["annotations"])
        stored = store.filter(Annotation, classification_id=cid, order_by=["task", "mark_index"])
        expected = sorted(
            _expected_annotations(row, workflow_index), key=lambda e: (e["task"], e["mark_index"])
        )
        assert len(stored) == len(expected)
        for annotation, want in zip(stored, expected, strict=True):
            assert annotation.user == "CharKap" and annotation.subject_id == c.subject_id
            for name, value in want.items():
                assert getattr(annotation, name) == value, (cid, want, name)
            if annotation.shape == "point":
                assert annotation.width is None and annotation.angle is None
            if annotation.shape != "question":
                meta = c.subject_data[str(c.subject_id)]
                stamp = meta[f"#file_name_{annotation.frame}"].split("_")[2:4]
                assert annotation.frame_time == datetime.strptime("".join(stamp), "%Y%m%d%H%M%S").replace(
                    tzinfo=timezone.utc
                )
                assert annotation.hpc_x is None  # these subjects carry no WCS


def test_answers_resolve_through_the_workflow(store: Store, data_dir: Path, workflows_csv: Path) -> None:
    import_classifications(
        store,
        data_dir / "zooniverse" / "test-workflow-15803-classifications.csv",
        workflows=workflows_csv,
        progress=False,
    )
    answers = {
        (a.classification_id, a.answer, a.answer_index) for a in store.filter(Annotation, shape="question")
    }
    assert (263162128, "No", 1) in answers and (263162146, "Yes", 0) in answers


def test_frames_and_scales_from_metadata(rows: list[dict[str, str]]) -> None:
    row = rows[4]
    meta = json.loads(row["subject_data"])[row["subject_ids"]]
    assert subject_frames(meta) == 15
    # "#height": "1440.0000000000002" is the 1440-pixel image the volunteer saw
    assert set(display_scales(meta, json.loads(row["metadata"]))) == {(1.0, 1.0)}
    smaller = {"subject_dimensions": [None, {"naturalWidth": 960, "naturalHeight": 720}]}
    assert display_scales(meta, smaller) == [(2.0, 2.0), (2.0, 2.0)]


def test_marks_are_rescaled_when_the_image_was_another_size(
    rows: list[dict[str, str]], workflow_index: WorkflowIndex
) -> None:
    row = dict(rows[2])
    metadata = json.loads(row["metadata"])
    metadata["subject_dimensions"] = [{"naturalWidth": 960, "naturalHeight": 720}] + [None] * 14
    row["metadata"] = json.dumps(metadata)
    parsed = parse_classification_row(row, workflow_index)
    original = parse_classification_row(rows[2], workflow_index)
    for a, b in zip(parsed.annotations, original.annotations, strict=True):
        if a.shape == "question":
            continue
        assert a.x == pytest.approx(2 * b.x) and a.y == pytest.approx(2 * b.y)
        if a.width is not None:
            assert (a.width, a.height, a.angle) == (
                pytest.approx(2 * b.width),
                pytest.approx(2 * b.height),
                b.angle,
            )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"annotations": '[{"task": "T0", '}, "bad_json"),
        ({"annotations": '[{"task": "T9", "value": "Yes"}]'}, "unknown_task"),
        ({"annotations": '[{"task": "T1", "value": [{"tool": 4, "x": 1, "y": 2}]}]'}, "unknown_tool"),
        ({"annotations": '[{"task": "T1", "value": [{"tool": 0, "x": NaN, "y": 2}]}]'}, "not_finite"),
        ({"annotations": '[{"task": "T1", "value": [{"tool": 0, "x": 1e400, "y": 2}]}]'}, "not_finite"),
        (
            {"annotations": '[{"task": "T1", "value": [{"tool": 0, "x": 1, "y": 2, "frame": 15}]}]'},
            "frame_out_of_range",
        ),
        ({"annotations": '[{"task": "T0", "value": "Maybe"}]'}, "unknown_answer"),
        ({"subject_data": '{"1": {"retired": null}}'}, "no_subject_metadata"),
        ({"workflow_version": "16.99"}, "unknown_workflow_version"),
        ({"created_at": "yesterday"}, "bad_time"),
        ({"classification_id": '=HYPERLINK("x")'}, "bad_id"),
    ],
)
def test_malformed_rows_say_why(
    rows: list[dict[str, str]], workflow_index: WorkflowIndex, change: dict[str, str], reason: str
) -> None:
    row = {**rows[2], **change}
    with pytest.raises(RowError) as info:
        parse_classification_row(row, workflow_index)
    assert info.value.reason == reason


def test_created_at_is_utc() -> None:
    assert parse_created_at("2022-03-01 14:02:11 UTC") == datetime(2022, 3, 1, 14, 2, 11, tzinfo=timezone.utc)
    assert parse_created_at("2022-03-01T15:02:11+01:00").hour == 14
