"""``jet-hunter aggregate``: volunteers' marks in the store -> jets (JetCluster and Jet records).

``aggregate [--workflow ID] [--config FILE] [--workers N]`` clusters the stored
annotations subject by subject (``N`` processes), links the per-subject jets of each
event and writes the results with the parameters used. ``--config`` names a TOML file
of aggregation parameters (top level or an ``[aggregate]`` table; unknown keys are an
error); the global settings file goes before the command
(``jet-hunter --config jet-hunter.toml aggregate``). Re-running with the same inputs and
parameters changes nothing. Exit code 3 when some subject could not be aggregated.
"""

from __future__ import annotations

import argparse
from typing import Any

from jet_hunter.cli.app import App, common_options
from jet_hunter.cli.argtypes import positive_int, workers

__all__ = ["register", "run"]


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "aggregate",
        help="cluster volunteers' points and boxes into jets, with uncertainties",
        description=(
            "Aggregate the stored classifications: answers, base points and rotated boxes per "
            "subject, then jets linked across each event's overlapping subjects, in solar "
            "coordinates at frame time resolution."
        ),
        epilog="Example: jet-hunter aggregate --workflow 19650 --workers 2",
        parents=[common_options(defaults=False)],
        conflict_handler="resolve",  # our --config is the aggregation parameters
    )
    parser.add_argument(
        "--workflow", type=positive_int, default=None, metavar="ID", help="only this workflow"
    )
    parser.add_argument(
        "--config",
        dest="aggregate_config",
        metavar="FILE",
        default=None,
        help="aggregation parameters (TOML); defaults are the reference pipeline's",
    )
    parser.add_argument("--workers", type=workers, default=1, metavar="N", help="processes (default 1)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(func=run)


def run(app: App, args: argparse.Namespace) -> int:
    from jet_aggregate.config import load_config
    from jet_aggregate.stage import aggregate

    config = load_config(args.aggregate_config)
    store = app.store()
    with app.executor(args.workers) as executor:  # Dask with --scheduler, else local processes
        summary = aggregate(
            store, workflow_id=args.workflow, config=config, executor=executor, progress=app.progress
        )
    if args.json:
        app.emit_json(summary.to_dict())
    else:
        app.echo(summary.line())
        for message in summary.messages[:20]:
            app.echo(f"  {message}")
    return summary.exit_code
