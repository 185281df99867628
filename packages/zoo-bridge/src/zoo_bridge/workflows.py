"""Workflow exports: every version of every workflow, its tasks, answers and tools.

A Panoptes workflow export has one CSV row per workflow version (``version`` and
``minor_version``, written ``major.minor`` in classification exports). ``tasks`` and
``strings`` are JSON; labels in ``tasks`` are keys into ``strings``
(``"T1.tools.0.label"``). :func:`read_workflows` turns the rows into
:class:`jet_store.Workflow` records (the raw JSON kept); :class:`WorkflowSpec` is the
resolved view the classification parser uses: task types, answer labels and where each
answer leads, each drawing tool's shape and label.

Examples
--------
>>> from zoo_bridge.workflows import WorkflowSpec, parse_workflow_row
>>> row = {"workflow_id": "7", "version": "2", "minor_version": "5", "display_name": "Demo",
...        "first_task": "T0", "retirement": "{}",
...        "tasks": '{"T0": {"type": "single", "question": "T0.question", "answers": '
...                 '[{"label": "T0.answers.0.label", "next": "T1"}, {"label": "T0.answers.1.label"}]},'
...                 ' "T1": {"type": "drawing", "instruction": "T1.instruction", "tools": '
...                 '[{"type": "point", "label": "T1.tools.0.label"}]}}',
...        "strings": '{"T0.question": "Jet?", "T0.answers.0.label": "Yes", "T0.answers.1.label": "No",'
...                   ' "T1.instruction": "Mark it", "T1.tools.0.label": "Base"}'}
>>> spec = WorkflowSpec.from_record(parse_workflow_row(row))
>>> spec.version, spec.first_task, spec.graph()
('2.5', 'T0', {'T0': ('T1',), 'T1': ()})
>>> spec.tasks["T1"].tools[0].type, spec.tasks["T1"].tools[0].label
('point', 'Base')
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jet_store import Store, Workflow

from zoo_bridge.errors import RowError
from zoo_bridge.exports import ExportStream

__all__ = [
    "AnswerSpec",
    "ToolSpec",
    "TaskSpec",
    "WorkflowSpec",
    "WorkflowIndex",
    "QUESTION_TYPES",
    "DRAWING_TYPES",
    "parse_workflow_row",
    "read_workflows",
    "version_key",
]

log = logging.getLogger(__name__)

QUESTION_TYPES = frozenset({"single", "multiple"})
"""Task types whose annotation value is one answer label (single) or a list (multiple)."""
DRAWING_TYPES = frozenset({"drawing", "transcription"})
"""Task types whose annotation value is a list of marks."""

_REQUIRED_COLUMNS = ("workflow_id", "version", "tasks")


def version_key(version: str) -> tuple[int, int]:
    """``"major.minor"`` as a pair of ints, for ordering versions.

    Examples
    --------
    >>> version_key("4.52") > version_key("4.9")
    True
    >>> version_key("16")
    (16, 0)
    """
    major, _, minor = str(version).strip().partition(".")
    try:
        return int(major), int(minor or 0)
    except ValueError:
        raise RowError("bad_version", f"workflow version {version!r} is not major.minor") from None


@dataclass(frozen=True, slots=True)
class AnswerSpec:
    """One answer of a question: its index, resolved label and the task it leads to."""

    index: int
    label: str
    next: str | None = None


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """One drawing tool: its index, shape (``point``, ``rotateRectangle``...) and label."""

    index: int
    type: str
    label: str | None = None
    details: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class TaskSpec:
    """One task of a workflow version, labels resolved through ``strings``."""

    key: str
    type: str
    label: str | None = None
    answers: tuple[AnswerSpec, ...] = ()
    tools: tuple[ToolSpec, ...] = ()
    next: str | None = None

    def answer_index(self, label: str) -> int | None:
        """The index of the answer with this label (trailing whitespace ignored), or None.

        Examples
        --------
        >>> t = TaskSpec("T0", "single", answers=(AnswerSpec(0, "Yes"), AnswerSpec(1, "No\\n")))
        >>> t.answer_index("No"), t.answer_index("Maybe")
        (1, None)
        """
        wanted = label.strip()
        for answer in self.answers:
            if answer.label.strip() == wanted:
                return answer.index
        return None

    def next_tasks(self) -> tuple[str, ...]:
        """The tasks this one can lead to (the task's ``next``, then each answer's)."""
        found: list[str] = []
        for target in (self.next, *(a.next for a in self.answers)):
            if target and target not in found:
                found.append(target)
        return tuple(found)


def _resolve(strings: Mapping[str, Any], value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    resolved = strings.get(text, text)
    return None if resolved is None else str(resolved)


@dataclass(frozen=True, slots=True)
class WorkflowSpec:
    """The resolved view of one workflow version (see the module docstring)."""

    workflow_id: int
    version: str
    display_name: str | None
    first_task: str | None
    tasks: dict[str, TaskSpec] = field(default_factory=dict)

    @classmethod
    def from_record(cls, record: Workflow) -> WorkflowSpec:
        """Resolve a stored :class:`jet_store.Workflow` (labels through its ``strings``)."""
        strings = record.strings or {}
        tasks: dict[str, TaskSpec] = {}
        for key, raw in (record.tasks or {}).items():
            if not isinstance(raw, Mapping):
                continue
            answers = tuple(
                AnswerSpec(i, _resolve(strings, a.get("label")) or "", a.get("next") or None)
                for i, a in enumerate(raw.get("answers") or [])
                if isinstance(a, Mapping)
            )
            tools = tuple(
                ToolSpec(
                    i,
                    str(t.get("type") or ""),
                    _resolve(strings, t.get("label")),
                    tuple(t.get("details") or ()),
                )
                for i, t in enumerate(raw.get("tools") or [])
                if isinstance(t, Mapping)
            )
            label = _resolve(strings, raw.get("question", raw.get("instruction")))
            tasks[str(key)] = TaskSpec(
                str(key), str(raw.get("type") or ""), label, answers, tools, raw.get("next") or None
            )
        return cls(record.workflow_id, record.version, record.display_name, record.first_task, tasks)

    def graph(self) -> dict[str, tuple[str, ...]]:
        """Each task and the tasks it leads to (answer -> next task, or the task's next)."""
        return {key: task.next_tasks() for key, task in self.tasks.items()}


def _json_column(row: Mapping[str, Any], name: str) -> Any:
    text = row.get(name) or ""
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise RowError("bad_json", f"workflow column {name} is not JSON") from None
    if not isinstance(value, dict):
        raise RowError("bad_json", f"workflow column {name} is not a JSON object")
    return value


def parse_workflow_row(row: Mapping[str, Any]) -> Workflow:
    """One row of a workflow export -> a :class:`jet_store.Workflow` record.

    Raises
    ------
    RowError
        A missing id or version, or a JSON column that is not an object.
    """
    try:
        workflow_id = int(str(row.get("workflow_id") or "").strip())
        major = int(str(row.get("version") or "").strip())
        minor_text = str(row.get("minor_version") or "").strip()
        minor = int(minor_text) if minor_text else 0
    except ValueError:
        raise RowError(
            "bad_version", "workflow row without integer workflow_id/version/minor_version"
        ) from None
    return Workflow(
        workflow_id=workflow_id,
        version=f"{major}.{minor}",
        display_name=(row.get("display_name") or None),
        first_task=(row.get("first_task") or None),
        tasks=_json_column(row, "tasks"),
        strings=_json_column(row, "strings"),
        retirement=_json_column(row, "retirement"),
    )


def read_workflows(path: str | Path) -> Iterator[Workflow]:
    """Every valid version in a workflow export file (malformed rows logged and left out).

    Raises
    ------
    ExportFileError
        If the file is missing or has no ``workflow_id``/``version``/``tasks`` columns.
    """
    with ExportStream(path, required=_REQUIRED_COLUMNS, progress=False) as stream:
        for line, row in stream:
            try:
                if "__error__" in row:
                    raise RowError("bad_csv", row["__error__"])
                yield parse_workflow_row(row)
            except RowError as err:
                log.warning("%s line %d skipped: %s", path, line, err)


class WorkflowIndex:
    """Workflow versions by ``(workflow_id, version)``, resolved once.

    Examples
    --------
    >>> from jet_store import Workflow
    >>> index = WorkflowIndex([Workflow(workflow_id=1, version="2.3", tasks={"T0": {"type": "single"}})])
    >>> index.get(1, "2.3").tasks["T0"].type, index.get(1, "2.4"), index.knows(1), index.knows(2)
    ('single', None, True, False)
    """

    def __init__(self, records: Iterable[Workflow] = ()) -> None:
        self._specs: dict[tuple[int, str], WorkflowSpec] = {}
        self._ids: set[int] = set()
        for record in records:
            self.add(record)

    @classmethod
    def from_store(cls, store: Store, workflow_id: int | None = None) -> WorkflowIndex:
        """Every workflow version stored (or those of one workflow)."""
        where = [] if workflow_id is None else [("workflow_id", "=", workflow_id)]
        return cls(store.stream(Workflow, where=where))

    def add(self, record: Workflow) -> None:
        """Add (or replace) one version."""
        self._specs[(record.workflow_id, record.version)] = WorkflowSpec.from_record(record)
        self._ids.add(record.workflow_id)

    def get(self, workflow_id: int, version: str) -> WorkflowSpec | None:
        """The spec of this version, or None when the export did not have it."""
        return self._specs.get((workflow_id, version))

    def knows(self, workflow_id: int) -> bool:
        """Whether any version of this workflow is known."""
        return workflow_id in self._ids

    def __len__(self) -> int:
        return len(self._specs)
