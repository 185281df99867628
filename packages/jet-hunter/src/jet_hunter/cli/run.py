"""``jet-hunter run`` (the preparation chain) and ``jet-hunter demo`` (the same, offline)."""

from __future__ import annotations

import argparse
from typing import Any

from jet_hunter.cli.app import App, common_options
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
    run.add_argument("--start", required=True, metavar="T", help="start of the HEK search (ISO time)")
    run.add_argument("--end", required=True, metavar="T", help="end of the HEK search (ISO time)")
    run.add_argument("--type", default="cj", metavar="TYPES", help="HEK event types (default cj)")
    run.add_argument("--channel", metavar="CHANNEL", help="only HEK reports of this channel, e.g. 304")
    run.add_argument("--backend", choices=("ssw", "jsoc"), default="ssw", help="cutout service (default ssw)")
    run.add_argument(
        "--wave", type=int, action="append", metavar="W", help="AIA wavelength (repeatable; 304)"
    )
    run.add_argument("--workers", type=int, default=4, metavar="N", help="downloads in flight per host")
    run.add_argument(
        "--poll-interval",
        type=float,
        default=10.0,
        metavar="S",
        help="first wait between polls of a cutout job (default 10 s, growing to 120 s)",
    )
    run.add_argument("--timeout", type=float, default=3600.0, metavar="S", help="stop polling jobs after S s")
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
    demo.add_argument("--folder", default="jet-hunter-demo", help="output folder (default ./jet-hunter-demo)")
    demo.add_argument("--max-frames", type=int, default=20, metavar="N", help="frames per cutout job (20)")
    demo.set_defaults(func=run_demo_command)


def run_run(app: App, args: argparse.Namespace) -> int:
    summary = prepare(
        app.settings,
        app.store(),
        args.start,
        args.end,
        event_types=args.type,
        channel=args.channel,
        backend=args.backend,
        waves=args.wave or (304,),
        workers=args.workers,
        poll_interval=args.poll_interval,
        max_poll_interval=max(args.poll_interval, 120.0),
        timeout=args.timeout,
        render=None if args.render == "none" else args.render,
        image_format=args.format,
        movies=args.movie,
        progress=app.progress,
    )
    for line in summary.lines():
        app.echo(line)
    return 0 if summary.ok else 2


def run_demo_command(app: App, args: argparse.Namespace) -> int:
    summary = run_demo(args.folder, max_frames=args.max_frames, progress=app.progress, echo=app.echo)
    return 0 if summary.ok else 2
