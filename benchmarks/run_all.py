"""Run every benchmark in this folder, then print the results table.

A benchmark is any ``benchmarks/*.py`` whose name does not start with ``_``, other than
this file. Each runs as its own process (``python benchmarks/NAME.py``), so one
benchmark's imports, caches and garbage never weigh on the next, and one that crashes
does not stop the rest. The options every benchmark takes (``--quick``, ``--rounds``,
``--results-dir``, ``--quiet``) are passed on; anything after ``--`` too.

Examples
--------
``hatch run bench:all``                 every benchmark, full sizes
``hatch run bench:all --quick``         a smoke run: tiny sizes, numbers mean nothing
``hatch run bench:all --only store``    the benchmarks whose name contains "store"
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # _common, when imported from elsewhere

from _common import BENCH_DIR, RESULTS_DIR, SKIPPED, load_rows, render_markdown


def discover(folder: Path = BENCH_DIR) -> list[Path]:
    """The benchmark scripts in ``folder``, sorted by name."""
    me = Path(__file__).resolve()
    return sorted(p for p in folder.glob("*.py") if not p.name.startswith("_") and p.resolve() != me)


def build_parser() -> argparse.ArgumentParser:
    """The command line of run_all."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run, numbers mean nothing")
    parser.add_argument("--rounds", type=int, default=None, help="timed rounds per side, for every benchmark")
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR, help=f"default {RESULTS_DIR}")
    parser.add_argument("--quiet", action="store_true", help="no progress lines from the benchmarks")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="TEXT",
        help="run the benchmarks whose name contains TEXT",
    )
    parser.add_argument("--list", action="store_true", help="list the benchmarks and stop")
    parser.add_argument("extra", nargs="*", help="after --: passed on to every benchmark as is")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks; print the table; return 1 if any failed, else 0."""
    args = build_parser().parse_args(argv)
    scripts = discover()
    if args.only:
        scripts = [p for p in scripts if any(text in p.stem for text in args.only)]
    if args.list or not scripts:
        for path in scripts:
            print(path.stem)
        if not scripts:
            print("no benchmark matches", file=sys.stderr)
        return 0 if scripts else 1

    passed_on: list[str] = ["--results-dir", str(args.results_dir)]
    if args.quick:
        passed_on.append("--quick")
    if args.rounds is not None:
        passed_on += ["--rounds", str(args.rounds)]
    if args.quiet:
        passed_on.append("--quiet")
    passed_on += args.extra

    outcome: dict[str, str] = {}
    for path in scripts:
        print(f"== {path.stem}", file=sys.stderr, flush=True)
        start = time.perf_counter()
        # stdout of each benchmark (its own rows) is not needed: the full table follows
        done = subprocess.run([sys.executable, str(path), *passed_on], stdout=subprocess.DEVNULL, check=False)
        took = time.perf_counter() - start
        if done.returncode == 0:
            outcome[path.stem] = f"ok in {took:.0f} s"
        elif done.returncode == SKIPPED:
            outcome[path.stem] = "skipped"
        else:
            outcome[path.stem] = f"FAILED (exit code {done.returncode})"
        print(f"== {path.stem}: {outcome[path.stem]}", file=sys.stderr, flush=True)

    rows = load_rows(args.results_dir)
    print(render_markdown(rows) if rows else "no results yet")
    print("\n".join(f"- {name}: {text}" for name, text in outcome.items()))
    return 1 if any(text.startswith("FAILED") for text in outcome.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
