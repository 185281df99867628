"""Question consensus: the same counts as panoptes_aggregation's question_reducer on the
25,292 real Jet-or-Not answers."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from jet_aggregate.errors import InputError
from jet_aggregate.questions import (
    consensus_from_annotations,
    consensus_from_extracts,
    count_answers,
    question_consensus,
    read_question_extracts,
)
from jet_store import Annotation


def _reducer_counts(path: Path) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {}
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            counts = {
                k[len("data.") :]: int(float(v))
                for k, v in row.items()
                if k.startswith("data.") and k != "data.aggregation_version" and v
            }
            out[int(row["subject_id"])] = counts
    return out


def test_real_answers_give_the_reference_reducer_counts(data_dir: Path) -> None:
    extracts = read_question_extracts(data_dir / "zooniverse/jet-or-not-18563_question_extractor.csv")
    assert extracts.subject_ids.size == 25_292
    ours = consensus_from_extracts(extracts)
    assert len(ours) == 6_373
    reference = _reducer_counts(data_dir / "zooniverse/jet-or-not-18563_question_reducer.csv")
    assert len(reference) == 3_961
    # the reducer file is its own, earlier snapshot: 3,801 subjects agree exactly, and
    # for the 160 others it counted a subset of today's answers (never more)
    same = [sid for sid, counts in reference.items() if ours[sid].counts == counts]
    assert len(same) == 3_801
    for sid, counts in reference.items():
        assert all(ours[sid].counts.get(k, 0) >= v for k, v in counts.items())
    for sid in same[:50]:
        c = ours[sid]
        assert c.n == sum(reference[sid].values())
        assert c.agreement == max(reference[sid].values()) / c.n


def test_consensus_properties() -> None:
    result = question_consensus([1, 1, 1, 2], ["Yes\n", "No", "Yes", "No"])
    assert result[1].counts == {"No": 1, "Yes": 2}
    assert result[1].majority == "Yes"
    assert result[1].fractions == {"No": 1 / 3, "Yes": 2 / 3}
    assert result[2].agreement == 1.0


def test_from_annotations_skips_marks_and_other_tasks() -> None:
    def answer(cid: int, task: str, text: str) -> Annotation:
        return Annotation(
            classification_id=cid,
            task=task,
            mark_index=0,
            subject_id=7,
            workflow_id=1,
            shape="question",
            answer=text,
        )

    point = Annotation(
        classification_id=2, task="T1", mark_index=0, subject_id=7, workflow_id=1, shape="point", x=1.0
    )
    anns = [answer(1, "T3", "Yes"), answer(2, "T3", "No"), answer(2, "T4", "No"), point]
    assert consensus_from_annotations(anns, task="T3")[7].counts == {"No": 1, "Yes": 1}


def test_bad_inputs_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        count_answers([1, 2], [0], 2)
    with pytest.raises(InputError):
        count_answers([1], [3], 2)
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(InputError):
        read_question_extracts(bad)
