"""``jet-hunter catalogue``: the stored jets as the Solar Jet Hunter catalogue.

``catalogue --format csv|ecsv|json --out FILE`` writes every stored jet (the published
columns with their header verbatim, then start/end/peak time at frame resolution,
position angle, subjects, volunteers, velocity error and parameters' hash).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from jet_store.records import Jet

from jet_hunter.cli.app import App, common_options

__all__ = ["register", "run"]


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "catalogue",
        help="write the jet catalogue (CSV, ECSV with units, or JSON)",
        description="Write every stored jet as one catalogue row.",
        epilog="Example: jet-hunter catalogue --format ecsv --out jets.ecsv",
        parents=[common_options(defaults=False)],
    )
    parser.add_argument(
        "--format", choices=("csv", "ecsv", "json"), default="csv", help="file format (default csv)"
    )
    parser.add_argument("--out", type=Path, required=True, metavar="FILE", help="where to write it")
    parser.set_defaults(func=run)


def run(app: App, args: argparse.Namespace) -> int:
    from jet_aggregate.catalogue import write_catalogue

    jets = app.store().filter(Jet)
    count = write_catalogue(jets, args.out, args.format)
    app.echo(f"wrote {count} jets to {args.out} ({args.format})")
    return 0
