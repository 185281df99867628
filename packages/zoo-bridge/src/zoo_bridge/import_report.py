"""What an import did: counts, filtered and skipped rows by reason, and the stored report.

:class:`ImportSummary` is the result every import function returns (``line()``,
``to_dict()``, ``messages``, ``exit_code``, as every stage's summary); its
:meth:`~ImportSummary.to_record` is the :class:`jet_store.ImportReport` kept in the
store, keyed by the file's content and the options, so importing the same file twice
leaves one report.

Examples
--------
>>> from zoo_bridge.import_report import ImportSummary
>>> s = ImportSummary(export="classifications", source="c.csv")
>>> s.rows, s.added = 3, 1
>>> s.skip(7, "263162128", "bad_json", "annotations is not JSON")
>>> s.filter("other_workflow")
>>> s.line()
'classifications c.csv: 3 rows, 1 added, 0 already stored, 1 filtered, 1 skipped (bad_json 1)'
>>> s.exit_code, s.messages
(3, ['line 7 (263162128): bad_json: annotations is not JSON'])
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from jet_store import ImportReport

__all__ = ["ImportSummary", "MAX_SKIPPED_ROWS", "report_key"]

MAX_SKIPPED_ROWS = 1000
"""Skipped rows listed one by one in a report (every one is counted)."""

EXIT_SKIPPED = 3
"""Exit code when rows were skipped (a data problem, as jet_store's DataError)."""


def report_key(export: str, sha256: str, options: dict[str, Any]) -> str:
    """The natural key of a report: export kind, file content and options.

    Examples
    --------
    >>> report_key("workflows", "ab" * 32, {})[:22]
    'workflows:abababababab'
    """
    digest = hashlib.sha256(json.dumps(options, sort_keys=True, default=str).encode()).hexdigest()
    return f"{export}:{sha256}:{digest[:16]}"


@dataclass
class ImportSummary:
    """Counts of one import (see the module docstring)."""

    export: str
    source: str
    sha256: str = ""
    size_bytes: int = 0
    options: dict[str, Any] = field(default_factory=dict)
    rows: int = 0
    added: int = 0
    unchanged: int = 0
    annotations: int = 0
    filtered_counts: dict[str, int] = field(default_factory=dict)
    skip_counts: dict[str, int] = field(default_factory=dict)
    skipped_rows: list[dict[str, Any]] = field(default_factory=list)
    started_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    finished_at: datetime | None = None

    @property
    def filtered(self) -> int:
        """Rows left out on purpose by the options."""
        return sum(self.filtered_counts.values())

    @property
    def skipped(self) -> int:
        """Malformed rows left out."""
        return sum(self.skip_counts.values())

    def filter(self, reason: str, count: int = 1) -> None:
        """Count rows left out by an option (or stored ones it replaced)."""
        self.filtered_counts[reason] = self.filtered_counts.get(reason, 0) + count

    def skip(self, line: int, row_id: str | None, reason: str, message: str) -> None:
        """Count one malformed row (and list it, up to :data:`MAX_SKIPPED_ROWS`)."""
        self.skip_counts[reason] = self.skip_counts.get(reason, 0) + 1
        if len(self.skipped_rows) < MAX_SKIPPED_ROWS:
            self.skipped_rows.append({"line": line, "id": row_id, "reason": reason, "message": message[:300]})

    @property
    def exit_code(self) -> int:
        """0 when every row was read, :data:`EXIT_SKIPPED` when any was skipped."""
        return EXIT_SKIPPED if self.skipped else 0

    @property
    def messages(self) -> list[str]:
        """One line per listed skipped row."""
        return [
            f"line {r['line']}" + (f" ({r['id']})" if r["id"] else "") + f": {r['reason']}: {r['message']}"
            for r in self.skipped_rows
        ]

    def line(self) -> str:
        """The one-line summary the command line prints."""
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(self.skip_counts.items()))
        return (
            f"{self.export} {self.source}: {self.rows} rows, {self.added} added, "
            f"{self.unchanged} already stored, {self.filtered} filtered, {self.skipped} skipped"
            + (f" ({reasons})" if reasons else "")
        )

    def to_dict(self) -> dict[str, Any]:
        """Everything, JSON-ready."""
        return {
            "export": self.export,
            "source": self.source,
            "sha256": self.sha256,
            "size_bytes": self.size_bytes,
            "options": self.options,
            "rows": self.rows,
            "added": self.added,
            "unchanged": self.unchanged,
            "annotations": self.annotations,
            "filtered": self.filtered,
            "filtered_counts": dict(self.filtered_counts),
            "skipped": self.skipped,
            "skip_counts": dict(self.skip_counts),
            "skipped_rows": list(self.skipped_rows),
            "exit_code": self.exit_code,
        }

    def to_record(self) -> ImportReport:
        """The report as stored."""
        return ImportReport(
            key=report_key(self.export, self.sha256, self.options),
            export=self.export,
            source=self.source,
            sha256=self.sha256,
            size_bytes=self.size_bytes,
            options=self.options,
            rows=self.rows,
            added=self.added,
            unchanged=self.unchanged,
            filtered=self.filtered,
            skipped=self.skipped,
            filtered_counts=dict(self.filtered_counts),
            skip_counts=dict(self.skip_counts),
            skipped_rows=tuple(self.skipped_rows),
            started_at=self.started_at,
            finished_at=self.finished_at,
        )
