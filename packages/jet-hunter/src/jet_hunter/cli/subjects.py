"""``jet-hunter subjects``: group every event's renderings into Zooniverse subjects.

``subjects [--frames-per-subject 15] [--overlap 2] [--wavelength 304] [--kind framed]
[--movie | --movie-only]`` cuts each event's frames (one rendering per frame, in time
order) into flipbooks of N frames sharing ``--overlap`` frames, stores them with their
stable keys and the metadata contract, and with ``--movie`` also writes one MP4 per
subject. Run again at any time: the same frames give the same subjects.
"""

from __future__ import annotations

import argparse
from typing import Any

from zoo_bridge.grouping import GroupingOptions

from jet_hunter.cli.app import App, common_options
from jet_hunter.cli.argtypes import positive_float, positive_int

__all__ = ["register", "run"]


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, not {text}")
    return value


def register(commands: Any) -> None:
    defaults = GroupingOptions()
    parser = commands.add_parser(
        "subjects",
        help="group renderings into Zooniverse subjects (flipbooks of N frames)",
        description=(
            "Group every event's renderings of one wavelength and product, in time order, into subjects "
            "of N frames with an overlap; a short tail is replaced by the last N frames, an event of at "
            "most N frames is one subject. Stored with stable keys and the metadata contract."
        ),
        epilog="Example: jet-hunter subjects --frames-per-subject 15 --overlap 2 --wavelength 304 --movie",
        parents=[common_options(defaults=False)],
    )
    parser.add_argument("--frames-per-subject", type=positive_int, default=defaults.frames_per_subject,
                        metavar="N", help="frames per subject (default %(default)s)")  # fmt: skip
    parser.add_argument("--overlap", type=_non_negative_int, default=defaults.overlap, metavar="K",
                        help="frames shared by consecutive subjects (default %(default)s)")  # fmt: skip
    parser.add_argument("--wavelength", type=positive_float, default=defaults.wavelength, metavar="A",
                        help="wavelength in Angstrom (default %(default)g)")  # fmt: skip
    parser.add_argument("--kind", choices=("framed", "bare"), default=defaults.kind,
                        help="which renderings (default %(default)s)")  # fmt: skip
    media = parser.add_mutually_exclusive_group()
    media.add_argument("--movie", dest="media", action="store_const", const="both",
                       help="also one MP4 per subject, uploaded with the frames")  # fmt: skip
    media.add_argument("--movie-only", dest="media", action="store_const", const="movie",
                       help="one MP4 per subject instead of the frames")  # fmt: skip
    parser.set_defaults(media="frames")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(func=run)


def run(app: App, args: argparse.Namespace) -> int:
    from zoo_bridge.subjects import make_subjects

    options = GroupingOptions(
        frames_per_subject=args.frames_per_subject, overlap=args.overlap, wavelength=args.wavelength,
        kind=args.kind, media=args.media,
    )  # fmt: skip
    with app.executor() as executor:  # the Dask cluster of --scheduler, else this process
        summary = make_subjects(
            app.store(create=False), app.settings.data_dir, options, progress=app.progress, executor=executor
        )
    if args.json:
        app.emit_json(summary.to_dict())
    else:
        for message in summary.messages:
            app.echo(f"  {message}")
        app.echo(summary.line())
    return summary.exit_code
