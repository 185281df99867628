"""The three project exports of the Panoptes replica, in the real CSV formats.

Columns, exactly as Panoptes' ``Formatter::Csv`` classes (and, for workflows, the real
Solar Jet Hunter export, which carries the ``aggregation`` column) write them:

* classifications: :data:`CLASSIFICATION_COLUMNS`. ``created_at`` like
  ``2022-03-01 14:02:11 UTC``; ``user_ip`` a salted hash, never the address;
  anonymous volunteers are ``not-logged-in-<that hash>`` with an empty ``user_id``;
  ``workflow_version`` ``major.minor``; ``metadata``, ``annotations`` and
  ``subject_data`` JSON. Annotations are rewritten as ``AnnotationForCsv`` does: a
  ``task_label`` on every task, the answer's label text for single questions (a list
  for multiple), a ``tool_label`` on every drawn mark, the rest as sent.
* subjects: :data:`SUBJECT_COLUMNS`, one row per (subject set, workflow of that set);
  a subject in no set, or in a set without workflows, has empty ids there.
* workflows: :data:`WORKFLOW_COLUMNS`, one row per version.

Examples
--------
>>> export_time(0.0)
'1970-01-01 00:00:00 UTC'
>>> task = {"type": "single", "question": "T0.question", "answers": [{"label": "T0.answers.0.label"}]}
>>> strings = {"T0.question": "Is there a jet?", "T0.answers.0.label": "Yes"}
>>> annotation_for_csv({"task": "T0", "value": 0}, {"T0": task}, strings)
{'task': 'T0', 'task_label': 'Is there a jet?', 'value': 'Yes'}
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from jet_sandbox.panoptes_records import Classification, Subject, Workflow

__all__ = [
    "CLASSIFICATION_COLUMNS",
    "SUBJECT_COLUMNS",
    "WORKFLOW_COLUMNS",
    "EXPORT_KINDS",
    "export_time",
    "hashed_ip",
    "annotation_for_csv",
    "classification_rows",
    "subject_rows",
    "workflow_export",
    "to_csv",
]

CLASSIFICATION_COLUMNS = (
    "classification_id",
    "user_name",
    "user_id",
    "user_ip",
    "workflow_id",
    "workflow_name",
    "workflow_version",
    "created_at",
    "gold_standard",
    "expert",
    "metadata",
    "annotations",
    "subject_data",
    "subject_ids",
)
SUBJECT_COLUMNS = (
    "subject_id",
    "project_id",
    "workflow_id",
    "subject_set_id",
    "metadata",
    "locations",
    "classifications_count",
    "retired_at",
    "retirement_reason",
    "created_at",
    "updated_at",
)
WORKFLOW_COLUMNS = (
    "workflow_id",
    "display_name",
    "version",
    "active",
    "classifications_count",
    "pairwise",
    "grouped",
    "prioritized",
    "primary_language",
    "first_task",
    "tutorial_subject_id",
    "retired_set_member_subjects_count",
    "tasks",
    "retirement",
    "aggregation",
    "strings",
    "minor_version",
)
EXPORT_KINDS = ("classifications", "subjects", "workflows")
"""The exports a project offers (``Project.get_export(kind)``)."""


def export_time(moment: float) -> str:
    """A time as the exports write it: ``YYYY-MM-DD HH:MM:SS UTC``."""
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def hashed_ip(ip: str, salt: str) -> str:
    """The 20-hex-digit stand-in for an IP address the exports carry.

    Examples
    --------
    >>> len(hashed_ip("127.0.0.1", "s")), hashed_ip("127.0.0.1", "s") == hashed_ip("127.0.0.2", "s")
    (20, False)
    """
    return hashlib.sha1(f"{salt}:{ip}".encode(), usedforsecurity=False).hexdigest()[:20]


def _string(strings: Mapping[str, Any], key: Any) -> Any:
    return strings.get(key, key) if isinstance(key, str) else key


def annotation_for_csv(annotation: Any, tasks: Mapping[str, Any], strings: Mapping[str, Any]) -> Any:
    """One annotation as the classification export writes it (see the module docstring)."""
    if not isinstance(annotation, Mapping):
        return annotation
    task = tasks.get(str(annotation.get("task")))
    if not isinstance(task, Mapping):
        return dict(annotation)
    kind = task.get("type")
    label = _string(strings, task.get("question") or task.get("instruction"))
    value = annotation.get("value")
    if kind == "drawing":
        tools = task.get("tools") or []
        marks: list[Any] = []
        for mark in value if isinstance(value, list) else [value]:
            if isinstance(mark, Mapping):
                index = mark.get("tool")
                tool = tools[index] if isinstance(index, int) and 0 <= index < len(tools) else None
                tool_label = _string(strings, tool.get("label")) if isinstance(tool, Mapping) else None
                marks.append({**mark, "tool_label": tool_label})
            else:
                marks.append(mark)
        return {"task": annotation.get("task"), "task_label": label, "value": marks}
    if kind in ("single", "multiple", "shortcut"):
        answers = task.get("answers") or []
        chosen = value if isinstance(value, list) else [value]
        labels = [
            _string(strings, answers[i].get("label"))
            for i in chosen
            if isinstance(i, int) and 0 <= i < len(answers) and isinstance(answers[i], Mapping)
        ]
        return {
            "task": annotation.get("task"),
            "task_label": label,
            "value": labels if kind != "single" else (labels[0] if labels else None),
        }
    if kind == "text":
        return {"task": annotation.get("task"), "value": value, "task_label": label}
    return dict(annotation)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def classification_rows(
    classifications: Iterable[Classification],
    workflows: Mapping[int, Workflow],
    subjects: Mapping[int, Subject],
    logins: Mapping[int, str],
    *,
    salt: str,
) -> Iterable[list[str]]:
    """The rows of the classification export (without the header)."""
    for c in classifications:
        workflow = workflows[c.workflow_id]
        version = workflow.at(c.workflow_version)
        ip = hashed_ip(c.user_ip, salt)
        data = {
            str(s): {"retired": None, **dict(subjects[s].metadata)} for s in c.subject_ids if s in subjects
        }
        annotations = [annotation_for_csv(a, version.tasks, version.strings) for a in c.annotations]
        yield [
            str(c.id),
            logins.get(c.user_id, "") if c.user_id is not None else f"not-logged-in-{ip}",
            "" if c.user_id is None else str(c.user_id),
            ip,
            str(c.workflow_id),
            workflow.display_name,
            c.workflow_version,
            export_time(c.created_at),
            "" if c.gold_standard is None else str(c.gold_standard).lower(),
            c.expert or "",
            _json(dict(c.metadata)),
            _json(annotations),
            _json(data),
            ";".join(str(s) for s in c.subject_ids),
        ]


def subject_rows(
    subjects: Iterable[Subject],
    set_workflows: Mapping[int, Sequence[int]],
    counts: Mapping[tuple[int, int], int],
    media_url: Any,
) -> Iterable[list[str]]:
    """The rows of the subjects export; ``media_url(key)`` is each location's GET URL."""
    for s in subjects:
        locations = {str(i): m.external_url or media_url(m.key) for i, m in enumerate(s.media)}
        common = [_json(dict(s.metadata)), _json(locations)]
        links: list[tuple[int | None, int | None]] = []
        for member_of in sorted(s.subject_set_ids):
            links += [(w, member_of) for w in set_workflows.get(member_of, ())] or [(None, member_of)]
        for workflow_id, set_id in links or [(None, None)]:
            count = 0 if workflow_id is None else counts.get((s.id, workflow_id), 0)
            yield [
                str(s.id),
                str(s.project_id),
                "" if workflow_id is None else str(workflow_id),
                "" if set_id is None else str(set_id),
                *common,
                str(count),
                "",
                "",
                export_time(s.created_at),
                export_time(s.updated_at),
            ]


def workflow_export(workflows: Iterable[Workflow]) -> bytes:
    """The workflow export, one row per version; rows read from a real export are kept byte for byte."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(WORKFLOW_COLUMNS)
    for workflow in workflows:
        for version in workflow.versions:
            if version.line:
                buffer.write(version.line + "\n")
            else:
                writer.writerow([version.row.get(column, "") for column in WORKFLOW_COLUMNS])
    return buffer.getvalue().encode("utf-8")


def to_csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """CSV bytes (UTF-8, ``\\n`` line ends, minimal quoting as Ruby's CSV writes).

    Examples
    --------
    >>> to_csv(["a", "b"], [["1", "x,y"]])
    b'a,b\\n1,"x,y"\\n'
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")
