"""The aggregation stage: annotations in the store -> JetCluster and Jet records.

:func:`aggregate_annotations` is the pure part (records in, records out);
:func:`aggregate` reads the store, runs it and writes the results. Subjects are
aggregated in parallel through the ``executor`` argument (any
``concurrent.futures.Executor``: a process pool here, Dask's client executor on a
cluster); each subject's failure is recorded in the summary and the others go on.
Results are written per event in one transaction each, with the run's parameters
(:class:`jet_store.AggregationRun`); jets and clusters left from an earlier run of
the same events are removed, so re-running with the same inputs and parameters
changes nothing.

Examples
--------
>>> from jet_sandbox.aia import CutoutSpec, make_jet
>>> from jet_sandbox.volunteers import simulate_event
>>> from jet_aggregate.stage import aggregate_annotations
>>> spec = CutoutSpec(center_x=-300.0, center_y=200.0, start_time="2012-07-08T13:00",
...                   end_time="2012-07-08T13:05")
>>> truth = make_jet(-320, 210, 45, "2012-07-08T13:00:30", "2012-07-08T13:02",
...                  "2012-07-08T13:04", max_height=40, width=6)
>>> sim = simulate_event(spec, [truth], seed=3)
>>> meta = {s.zooniverse_id: s.metadata for s in sim.subjects}
>>> result = aggregate_annotations(sim.annotations, meta, progress=False)
>>> len(result.jets), result.jets[0].n_subjects, result.failures
(1, 2, {})
"""

from __future__ import annotations

import dataclasses
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

from jet_store import AggregationRun, Annotation, Classification, Jet, JetCluster, Store, Subject
from jet_store.errors import JetHunterError
from jet_store.progress import progress_bar

from jet_aggregate.config import AggregationConfig
from jet_aggregate.jets import SubjectJet, SubjectResult, subject_jets
from jet_aggregate.measure import measure_jet
from jet_aggregate.tracking import link_jets

__all__ = [
    "AggregationResult",
    "AggregateSummary",
    "aggregate",
    "aggregate_annotations",
    "subject_metadata_from_store",
]

logger = logging.getLogger(__name__)


@dataclass
class AggregationResult:
    """Records made by one aggregation, and the subjects that failed (id -> message)."""

    jets: list[Jet] = field(default_factory=list)
    clusters: list[JetCluster] = field(default_factory=list)
    run: AggregationRun | None = None
    failures: dict[int, str] = field(default_factory=dict)
    subjects: int = 0


@dataclass
class AggregateSummary:
    """What :func:`aggregate` did: counts, failures, and the CLI's line and exit code."""

    subjects: int = 0
    jets: int = 0
    clusters: int = 0
    written: int = 0
    params_hash: str = ""
    messages: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 when every subject was aggregated, 3 (a data problem) otherwise."""
        return 3 if self.messages else 0

    def line(self) -> str:
        """One-line summary."""
        failed = f", {len(self.messages)} subjects failed" if self.messages else ""
        return (
            f"aggregated {self.subjects} subjects: {self.jets} jets, {self.clusters} clusters "
            f"({self.written} records changed; params {self.params_hash}){failed}"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "subjects": self.subjects,
            "jets": self.jets,
            "clusters": self.clusters,
            "written": self.written,
            "params_hash": self.params_hash,
            "messages": list(self.messages),
            "exit_code": self.exit_code,
        }


def _one_subject(
    args: tuple[int, Mapping[str, Any], list[Annotation], AggregationConfig],
) -> SubjectResult | str:
    subject_id, metadata, marks, config = args
    try:
        return subject_jets(subject_id, metadata, marks, config)
    except JetHunterError as exc:
        return f"subject {subject_id}: {exc}"


def _jet_id(group: list[SubjectJet], n: int) -> str:
    first = group[0]
    event = first.sol_standard or first.event_id or f"subject-{first.subject_id}"
    return f"{event}:{n}"


def aggregate_annotations(
    annotations: Iterable[Annotation],
    metadata: Mapping[int, Mapping[str, Any]],
    config: AggregationConfig | None = None,
    *,
    executor: Executor | None = None,
    progress: bool = True,
    scope: str = "all",
) -> AggregationResult:
    """Aggregate annotations of many subjects into jets (pure: no store).

    Parameters
    ----------
    annotations
        ``jet_store.Annotation`` records of any number of subjects.
    metadata
        Subject id -> its metadata (the contract); subjects without metadata fail.
    config
        Parameters (default: the reference's).
    executor
        Runs the per-subject work (``map``); in this process when ``None``.
    progress
        Show a bar over subjects.
    scope
        Recorded in the :class:`~jet_store.AggregationRun`.
    """
    config = config or AggregationConfig()
    by_subject: dict[int, list[Annotation]] = defaultdict(list)
    for ann in annotations:
        by_subject[ann.subject_id].append(ann)
    result = AggregationResult()
    tasks = []
    for sid in sorted(by_subject):
        if sid not in metadata:
            result.failures[sid] = (
                f"subject {sid}: no metadata (neither a stored Subject nor a classification's subject_data)"
            )
            continue
        marks = sorted(by_subject[sid], key=lambda a: (a.classification_id, a.task, a.mark_index))
        tasks.append((sid, metadata[sid], marks, config))
    mapper: Callable[..., Iterable[SubjectResult | str]] = executor.map if executor is not None else map
    per_event: dict[str, list[SubjectJet]] = defaultdict(list)
    answers: dict[int, dict[str, int]] = {}
    with progress_bar(len(tasks), enabled=progress, desc="aggregate", unit="subject") as bar:
        for (sid, *_), out in zip(tasks, mapper(_one_subject, tasks), strict=True):
            bar.update(1)
            if isinstance(out, str):
                result.failures[sid] = out
                logger.warning("%s", out)
                continue
            result.subjects += 1
            result.clusters.extend(out.clusters)
            answers[sid] = out.answers
            for jet in out.jets:
                per_event[jet.sol_standard or jet.event_id or f"subject-{sid}"].append(jet)
    params_hash = config.params_hash()
    jet_of_cluster: dict[str, str] = {}
    for event in sorted(per_event):
        for n, group in enumerate(link_jets(per_event[event], config, answers)):
            measured = measure_jet(group, _jet_id(group, n), params_hash=params_hash)
            result.jets.append(measured)
            jet_of_cluster.update({key: measured.jet_id for key in measured.cluster_keys})
    result.clusters = [dataclasses.replace(c, jet_id=jet_of_cluster.get(c.key)) for c in result.clusters]
    result.run = AggregationRun(
        params_hash=params_hash,
        scope=scope,
        params=config.to_dict(),
        n_subjects=result.subjects,
        n_jets=len(result.jets),
    )
    return result


def subject_metadata_from_store(store: Store, subject_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Each subject's metadata: our stored Subject's, else the latest classification's ``subject_data``."""
    wanted = set(subject_ids)
    out: dict[int, dict[str, Any]] = {}
    for subject in store.stream(Subject):
        if subject.zooniverse_id in wanted and subject.metadata:
            out[int(subject.zooniverse_id)] = dict(subject.metadata)
    for c in store.stream(Classification):
        if c.subject_id in wanted and c.subject_id not in out:
            data = c.subject_data.get(str(c.subject_id))
            if isinstance(data, dict):
                out[c.subject_id] = {k: v for k, v in data.items() if k != "retired"}
    return out


def aggregate(
    store: Store,
    *,
    workflow_id: int | None = None,
    config: AggregationConfig | None = None,
    executor: Executor | None = None,
    progress: bool = True,
) -> AggregateSummary:
    """Aggregate the store's annotations (of one workflow, or all) and write the results.

    Jets and clusters of the aggregated subjects and events that the new results do
    not contain any more are deleted; the rest are written with ``update`` (unchanged
    rows are not rewritten), one transaction per event.
    """
    config = config or AggregationConfig()
    where: list[tuple[str, str, Any]] = [("workflow_id", "=", workflow_id)] if workflow_id is not None else []
    annotations = store.filter(Annotation, where=where)
    metadata = subject_metadata_from_store(store, {a.subject_id for a in annotations})
    scope = "all" if workflow_id is None else f"workflow:{workflow_id}"
    result = aggregate_annotations(
        annotations, metadata, config, executor=executor, progress=progress, scope=scope
    )
    summary = AggregateSummary(
        subjects=result.subjects,
        jets=len(result.jets),
        clusters=len(result.clusters),
        params_hash=config.params_hash(),
        messages=sorted(result.failures.values()),
    )
    done_subjects = {c.subject_id for c in result.clusters} | {
        sid for sid in {a.subject_id for a in annotations} if sid not in result.failures
    }
    events = {j.sol_standard for j in result.jets if j.sol_standard}
    new_jets = {j.jet_id for j in result.jets}
    new_clusters = {c.key for c in result.clusters}
    with store.transaction() as tx:
        stale_clusters = [
            c.key
            for c in tx.stream(JetCluster)
            if c.subject_id in done_subjects and c.key not in new_clusters
        ]
        stale_jets = [
            j.jet_id
            for j in tx.stream(Jet)
            if (j.sol_standard in events or set(j.subject_ids) & done_subjects) and j.jet_id not in new_jets
        ]
        tx.delete(JetCluster, stale_clusters)
        tx.delete(Jet, stale_jets)
        written = tx.add([*result.clusters, *result.jets, *([result.run] if result.run else [])])
    summary.written = _changed(written) + len(stale_clusters) + len(stale_jets)
    return summary


def _changed(added: Any) -> int:
    return int(added.added) + int(added.updated)
