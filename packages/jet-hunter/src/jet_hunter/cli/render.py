"""``jet-hunter render``: downloaded frames -> PNG/JPEG images (framed or bare), MP4 movies.

``render [--framed|--bare] [--format png|jpeg] [--size WxH] [--workers N] [--movie]``
renders every downloaded frame not yet rendered that way into the data folder
(``renderings/<job>/<kind>/<frame>.png``) and records each image with its geometry;
``--movie`` then writes one MP4 per event (``movies/<job>_<kind>.mp4``). Prints one
summary line (``--json``: one JSON document). Run again at any time: finished frames
are skipped. Exit code 3 when some frame could not be rendered.
"""

from __future__ import annotations

import argparse
from typing import Any

from jet_render.normalize import Normalization
from jet_render.stage import render_frames

from jet_hunter.cli.app import App, common_options

__all__ = ["register", "run"]


def _workers(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= 64:
        raise argparse.ArgumentTypeError(f"must be between 1 and 64, not {text}")
    return value


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not WIDTHxHEIGHT: {text!r}") from None
    if not (16 <= w <= 10000 and 16 <= h <= 10000):
        raise argparse.ArgumentTypeError(f"size out of range: {text}")
    return w, h


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "render",
        help="render downloaded frames as PNG/JPEG (framed or bare), optionally MP4 movies",
        description=(
            "Render every downloaded frame into the data folder, framed (axes in arcsec and title, "
            "1920x1440 by default) or bare (data only), as 8-bit palette PNG or JPEG under 1 MiB, and "
            "record each image with its data-area geometry. Already rendered frames are skipped."
        ),
        epilog="Example: jet-hunter render --framed --format png --workers 4 --movie",
        parents=[common_options(defaults=False)],
    )
    kind = parser.add_mutually_exclusive_group()
    kind.add_argument(
        "--framed", dest="kind", action="store_const", const="framed", help="axes and title (default)"
    )
    kind.add_argument("--bare", dest="kind", action="store_const", const="bare", help="the data only")
    parser.set_defaults(kind="framed")
    parser.add_argument("--format", choices=("png", "jpeg"), default="png", help="image format (default png)")
    parser.add_argument("--size", type=_size, default=None, metavar="WxH", help="image size in pixels")
    parser.add_argument(
        "--stretch",
        choices=("asinh", "sqrt", "log", "linear"),
        default="asinh",
        help="stretch (default asinh)",
    )
    parser.add_argument(
        "--percentile",
        nargs=2,
        type=float,
        metavar=("LOW", "HIGH"),
        default=None,
        help="clip to these percentiles (default: frame min..max, as sunpy)",
    )
    parser.add_argument("--workers", type=_workers, default=1, metavar="N", help="processes (default 1)")
    parser.add_argument("--movie", action="store_true", help="also write one MP4 per event")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(func=run)


def run(app: App, args: argparse.Namespace) -> int:
    store = app.store(create=False)
    if args.percentile:
        norm = Normalization(
            interval="percentile", low=args.percentile[0], high=args.percentile[1], stretch=args.stretch
        )
    else:
        norm = Normalization(stretch=args.stretch)
    summary = render_frames(
        store,
        app.settings.data_dir,
        kind=args.kind,
        fmt=args.format,
        size=args.size,
        norm=norm,
        workers=args.workers,
        progress=app.progress,
    )
    movies: list[Any] = []
    if args.movie:
        from jet_render.movie import event_movies

        movies = event_movies(store, app.settings.data_dir, kind=args.kind)
    if args.json:
        doc = {"data_dir": str(app.settings.data_dir), **summary.to_dict()}
        doc["movies"] = [
            {"path": str(m.path), "frames": m.frames, "size_bytes": m.size_bytes} for m in movies
        ]
        app.emit_json(doc)
    else:
        for message in summary.messages:
            app.echo(f"  {message}")
        line = summary.line()
        if args.movie:
            line += f"; {len(movies)} movies"
        app.echo(line)
    return 3 if summary.failed else 0
