"""Import classification and workflow exports into a :class:`jet_store.Store`.

The classification export is streamed (memory does not grow with the file): rows are
filtered, parsed, and added in batches, each batch one transaction, idempotently on
``classification_id``: importing the same file again adds nothing, and a newer export
of the same project adds only the classifications that are new. Malformed rows are
skipped with their reason and counted in the :class:`~zoo_bridge.ImportSummary`, which
is also stored as a :class:`jet_store.ImportReport`.

Filters (:class:`ImportOptions`): workflow id; version exact, minimum or range;
``created_at`` range; the first, last or all classifications of each volunteer and
subject (``first``/``last`` read the file twice and hold one entry per
volunteer-subject pair; a classification an earlier import kept that this export
replaces, e.g. a newer export's later last one, is removed); exact duplicates (a
``classification_id`` repeated in the file) are dropped.

Examples
--------
>>> import json, tempfile, pathlib
>>> from jet_store import Store, Workflow
>>> from zoo_bridge.importer import ImportOptions, import_classifications
>>> store = Store("sqlite://")
>>> _ = store.add([Workflow(workflow_id=5, version="1.2", tasks={
...     "T0": {"type": "single", "answers": [{"label": "Yes"}, {"label": "No"}]}})])
>>> def row(cid, answer):
...     return {"classification_id": cid, "user_name": "ann", "user_id": "4", "workflow_id": "5",
...             "workflow_version": "1.2", "created_at": f"2022-03-01 14:02:{cid} UTC", "metadata": "{}",
...             "annotations": json.dumps([{"task": "T0", "value": answer}]),
...             "subject_data": json.dumps({"9": {"retired": None, "#width": "1920"}}), "subject_ids": "9"}
>>> import csv
>>> path = pathlib.Path(tempfile.mkdtemp()) / "c.csv"
>>> with path.open("w", newline="") as fh:
...     writer = csv.DictWriter(fh, list(row("0", "")))
...     _ = writer.writeheader()
...     writer.writerows([row("10", "Yes"), row("11", "Maybe"), row("12", "No")])
>>> print(import_classifications(store, path, progress=False).line())  # doctest: +ELLIPSIS
classifications c.csv: 3 rows, 2 added, 0 already stored, 0 filtered, 1 skipped (unknown_answer 1)
>>> last = import_classifications(store, path, ImportOptions(keep="last"), progress=False)
>>> print(last.line())
classifications c.csv: 3 rows, 0 added, 1 already stored, 2 filtered, 1 skipped (unknown_answer 1)
>>> last.filtered_counts, [c.classification_id for c in store.stream("classifications")]
({'not_last': 1, 'replaced_by_last': 1}, [12])
"""

from __future__ import annotations

import gc
import logging
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from jet_store import Annotation, Classification, Record, Store, UserError, Workflow

from zoo_bridge.cells import SubjectDataCache, parse_created_at
from zoo_bridge.classifications import ParsedRow, map_rows_to_sun, parse_classification_row
from zoo_bridge.errors import RowError
from zoo_bridge.exports import ExportStream
from zoo_bridge.import_report import ImportSummary
from zoo_bridge.sunmap import SunMapper
from zoo_bridge.workflows import WorkflowIndex, parse_workflow_row, version_key

__all__ = ["ImportOptions", "Keep", "import_classifications", "import_workflows"]

log = logging.getLogger(__name__)

Keep = Literal["all", "first", "last"]

_CLASSIFICATION_REQUIRED = (
    "classification_id",
    "user_name",
    "workflow_id",
    "workflow_version",
    "created_at",
    "annotations",
    "subject_data",
    "subject_ids",
)
_WORKFLOW_REQUIRED = ("workflow_id", "version", "tasks")
#: classification ids remembered to drop repeated rows (a bounded window, not the file)
_DUPLICATE_WINDOW = 100_000


def _as_utc(value: Any, name: str) -> datetime | None:
    if value is None:
        return None
    if hasattr(value, "to_datetime"):  # astropy Time
        value = value.to_datetime(timezone=timezone.utc)
    if isinstance(value, str):
        try:
            value = parse_created_at(value)
        except RowError:
            raise UserError(f"{name} {value!r} is not a date (use ISO 8601, e.g. 2021-06-01)") from None
    if not isinstance(value, datetime):
        raise UserError(f"{name} must be a date, not {value!r}")
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _version(value: str | None, name: str) -> tuple[int, int] | None:
    if value is None:
        return None
    try:
        return version_key(value)
    except RowError:
        raise UserError(f"{name} {value!r} is not a workflow version (major.minor, e.g. 4.52)") from None


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """Which classifications to import.

    Parameters
    ----------
    workflow_id
        Only this workflow.
    version, min_version, max_version
        Only this version (``major.minor``), or versions from ``min_version`` and/or up
        to ``max_version`` (inclusive).
    since, until
        Only classifications made at or after ``since`` and before ``until`` (UTC; a
        ``datetime``, an astropy ``Time`` or ISO text).
    keep
        ``all``, or only the ``first`` or ``last`` classification of each volunteer and
        subject.
    batch_size
        Classifications per transaction.
    """

    workflow_id: int | None = None
    version: str | None = None
    min_version: str | None = None
    max_version: str | None = None
    since: Any = None
    until: Any = None
    keep: Keep = "all"
    batch_size: int = 2000

    def __post_init__(self) -> None:
        object.__setattr__(self, "since", _as_utc(self.since, "since"))
        object.__setattr__(self, "until", _as_utc(self.until, "until"))
        if self.keep not in ("all", "first", "last"):
            raise UserError(f"keep must be all, first or last, not {self.keep!r}")
        if self.version is not None and (self.min_version or self.max_version):
            raise UserError("give an exact version or a range (min/max), not both")
        for name in ("version", "min_version", "max_version"):
            _version(getattr(self, name), name)
        if self.batch_size < 1:
            raise UserError(f"batch_size must be >= 1, not {self.batch_size}")

    def to_dict(self) -> dict[str, Any]:
        """The options that decide what is imported (JSON-ready)."""
        doc = asdict(self)
        doc.pop("batch_size")
        for name in ("since", "until"):
            doc[name] = doc[name].isoformat() if doc[name] is not None else None
        return doc

    def filter_reason(self, row: dict[str, str]) -> str | None:
        """Why this row is left out by the options (None when it is kept), from the
        cheap columns only; rows whose filter columns do not parse are kept, for the
        parser to report."""
        if self.workflow_id is not None and str(row.get("workflow_id", "")).strip() != str(self.workflow_id):
            return "other_workflow"
        if self.version or self.min_version or self.max_version:
            try:
                have = version_key(str(row.get("workflow_version", "")))
            except RowError:
                return None
            if self.version is not None and have != _version(self.version, "version"):
                return "other_version"
            low, high = _version(self.min_version, "min_version"), _version(self.max_version, "max_version")
            if (low is not None and have < low) or (high is not None and have > high):
                return "other_version"
        if self.since is not None or self.until is not None:
            try:
                created = parse_created_at(str(row.get("created_at", "")))
            except RowError:
                return None
            if self.since is not None and created < self.since:
                return "before_since"
            if self.until is not None and created >= self.until:
                return "after_until"
        return None


#: allocations between two young-generation garbage collections during an import
_GC_YOUNG_THRESHOLD = 100_000


@contextmanager
def _fewer_gc_passes() -> Iterator[None]:
    """Collect garbage less often while importing, then restore the thresholds.

    A batch of parsed rows is a few hundred thousand small dicts and records that all
    live until the batch is stored; with the default thresholds (a young collection every
    700 allocations) the collector rescans them, and every older object (astropy's,
    sunpy's), over and over: 20 % of an import's CPU time, finding nothing (the rows hold
    no cycles; reference counting frees them).
    """
    old = gc.get_threshold()
    gc.set_threshold(max(old[0], _GC_YOUNG_THRESHOLD), *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


def _winners(path: Path, options: ImportOptions) -> dict[tuple[str, str], tuple[datetime, int]]:
    """First pass for keep=first/last: the chosen classification of each pair."""
    best: dict[tuple[str, str], tuple[datetime, int]] = {}
    last = options.keep == "last"
    with ExportStream(path, required=_CLASSIFICATION_REQUIRED, progress=False) as stream:
        for _line, row in stream:
            if "__error__" in row or options.filter_reason(row) is not None:
                continue
            try:
                created = parse_created_at(row.get("created_at", ""))
                cid = int(str(row.get("classification_id", "")).strip())
            except (RowError, ValueError):
                continue
            pair = (str(row.get("user_name") or row.get("user_ip") or ""), str(row.get("subject_ids", "")))
            candidate = (created, cid)
            held = best.get(pair)
            if held is None or (candidate > held if last else candidate < held):
                best[pair] = candidate
    return best


def _workflow_index(
    store: Store, workflows: WorkflowIndex | str | Path | None, progress: bool
) -> WorkflowIndex:
    if isinstance(workflows, WorkflowIndex):
        return workflows
    if workflows is not None:
        import_workflows(store, workflows, progress=progress)
    return WorkflowIndex.from_store(store)


def import_classifications(
    store: Store,
    path: str | Path,
    options: ImportOptions | None = None,
    *,
    workflows: WorkflowIndex | str | Path | None = None,
    progress: bool = True,
) -> ImportSummary:
    """Import a classification export; return (and store) its report.

    Parameters
    ----------
    store
        Where the classifications and annotations go.
    path
        The classification export CSV.
    options
        Filters (:class:`ImportOptions`); every row by default.
    workflows
        The workflow versions rows are checked against: a workflow export file (imported
        first), a :class:`WorkflowIndex`, or None for the versions already stored.
    progress
        Show a progress bar in bytes.

    Raises
    ------
    ExportFileError
        The file cannot be read or is not a classification export (no row is ever fatal).
    """
    options = options or ImportOptions()
    path = Path(path)
    with _fewer_gc_passes():
        return _import_classifications(store, path, options, workflows, progress)


def _import_classifications(
    store: Store,
    path: Path,
    options: ImportOptions,
    workflows: WorkflowIndex | str | Path | None,
    progress: bool,
) -> ImportSummary:
    index = _workflow_index(store, workflows, progress)
    winners = _winners(path, options) if options.keep != "all" else None
    summary = ImportSummary(export="classifications", source=path.name, options=options.to_dict())
    mapper = SunMapper()
    subjects = SubjectDataCache()
    recent: OrderedDict[int, None] = OrderedDict()
    batch: list[ParsedRow] = []
    with ExportStream(path, required=_CLASSIFICATION_REQUIRED, progress=progress) as stream:
        summary.size_bytes = stream.size_bytes
        for line, row in stream:
            summary.rows += 1
            if "__error__" in row:
                summary.skip(line, None, "bad_csv", row["__error__"])
                continue
            reason = options.filter_reason(row)
            if reason is not None:
                summary.filter(reason)
                continue
            row_id = str(row.get("classification_id", ""))[:30] or None
            try:
                parsed = parse_classification_row(row, index, map_sun=False, subjects=subjects)
            except RowError as err:
                summary.skip(line, row_id, err.reason, str(err))
                continue
            cid = parsed.classification.classification_id
            if winners is not None:
                pair = (
                    str(row.get("user_name") or row.get("user_ip") or ""),
                    str(row.get("subject_ids", "")),
                )
                if winners.get(pair, (None, None))[1] != cid:
                    summary.filter(f"not_{options.keep}")
                    continue
            if cid in recent:
                summary.filter("duplicate")
                continue
            recent[cid] = None
            if len(recent) > _DUPLICATE_WINDOW:
                recent.popitem(last=False)
            batch.append(parsed)
            if len(batch) >= options.batch_size:
                _flush(store, batch, summary, mapper)
        _flush(store, batch, summary, mapper)
        summary.sha256 = stream.sha256
    if winners:
        _drop_superseded(store, winners, summary)
    summary.finished_at = datetime.now(timezone.utc)
    store.add([summary.to_record()])
    log.info("%s", summary.line())
    return summary


def _flush(store: Store, batch: list[ParsedRow], summary: ImportSummary, mapper: SunMapper) -> None:
    if not batch:
        return
    records: list[Record] = []
    annotations = 0
    for parsed in map_rows_to_sun(batch, mapper):  # the batch's marks in a few vectorised calls
        records.append(parsed.classification)
        records.extend(parsed.annotations)
        annotations += len(parsed.annotations)
    with store.transaction():
        result = store.add(_only(records, Classification), update=False)
        store.add(_only(records, Annotation), update=False)
    summary.added += result.added
    summary.unchanged += result.unchanged
    summary.annotations += annotations
    batch.clear()


def _drop_superseded(
    store: Store, winners: dict[tuple[str, str], tuple[datetime, int]], summary: ImportSummary
) -> None:
    """keep=first/last: remove what an earlier import kept for a pair this export decides
    otherwise (a newer export has a later last classification), with its annotations."""
    workflow_id = summary.options.get("workflow_id")
    where = [("workflow_id", "=", workflow_id)] if workflow_id is not None else []
    stale = [
        c.classification_id
        for c in store.stream(Classification, where=where)
        if (pair := (c.user_name or "", str(c.subject_id))) in winners
        and winners[pair][1] != c.classification_id
    ]
    if not stale:
        return
    with store.transaction():
        for cid in stale:
            store.delete(Annotation, [a.key for a in store.filter(Annotation, classification_id=cid)])
        store.delete(Classification, stale)
    summary.filter(f"replaced_by_{summary.options.get('keep')}", len(stale))
    log.info(
        "removed %d classifications that this export's keep=%s replaces", len(stale), summary.options["keep"]
    )


def _only(records: Iterable[Record], cls: type[Record]) -> Iterator[Record]:
    return (r for r in records if type(r) is cls)


def import_workflows(store: Store, path: str | Path, *, progress: bool = True) -> ImportSummary:
    """Import a workflow export: one :class:`jet_store.Workflow` per version.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from jet_store import Store
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "w.csv"
    >>> _ = path.write_text('workflow_id,version,minor_version,tasks\\n7,2,5,"{}"\\n7,x,1,"{}"\\n')
    >>> print(import_workflows(Store("sqlite://"), path, progress=False).line())
    workflows w.csv: 2 rows, 1 added, 0 already stored, 0 filtered, 1 skipped (bad_version 1)
    """
    path = Path(path)
    summary = ImportSummary(export="workflows", source=path.name)
    records: list[Workflow] = []
    with ExportStream(path, required=_WORKFLOW_REQUIRED, progress=progress) as stream:
        summary.size_bytes = stream.size_bytes
        for line, row in stream:
            summary.rows += 1
            try:
                if "__error__" in row:
                    raise RowError("bad_csv", row["__error__"])
                records.append(parse_workflow_row(row))
            except RowError as err:
                summary.skip(
                    line, f"{row.get('workflow_id', '')}:{row.get('version', '')}", err.reason, str(err)
                )
        summary.sha256 = stream.sha256
    result = store.add(records)
    summary.added, summary.unchanged = result.added + result.updated, result.unchanged
    summary.finished_at = datetime.now(timezone.utc)
    store.add([summary.to_record()])
    return summary
