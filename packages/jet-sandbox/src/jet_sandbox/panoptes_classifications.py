"""Classifications kept by the Panoptes replica, and each subject's progress per workflow.

:class:`ClassificationBook` records what volunteers send and keeps, per subject and
workflow, a :class:`~jet_sandbox.panoptes_records.SubjectWorkflowStatus`: the count of
classifications and, once the workflow's retirement count is reached (16 for "Box the
jets", 7 for "Jet or Not"), the retirement time and reason (``classification_count``).

Examples
--------
>>> from jet_sandbox.panoptes_state import PanoptesState
>>> workflow = PanoptesState.seeded().workflow(18563)
>>> book = ClassificationBook(clock=lambda: 0.0)
>>> for volunteer in range(7):
...     _ = book.add(workflow, None, f"10.0.0.{volunteer}", [5], [{"task": "T0", "value": 0}], {})
>>> status = book.status(5, 18563)
>>> status.classifications_count, status.retirement_reason
(7, 'classification_count')
"""

from __future__ import annotations

import dataclasses
import itertools
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from jet_sandbox.panoptes_records import Classification, SubjectWorkflowStatus, Workflow

__all__ = ["ClassificationBook"]


class ClassificationBook:
    """Classifications in arrival order and the subject workflow statuses (thread-safe)."""

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._classifications: list[Classification] = []
        self._statuses: dict[tuple[int, int], SubjectWorkflowStatus] = {}
        self._ids = itertools.count(400_000_001)
        self._status_ids = itertools.count(300_000_001)

    def add(
        self,
        workflow: Workflow,
        user_id: int | None,
        user_ip: str,
        subject_ids: Sequence[int],
        annotations: Sequence[Any],
        metadata: Mapping[str, Any],
        *,
        workflow_version: str | None = None,
        gold_standard: bool | None = None,
    ) -> Classification:
        """Record one classification (of subjects the caller checked) and count it."""
        version = workflow_version or str(metadata.get("workflow_version") or workflow.version)
        with self._lock:
            classification = Classification(
                next(self._ids),
                workflow.project_id,
                workflow.id,
                version,
                user_id,
                user_ip,
                tuple(annotations),
                dict(metadata),
                tuple(subject_ids),
                self.clock(),
                gold_standard,
            )
            self._classifications.append(classification)
            for subject_id in subject_ids:
                self._count(subject_id, workflow, classification.created_at)
            return classification

    def _count(self, subject_id: int, workflow: Workflow, now: float) -> None:
        key = (subject_id, workflow.id)
        status = self._statuses.get(key) or SubjectWorkflowStatus(
            next(self._status_ids), subject_id, workflow.id, 0, now, now
        )
        count = status.classifications_count + 1
        limit = workflow.retirement_count
        retire = status.retired_at is None and limit is not None and count >= limit
        self._statuses[key] = dataclasses.replace(
            status,
            classifications_count=count,
            updated_at=now,
            retired_at=now if retire else status.retired_at,
            retirement_reason="classification_count" if retire else status.retirement_reason,
        )

    def classifications(
        self, *, project_id: int | None = None, workflow_id: int | None = None
    ) -> list[Classification]:
        """Classifications matching the filters, oldest first."""
        with self._lock:
            return [
                c
                for c in self._classifications
                if project_id in (None, c.project_id) and workflow_id in (None, c.workflow_id)
            ]

    def status(self, subject_id: int, workflow_id: int) -> SubjectWorkflowStatus | None:
        """The subject's status in the workflow, once it has been classified there."""
        with self._lock:
            return self._statuses.get((subject_id, workflow_id))

    def statuses(
        self, *, subject_id: int | None = None, workflow_id: int | None = None
    ) -> list[SubjectWorkflowStatus]:
        """Statuses matching the filters, by id."""
        with self._lock:
            return [
                s
                for s in sorted(self._statuses.values(), key=lambda s: s.id)
                if subject_id in (None, s.subject_id) and workflow_id in (None, s.workflow_id)
            ]

    def seen_by(self, user_id: int | None, workflow_id: int) -> set[int]:
        """Subjects a logged-in volunteer has classified in the workflow (none for anonymous)."""
        if user_id is None:
            return set()
        with self._lock:
            return {
                s
                for c in self._classifications
                if c.user_id == user_id and c.workflow_id == workflow_id
                for s in c.subject_ids
            }

    def retired(self, subject_id: int, workflow_id: int) -> bool:
        """Whether the subject is retired in the workflow."""
        status = self.status(subject_id, workflow_id)
        return status is not None and status.retired_at is not None
