"""Consensus of volunteers' answers to a question task, per subject.

The counts are those of panoptes_aggregation's ``question_reducer`` (each
classification's answer counts once for its subject); on top of them each subject gets
its fractions, its majority answer and the agreement (the majority's fraction).
Everything is vectorised: answers become integer codes and are counted with one
``numpy.bincount`` over ``subject x answer`` cells.

Examples
--------
>>> from jet_aggregate.questions import question_consensus
>>> result = question_consensus([10, 10, 10, 11], ["Yes", "No", "Yes", "No"])
>>> result[10].counts, result[10].majority, round(result[10].agreement, 3)
({'No': 1, 'Yes': 2}, 'Yes', 0.667)
>>> result[11].fractions
{'No': 1.0}
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from jet_aggregate.errors import InputError

__all__ = [
    "QuestionConsensus",
    "QuestionExtracts",
    "count_answers",
    "question_consensus",
    "consensus_from_annotations",
    "read_question_extracts",
]


@dataclass(frozen=True, slots=True)
class QuestionConsensus:
    """The answers to one question for one subject.

    Attributes
    ----------
    subject_id
        The subject.
    counts
        Answer -> number of classifications that gave it (answers nobody gave are absent).
    n
        Number of answers counted.
    """

    subject_id: int
    counts: dict[str, int]
    n: int

    @property
    def fractions(self) -> dict[str, float]:
        """Answer -> fraction of the answers."""
        return {key: value / self.n for key, value in self.counts.items()}

    @property
    def majority(self) -> str | None:
        """The most frequent answer (ties: the first in sorted order); ``None`` if no answers."""
        if not self.counts:
            return None
        return max(sorted(self.counts), key=lambda key: self.counts[key])

    @property
    def agreement(self) -> float:
        """Fraction of the answers that are the majority answer (0 when there are none)."""
        majority = self.majority
        return self.counts[majority] / self.n if majority is not None else 0.0


@dataclass(frozen=True, slots=True)
class QuestionExtracts:
    """Answers as arrays: one row per answer, ``labels[codes[i]]`` the answer text."""

    subject_ids: npt.NDArray[np.int64]
    codes: npt.NDArray[np.int64]
    labels: tuple[str, ...]


def count_answers(
    subject_ids: npt.ArrayLike, codes: npt.ArrayLike, n_labels: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Count answer codes per subject: ``(unique subject ids, counts[subject, code])``.

    Examples
    --------
    >>> from jet_aggregate.questions import count_answers
    >>> ids, counts = count_answers([5, 3, 5], [1, 0, 1], 2)
    >>> ids.tolist(), counts.tolist()
    ([3, 5], [[1, 0], [0, 2]])
    """
    sid = np.asarray(subject_ids, dtype=np.int64)
    code = np.asarray(codes, dtype=np.int64)
    if sid.shape != code.shape or sid.ndim != 1:
        raise InputError("subject_ids and codes must be 1-D arrays of one length")
    if code.size and (code.min() < 0 or code.max() >= n_labels):
        raise InputError(f"answer codes must lie in 0..{n_labels - 1}")
    unique, row = np.unique(sid, return_inverse=True)
    counts = np.bincount(row * n_labels + code, minlength=unique.size * n_labels)
    return unique, counts.reshape(unique.size, n_labels).astype(np.int64)


def _consensus(
    unique: npt.NDArray[np.int64], counts: npt.NDArray[np.int64], labels: Sequence[str]
) -> dict[int, QuestionConsensus]:
    out: dict[int, QuestionConsensus] = {}
    totals = counts.sum(axis=1)
    for i, subject in enumerate(unique.tolist()):
        row = counts[i]
        given = {labels[int(j)]: int(row[j]) for j in np.flatnonzero(row)}
        out[int(subject)] = QuestionConsensus(int(subject), dict(sorted(given.items())), int(totals[i]))
    return out


def question_consensus(subject_ids: Iterable[int], answers: Iterable[str]) -> dict[int, QuestionConsensus]:
    """Consensus per subject from parallel sequences of subject ids and answer texts.

    Answer texts are compared after stripping whitespace (Panoptes labels can end in
    a newline).
    """
    sid = np.fromiter((int(s) for s in subject_ids), dtype=np.int64)
    texts = [str(a).strip() for a in answers]
    if len(texts) != sid.size:
        raise InputError(f"{sid.size} subject ids but {len(texts)} answers")
    label_list = sorted(set(texts))
    index = {label: i for i, label in enumerate(label_list)}
    codes = np.fromiter((index[t] for t in texts), dtype=np.int64, count=len(texts))
    unique, counts = count_answers(sid, codes, max(len(label_list), 1))
    return _consensus(unique, counts, label_list)


def consensus_from_annotations(
    annotations: Iterable[Any], task: str | None = None
) -> dict[int, QuestionConsensus]:
    """Consensus per subject from ``jet_store.Annotation`` records of shape ``question``.

    Parameters
    ----------
    annotations
        Annotation records; those of other shapes (and other tasks, if ``task`` is
        given) are skipped, and so are unanswered questions.
    task
        Keep only this task's answers.
    """
    ids: list[int] = []
    answers: list[str] = []
    for ann in annotations:
        if ann.shape != "question" or ann.answer is None or (task is not None and ann.task != task):
            continue
        ids.append(ann.subject_id)
        answers.append(ann.answer)
    return question_consensus(ids, answers)


def read_question_extracts(path: str | Path, *, task: str | None = None) -> QuestionExtracts:
    """Read a panoptes_aggregation ``question_extractor`` CSV into arrays.

    Each filled ``data.<answer>`` cell is one answer of that label for the row's
    subject (the reference reducer adds one per answer key of an extract).

    Raises
    ------
    InputError
        If the file has no ``subject_id`` or no ``data.`` answer columns.
    """
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or "subject_id" not in header:
            raise InputError(f"{path}: not a question extract (no subject_id column)")
        answer_cols = [
            i
            for i, name in enumerate(header)
            if name.startswith("data.") and name != "data.aggregation_version"
        ]
        if not answer_cols:
            raise InputError(f"{path}: no data.<answer> columns")
        sid_col = header.index("subject_id")
        task_col = header.index("task") if "task" in header else None
        rows = [row for row in reader if task is None or task_col is None or row[task_col] == task]
    labels = tuple(header[i][len("data.") :] for i in answer_cols)
    subject = np.array([int(row[sid_col]) for row in rows], dtype=np.int64)
    table = np.array([[row[i] for i in answer_cols] for row in rows], dtype=object).reshape(
        len(rows), len(answer_cols)
    )
    # the reducer adds one per answer key present in an extract, whatever its value
    r, c = np.nonzero(table != "")
    return QuestionExtracts(subject[r], c.astype(np.int64), labels)


def consensus_from_extracts(extracts: QuestionExtracts) -> dict[int, QuestionConsensus]:
    """Consensus per subject from :func:`read_question_extracts` arrays."""
    unique, counts = count_answers(extracts.subject_ids, extracts.codes, len(extracts.labels))
    return _consensus(unique, counts, extracts.labels)


def counts_table(consensus: Mapping[int, QuestionConsensus]) -> dict[int, dict[str, int]]:
    """Subject -> answer counts, the shape of the reference reducer's output."""
    return {subject: dict(c.counts) for subject, c in consensus.items()}


__all__ += ["consensus_from_extracts", "counts_table"]
