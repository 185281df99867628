"""One classification-export row -> a :class:`jet_store.Classification` and its
:class:`jet_store.Annotation` records (pure: no file, no database).

Columns (ZOONIVERSE.md, "Exports read back"): ``classification_id, user_name, user_id,
user_ip, workflow_id, workflow_name, workflow_version, created_at, gold_standard,
expert, metadata, annotations, subject_data, subject_ids``. The volunteer's IP hash is
not kept. Every problem raises :class:`~zoo_bridge.errors.RowError` with a short
``reason`` (``bad_json``, ``unknown_task``, ``unknown_tool``, ``not_finite``,
``frame_out_of_range``, ``no_subject_metadata``, ``unknown_workflow_version``...), so the
importer can skip the row, count it and go on.

Examples
--------
>>> import json
>>> from jet_store import Workflow
>>> from zoo_bridge.classifications import parse_classification_row
>>> from zoo_bridge.workflows import WorkflowIndex
>>> workflows = WorkflowIndex([Workflow(workflow_id=5, version="1.2", first_task="T0", tasks={
...     "T0": {"type": "single", "answers": [{"label": "Yes"}, {"label": "No"}]}})])
>>> row = {"classification_id": "11", "user_name": "not-logged-in-3f2a", "user_id": "",
...        "workflow_id": "5", "workflow_version": "1.2", "created_at": "2022-03-01 14:02:11 UTC",
...        "metadata": "{}", "annotations": json.dumps([{"task": "T0", "value": "No"}]),
...        "subject_data": json.dumps({"99": {"retired": None, "#width": "1920"}}), "subject_ids": "99"}
>>> parsed = parse_classification_row(row, workflows)
>>> parsed.classification.created_at.isoformat(), parsed.classification.user_id
('2022-03-01T14:02:11+00:00', None)
>>> [(a.shape, a.answer, a.answer_index) for a in parsed.annotations]
[('question', 'No', 1)]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from jet_store import Annotation, Classification

from zoo_bridge.cells import SubjectDataCache, cell_text, load_json, parse_created_at, whole_number
from zoo_bridge.errors import RowError
from zoo_bridge.marks import Mark, parse_mark
from zoo_bridge.metadata import frame_count
from zoo_bridge.sunmap import SunMapper, SunRequest
from zoo_bridge.workflows import DRAWING_TYPES, QUESTION_TYPES, TaskSpec, WorkflowIndex, version_key

__all__ = [
    "Draft",
    "ParsedRow",
    "parse_classification_row",
    "map_rows_to_sun",
    "parse_created_at",
    "load_json",
    "subject_frames",
    "display_scales",
    "SubjectDataCache",
]


Draft: TypeAlias = "Annotation | tuple[dict[str, Any], Mark]"
"""An annotation of a row parsed with ``map_sun=False``: an answer's, or a mark's fields
(all but the ``hpc_*`` and ``frame_time`` ones) and the mark to map."""


@dataclass(frozen=True, slots=True)
class ParsedRow:
    """A parsed row: the classification and its annotations.

    A row parsed with ``map_sun=False`` has no ``annotations`` yet but ``drafts``: in
    order, each answer's :class:`~jet_store.Annotation` and each mark's fields and
    :class:`~zoo_bridge.marks.Mark`, not yet mapped to the Sun; :func:`map_rows_to_sun`
    maps the marks of many rows at once and builds their annotations (each once).
    """

    classification: Classification
    annotations: tuple[Annotation, ...]
    drafts: tuple[Draft, ...] = ()

    @property
    def volunteer(self) -> str:
        """Who made it: the user name (``not-logged-in-<hash>`` for anonymous volunteers)."""
        return self.classification.user_name or ""


def subject_frames(metadata: Mapping[str, Any]) -> int | None:
    """How many frames the subject has: ``#frame_per_sub``, else its per-frame keys.

    Examples
    --------
    >>> subject_frames({"#frame_per_sub": "15"}), subject_frames({"#file_name_1": "b.png"})
    (15, 2)
    """
    raw = metadata.get("#frame_per_sub")
    if raw is not None:
        try:
            count = int(float(raw))
        except (TypeError, ValueError, OverflowError):
            count = 0
        if count > 0:
            return count
    return frame_count(metadata) or None


def _nominal(metadata: Mapping[str, Any], name: str) -> float | None:
    try:
        value = float(metadata[f"#{name}"])
    except (KeyError, TypeError, ValueError):
        return None
    # sizes are whole pixels; the seed wrote 1440.0000000000002
    return float(round(value)) if value > 0 and value < 1e6 else None


def _natural_size(entry: Any) -> tuple[float, float] | None:
    if isinstance(entry, Mapping):
        nw, nh = entry.get("naturalWidth"), entry.get("naturalHeight")
        if isinstance(nw, (int, float)) and isinstance(nh, (int, float)) and nw > 0 and nh > 0:
            return (float(nw), float(nh))
    return None


def display_scales(
    subject_metadata: Mapping[str, Any], classification_metadata: Mapping[str, Any]
) -> list[tuple[float, float]]:
    """Per frame, ``(sx, sy)`` from the image the volunteer saw to the nominal one.

    ``subject_dimensions`` gives each frame's ``naturalWidth``/``naturalHeight`` (or
    null: a frame not loaded takes the first known size); the nominal size is the
    subject's ``#width``/``#height``. ``(1, 1)`` when either is unknown.

    Examples
    --------
    >>> dims = {"subject_dimensions": [{"naturalWidth": 960, "naturalHeight": 720}, None]}
    >>> display_scales({"#width": "1920", "#height": "1440"}, dims)
    [(2.0, 2.0), (2.0, 2.0)]
    """
    scales = _Scales(subject_metadata, classification_metadata)
    return [scales.of(i) for i in range(scales.frames)]


class _Scales:
    """:func:`display_scales`, worked out only for the frames a row's marks are on:
    ``of(frame)`` is ``scales[frame]``, ``scales[0]`` for a frame outside the list, and
    ``(1, 1)`` when the list is empty."""

    __slots__ = ("_dims", "_height", "_known", "_width", "frames")

    def __init__(self, subject_metadata: Mapping[str, Any], classification_metadata: Mapping[str, Any]):
        self.frames = 0
        self._dims: list[Any] = []
        self._known, self._width, self._height = (1.0, 1.0), 1.0, 1.0
        width, height = _nominal(subject_metadata, "width"), _nominal(subject_metadata, "height")
        dims = classification_metadata.get("subject_dimensions")
        if width is None or height is None or not isinstance(dims, list):
            return
        known = next((size for size in map(_natural_size, dims) if size is not None), None)
        if known is not None:
            self.frames, self._dims, self._known = len(dims), dims, known
            self._width, self._height = width, height

    def of(self, frame: Any) -> tuple[float, float]:
        if not self.frames:
            return (1.0, 1.0)
        index = frame if isinstance(frame, int) and 0 <= frame < self.frames else 0
        size = _natural_size(self._dims[index]) or self._known
        return (self._width / size[0], self._height / size[1])


def _question(task: TaskSpec, value: Any, base: dict[str, Any], start: int = 0) -> list[Annotation]:
    answers = value if task.type == "multiple" else [value]
    if task.type == "multiple" and not isinstance(value, list):
        raise RowError("bad_answer", f"{task.key} (multiple choice) value is not a list")
    found: list[Annotation] = []
    for i, answer in enumerate(answers):
        if isinstance(answer, bool) or not isinstance(answer, (str, int)):
            raise RowError("bad_answer", f"{task.key} answer is not a label ({str(answer)[:30]!r})")
        if isinstance(answer, int):  # some tools write the answer's index
            index: int | None = answer if 0 <= answer < len(task.answers) else None
            label = task.answers[answer].label if index is not None else ""
        else:
            index, label = task.answer_index(answer), answer
        if index is None:
            raise RowError("unknown_answer", f"{task.key} has no answer {str(answer)[:40]!r}")
        found.append(
            Annotation(
                **base,
                task=task.key,
                mark_index=start + i,
                shape="question",
                answer=label.strip(),
                answer_index=index,
            )
        )
    return found


def parse_classification_row(
    row: Mapping[str, Any],
    workflows: WorkflowIndex,
    *,
    mapper: SunMapper | None = None,
    map_sun: bool = True,
    subjects: SubjectDataCache | None = None,
) -> ParsedRow:
    """Parse one export row (a ``csv.DictReader`` dict).

    Parameters
    ----------
    row
        The row's columns by name.
    workflows
        The known workflow versions; the row's version must be among them.
    mapper
        Maps marks to the Sun (one per import, it caches each frame's WCS); a new one
        when None.
    map_sun
        Map the marks to the Sun now; with False they are left ``pending``, for
        :func:`map_rows_to_sun` to map a batch of rows at once (faster).
    subjects
        Reuses the ``subject_data`` of the previous row when the cell is the same (one
        per import); none by default.

    Raises
    ------
    RowError
        Whatever makes the row unusable (the reason codes in the module docstring).
    """
    classification_id = whole_number(row.get("classification_id"), "bad_id", "classification_id")
    workflow_id = whole_number(row.get("workflow_id"), "bad_id", "workflow_id")
    version = str(row.get("workflow_version") or "").strip()
    major, minor = version_key(version)
    version = f"{major}.{minor}"
    spec = workflows.get(workflow_id, version)
    if spec is None:
        raise RowError(
            "unknown_workflow_version",
            f"workflow {workflow_id} version {version} is not in the workflow export",
        )
    created_at = parse_created_at(str(row.get("created_at") or ""))
    user_name = cell_text(row, "user_name")
    user_text = str(row.get("user_id") or "").strip()
    user_id = whole_number(user_text, "bad_user", "user_id") if user_text else None
    metadata = load_json(row.get("metadata"), "metadata", dict)
    raw_annotations = load_json(row.get("annotations"), "annotations", list)
    cell = row.get("subject_data")
    subject_data = subjects.load(cell) if subjects is not None else load_json(cell, "subject_data", dict)
    ids = str(row.get("subject_ids") or "").replace(";", ",").split(",")
    subject_id = whole_number(ids[0], "bad_id", "subject_ids")
    subject_metadata = subject_data.get(str(subject_id))
    if not isinstance(subject_metadata, dict) or not any(k != "retired" for k in subject_metadata):
        raise RowError("no_subject_metadata", f"subject {subject_id} has no metadata in subject_data")
    gold = str(row.get("gold_standard") or "").strip().lower()
    classification = Classification(
        classification_id=classification_id,
        subject_id=subject_id,
        workflow_id=workflow_id,
        workflow_version=version,
        created_at=created_at,
        user_name=user_name,
        user_id=user_id,
        workflow_name=cell_text(row, "workflow_name"),
        gold_standard=True if gold == "true" else (False if gold == "false" else None),
        expert=cell_text(row, "expert"),
        metadata=metadata,
        annotations=tuple(raw_annotations),
        # the parsed cell itself when it holds only this subject (shared by its rows)
        subject_data=subject_data if len(subject_data) == 1 else {str(subject_id): subject_metadata},
    )
    drafts = _annotations(classification, raw_annotations, spec.tasks, subject_metadata)
    parsed = ParsedRow(classification, (), tuple(drafts))
    return map_rows_to_sun([parsed], mapper or SunMapper())[0] if map_sun else parsed


def map_rows_to_sun(rows: Sequence[ParsedRow], mapper: SunMapper) -> list[ParsedRow]:
    """The rows with their drafts' marks mapped to the Sun, all in one
    :meth:`SunMapper.map_many <zoo_bridge.sunmap.SunMapper.map_many>` call, and their
    annotations built."""
    requests: list[SunRequest] = []
    for parsed in rows:
        c = parsed.classification
        metadata: Mapping[str, Any] | None = None
        for draft in parsed.drafts:
            if not isinstance(draft, Annotation):
                if metadata is None:
                    metadata = (c.subject_data or {}).get(str(c.subject_id)) or {}
                requests.append((metadata, draft[1], c.subject_id))
    suns = iter(mapper.map_many(requests) if requests else ())
    done: list[ParsedRow] = []
    for parsed in rows:
        if not parsed.drafts:
            done.append(parsed)
            continue
        built = tuple(
            draft if isinstance(draft, Annotation) else Annotation(**draft[0], **next(suns))
            for draft in parsed.drafts
        )
        done.append(ParsedRow(parsed.classification, parsed.annotations + built))
    return done


def _annotations(
    classification: Classification,
    raw_annotations: list[Any],
    tasks: Mapping[str, TaskSpec],
    subject_metadata: Mapping[str, Any],
) -> list[Draft]:
    base: dict[str, Any] = {
        "classification_id": classification.classification_id,
        "subject_id": classification.subject_id,
        "workflow_id": classification.workflow_id,
        "user": classification.user_name,
    }
    n_frames = subject_frames(subject_metadata)
    scales: _Scales | None = None  # worked out at the row's first mark
    found: list[Draft] = []
    used: dict[str, int] = {}
    for entry in raw_annotations:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("task"), str):
            raise RowError("bad_annotation", "an annotation is not an object with a task")
        task = tasks.get(entry["task"])
        if task is None:
            raise RowError("unknown_task", f"task {entry['task'][:30]!r} is not in the workflow version")
        value = entry.get("value")
        start = used.get(task.key, 0)  # a task may appear twice (multi-step workflows)
        if task.type in QUESTION_TYPES:
            if value is None or value == []:
                continue
            made: list[Draft] = list(_question(task, value, base, start))
        elif task.type in DRAWING_TYPES:
            if value is None:
                continue
            if not isinstance(value, list):
                raise RowError("bad_annotation", f"{task.key} (drawing) value is not a list of marks")
            made = []
            for i, raw in enumerate(value):
                frame = raw.get("frame", 0) if isinstance(raw, Mapping) else 0
                if scales is None:
                    scales = _Scales(subject_metadata, classification.metadata)
                mark = parse_mark(raw, task, n_frames=n_frames, scale=scales.of(frame))
                fields = {
                    **base,
                    "task": task.key,
                    "mark_index": start + i,
                    "shape": mark.shape,
                    "tool": mark.tool,
                    "tool_label": mark.tool_label,
                    "frame": mark.frame,
                    "x": mark.x,
                    "y": mark.y,
                    "width": mark.width,
                    "height": mark.height,
                    "angle": mark.angle,
                    "x2": mark.x2,
                    "y2": mark.y2,
                    "display_time": mark.display_time,
                    "details": mark.details,
                }
                made.append((fields, mark))
        else:
            raise RowError("unsupported_task", f"{task.key} is a {task.type or 'typeless'} task, not read")
        used[task.key] = start + len(made)
        found.extend(made)
    return found
