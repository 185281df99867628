"""The real Solar Jet Hunter workflow export resolves into tasks, answers and tools."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml
from jet_store import ImportReport, Store, Workflow
from zoo_bridge import ExportFileError, import_workflows
from zoo_bridge.workflows import WorkflowIndex, WorkflowSpec, read_workflows, version_key


def test_every_version_of_every_workflow_is_read(workflows_csv: Path) -> None:
    records = list(read_workflows(workflows_csv))
    assert len(records) == 333
    assert Counter(r.workflow_id for r in records) == {
        18564: 136,
        13958: 62,
        19650: 55,
        13459: 24,
        15803: 21,
        18563: 20,
        21225: 15,
    }
    assert len({r.key for r in records}) == 333  # (id, major.minor) is unique


def test_box_the_jets_4_52(workflow_index: WorkflowIndex, zoo_data: Path) -> None:
    spec = workflow_index.get(19650, "4.52")
    assert spec is not None
    assert (spec.display_name, spec.first_task) == ("Box the jets", "T3")
    labels = yaml.safe_load((zoo_data / "box-the-jets-19650_task_labels.yaml").read_text())
    t3, t1, t4, t5 = (spec.tasks[k] for k in ("T3", "T1", "T4", "T5"))
    assert t3.type == "single" and t4.type == "single"
    assert [(a.label, a.next) for a in t3.answers] == [("Yes", "T1"), ("No", None)]
    assert [(a.label, a.next) for a in t4.answers] == [("Yes", "T5"), ("No", None)]
    assert t3.label == labels["T3.question"] and t4.label == labels["T4.question"]
    for task in (t1, t5):
        assert task.type == "drawing"
        assert [tool.type for tool in task.tools] == ["point", "point", "rotateRectangle"]
        assert [tool.label for tool in task.tools] == [
            labels[f"{task.key}.tools.{i}.label"] for i in range(3)
        ]
        assert task.label == labels[f"{task.key}.instruction"]
    assert spec.graph() == {"T1": ("T4",), "T3": ("T1",), "T4": ("T5",), "T5": ()}


def test_jet_or_not_5_19(workflow_index: WorkflowIndex) -> None:
    spec = workflow_index.get(18563, "5.19")
    assert spec is not None and spec.first_task == "T0" and list(spec.tasks) == ["T0"]
    t0 = spec.tasks["T0"]
    assert t0.type == "single"
    assert [a.label for a in t0.answers] == [
        "Yes, there is at least one jet in this image sequence.",
        "No, there are no jets in this image sequence.",
    ]
    assert t0.label == "Do you see a solar jet in the video clip?"


def test_test_workflow_labels_keep_their_newlines(workflow_index: WorkflowIndex) -> None:
    spec = workflow_index.get(15803, "16.16")
    assert spec is not None
    t0 = spec.tasks["T0"]
    assert [a.label for a in t0.answers] == ["Yes", "No\n"]
    assert t0.answer_index("No") == 1
    assert [spec.tasks[k].tools[0].type for k in ("T1", "T2", "T3")] == ["point", "point", "rotateRectangle"]


def test_versions_order_numerically() -> None:
    assert sorted(["4.52", "4.9", "10.1", "4.100"], key=version_key) == ["4.9", "4.52", "4.100", "10.1"]


def test_import_is_idempotent_and_reported(store: Store, workflows_csv: Path) -> None:
    first = import_workflows(store, workflows_csv, progress=False)
    assert (first.rows, first.added, first.skipped) == (333, 333, 0)
    again = import_workflows(store, workflows_csv, progress=False)
    assert (again.added, again.unchanged) == (0, 333)
    assert store.count(Workflow) == 333
    reports = store.filter(ImportReport)
    assert len(reports) == 1 and reports[0].rows == 333 and reports[0].export == "workflows"
    stored = store.get(Workflow, (19650, "4.52"))
    assert stored is not None and WorkflowSpec.from_record(stored) == WorkflowIndex.from_store(store).get(
        19650, "4.52"
    )


def test_not_a_workflow_export_is_a_user_error(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ExportFileError, match="no column workflow_id"):
        import_workflows(store, path, progress=False)
    with pytest.raises(ExportFileError, match="cannot read"):
        import_workflows(store, tmp_path / "missing.csv", progress=False)
