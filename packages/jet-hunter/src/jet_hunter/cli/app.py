"""What every command gets: settings, the store (opened on first use), output helpers."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from typing import IO, Any

from jet_store import Store, UserError

from jet_hunter.config import Settings, load_settings

__all__ = ["App", "CliUsageError", "common_options", "positive_int", "positive_float", "non_negative_float"]


class CliUsageError(UserError):
    """The command line itself is wrong (unknown option, missing argument)."""


def _number(text: str, kind: type[int] | type[float]) -> Any:
    try:
        return kind(text)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise argparse.ArgumentTypeError(f"not {what}: {text!r}") from None


def positive_int(text: str) -> int:
    """argparse type: a whole number >= 1."""
    value: int = _number(text, int)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, not {text}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a number > 0."""
    value: float = _number(text, float)
    if not value > 0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be > 0, not {text}")
    return value


def non_negative_float(text: str) -> float:
    """argparse type: a number >= 0."""
    value: float = _number(text, float)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, not {text}")
    return value


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
        metavar="DIR",
        default=default(None),
        help="data folder (env JET_HUNTER_DATA; default ./jet-hunter-data)",
    )
    group.add_argument(
        "--config",
        metavar="FILE",
        default=default(None),
        help="configuration file (env JET_HUNTER_CONFIG; default ./jet-hunter.toml)",
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


@dataclasses.dataclass
class App:
    """The context of one command-line run."""

    settings: Settings
    quiet: bool = False
    out: IO[str] = dataclasses.field(default_factory=lambda: sys.stdout)
    _store: Store | None = None

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> App:
        from pathlib import Path

        env_files = [Path(args.config)] if args.config else None
        settings = load_settings({"db": args.db, "data_dir": args.data_dir}, files=env_files)
        return cls(settings=settings, quiet=args.quiet)

    def store(self, *, create: bool = True, upgrade: bool = False) -> Store:
        """The store, opened once per run."""
        if self._store is None:
            self._store = Store(self.settings.db, create=create, upgrade=upgrade)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()

    @property
    def progress(self) -> bool:
        """Show progress bars: not with --quiet, and only on a terminal."""
        return not self.quiet and sys.stderr.isatty()

    def emit_json(self, doc: Any) -> None:
        """One JSON document on one line."""
        self.out.write(json.dumps(doc, ensure_ascii=False, sort_keys=False) + "\n")

    def echo(self, text: str = "") -> None:
        self.out.write(text + "\n")
