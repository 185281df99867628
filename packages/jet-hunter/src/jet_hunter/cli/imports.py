"""``jet-hunter import classifications|subjects|workflows FILE``: Panoptes exports into the store.

A thin layer over :mod:`zoo_bridge`'s importers: it reads the options, runs the import
and prints the report's line (and the first skipped rows on stderr), or the whole report
as one JSON document with ``--json``. The exit code is 0 when every row was read and 3
when rows were skipped (they are listed in ``jet-hunter query import_reports --json``).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from jet_hunter.cli.app import App, common_options
from jet_hunter.cli.argtypes import positive_int

if TYPE_CHECKING:
    from zoo_bridge import ImportSummary

__all__ = ["register", "run_classifications", "run_subjects", "run_workflows", "print_summary"]

#: skipped rows printed on stderr (all of them are in the stored report)
SHOWN_SKIPS = 10


def register(commands: Any) -> None:
    """Add ``import`` and its sub-commands to the command parsers."""
    group = commands.add_parser(
        "import",
        help="read Panoptes exports (classifications, subjects, workflows) into the store",
        description="Read Panoptes export files into the store (idempotent; malformed rows reported).",
        parents=[common_options(defaults=False)],
    )
    actions = group.add_subparsers(dest="import_command", metavar="EXPORT", parser_class=type(group))
    actions.required = True

    c = actions.add_parser(
        "classifications",
        help="a classification export -> classifications and annotations",
        description=(
            "Import a classification export. Rows are checked against the workflow export "
            "(--workflows, or the versions already imported); malformed rows are skipped and reported."
        ),
        epilog=(
            "Example: jet-hunter import classifications solar-jet-hunter-classifications.csv "
            "--workflows solar-jet-hunter-workflows.csv --workflow 19650 --min-version 4.52 --keep first"
        ),
        parents=[common_options(defaults=False)],
    )
    c.add_argument("file", metavar="FILE", help="the classification export CSV")
    c.add_argument("--workflows", metavar="FILE", help="the workflow export CSV (imported first)")
    c.add_argument("--workflow", type=positive_int, metavar="ID", help="only this workflow")
    versions = c.add_mutually_exclusive_group()
    versions.add_argument("--version", metavar="V", help="only this workflow version (major.minor)")
    versions.add_argument("--min-version", metavar="V", help="only versions from V on")
    c.add_argument("--max-version", metavar="V", help="only versions up to V (with --min-version: a range)")
    c.add_argument("--since", metavar="DATE", help="only classifications made from DATE on (UTC, ISO 8601)")
    c.add_argument("--until", metavar="DATE", help="only classifications made before DATE (UTC)")
    c.add_argument(
        "--keep",
        choices=("all", "first", "last"),
        default="all",
        help="all classifications, or the first/last of each volunteer and subject (default %(default)s)",
    )
    c.add_argument("--json", action="store_true", help="print the report as one JSON document")
    c.set_defaults(func=run_classifications)

    for name, helptext, func in (
        ("subjects", "a subjects export -> Zooniverse ids linked to our subjects", run_subjects),
        ("workflows", "a workflow export -> every version's tasks and tools", run_workflows),
    ):
        p = actions.add_parser(
            name,
            help=helptext,
            description=helptext[0].upper() + helptext[1:] + ".",
            parents=[common_options(defaults=False)],
        )
        p.add_argument("file", metavar="FILE", help=f"the {name[:-1]} export CSV")
        p.add_argument("--json", action="store_true", help="print the report as one JSON document")
        p.set_defaults(func=func)


def print_summary(app: App, summary: ImportSummary, as_json: bool) -> int:
    """Print a report (line + first skipped rows on stderr, or JSON); return its exit code."""
    if as_json:
        app.emit_json(summary.to_dict())
        return summary.exit_code
    app.echo(summary.line())
    messages = summary.messages
    for message in messages[:SHOWN_SKIPS]:
        print(f"skipped {message}", file=sys.stderr)
    if summary.skipped > SHOWN_SKIPS:
        print(
            f"... {summary.skipped - SHOWN_SKIPS} more skipped rows: jet-hunter query import_reports --json",
            file=sys.stderr,
        )
    return summary.exit_code


def run_classifications(app: App, args: argparse.Namespace) -> int:
    """Run ``import classifications``."""
    from zoo_bridge import ImportOptions, import_classifications

    options = ImportOptions(
        workflow_id=args.workflow,
        version=args.version,
        min_version=args.min_version,
        max_version=args.max_version,
        since=args.since,
        until=args.until,
        keep=args.keep,
    )
    summary = import_classifications(
        app.store(), args.file, options, workflows=args.workflows, progress=app.progress
    )
    return print_summary(app, summary, args.json)


def run_subjects(app: App, args: argparse.Namespace) -> int:
    """Run ``import subjects``."""
    from zoo_bridge import import_subjects

    return print_summary(app, import_subjects(app.store(), args.file, progress=app.progress), args.json)


def run_workflows(app: App, args: argparse.Namespace) -> int:
    """Run ``import workflows``."""
    from zoo_bridge import import_workflows

    return print_summary(app, import_workflows(app.store(), args.file, progress=app.progress), args.json)
