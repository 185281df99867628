"""``jet-hunter cutouts request|fetch``: cutout jobs on the SSW cutout service or JSOC.

``cutouts request [--backend ssw|jsoc] [--wave W]... [--events ID...]`` makes one job per
distinct jet among the stored events (or the given ones: kb_archivid or SOL_standard)
and submits the new ones. ``cutouts fetch`` takes every job on: resumes the submitted
ones by their remote id, submits those still waiting (JSOC takes one export per
e-mail at a time), polls until ready, and adds one pending frame per file. Both can be
interrupted and run again; each ends with one summary line (``--json``: one JSON
document). Exit code 2 when a service kept failing for some job.

Services come from the settings (``ssw_url``, ``ssw_data_url``, ``jsoc_url``); the JSOC
e-mail from ``JET_HUNTER_JSOC_EMAIL``.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from jet_store.records import CutoutJob, HekEvent
from sdo_cutout.backend_names import BUILTIN_BACKENDS

from jet_hunter.cli.app import App, CliUsageError, Reported, common_options
from jet_hunter.cli.argtypes import (
    add_backend_option,
    add_wave_option,
    chosen_waves,
    number,
    seconds,
    workers,
)

if TYPE_CHECKING:
    from sdo_cutout import CutoutBackend, JobSummary

    from jet_hunter.config import Settings

__all__ = ["register", "run_request", "run_fetch"]


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "cutouts",
        help="cutout jobs on the SSW cutout service or JSOC",
        description="Request SDO/AIA cutouts of the stored jets and fetch their file lists.",
        parents=[common_options(defaults=False)],
    )
    actions = parser.add_subparsers(dest="cutouts_action", metavar="ACTION")
    actions.required = True

    request = actions.add_parser(
        "request",
        help="make one cutout job per distinct jet and submit the new ones",
        description=(
            "Make one cutout job per distinct jet (HEK's per-channel reports of one jet are one job) and "
            "submit the new ones. Running it again adds nothing twice."
        ),
        epilog="Example: jet-hunter cutouts request --backend jsoc --wave 171 --wave 304 --padding 120",
        parents=[common_options(defaults=False)],
    )
    add_backend_option(request)
    add_wave_option(request)
    request.add_argument(
        "--events",
        nargs="+",
        metavar="ID",
        help="only these events (kb_archivid or SOL_standard); default every stored event",
    )
    request.add_argument(
        "--padding",
        type=number(0, 86400.0),
        default=0.0,
        metavar="SEC",
        help="seconds added before and after (0..86400)",
    )
    request.add_argument(
        "--min-fov",
        type=number(0, 5000.0, above=True),
        default=120.0,
        metavar="ARCSEC",
        help="smallest field of view (120)",
    )
    request.add_argument(
        "--cadence",
        type=number(0, 86400.0, above=True),
        default=12.0,
        metavar="SEC",
        help="seconds between frames (default 12)",
    )
    request.add_argument("--track", action="store_true", help="follow solar rotation")
    request.add_argument("--no-submit", action="store_true", help="only add the jobs to the store")
    request.add_argument("--retry-failed", action="store_true", help="reset failed jobs of these events")
    request.add_argument(
        "--concurrency", type=workers, metavar="N", help="jobs submitted at once per service"
    )
    request.add_argument("--json", action="store_true", help="print one JSON document")
    request.set_defaults(func=run_request)

    fetch = actions.add_parser(
        "fetch",
        help="submit, resume and poll cutout jobs until their files are listed",
        description=(
            "Take every cutout job on: resume submitted ones by their remote id, submit waiting ones, poll "
            "until ready, and add one pending frame per file. Interrupt and run again at any time."
        ),
        parents=[common_options(defaults=False)],
    )
    fetch.add_argument(
        "--backend", action="append", choices=BUILTIN_BACKENDS, help="only jobs of this service (repeatable)"
    )
    fetch.add_argument("--jobs", nargs="+", metavar="KEY", help="only these jobs")
    fetch.add_argument(
        "--poll-interval", type=seconds, default=10.0, metavar="SEC", help="first wait between polls"
    )
    fetch.add_argument(
        "--max-poll-interval",
        type=seconds,
        default=120.0,
        metavar="SEC",
        help="longest wait between polls",
    )
    fetch.add_argument(
        "--timeout", type=seconds, default=3600.0, metavar="SEC", help="stop polling after SEC (3600)"
    )
    fetch.add_argument("--concurrency", type=workers, metavar="N", help="jobs at once per service")
    fetch.add_argument("--json", action="store_true", help="print one JSON document")
    fetch.set_defaults(func=run_fetch)


def cutout_clients(settings: Settings, backends: Iterable[str]) -> list[CutoutBackend]:
    """:func:`jet_hunter.pipeline.cutout_clients`, imported when a command runs (the pipeline imports
    every stage's package)."""
    from jet_hunter.pipeline import cutout_clients as make_clients

    return make_clients(settings, backends)


def _select_events(app: App, ids: Sequence[str] | None) -> list[HekEvent]:
    store = app.store(create=False)
    if not ids:
        return store.filter(HekEvent, order_by="start_time")
    found: dict[str, HekEvent] = {}
    missing: list[str] = []
    for ident in dict.fromkeys(ids):
        event = store.get(HekEvent, ident)
        matches = [event] if event is not None else store.filter(HekEvent, sol_standard=ident)
        if not matches:
            missing.append(ident)
        for ev in matches:
            found[ev.kb_archivid] = ev
    if missing:
        raise CliUsageError(f"no stored event with kb_archivid or SOL_standard {', '.join(missing)}")
    return list(found.values())


def _exit_code(summary: JobSummary) -> int:
    return 2 if summary.errors else 0


@dataclasses.dataclass(frozen=True)
class _Prefixed:
    """A job summary with the request step's counts in front and its skipped events as messages."""

    jobs: JobSummary
    prefix: str
    skipped: list[str]

    @property
    def messages(self) -> list[str]:
        return self.skipped + list(self.jobs.messages)

    def line(self) -> str:
        j = self.jobs
        return (
            f"{self.prefix}submitted {j.submitted}, waiting {j.waiting}, failed {j.failed}, errors {j.errors}"
        )

    def to_dict(self) -> dict[str, Any]:
        j = self.jobs
        counts = {"submitted": j.submitted, "waiting": j.waiting, "failed": j.failed, "errors": j.errors}
        return {**counts, "messages": self.messages}


def run_request(app: App, args: argparse.Namespace) -> int:
    from sdo_cutout import JobSummary, add_jobs, requests_for_events, submit_jobs

    store = app.store(create=False)
    events = _select_events(app, args.events)
    skipped: list[str] = []
    jobs = requests_for_events(
        events,
        backend=args.backend,
        waves=chosen_waves(args),
        min_fov=args.min_fov,
        padding=args.padding,
        cadence=args.cadence,
        track=args.track,
        skipped=skipped,
    )
    added = add_jobs(store, jobs, retry_failed=args.retry_failed)
    summary = JobSummary()
    if not args.no_submit and jobs:
        summary = submit_jobs(
            store,
            cutout_clients(app.settings, [args.backend]),
            keys=[job.key for job in jobs],
            concurrency=args.concurrency,
            progress=app.progress,
        )
    line = (
        f"{len(events)} events -> {len(jobs)} {args.backend} jobs ({added.new} new, {added.existing} "
        f"existing, {len(skipped)} events skipped); "
    )
    extra = {
        "events": len(events),
        "skipped_events": len(skipped),
        "jobs": len(jobs),
        "new": added.new,
        "existing": added.existing,
        "reset": added.reset,
    }
    report = Reported(_Prefixed(summary, line, skipped), _exit_code(summary), extra)
    return app.report(report, as_json=args.json)


def run_fetch(app: App, args: argparse.Namespace) -> int:
    from sdo_cutout import BACKENDS, run_jobs

    store = app.store(create=False)
    if args.max_poll_interval < args.poll_interval:
        raise CliUsageError("--max-poll-interval must be >= --poll-interval")
    names = list(args.backend or BACKENDS)
    if args.jobs:
        for key in args.jobs:
            job = store.get(CutoutJob, key)
            if job is None:
                raise CliUsageError(f"no cutout job {key!r} (see `jet-hunter query cutouts`)")
            names.append(job.backend)
    summary = run_jobs(
        store,
        cutout_clients(app.settings, names),
        keys=args.jobs,
        concurrency=args.concurrency,
        poll_interval=args.poll_interval,
        max_poll_interval=args.max_poll_interval,
        timeout=args.timeout,
        progress=app.progress,
    )
    return app.report(Reported(summary, _exit_code(summary)), as_json=args.json)
