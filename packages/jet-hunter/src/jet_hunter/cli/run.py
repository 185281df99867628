"""``jet-hunter run`` (the whole chain, resumable, ``--from``/``--until`` a stage) and ``jet-hunter demo``.

``run`` goes hek -> cutouts -> download -> render -> subjects -> upload ->
classify -> fetch -> import -> aggregate -> catalogue -> report (see
:mod:`jet_hunter.stages`); ``--simulate-crowd`` makes the classify stage the simulated
volunteers on a Panoptes replica (``jet-hunter sandbox`` servers), otherwise it waits
for real volunteers and the later stages take what their export holds.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any

from jet_hunter.chain_terms import DEMO_END, DEMO_START, STAGES, stage_range
from jet_hunter.cli.app import App, CliUsageError, common_options
from jet_hunter.cli.argtypes import (
    add_backend_option,
    add_wave_option,
    channel,
    chosen_waves,
    event_types,
    integer,
    path,
    positive_int,
    seconds,
    seed,
    utc_time,
    workers,
)

if TYPE_CHECKING:
    from jet_hunter.pipeline import PrepareSummary

__all__ = ["register"]


def register(commands: Any) -> None:
    run = commands.add_parser(
        "run",
        help="the whole chain: HEK -> ... -> subjects -> upload -> ... -> catalogue, resumable",
        description=(
            "Run the chain over a time range, stage by stage: " + " -> ".join(STAGES) + ". Run it again "
            "to finish an interrupted run; --from/--until run part of it."
        ),
        parents=[common_options(defaults=False)],
    )
    run.add_argument("--from", dest="first", choices=STAGES, metavar="STAGE", help="first stage (hek)")
    run.add_argument("--until", dest="last", choices=STAGES, metavar="STAGE", help="last stage (report)")
    run.add_argument(
        "--start", type=utc_time, metavar="T", help="start of the HEK search (ISO time; for prepare)"
    )
    run.add_argument(
        "--end", type=utc_time, metavar="T", help="end of the HEK search (ISO time; for prepare)"
    )
    run.add_argument("--project", type=positive_int, default=11265, metavar="ID", help="project (11265)")
    run.add_argument(
        "--subject-set", default="jet-hunter", metavar="NAME", help="subject set to upload to (jet-hunter)"
    )
    run.add_argument(
        "--out", type=path, default=None, metavar="DIR", help="catalogue folder (<data dir>/catalogue)"
    )
    run.add_argument(
        "--simulate-crowd",
        action="store_true",
        help="classify stage: simulated volunteers on the Panoptes replica (sandbox only)",
    )
    run.add_argument("--crowd-seed", type=seed, default=0, metavar="N", help="seed of the simulated crowd")
    run.add_argument(
        "--type", type=event_types, default="cj", metavar="TYPES", help="HEK event types (default cj)"
    )
    run.add_argument(
        "--channel", type=channel, metavar="CHANNEL", help="only HEK reports of this channel, e.g. 304"
    )
    add_backend_option(run)
    add_wave_option(run)
    run.add_argument(
        "--workers", type=workers, default=4, metavar="N", help="downloads in flight per host (default 4)"
    )
    run.add_argument(
        "--poll-interval",
        type=seconds,
        default=10.0,
        metavar="S",
        help="first wait between polls of a cutout job (default 10 s, growing to 120 s)",
    )
    run.add_argument(
        "--timeout", type=seconds, default=3600.0, metavar="S", help="stop polling jobs after S s (3600)"
    )
    run.add_argument(
        "--render",
        choices=("framed", "bare", "none"),
        default="framed",
        help="render the frames framed (default), bare, or not at all",
    )
    run.add_argument("--format", choices=("png", "jpeg"), default="png", help="image format (png)")
    run.add_argument("--movie", action="store_true", help="also one MP4 movie per event")
    run.set_defaults(func=run_run)

    demo = commands.add_parser(
        "demo",
        help="the whole chain offline against local replicas, scored against the synthetic truth",
        description=(
            "Start the HEK, SSW and Panoptes replicas on loopback, run every stage into a folder with a "
            "simulated crowd, and print each synthetic jet's error against its truth."
        ),
        parents=[common_options(defaults=False)],
    )
    demo.add_argument(
        "--folder", type=path, default="jet-hunter-demo", help="output folder (default ./jet-hunter-demo)"
    )
    demo.add_argument(
        "--max-frames", type=integer(1, 1000), default=20, metavar="N", help="frames per cutout job (20)"
    )
    demo.add_argument(
        "--start",
        type=utc_time,
        default=DEMO_START,
        metavar="T",
        help=f"start of the HEK search ({DEMO_START}); a shorter range makes a smaller demo",
    )
    demo.add_argument(
        "--end",
        type=utc_time,
        default=DEMO_END,
        metavar="T",
        help=f"end of the HEK search ({DEMO_END}; e.g. 2010-06-21 keeps the first 2 of the 8 jets)",
    )
    demo.add_argument(
        "--frame-size",
        type=integer(16, 4096),
        nargs=2,
        default=(300, 250),
        metavar=("NX", "NY"),
        help="largest synthetic frame in pixels (300 250); smaller is quicker",
    )
    demo.add_argument("--no-movies", action="store_true", help="no MP4 movie per jet")
    demo.add_argument(
        "--no-report", action="store_true", help="end at the catalogue, without the HTML report"
    )
    demo.epilog = (
        "The global --db URL (e.g. postgresql://user@host/db, an empty database) keeps the store "
        "there instead of the folder's SQLite file; --scheduler ADDRESS runs download, render, "
        "subjects and aggregate on that Dask cluster."
    )
    demo.set_defaults(func=run_demo_command)


def run_run(app: App, args: argparse.Namespace) -> int:
    with app.executor() as executor:  # the Dask cluster of --scheduler, else this process
        return _run_with(app, args, executor)


def _run_with(app: App, args: argparse.Namespace, executor: Executor | None) -> int:
    stages = stage_range(args.first, args.last)
    if {"hek", "cutouts"} & set(stages) and (args.start is None or args.end is None):
        raise CliUsageError("the hek and cutouts stages need --start and --end (or --from download or later)")
    from jet_hunter.crowd import sandbox_crowd
    from jet_hunter.stages import ChainOptions, run_chain

    store = app.store()
    options = ChainOptions(
        project_id=args.project,
        subject_set=args.subject_set,
        out_dir=args.out or app.settings.data_dir / "catalogue",
        crowd=sandbox_crowd(seed=args.crowd_seed) if args.simulate_crowd else None,
    )
    summary = run_chain(
        app.settings,
        store,
        lambda steps: _prepare(app, args, store, steps, executor),
        options,
        first=args.first,
        last=args.last,
        progress=app.progress,
        executor=executor,
        on_stage=stage_notes(app),
    )
    return app.report(summary)


def stage_notes(app: App) -> Callable[[str], None] | None:
    """``stage NAME ...`` on stderr as each stage starts (not with --quiet)."""
    if app.quiet:
        return None

    def note(stage: str) -> None:
        print(f"stage {stage} ...", file=sys.stderr, flush=True)

    return note


def _prepare(
    app: App, args: argparse.Namespace, store: Any, steps: tuple[str, ...], executor: Executor | None
) -> PrepareSummary:
    from jet_hunter.pipeline import prepare

    return prepare(
        app.settings,
        store,
        args.start,
        args.end,
        event_types=args.type,
        channel=args.channel,
        backend=args.backend,
        waves=chosen_waves(args),
        workers=args.workers,
        poll_interval=args.poll_interval,
        max_poll_interval=max(args.poll_interval, 120.0),
        timeout=args.timeout,
        render=None if args.render == "none" else args.render,
        image_format=args.format,
        movies=args.movie,
        progress=app.progress,
        executor=executor,
        steps=steps,
        on_step=stage_notes(app),
    )


def run_demo_command(app: App, args: argparse.Namespace) -> int:
    from jet_hunter.demo import run_demo

    with app.executor() as executor:  # the Dask cluster of --scheduler, else this process
        summary = run_demo(
            args.folder,
            db=args.db,
            max_frames=args.max_frames,
            frame_shape=tuple(args.frame_size),
            start=args.start,
            end=args.end,
            movies=not args.no_movies,
            report=not args.no_report,
            executor=executor,
            progress=app.progress,
            echo=app.echo,
            on_stage=stage_notes(app),
        )
    return summary.exit_code
