"""``jet-hunter run`` (the preparation chain) and ``jet-hunter demo`` (the same, offline)."""

from __future__ import annotations

import argparse
from concurrent.futures import Executor
from typing import Any

from sdo_cutout import BACKENDS

from jet_hunter.cli.app import (
    App,
    add_wave_option,
    channel,
    chosen_waves,
    common_options,
    event_types,
    integer,
    path,
    seconds,
    utc_time,
    workers,
)
from jet_hunter.demo import run_demo
from jet_hunter.pipeline import prepare

__all__ = ["register"]


def register(commands: Any) -> None:
    run = commands.add_parser(
        "run",
        help="HEK search -> cutouts -> download -> render, resumable",
        description="Run the preparation chain over a time range; run it again to finish an interrupted run.",
        parents=[common_options(defaults=False)],
    )
    run.add_argument(
        "--start", type=utc_time, required=True, metavar="T", help="start of the HEK search (ISO time)"
    )
    run.add_argument(
        "--end", type=utc_time, required=True, metavar="T", help="end of the HEK search (ISO time)"
    )
    run.add_argument(
        "--type", type=event_types, default="cj", metavar="TYPES", help="HEK event types (default cj)"
    )
    run.add_argument(
        "--channel", type=channel, metavar="CHANNEL", help="only HEK reports of this channel, e.g. 304"
    )
    run.add_argument("--backend", choices=BACKENDS, default="ssw", help="cutout service (default ssw)")
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
        help="the pipeline offline against local replicas",
        description="Start the HEK and SSW replicas on loopback and run the pipeline into a folder.",
        parents=[common_options(defaults=False)],
    )
    demo.add_argument(
        "--folder", type=path, default="jet-hunter-demo", help="output folder (default ./jet-hunter-demo)"
    )
    demo.add_argument(
        "--max-frames", type=integer(1, 1000), default=20, metavar="N", help="frames per cutout job (20)"
    )
    demo.set_defaults(func=run_demo_command)


def run_run(app: App, args: argparse.Namespace) -> int:
    with app.executor() as executor:  # the Dask cluster of --scheduler, else this process
        return _run_with(app, args, executor)


def _run_with(app: App, args: argparse.Namespace, executor: Executor | None) -> int:
    summary = prepare(
        app.settings,
        app.store(),
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
    )
    return app.report(summary)


def run_demo_command(app: App, args: argparse.Namespace) -> int:
    summary = run_demo(args.folder, max_frames=args.max_frames, progress=app.progress, echo=app.echo)
    return summary.exit_code
