"""``jet-hunter export --out DIR``: the subjects as files plus a Panoptes CLI manifest.

Writes ``DIR/images/<name>`` and ``DIR/manifest.csv`` (see :mod:`zoo_bridge.manifest`),
ready for ``panoptes subject-set upload-subjects SET_ID DIR/manifest.csv``. Every file
is checked first; nothing is written when one is missing, empty, of a wrong type or
over 1 MiB (exit code 3, each bad file named).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from jet_hunter.cli.app import App, common_options

__all__ = ["register", "run"]


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "export",
        help="write the subjects' files and a manifest CSV for the Panoptes CLI",
        description=(
            "Copy every subject's files to DIR/images/ and write DIR/manifest.csv in the Panoptes CLI's "
            "format, with the metadata contract (# hidden, ! Talk-only columns) and formula-looking text "
            "neutralised. Every file is checked before anything is written."
        ),
        epilog="Example: jet-hunter export --out upload-2010-06",
        parents=[common_options(defaults=False)],
    )
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="the export folder")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(func=run)


def run(app: App, args: argparse.Namespace) -> int:
    from zoo_bridge.manifest import export_subjects

    summary = export_subjects(app.store(create=False), app.settings.data_dir, args.out, progress=app.progress)
    if args.json:
        app.emit_json(summary.to_dict())
    else:
        for message in summary.messages:
            app.echo(f"  {message}")
        app.echo(summary.line())
    return summary.exit_code
