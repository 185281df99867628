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

from jet_hunter.cli.app import App, CliUsageError, Reported, common_options
from jet_hunter.cli.argtypes import percentile, pixel_size, workers

__all__ = ["register", "run"]


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
    parser.add_argument(
        "--size", type=pixel_size(16, 10000), default=None, metavar="WxH", help="image size in pixels"
    )
    parser.add_argument(
        "--stretch",
        choices=("asinh", "sqrt", "log", "linear"),
        default="asinh",
        help="stretch (default asinh)",
    )
    parser.add_argument(
        "--percentile",
        nargs=2,
        type=percentile,
        metavar=("LOW", "HIGH"),
        default=None,
        help="clip to these percentiles (default: frame min..max, as sunpy)",
    )
    parser.add_argument("--workers", type=workers, default=1, metavar="N", help="processes (default 1)")
    parser.add_argument("--movie", action="store_true", help="also write one MP4 per event")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(func=run)


def run(app: App, args: argparse.Namespace) -> int:
    if args.percentile and not args.percentile[0] < args.percentile[1]:
        raise CliUsageError(
            f"--percentile LOW HIGH needs LOW < HIGH, not {args.percentile[0]:g} {args.percentile[1]:g}"
        )
    from jet_render.normalize import Normalization
    from jet_render.stage import render_frames

    store = app.store(create=False)
    if args.percentile:
        norm = Normalization(
            interval="percentile", low=args.percentile[0], high=args.percentile[1], stretch=args.stretch
        )
    else:
        norm = Normalization(stretch=args.stretch)
    with app.executor() as executor:  # the Dask cluster of --scheduler, else --workers local processes
        summary = render_frames(
            store,
            app.settings.data_dir,
            kind=args.kind,
            fmt=args.format,
            size=args.size,
            norm=norm,
            workers=args.workers,
            progress=app.progress,
            executor=executor,
        )
    movies: list[Any] = []
    if args.movie:
        from jet_render.movie import event_movies

        movies = event_movies(store, app.settings.data_dir, kind=args.kind)
    extra = {
        "data_dir": str(app.settings.data_dir),
        "movies": [{"path": str(m.path), "frames": m.frames, "size_bytes": m.size_bytes} for m in movies],
    }
    suffix = f"; {len(movies)} movies" if args.movie else ""
    return app.report(Reported(summary, 3 if summary.failed else 0, extra, suffix), as_json=args.json)
