"""Fuzzed export rows never crash the parser or the importer, and each is reported."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jet_store import Annotation, Classification, Store
from zoo_bridge import RowError, import_classifications, parse_classification_row
from zoo_bridge.workflows import WorkflowIndex
from zoo_export_helpers import read_rows, write_export

DATA = Path(__file__).parents[1] / "data" / "zooniverse"
BASE = read_rows(DATA / "test-workflow-15803-classifications.csv")[4]  # a row with every kind of task

formula = st.sampled_from(["=1+1", "+SUM(A1:A9)", "-2+3", "@cmd", '=HYPERLINK("http://x")', "\t=1"])
numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e308, -1e308, 10**400, 5e-324]),
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=20), formula),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _json_text(value: Any) -> str:
    return json.dumps(value, allow_nan=True)


def _mark(data: st.DataObject) -> Any:
    mark: dict[str, Any] = {"tool": 0, "frame": 0, "x": 1.0, "y": 2.0, "details": []}
    for key in data.draw(
        st.lists(
            st.sampled_from(
                ["tool", "frame", "x", "y", "angle", "width", "toolIndex", "toolType", "details"]
            ),
            max_size=3,
        )
    ):
        mark[key] = data.draw(json_values)
    return mark


@st.composite
def fuzzed_rows(draw: st.DrawFn) -> dict[str, str]:
    row = dict(BASE)
    annotations = json.loads(row["annotations"])
    data = draw(st.data())
    choice = draw(
        st.sampled_from(["column_text", "broken_json", "wrong_types", "mark", "numbers", "unicode"])
    )
    if choice == "column_text":
        column = draw(st.sampled_from(list(row)))
        row[column] = draw(st.one_of(st.text(max_size=40), formula))
    elif choice == "broken_json":
        column = draw(st.sampled_from(["annotations", "metadata", "subject_data"]))
        text = row[column]
        cut = draw(st.integers(min_value=0, max_value=len(text)))
        row[column] = text[:cut] + draw(st.sampled_from(["", "{", "]", '"', "NaN", "\\u0000", "\\ud800"]))
    elif choice == "wrong_types":
        column = draw(st.sampled_from(["annotations", "metadata", "subject_data"]))
        row[column] = _json_text(draw(json_values))
    elif choice == "mark":
        task = draw(st.integers(min_value=1, max_value=3))
        annotations[task]["value"] = [_mark(data) for _ in range(draw(st.integers(1, 3)))]
        row["annotations"] = _json_text(annotations)
    elif choice == "numbers":
        annotations[1]["value"][0]["x"] = draw(numbers)
        annotations[3]["value"][0]["angle"] = draw(numbers)
        row["annotations"] = _json_text(annotations)
        row["user_id"] = str(draw(st.integers(min_value=-(10**40), max_value=10**40)))
    else:
        annotations[0]["value"] = draw(st.text(min_size=1, max_size=10))
        annotations[2]["task_label"] = draw(st.text(max_size=30))
        row["annotations"] = _json_text(annotations)
        row["user_name"] = draw(st.text(min_size=1, max_size=20))
    return row


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(row=fuzzed_rows())
def test_parser_raises_only_row_errors(workflow_index: WorkflowIndex, row: dict[str, str]) -> None:
    try:
        parsed = parse_classification_row(row, workflow_index)
    except RowError as err:
        problem = err
    else:
        problem = None
    if problem is not None:
        assert problem.reason
        assert str(problem)
        return
    for a in parsed.annotations:
        for name in ("x", "y", "width", "height", "angle"):
            value = getattr(a, name)
            assert value is None or math.isfinite(value)
    json.dumps([parsed.classification.metadata, parsed.classification.annotations], allow_nan=False)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(rows=st.lists(fuzzed_rows(), min_size=1, max_size=12))
def test_importer_never_crashes_and_reports_each_row(
    tmp_path: Path, workflow_index: WorkflowIndex, rows: list[dict[str, str]]
) -> None:
    for i, row in enumerate(rows):  # distinct ids, so only malformed rows are left out
        if row["classification_id"] == BASE["classification_id"]:
            row["classification_id"] = str(1000 + i)
    path = write_export(tmp_path / "fuzz.csv", rows)
    store = Store("sqlite://")
    summary = import_classifications(store, path, workflows=workflow_index, progress=False)
    assert summary.rows == len(rows)
    assert summary.added + summary.skipped + summary.filtered == len(rows)
    assert len(summary.skipped_rows) == summary.skipped
    assert store.count(Classification) == summary.added
    assert store.count(Annotation) == summary.annotations
    assert (summary.exit_code == 0) == (summary.skipped == 0)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(rows=st.lists(fuzzed_rows(), min_size=1, max_size=8))
def test_postgresql_takes_every_row_the_parser_accepts(
    tmp_path: Path, postgres_url: str, workflow_index: WorkflowIndex, rows: list[dict[str, str]]
) -> None:
    # PostgreSQL refuses more than SQLite (NUL, lone surrogates, NaN in json): the parser
    # must have refused those rows already, or a whole batch would fail here
    path = write_export(tmp_path / "fuzz.csv", rows)
    store = Store(postgres_url)
    try:
        summary = import_classifications(store, path, workflows=workflow_index, progress=False)
    finally:
        store.close()
    assert summary.rows == len(rows)
    assert summary.added + summary.unchanged + summary.skipped + summary.filtered == len(rows)
