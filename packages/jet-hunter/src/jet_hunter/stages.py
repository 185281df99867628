"""The whole chain, stage by stage: prepare -> subjects -> upload -> ... -> catalogue -> report.

Each stage is the package's own stage function over the store (each resumable and
idempotent on its own), so :func:`run_chain` can be killed anywhere and run again to
finish; ``first``/``last`` run part of it (``jet-hunter run --from STAGE --until STAGE``).

* ``hek``, ``cutouts``, ``download``, ``render``: HEK search -> cutout jobs -> downloads
  -> renderings (the steps of :func:`jet_hunter.pipeline.prepare`);
* ``subjects``: flipbooks of the renderings (:func:`zoo_bridge.subjects.make_subjects`);
* ``upload``: to the Panoptes subject set (:func:`zoo_bridge.upload.upload_subjects`);
* ``classify``: volunteers classify on Zooniverse; with ``crowd`` (the sandbox and the
  demo) the simulated crowd of :mod:`jet_sandbox.volunteers_panoptes` does it on the replica;
* ``fetch``: the workflow and classification exports (:func:`zoo_bridge.fetch.fetch_export`);
* ``import``: the exports into the store (:func:`zoo_bridge.import_classifications`);
* ``aggregate``: jets with uncertainties (:func:`jet_aggregate.aggregate`);
* ``catalogue``: CSV, ECSV and JSON in ``out_dir`` (:func:`jet_aggregate.write_catalogue`);
* ``report``: the HTML report in ``out_dir/report`` (:func:`jet_hunter.report.build_report`)
  when that module is installed; otherwise the chain ends at the catalogue.

The stage names and :func:`stage_range` live in :mod:`jet_hunter.chain_terms` (plain
values the command line's parser reads) and are re-exported here.

Examples
--------
>>> STAGES[0], STAGES[-1], len(stage_range("subjects", None))
('hek', 'report', 8)
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jet_aggregate import aggregate, write_catalogue
from jet_store import Jet, Store, Subject, SubjectState, UserError
from zoo_bridge import import_classifications
from zoo_bridge.connection import PanoptesConfig, PanoptesConnection
from zoo_bridge.fetch import fetch_export
from zoo_bridge.grouping import GroupingOptions
from zoo_bridge.subjects import make_subjects
from zoo_bridge.upload import UploadOptions, upload_subjects

from jet_hunter.chain_terms import PREPARE_STEPS, STAGES, stage_range
from jet_hunter.config import Settings

__all__ = [
    "STAGES",
    "ChainOptions",
    "ChainSummary",
    "run_chain",
    "stage_range",
    "CATALOGUE_FORMATS",
    "panoptes_connection",
]

log = logging.getLogger(__name__)

CATALOGUE_FORMATS = ("csv", "ecsv", "json")

Crowd = Callable[[Settings, Store], str]
"""Simulated volunteers: classify on the configured Panoptes, return a summary line."""


@dataclass(frozen=True)
class ChainOptions:
    """What the second half needs: where subjects go, who classifies, where the catalogue goes."""

    project_id: int = 11265
    subject_set: str = "jet-hunter"
    grouping: GroupingOptions = field(default_factory=GroupingOptions)
    upload_workers: int = 4
    workflow_id: int = 19650
    out_dir: Path = Path("catalogue")
    crowd: Crowd | None = None
    export_timeout: float = 600.0
    export_poll: float = 1.0


@dataclass
class ChainSummary:
    """One line and exit code per stage run."""

    stages: list[tuple[str, str, int]] = field(default_factory=list)
    prepared: Any = None
    catalogue: dict[str, Path] = field(default_factory=dict)
    report: Path | None = None

    def add(self, stage: str, line: str, code: int = 0) -> None:
        self.stages.append((stage, line, code))

    @property
    def exit_code(self) -> int:
        """The first non-zero stage exit code, else 0."""
        return next((code for _, _, code in self.stages if code), 0)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    def lines(self) -> list[str]:
        out: list[str] = []
        for stage, line, _ in self.stages:
            if stage == "prepare" and self.prepared is not None:
                out += self.prepared.lines()
            else:
                out.append(f"{stage + ':':<11}{line}")
        return out

    def line(self) -> str:
        return "\n".join(self.lines())

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {stage: {"line": line, "exit_code": code} for stage, line, code in self.stages}
        if self.prepared is not None:
            doc["prepare"] = self.prepared.to_dict()
        doc["catalogue_files"] = {k: str(v) for k, v in self.catalogue.items()}
        return doc

    @property
    def messages(self) -> list[str]:
        return [] if self.prepared is None else list(self.prepared.messages)


def panoptes_connection(settings: Settings) -> PanoptesConnection:
    """A (not yet signed-in) connection to the configured Panoptes, credentials from the environment."""
    secrets = settings.secrets
    return PanoptesConnection(
        PanoptesConfig(
            endpoint=settings.panoptes_url,
            username=secrets.panoptes_username,
            password=secrets.panoptes_password,
        )
    )


def _exports(settings: Settings, options: ChainOptions) -> dict[str, Path]:
    folder = settings.data_dir / "exports"
    return {kind: folder / f"{options.project_id}-{kind}.csv" for kind in ("workflows", "classifications")}


def run_chain(
    settings: Settings,
    store: Store,
    prepare_stage: Callable[[tuple[str, ...]], Any] | None,
    options: ChainOptions,
    *,
    first: str | None = None,
    last: str | None = None,
    progress: bool = True,
    executor: Executor | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> ChainSummary:
    """Run the stages ``first..last`` (see the module doc).

    ``prepare_stage(steps)`` runs the first half's steps in range (:func:`jet_hunter.pipeline.prepare`,
    which announces its own steps). ``executor`` runs the per-item stages of the second
    half (subjects, aggregate, the report's frames) on its workers (a Dask cluster: ``--scheduler``); pass
    the same one to ``prepare`` for download and render. ``on_stage(name)`` is called
    as each later stage starts (``jet-hunter run`` prints ``stage NAME ...``).
    """
    summary = ChainSummary()
    stages = stage_range(first, last)
    steps = tuple(s for s in stages if s in PREPARE_STEPS)
    if steps:
        if prepare_stage is None:
            raise UserError(f"the {', '.join(steps)} stages need a time range (--start, --end)")
        log.info("stages %s", ", ".join(steps))
        summary.prepared = prepare_stage(steps)
        summary.add("prepare", "", summary.prepared.exit_code)
    for stage in stages:
        if stage in PREPARE_STEPS:
            continue
        log.info("stage %s", stage)
        if on_stage is not None:
            on_stage(stage)
        if stage == "subjects":
            made = make_subjects(
                store, settings.data_dir, options.grouping, progress=progress, executor=executor
            )
            summary.add(stage, made.line(), made.exit_code)
        elif stage == "upload":
            if not store.count(Subject) or store.count(Subject) == store.count(
                Subject, state=SubjectState.LINKED
            ):
                summary.add(stage, f"nothing to upload ({store.count(Subject)} subjects, all linked)")
                continue
            upload_options = UploadOptions(
                project_id=options.project_id, subject_set=options.subject_set, workers=options.upload_workers
            )
            uploaded = upload_subjects(
                store, settings.data_dir, panoptes_connection(settings), upload_options, progress=progress
            )
            summary.add(stage, uploaded.line(), uploaded.exit_code)
        elif stage == "classify":
            if options.crowd is None:
                summary.add(stage, "volunteers classify on Zooniverse; the next stages fetch what they did")
            else:
                summary.add(stage, options.crowd(settings, store))
        elif stage == "fetch":
            connection = panoptes_connection(settings).connect()
            parts = []
            for kind, path in _exports(settings, options).items():
                result = fetch_export(
                    connection,
                    options.project_id,
                    kind,
                    path,
                    generate=True,
                    timeout=options.export_timeout,
                    poll_interval=options.export_poll,
                    progress=progress,
                )
                parts.append(result.line())
            summary.add(stage, "; ".join(parts))
        elif stage == "import":
            paths = _exports(settings, options)
            imported = import_classifications(
                store, paths["classifications"], workflows=paths["workflows"], progress=progress
            )
            summary.add(stage, imported.line(), 0)
        elif stage == "aggregate":
            aggregated = aggregate(
                store, workflow_id=options.workflow_id, progress=progress, executor=executor
            )
            summary.add(stage, aggregated.line(), aggregated.exit_code)
        elif stage == "catalogue":
            jets = store.filter(Jet)
            options.out_dir.mkdir(parents=True, exist_ok=True)
            for fmt in CATALOGUE_FORMATS:
                path = options.out_dir / f"jets.{fmt}"
                write_catalogue(jets, path, fmt)  # type: ignore[arg-type]
                summary.catalogue[fmt] = path
            summary.add(
                stage, f"{len(jets)} jets -> " + ", ".join(str(p) for p in summary.catalogue.values())
            )
        elif stage == "report":
            summary.add(
                stage, *_report(store, options.out_dir / "report", settings, progress, summary, executor)
            )
    return summary


def _report(
    store: Store,
    out: Path,
    settings: Settings,
    progress: bool,
    summary: ChainSummary,
    executor: Executor | None = None,
) -> tuple[str, int]:
    """The report stage's hook: :func:`jet_hunter.report.build_report` when that module is there."""
    if importlib.util.find_spec("jet_hunter.report") is None:
        return "no report module installed; the chain ends at the catalogue", 0
    module = importlib.import_module("jet_hunter.report")
    built = module.build_report(store, out, data_dir=settings.data_dir, progress=progress, executor=executor)
    summary.report = Path(str(built.path))
    return str(built.line()).removeprefix("report: "), int(built.exit_code)
