"""The ``jet-hunter`` command line: one module per command group, each a thin layer.

Exit codes: 0 success, 1 user error (bad option, unknown field, outdated schema),
2 a remote service or database server failed, 3 a data problem (corrupt file, not a
database), 130 interrupted. Errors print one line on stderr; ``-v`` adds the traceback.

Examples
--------
>>> from jet_hunter.cli import main
>>> main(["--db", "sqlite://", "db", "upgrade"])  # doctest: +ELLIPSIS
sqlite:// is at schema ...
0
>>> main(["query", "comets"])  # prints "jet-hunter: error: ..." on stderr
1
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Sequence

from jet_store import DataError, JetHunterError, ServiceError

from jet_hunter import __version__
from jet_hunter.cli import (
    aggregate,
    catalogue,
    cutouts,
    db,
    download,
    hek,
    query,
    render,
    run,
    sandbox,
    status,
)
from jet_hunter.cli.app import App, CliUsageError, common_options

__all__ = ["main", "build_parser"]

COMMAND_MODULES = (status, query, db, hek, cutouts, download, render, run, sandbox, aggregate, catalogue)


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors and exit code 1 for usage mistakes."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise CliUsageError(f"{message} (see `{self.prog} -h`)")


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (global options work before or after the command)."""
    parser = _Parser(
        prog="jet-hunter",
        description="Find coronal jets in HEK, make Zooniverse subjects, and turn classifications into jets.",
        parents=[common_options(defaults=True)],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    for module in COMMAND_MODULES:
        module.register(commands)
    return parser


def _configure_logging(verbose: int, quiet: bool) -> None:
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def _exit_code(err: BaseException) -> int:
    if isinstance(err, ServiceError):
        return 2
    if isinstance(err, DataError):
        return 3
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    verbose = 0
    try:
        args = parser.parse_args(argv)
        verbose = args.verbose
        _configure_logging(args.verbose, args.quiet)
        app = App.from_args(args)
        try:
            return int(args.func(app, args) or 0)
        finally:
            app.close()
    except KeyboardInterrupt:
        print("jet-hunter: interrupted", file=sys.stderr)
        return 130
    except (JetHunterError, CliUsageError) as err:
        if verbose:
            traceback.print_exc()
        print(f"jet-hunter: error: {err}", file=sys.stderr)
        return _exit_code(err)
    except BrokenPipeError:  # `jet-hunter query ... | head`
        sys.stderr.close()
        return 0
