"""What every command gets: settings, the store (opened on first use), the executor, one report.

Options are read with the argument types of :mod:`jet_hunter.cli.argtypes`.
:meth:`App.report` is the one place a stage's summary
(:class:`jet_store.summary.Summary`) is printed, as text or as one JSON document.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from contextlib import AbstractContextManager
from typing import IO, TYPE_CHECKING, Any

from jet_store.errors import UserError

from jet_hunter.cli.argtypes import existing_file, path, scheduler_address

if TYPE_CHECKING:  # imported where used: building the parser imports no database code
    from jet_store import Store
    from jet_store.summary import Summary

    from jet_hunter.config import Settings

__all__ = [
    "App",
    "CliUsageError",
    "Reported",
    "common_options",
]


class CliUsageError(UserError):
    """The command line itself is wrong (unknown option, missing argument)."""


def common_options(*, defaults: bool) -> argparse.ArgumentParser:
    """Options accepted before and after the command name.

    The copy attached to sub-commands has suppressed defaults so that it does not
    overwrite a value given before the command.
    """
    parent = argparse.ArgumentParser(add_help=False)

    def default(value: Any) -> Any:
        return value if defaults else argparse.SUPPRESS

    group = parent.add_argument_group("global options")
    group.add_argument(
        "--db",
        metavar="URL",
        default=default(None),
        help="database URL or SQLite file (env JET_HUNTER_DB; default ./jet-hunter.db)",
    )
    group.add_argument(
        "--data-dir",
        type=path,
        metavar="DIR",
        default=default(None),
        help="data folder (env JET_HUNTER_DATA; default ./jet-hunter-data)",
    )
    group.add_argument(
        "--config",
        type=existing_file,
        metavar="FILE",
        default=default(None),
        help="configuration file (env JET_HUNTER_CONFIG; default ./jet-hunter.toml)",
    )
    group.add_argument(
        "--scheduler",
        type=scheduler_address,
        metavar="ADDRESS",
        default=default(None),
        help="run the per-item stages on this Dask cluster, tcp://HOST:PORT (env JET_HUNTER_SCHEDULER; "
        "default: local processes)",
    )
    group.add_argument(
        "-q", "--quiet", action="store_true", default=default(False), help="no progress bars, errors only"
    )
    group.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=default(0),
        help="more log output (-vv for debug); tracebacks on errors",
    )
    return parent


@dataclasses.dataclass(frozen=True)
class Reported:
    """A stage summary that lacks parts of the :class:`~jet_store.summary.Summary` protocol, completed.

    Parameters
    ----------
    summary : object
        Anything with ``line()`` and ``to_dict()`` (and optionally ``messages``).
    exit_code : int
        What the command exits with.
    extra : mapping
        Fields put first in the JSON document (``data_dir``, ``query``, ...).
    suffix : str
        Added to the end of the one-line summary.

    Examples
    --------
    >>> from hek_client import SaveSummary
    >>> r = Reported(SaveSummary(found=2, new=2), exit_code=0, extra={"url": "x"}, suffix="; ok")
    >>> r.line()
    'found 2, new 2, skipped 0 (windows: fetched 0, skipped 0); ok'
    >>> list(r.to_dict())[:2], r.exit_code
    (['url', 'found'], 0)
    """

    summary: Any
    exit_code: int = 0
    extra: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    suffix: str = ""

    @property
    def messages(self) -> Sequence[str]:
        """The wrapped summary's messages (none if it has none)."""
        return list(getattr(self.summary, "messages", ()))

    def line(self) -> str:
        """The wrapped summary's line and the suffix."""
        return str(self.summary.line()) + self.suffix

    def to_dict(self) -> dict[str, Any]:
        """The extra fields, then the wrapped summary's."""
        return {**self.extra, **self.summary.to_dict()}


@dataclasses.dataclass
class App:
    """The context of one command-line run."""

    settings: Settings
    quiet: bool = False
    out: IO[str] = dataclasses.field(default_factory=lambda: sys.stdout)
    _store: Store | None = None

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> App:
        from jet_hunter.config import load_settings

        env_files = [args.config] if args.config else None
        overrides = {"db": args.db, "data_dir": args.data_dir, "scheduler": args.scheduler}
        settings = load_settings(overrides, files=env_files)
        return cls(settings=settings, quiet=args.quiet)

    def store(self, *, create: bool = True, upgrade: bool = False) -> Store:
        """The store, opened once per run."""
        if self._store is None:
            from jet_store.store import Store

            self._store = Store(self.settings.db, create=create, upgrade=upgrade)
        return self._store

    def executor(self, workers: int = 1) -> AbstractContextManager[Executor | None]:
        """The run's executor: the Dask cluster of ``--scheduler``, else ``workers`` local processes.

        ``None`` (no scheduler, one worker) means the stage runs in this process.
        """
        from jet_store.executors import open_executor

        return open_executor(self.settings.scheduler, workers)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()

    @property
    def progress(self) -> bool:
        """Show progress bars: not with --quiet, and only on a terminal."""
        return not self.quiet and sys.stderr.isatty()

    def report(self, summary: Summary, *, as_json: bool = False) -> int:
        """Print a stage summary: its messages then its line, or one JSON document; its exit code.

        Examples
        --------
        >>> import io
        >>> from jet_hunter.config import Settings
        >>> app = App(Settings(), out=io.StringIO())
        >>> app.report(Reported(type("S", (), {"line": lambda s: "done 1", "to_dict": lambda s: {"n": 1},
        ...                                    "messages": ["a failed"]})(), exit_code=2))
        2
        >>> app.out.getvalue()
        '  a failed\\ndone 1\\n'
        """
        if as_json:
            self.emit_json(summary.to_dict())
        else:
            for message in summary.messages:
                self.echo(f"  {message}")
            self.echo(summary.line())
        return int(summary.exit_code)

    def emit_json(self, doc: Any) -> None:
        """One JSON document on one line."""
        self.out.write(json.dumps(doc, ensure_ascii=False, sort_keys=False) + "\n")

    def echo(self, text: str = "") -> None:
        self.out.write(text + "\n")
