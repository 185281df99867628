"""``jet-hunter fetch-export classifications|subjects|workflows --project ID``: download an export.

A thin layer over :func:`zoo_bridge.fetch.fetch_export`: it signs in
(:class:`zoo_bridge.connection.PanoptesConnection`) to the configured Panoptes
(``services.panoptes_url``, env ``JET_HUNTER_PANOPTES_URL``) with the credentials of
the environment (``PANOPTES_USERNAME``, ``PANOPTES_PASSWORD``), reuses the latest export
or generates one (``--generate``), downloads it (resuming an interrupted download) and
prints one line. Then ``jet-hunter import KIND FILE`` reads it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from zoo_bridge.export_kinds import EXPORT_KINDS

from jet_hunter.cli.app import App, common_options
from jet_hunter.cli.argtypes import non_negative_float, positive_float, positive_int

__all__ = ["register", "run"]


def register(commands: Any) -> None:
    """Add ``fetch-export`` to the command parsers."""
    parser = commands.add_parser(
        "fetch-export",
        help="download a project's classification, subject or workflow export from Panoptes",
        description=(
            "Download a Zooniverse project export through panoptes-client: the latest one, or a new one "
            "with --generate. An interrupted download resumes where it stopped."
        ),
        epilog="Example: jet-hunter fetch-export classifications --project 11265 --generate",
        parents=[common_options(defaults=False)],
    )
    parser.add_argument("kind", choices=EXPORT_KINDS, metavar="EXPORT", help=", ".join(EXPORT_KINDS))
    parser.add_argument(
        "--project", type=positive_int, required=True, metavar="ID", help="Zooniverse project id"
    )
    parser.add_argument(
        "--out", metavar="FILE", help="where to write it (default <data dir>/exports/<project>-<export>.csv)"
    )
    parser.add_argument(
        "--generate", action="store_true", help="ask Panoptes for a new export and wait for it"
    )
    parser.add_argument(
        "--timeout", type=positive_float, default=3600.0, metavar="S",
        help="longest wait for an export being made (default %(default)s s)",
    )  # fmt: skip
    parser.add_argument(
        "--poll-interval", type=non_negative_float, default=5.0, metavar="S",
        help="seconds between looks at an export being made (default %(default)s)",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the result as one JSON document")
    parser.set_defaults(func=run)


def run(app: App, args: argparse.Namespace) -> int:
    from zoo_bridge.fetch import fetch_export

    from jet_hunter.stages import panoptes_connection

    """Run ``fetch-export``; return the exit code."""
    connection = panoptes_connection(app.settings).connect()
    out = (
        Path(args.out) if args.out else app.settings.data_dir / "exports" / f"{args.project}-{args.kind}.csv"
    )
    result = fetch_export(
        connection,
        args.project,
        args.kind,
        out,
        generate=args.generate,
        timeout=args.timeout,
        poll_interval=args.poll_interval,
        progress=app.progress,
    )
    if args.json:
        app.emit_json(result.to_dict())
    else:
        app.echo(result.line())
    return 0
