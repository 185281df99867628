"""The ``jet-hunter`` command line: one module per command group, each a thin layer.

Exit codes: 0 success, 1 user error (bad option, unknown field, outdated schema, a
file or folder that cannot be used), 2 a remote service or database server failed,
3 a data problem (corrupt file, not a database) and also any *unexpected* error
(a bug: "internal error: ..."; 3 because it is not the user's input that is wrong),
130 interrupted. Every error prints exactly one line on stderr and never a traceback;
``-v`` adds the traceback.

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
import contextlib
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from typing import NoReturn

from jet_store.errors import DataError, JetHunterError, ServiceError

from jet_hunter import __version__
from jet_hunter.cli import (
    aggregate,
    catalogue,
    cutouts,
    db,
    download,
    export,
    fetch_export,
    hek,
    imports,
    query,
    render,
    report,
    run,
    sandbox,
    status,
    subjects,
    upload,
)
from jet_hunter.cli.app import App, CliUsageError, common_options

__all__ = ["main", "console", "build_parser"]

COMMAND_MODULES = (
    status,
    query,
    db,
    hek,
    cutouts,
    download,
    render,
    run,
    subjects,
    export,
    upload,
    fetch_export,
    imports,
    aggregate,
    catalogue,
    report,
    sandbox,
)


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
    # Dask sets its own loggers to INFO (workers registering, clients closing): keep that
    # chatter for -vv, so errors stay one line and -v shows jet-hunter's own progress
    chatty = logging.DEBUG if verbose >= 2 else max(level, logging.WARNING)
    for name in ("distributed", "dask"):
        logging.getLogger(name).setLevel(chatty)


INTERNAL_ERROR = 3
"""Exit code of an unexpected exception (a bug), printed as ``internal error: ...``."""


def _exit_code(err: BaseException) -> int:
    if isinstance(err, ServiceError):
        return 2
    if isinstance(err, DataError):
        return 3
    return 1


def _one_line(text: str, limit: int = 500) -> str:
    line = " ".join(str(text).split()) or "(no message)"
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _fail(message: str, code: int, verbose: int) -> int:
    if verbose:
        traceback.print_exc()
    print(f"jet-hunter: {_one_line(message)}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (see the module's docstring)."""
    verbose = 0
    try:
        parser = build_parser()
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
    except BrokenPipeError:  # `jet-hunter query ... | head`
        sys.stderr.close()
        return 0
    except (JetHunterError, CliUsageError) as err:
        return _fail(f"error: {err}", _exit_code(err), verbose)
    except OSError as err:  # a file or folder that cannot be read or made
        where = f": {err.filename}" if err.filename else ""
        return _fail(f"error: {err.strerror or err}{where}", 1, verbose)
    except Exception as err:
        hint = "" if verbose else " (run with -v for the traceback; please report it)"
        return _fail(f"internal error: {type(err).__name__}: {err}{hint}", INTERNAL_ERROR, verbose)


def console() -> NoReturn:
    """The ``jet-hunter`` executable: :func:`main`, then exit with its code.

    After Ctrl-C (exit code 130) the process ends at once: what was finished is
    committed, and requests still in flight in worker threads (a HEK window hanging on
    a slow server) are abandoned instead of waited for at interpreter exit; their
    claims were released.
    """
    code = main()
    if code == 130:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # closed by a broken pipe
                stream.flush()
        os._exit(130)
    sys.exit(code)
