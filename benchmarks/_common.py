"""Shared helpers of the benchmark scripts: alternate timing, result rows, the results table.

Every benchmark times an *anchor* (what a user would run instead of jet-hunter) and
*ours* in the same process, alternating A B A B, and reports medians and their ratio.
The machines are shared and noisy, so an absolute time means little; a ratio measured
in one run, with both sides exposed to the same noise, means a lot.

A result row goes to ``results/results.json`` (every run, newest last) and
``results/results.md`` is regenerated from it (the newest row per workload).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = [
    "BENCH_DIR",
    "RESULTS_DIR",
    "SKIPPED",
    "Prepare",
    "Result",
    "Timing",
    "alternate",
    "append_result",
    "cpu_timed",
    "common_parser",
    "file_size",
    "human_bytes",
    "load_rows",
    "machine_info",
    "markdown_table",
    "render_markdown",
    "report",
    "skip",
]

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"

#: exit code of a benchmark that cannot run here (its anchor is not installed);
#: run_all reports it as skipped rather than failed
SKIPPED = 4

#: called untimed before each timed call (fresh database, caches dropped, ...);
#: returns the callable to time; the argument is the round number
Prepare = Callable[[int], Callable[[], object]]


@dataclass
class Timing:
    """Wall-clock times of one side of a benchmark, one per round, in seconds."""

    samples: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        """Median time in s (the number every table reports)."""
        return statistics.median(self.samples)

    @property
    def spread(self) -> float:
        """(max - min) / median: how noisy the rounds were (0.05 = 5 %)."""
        return (max(self.samples) - min(self.samples)) / self.median if self.median > 0 else 0.0


def alternate(
    anchor: Prepare, ours: Prepare, rounds: int, *, label: str = "", verbose: bool = True
) -> tuple[Timing, Timing]:
    """Time two callables alternately, A B A B, ``rounds`` times each.

    Parameters
    ----------
    anchor, ours : Prepare
        Called untimed with the round number; each returns the callable that is then
        timed once. Setup (fresh database files, input data) belongs in the prepare step.
    rounds : int
        Timed calls per side (>= 1). Report medians, so 3 or more is better.
    label : str
        Shown in the progress lines on stderr.
    verbose : bool
        Print one line per timed call to stderr.

    Returns
    -------
    tuple of Timing
        The anchor's times and ours.

    Notes
    -----
    Interleaving exposes both sides to the same drift in machine load, which a block
    of anchor runs followed by a block of ours would not. A full garbage collection
    runs before each timed call so neither side pays for the other's garbage.
    """
    if rounds < 1:
        raise ValueError(f"rounds must be >= 1, not {rounds}")
    timings = (Timing(), Timing())
    for round_no in range(rounds):
        for name, prepare, timing in (("anchor", anchor, timings[0]), ("ours", ours, timings[1])):
            run = prepare(round_no)
            gc.collect()
            start = time.perf_counter()
            run()
            elapsed = time.perf_counter() - start
            timing.samples.append(elapsed)
            if verbose:
                print(f"  {label} round {round_no + 1}/{rounds} {name}: {elapsed:.3f} s", file=sys.stderr)
    return timings


def cpu_timed(cpu: list[float], work: Callable[[], object]) -> Callable[[], None]:
    """``work``, appending the process (CPU) time each call took to ``cpu``: on a shared
    machine a fairer number than wall time, which also counts waiting for a core."""

    def go() -> None:
        start = time.process_time()
        work()
        cpu.append(time.process_time() - start)

    return go


@dataclass
class Result:
    """One row of the results table: one workload, anchor vs ours, measured in one run.

    ``ratio`` is how many times faster ours is: ``ours_rate / anchor_rate`` when the
    two sides did different amounts of work (``unit`` and the counts are set), else
    ``anchor_median_s / ours_median_s``.
    """

    workload: str
    anchor: str
    anchor_median_s: float
    ours_median_s: float
    target: str
    target_ratio: float | None = None
    note: str = ""
    unit: str | None = None  #: what the counts count, e.g. "records"
    anchor_count: int | None = None  #: units of work per anchor round
    ours_count: int | None = None  #: units of work per ours round
    anchor_samples: list[float] = field(default_factory=list)
    ours_samples: list[float] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  #: sizes, options, anything worth keeping
    quick: bool = False  #: a --quick smoke run: sizes too small to mean anything
    benchmark: str = ""  #: the script that measured it
    when: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    machine: dict[str, Any] = field(default_factory=lambda: machine_info())

    @classmethod
    def from_timings(cls, anchor_timing: Timing, ours_timing: Timing, **kwargs: Any) -> Result:
        """A row from two :class:`Timing` objects (medians and samples filled in)."""
        return cls(
            anchor_median_s=anchor_timing.median,
            ours_median_s=ours_timing.median,
            anchor_samples=list(anchor_timing.samples),
            ours_samples=list(ours_timing.samples),
            **kwargs,
        )

    @property
    def anchor_rate(self) -> float | None:
        """Anchor throughput in ``unit``/s, when counts are known."""
        return _rate(self.anchor_count, self.anchor_median_s)

    @property
    def ours_rate(self) -> float | None:
        """Our throughput in ``unit``/s, when counts are known."""
        return _rate(self.ours_count, self.ours_median_s)

    @property
    def ratio(self) -> float:
        """How many times faster ours is than the anchor (> 1: ours is faster)."""
        anchor_rate, ours_rate = self.anchor_rate, self.ours_rate
        if anchor_rate is not None and ours_rate is not None and anchor_rate > 0:
            return ours_rate / anchor_rate
        return self.anchor_median_s / self.ours_median_s if self.ours_median_s > 0 else float("inf")

    @property
    def met(self) -> bool | None:
        """Whether the ratio reaches ``target_ratio`` (None without a numeric target)."""
        return None if self.target_ratio is None else self.ratio >= self.target_ratio

    def to_json(self) -> dict[str, Any]:
        """The row as stored in results.json (derived numbers included for readers)."""
        doc = asdict(self)
        doc.update(anchor_rate=self.anchor_rate, ours_rate=self.ours_rate, ratio=self.ratio, met=self.met)
        return doc

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Result:
        """Rebuild a row from results.json (derived numbers are recomputed)."""
        names = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in doc.items() if key in names})


def _rate(count: int | None, seconds: float) -> float | None:
    return None if count is None or seconds <= 0 else count / seconds


def machine_info() -> dict[str, Any]:
    """Where a row was measured: host, CPUs, Python, SQLite, git commit."""
    info: dict[str, Any] = {
        "host": socket.gethostname(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=BENCH_DIR,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        head = None
    if head is not None and head.returncode == 0:
        info["commit"] = head.stdout.strip()
    return info


# -- the results files -------------------------------------------------------------


def load_rows(results_dir: Path = RESULTS_DIR) -> list[Result]:
    """Every row in ``results_dir/results.json``, oldest first (empty when none yet)."""
    path = results_dir / "results.json"
    if not path.exists():
        return []
    doc = json.loads(path.read_text(encoding="utf-8"))
    return [Result.from_json(row) for row in doc.get("rows", [])]


def append_result(result: Result, results_dir: Path = RESULTS_DIR) -> Path:
    """Append a row to results.json and regenerate results.md; return the .md path."""
    results_dir.mkdir(parents=True, exist_ok=True)
    rows = [*load_rows(results_dir), result]
    _write_atomically(
        results_dir / "results.json",
        json.dumps({"rows": [row.to_json() for row in rows]}, indent=2, ensure_ascii=False) + "\n",
    )
    md_path = results_dir / "results.md"
    _write_atomically(md_path, render_markdown(rows))
    return md_path


def report(rows: Sequence[Result], results_dir: Path = RESULTS_DIR) -> int:
    """Append ``rows`` to the results, print them as a markdown table; exit code 0."""
    md_path = results_dir / "results.md"
    for row in rows:
        md_path = append_result(row, results_dir)
    print("\n".join(markdown_table(list(rows))))
    print(f"\n(all results: {md_path})")
    return 0


def _write_atomically(path: Path, text: str) -> None:
    # a run killed mid-write must not leave a truncated results.json behind: every later
    # run would fail to load it
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


_COLUMNS = ("workload", "anchor", "anchor median", "ours median", "ratio", "target", "note")


def render_markdown(rows: Sequence[Result]) -> str:
    """The results table: the newest full-size row per workload, then smoke runs.

    Rows from ``--quick`` runs go to a separate table, so a smoke run never hides the
    numbers of the last real run.
    """
    full = _newest_per_workload([row for row in rows if not row.quick])
    quick = _newest_per_workload([row for row in rows if row.quick])
    lines = [
        "# Benchmark results",
        "",
        "Generated from results.json by benchmarks/_common.py; newest row per workload. Medians of",
        "alternating rounds (A B A B); ratio = how many times faster ours is, from the same run.",
        "",
    ]
    if full:
        lines += markdown_table(full)
    else:
        lines.append("No full-size runs yet: `hatch run bench:all`.")
    if quick:
        lines += ["", "## Smoke runs (--quick: sizes too small to mean anything)", ""]
        lines += markdown_table(quick)
    lines += ["", "## Where each row was measured", ""]
    for row in [*full, *quick]:
        m = row.machine
        where = ", ".join(
            f"{key} {m[key]}" for key in ("host", "cpus", "python", "sqlite", "commit") if key in m
        )
        rounds = len(row.ours_samples)
        lines.append(
            f"- {row.workload}{' (quick)' if row.quick else ''}: {row.when}, {rounds} rounds, {where}"
        )
    return "\n".join(lines) + "\n"


def _newest_per_workload(rows: Sequence[Result]) -> list[Result]:
    # first-seen order keeps the table stable from run to run; the newest row wins
    newest: dict[str, Result] = {}
    for row in rows:
        newest[row.workload] = row
    return list(newest.values())


def markdown_table(rows: Sequence[Result]) -> list[str]:
    """The rows as markdown table lines (header and separator included)."""
    lines = ["| " + " | ".join(_COLUMNS) + " |", "|" + "---|" * len(_COLUMNS)]
    for row in rows:
        met = {True: "met", False: "NOT met", None: ""}[row.met]
        cells = [
            row.workload,
            row.anchor,
            _side(row.anchor_median_s, row.anchor_count, row.unit),
            _side(row.ours_median_s, row.ours_count, row.unit),
            f"{row.ratio:.1f}x",
            f"{row.target} {met}".strip(),
            row.note,
        ]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return lines


def _side(median_s: float, count: int | None, unit: str | None) -> str:
    text = f"{median_s:.3g} s"
    rate = _rate(count, median_s)
    if count is not None and rate is not None:
        text += f" for {count:,} {unit or 'items'} ({rate:,.0f}/s)"
    return text


# -- command line ---------------------------------------------------------------------


def common_parser(description: str) -> argparse.ArgumentParser:
    """An argument parser with the options every benchmark takes.

    ``--quick`` (tiny sizes, a smoke run), ``--rounds K`` and ``--results-dir DIR``;
    run_all passes these on to every benchmark.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run, numbers mean nothing")
    parser.add_argument("--rounds", type=int, default=None, help="timed rounds per side (default 3; 2 quick)")
    parser.add_argument(
        "--results-dir", type=Path, default=RESULTS_DIR, help=f"where results go (default {RESULTS_DIR})"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return parser


def skip(reason: str) -> None:
    """Stop a benchmark that cannot run in this environment (exit code :data:`SKIPPED`)."""
    print(f"skipped: {reason}", file=sys.stderr)
    raise SystemExit(SKIPPED)


def file_size(path: Path) -> int:
    """Bytes of a SQLite database including its -wal and -shm files, if any."""
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists())


def human_bytes(n: float) -> str:
    """``123456789`` -> ``'117.7 MiB'``."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    raise AssertionError("unreachable")
