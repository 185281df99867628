"""``jet-hunter report``: the catalogue as a static HTML report.

``report --out DIR`` writes DIR/index.html (the sortable, filterable catalogue table
and the summary plots), one page per jet (its frames with the consensus box, its
+-sigma boxes, the base points and the volunteers' marks; its height-time plot) and
the catalogue as CSV, ECSV and JSON. Frames come from the data folder (``--data-dir``);
``--workers N`` draws them in N local processes (or on the Dask cluster of ``--scheduler``).
"""

from __future__ import annotations

import argparse
from typing import Any

from jet_hunter.cli.app import App, common_options
from jet_hunter.cli.argtypes import path, workers

__all__ = ["register", "run"]


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "report",
        help="write the catalogue as a static HTML report (table, jet pages, plots)",
        description="Write the HTML report of every stored jet into a folder (replacing an old report).",
        epilog="Example: jet-hunter report --out report && open report/index.html",
        parents=[common_options(defaults=False)],
    )
    parser.add_argument("--out", type=path, required=True, metavar="DIR", help="the report folder")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument(
        "--workers", type=workers, default=1, metavar="N", help="processes drawing the frames (default 1)"
    )
    parser.set_defaults(func=run)


def run(app: App, args: argparse.Namespace) -> int:
    from jet_hunter.report import build_report

    store = app.store(create=False)  # a report of a store that is not there is an error, not an empty report
    with app.executor(args.workers) as executor:  # Dask with --scheduler, else local processes
        summary = build_report(
            store, args.out, data_dir=app.settings.data_dir, progress=app.progress, executor=executor
        )
    return app.report(summary, as_json=args.json)
