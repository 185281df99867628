"""Importing classification exports: the 25,292 real Jet-or-Not answers, idempotence,
newer exports, filters, duplicates and the stored report."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from astropy.time import Time
from jet_store import Annotation, Classification, ImportReport, Store, UserError
from zoo_bridge import ImportOptions, import_classifications
from zoo_bridge.workflows import WorkflowIndex
from zoo_export_helpers import read_rows, write_export

YES = "Yes, there is at least one jet in this image sequence."
NO = "No, there are no jets in this image sequence."


@pytest.fixture(scope="module")
def extract(data_dir: Path) -> list[dict[str, str]]:
    return read_rows(data_dir / "zooniverse" / "jet-or-not-18563_question_extractor.csv")


def export_rows(extract: list[dict[str, str]]) -> list[dict[str, Any]]:
    """The extractor's rows turned back into the classification export's shape."""
    rows = []
    for r in extract:
        answer = YES if r["data.yes-there-is-at-least-one-jet-in-this-image-sequence"] else NO
        rows.append(
            {
                "classification_id": r["classification_id"],
                "user_name": r["user_name"],
                "user_id": r["user_id"].removesuffix(".0"),
                "user_ip": "",
                "workflow_id": r["workflow_id"],
                "workflow_name": "Jet or Not",
                "workflow_version": "5.19",
                "created_at": r["created_at"],
                "gold_standard": "",
                "expert": "",
                "metadata": {"source": "api"},
                "annotations": [
                    {"task": r["task"], "task_label": "Do you see a solar jet?", "value": answer}
                ],
                "subject_data": {r["subject_id"]: {"retired": None, "#subject_key": f"s{r['subject_id']}"}},
                "subject_ids": r["subject_id"],
            }
        )
    return rows


@pytest.fixture(scope="module")
def jet_or_not(tmp_path_factory: pytest.TempPathFactory, extract: list[dict[str, str]]) -> Path:
    return write_export(tmp_path_factory.mktemp("exports") / "jet-or-not.csv", export_rows(extract))


def test_real_answers_count_per_subject_as_the_extract(
    store: Store, jet_or_not: Path, workflows_csv: Path, extract: list[dict[str, str]]
) -> None:
    summary = import_classifications(store, jet_or_not, workflows=workflows_csv, progress=False)
    assert (summary.rows, summary.added, summary.skipped, summary.filtered) == (25292, 25292, 0, 0)
    plain = Counter(
        (
            int(r["subject_id"]),
            "yes" if r["data.yes-there-is-at-least-one-jet-in-this-image-sequence"] else "no",
        )
        for r in extract
    )
    stored = Counter(
        (a.subject_id, "yes" if a.answer_index == 0 else "no")
        for a in store.stream(Annotation, shape="question")
    )
    assert stored == plain
    assert len({s for s, _ in stored}) == 6373
    assert store.count(Classification, where=[("user_name", "like", "not-logged-in-%")]) == 4010

    again = import_classifications(store, jet_or_not, workflows=workflows_csv, progress=False)
    assert (again.added, again.unchanged) == (0, 25292)
    assert store.count(Annotation) == 25292
    assert store.count(ImportReport, export="classifications") == 1


def test_a_newer_export_adds_only_what_is_new(
    store: Store, tmp_path: Path, workflow_index: WorkflowIndex, extract: list[dict[str, str]]
) -> None:
    rows = export_rows(extract[:3000])
    older = write_export(tmp_path / "older.csv", rows[:2000])
    newer = write_export(tmp_path / "newer.csv", rows)
    assert import_classifications(store, older, workflows=workflow_index, progress=False).added == 2000
    summary = import_classifications(store, newer, workflows=workflow_index, progress=False)
    assert (summary.added, summary.unchanged) == (1000, 2000)
    assert store.count(Classification) == 3000
    assert store.count(ImportReport) == 2


def test_filters(
    store: Store, tmp_path: Path, workflow_index: WorkflowIndex, extract: list[dict[str, str]]
) -> None:
    rows = export_rows(extract[:4000])
    path = write_export(tmp_path / "c.csv", rows)
    since, until = "2021-06-20", "2021-06-25"
    options = ImportOptions(since=since, until=until, version="5.19", workflow_id=18563)
    summary = import_classifications(store, path, options, workflows=workflow_index, progress=False)
    inside = [r for r in rows if "2021-06-20" <= r["created_at"][:10] < "2021-06-25"]
    assert summary.added == len(inside) == store.count(Classification)
    assert summary.filtered_counts == {
        k: v
        for k, v in {
            "before_since": sum(r["created_at"][:10] < "2021-06-20" for r in rows),
            "after_until": sum(r["created_at"][:10] >= "2021-06-25" for r in rows),
        }.items()
        if v
    }
    assert import_classifications(
        Store("sqlite://"), path, ImportOptions(min_version="5.20"), workflows=workflow_index, progress=False
    ).filtered_counts == {"other_version": 4000}
    assert (
        import_classifications(
            Store("sqlite://"),
            path,
            ImportOptions(workflow_id=19650),
            workflows=workflow_index,
            progress=False,
        ).added
        == 0
    )


@pytest.mark.parametrize("keep", ["first", "last"])
def test_first_or_last_per_volunteer_and_subject(
    tmp_path: Path, workflow_index: WorkflowIndex, extract: list[dict[str, str]], keep: str
) -> None:
    rows = export_rows(extract[:8000])
    path = write_export(tmp_path / "c.csv", rows)
    chosen: dict[tuple[str, str], tuple[str, int]] = {}
    for r in rows:
        pair, candidate = (r["user_name"], r["subject_ids"]), (r["created_at"], int(r["classification_id"]))
        if pair not in chosen or (candidate > chosen[pair] if keep == "last" else candidate < chosen[pair]):
            chosen[pair] = candidate
    store = Store("sqlite://")
    summary = import_classifications(
        store,
        path,
        ImportOptions(keep=keep),  # type: ignore[arg-type]
        workflows=workflow_index,
        progress=False,
    )
    assert {c.classification_id for c in store.stream(Classification)} == {cid for _, cid in chosen.values()}
    assert summary.filtered_counts == {f"not_{keep}": 8000 - len(chosen)} and len(chosen) < 8000


def test_repeated_rows_are_dropped(
    tmp_path: Path, workflow_index: WorkflowIndex, extract: list[dict[str, str]]
) -> None:
    rows = export_rows(extract[:10])
    path = write_export(tmp_path / "c.csv", rows + rows[3:5])
    summary = import_classifications(Store("sqlite://"), path, workflows=workflow_index, progress=False)
    assert (summary.rows, summary.added, summary.filtered_counts) == (12, 10, {"duplicate": 2})


def test_malformed_rows_are_reported_and_stored(
    store: Store, tmp_path: Path, workflow_index: WorkflowIndex, extract: list[dict[str, str]]
) -> None:
    rows = export_rows(extract[:5])
    rows[1]["annotations"] = "[{broken"
    rows[2]["workflow_version"] = "5.99"
    rows[3]["subject_data"] = {}
    path = write_export(tmp_path / "c.csv", rows)
    summary = import_classifications(store, path, workflows=workflow_index, progress=False)
    assert summary.skip_counts == {"bad_json": 1, "unknown_workflow_version": 1, "no_subject_metadata": 1}
    assert summary.exit_code == 3 and summary.added == 2
    report = store.filter(ImportReport)[0]
    assert report.skipped == 3 and report.skip_counts == summary.skip_counts
    assert [(r["line"], r["id"], r["reason"]) for r in report.skipped_rows] == [
        (3, rows[1]["classification_id"], "bad_json"),
        (4, rows[2]["classification_id"], "unknown_workflow_version"),
        (5, rows[3]["classification_id"], "no_subject_metadata"),
    ]
    assert json.loads(json.dumps(summary.to_dict()))["skipped"] == 3


def test_dates_may_be_astropy_times() -> None:
    options = ImportOptions(since=Time("2021-06-20T12:00:00", scale="utc"), until="2021-06-25")
    assert options.since == datetime(2021, 6, 20, 12, tzinfo=timezone.utc)
    assert options.filter_reason({"created_at": "2021-06-20 11:59:59 UTC"}) == "before_since"
    assert options.filter_reason({"created_at": "2021-06-25 00:00:00 UTC"}) == "after_until"
    assert options.filter_reason({"created_at": "2021-06-21 00:00:00 UTC"}) is None


def test_bad_options_are_user_errors() -> None:
    with pytest.raises(UserError):
        ImportOptions(version="5.19", min_version="5.1")
    with pytest.raises(UserError):
        ImportOptions(since="not a date")
    with pytest.raises(UserError):
        ImportOptions(keep="middle")  # type: ignore[arg-type]


def test_postgresql_and_sqlite_hold_the_same(db_url: str, data_dir: Path, workflows_csv: Path) -> None:
    store = Store(db_url)
    path = data_dir / "zooniverse" / "test-workflow-15803-classifications.csv"
    summary = import_classifications(store, path, workflows=workflows_csv, progress=False)
    assert (summary.added, store.count(Annotation)) == (6, 28)
    assert import_classifications(store, path, workflows=workflows_csv, progress=False).added == 0
    store.close()


def test_a_stray_quote_costs_its_rows_not_the_file(tmp_path: Path) -> None:
    from zoo_bridge.exports import ExportStream

    path = tmp_path / "c.csv"
    path.write_text('a,b\n1,"x\n' + "2,y\n" * 50 + '3,"' + "z" * 500 + '"\n4,w\n')
    with ExportStream(path, progress=False, field_limit=100) as stream:
        rows = list(stream)
    assert any("__error__" in row for _, row in rows)
    assert rows[-1] == (rows[-1][0], {"a": "4", "b": "w"})


def test_a_newer_export_replaces_the_last_classification(
    tmp_path: Path, workflow_index: WorkflowIndex, extract: list[dict[str, str]]
) -> None:
    rows = export_rows(extract[:40])
    later = {**rows[0], "classification_id": "999000001", "created_at": "2023-01-01 00:00:00 UTC"}
    later["annotations"] = [{"task": "T0", "value": NO if rows[0]["annotations"][0]["value"] == YES else YES}]
    store = Store(tmp_path / "s.db")
    options = ImportOptions(keep="last", workflow_id=18563)
    import_classifications(store, write_export(tmp_path / "old.csv", rows), options,
                           workflows=workflow_index, progress=False)  # fmt: skip
    assert store.get(Classification, int(rows[0]["classification_id"])) is not None
    summary = import_classifications(store, write_export(tmp_path / "new.csv", [*rows, later]), options,
                                     workflows=workflow_index, progress=False)  # fmt: skip
    assert summary.filtered_counts["replaced_by_last"] == 1 and summary.added == 1
    assert store.get(Classification, int(rows[0]["classification_id"])) is None
    kept = store.filter(Annotation, subject_id=int(rows[0]["subject_ids"]), user=rows[0]["user_name"])
    assert [a.classification_id for a in kept] == [999000001]
    assert store.count(Annotation) == store.count(Classification)
