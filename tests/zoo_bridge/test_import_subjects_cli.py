"""Subjects exports linked to our subjects, and the ``jet-hunter import`` commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jet_hunter.cli import main
from jet_sandbox.panoptes_exports import SUBJECT_COLUMNS
from jet_store import ImportReport, Store, Subject, SubjectState
from zoo_bridge import import_subjects
from zoo_export_helpers import read_rows, write_export


def _subjects_export(path: Path, data_dir: Path) -> Path:
    real = read_rows(data_dir / "zooniverse" / "test-workflow-15803-classifications.csv")[0]
    seed_id, seed_meta = next(iter(json.loads(real["subject_data"]).items()))
    seed_meta.pop("retired")
    ours = {"#subject_key": "SOL2010-06-20/304/0", "#sol_standard": "SOL2010-06-20T11:14:44L031C130"}
    rows = [
        {
            "subject_id": "90001",
            "project_id": "11265",
            "workflow_id": "18563",
            "subject_set_id": "101",
            "metadata": ours,
            "locations": {"0": "https://panoptes-uploads.zooniverse.org/a.png"},
        },
        {
            "subject_id": "90001",
            "project_id": "11265",
            "workflow_id": "19650",
            "subject_set_id": "101",
            "metadata": ours,
            "locations": {},
        },
        {
            "subject_id": seed_id,
            "project_id": "11265",
            "workflow_id": "15803",
            "subject_set_id": "",
            "metadata": seed_meta,
            "locations": {},
        },
        {
            "subject_id": "90003",
            "project_id": "11265",
            "workflow_id": "18563",
            "subject_set_id": "101",
            "metadata": "{not json",
            "locations": {},
        },
    ]
    return write_export(path, rows, SUBJECT_COLUMNS)


def test_subjects_are_linked_or_added(store: Store, tmp_path: Path, data_dir: Path) -> None:
    store.add([Subject(key="SOL2010-06-20/304/0", rendering_paths=("a.png",), state=SubjectState.UPLOADED)])
    path = _subjects_export(tmp_path / "subjects.csv", data_dir)
    summary = import_subjects(store, path, progress=False)
    assert (summary.rows, summary.added, summary.unchanged, summary.skip_counts) == (4, 2, 1, {"bad_json": 1})
    ours = store.get(Subject, "SOL2010-06-20/304/0")
    assert ours is not None and (ours.zooniverse_id, ours.subject_set_id, ours.rendering_paths) == (
        90001,
        101,
        ("a.png",),
    )
    seed = store.get(Subject, "zooniverse-48193910")
    assert seed is not None and seed.zooniverse_id == 48193910
    assert seed.sol_standard == "SOL2010-06-20T11:14:44L031C130" and seed.metadata["#file_name_0"].endswith(
        ".png"
    )
    again = import_subjects(store, path, progress=False)
    assert (again.added, again.unchanged) == (0, 3)
    assert store.count(ImportReport, export="subjects") == 1


def test_cli_import_and_query(tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "cli.db")
    zoo = data_dir / "zooniverse"
    classifications = str(zoo / "test-workflow-15803-classifications.csv")
    workflows = str(zoo / "solar-jet-hunter-workflows.csv")
    assert main(["--db", db, "-q", "import", "workflows", workflows]) == 0
    assert "333 rows, 333 added" in capsys.readouterr().out
    assert (
        main(
            [
                "--db",
                db,
                "-q",
                "import",
                "classifications",
                classifications,
                "--workflow",
                "15803",
                "--version",
                "16.16",
                "--json",
            ]
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert (report["added"], report["filtered_counts"]) == (4, {"other_version": 2})
    assert main(["--db", db, "query", "annotations", "--json", "--where", "shape = rotateRectangle"]) == 0
    boxes = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(boxes) == 2 + 1 + 2 + 3 and {b["tool_label"] for b in boxes} == {"Rect"}
    assert main(["--db", db, "query", "classifications", "--json"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 4


def test_cli_exit_code_says_rows_were_skipped(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = read_rows(data_dir / "zooniverse" / "test-workflow-15803-classifications.csv")
    rows[2]["annotations"] = "[{"
    path = write_export(tmp_path / "c.csv", rows)
    db = str(tmp_path / "cli.db")
    workflows = str(data_dir / "zooniverse" / "solar-jet-hunter-workflows.csv")
    assert main(["--db", db, "-q", "import", "classifications", str(path), "--workflows", workflows]) == 3
    captured = capsys.readouterr()
    assert "5 added" in captured.out and "1 skipped (bad_json 1)" in captured.out
    assert "skipped line 4 (263162250): bad_json" in captured.err
    assert main(["--db", db, "import", "classifications", str(tmp_path / "missing.csv")]) == 1
    assert "cannot read export" in capsys.readouterr().err
