"""Question consensus over the 25,292 real Jet-or-Not answers: jet_aggregate vs panoptes_aggregation.

Workload (BENCHMARKS.md): from the question extract file
(``tests/data/zooniverse/jet-or-not-18563_question_extractor.csv``) to per-subject
answer counts; target: identical counts for every subject, >= 20x faster.

Anchor: what the reference's ``panoptes_aggregation reduce`` does for a question task:
read the extracts with pandas, group them by subject, rebuild each extract's answer
dict from its ``data.*`` columns and call ``question_reducer`` once per subject. Ours:
:func:`jet_aggregate.questions.read_question_extracts` and
:func:`~jet_aggregate.questions.consensus_from_extracts` (one ``bincount``).

Run with the reference installed: ``hatch run reference:questions``.
"""

from __future__ import annotations

import os
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Result, alternate, common_parser, cpu_timed, report, skip

EXTRACTS = (
    Path(__file__).resolve().parents[1] / "tests/data/zooniverse/jet-or-not-18563_question_extractor.csv"
)
WORKLOAD = "question consensus over the {n:,} real Jet-or-Not answers"
ANCHOR = "panoptes_aggregation question_reducer per subject (pandas read + groupby, as its reduce CLI)"


def reference_counts(path: Path) -> dict[int, dict[str, int]]:
    import pandas as pd
    from panoptes_aggregation.reducers.question_reducer import question_reducer

    frame = pd.read_csv(path)
    answer_cols = [c for c in frame.columns if c.startswith("data.") and c != "data.aggregation_version"]
    out: dict[int, dict[str, int]] = {}
    for subject, group in frame.groupby("subject_id"):
        extracts = []
        for values in group[answer_cols].itertuples(index=False):
            extracts.append(
                {col[len("data.") :]: v for col, v in zip(answer_cols, values, strict=True) if v == v}
            )
        counts = question_reducer(extracts, user_id=group["user_id"].tolist(), no_version=True)
        out[int(subject)] = {k: int(v) for k, v in counts.items()}  # type: ignore[arg-type]
    return out


def our_counts(path: Path) -> dict[int, dict[str, int]]:
    from jet_aggregate.questions import consensus_from_extracts, counts_table, read_question_extracts

    return counts_table(consensus_from_extracts(read_question_extracts(path)))


def run(args: Any) -> list[Result]:
    rounds = args.rounds or (1 if args.quick else 3)
    results: dict[str, dict[int, dict[str, int]]] = {}

    cpu: dict[str, list[float]] = {"anchor": [], "ours": []}

    def anchor(_: int) -> Any:
        return cpu_timed(cpu["anchor"], lambda: results.__setitem__("anchor", reference_counts(EXTRACTS)))

    def ours(_: int) -> Any:
        return cpu_timed(cpu["ours"], lambda: results.__setitem__("ours", our_counts(EXTRACTS)))

    our_counts(EXTRACTS)  # imports, untimed
    a, o = alternate(anchor, ours, rounds, label="questions", verbose=not args.quiet)
    same = results["anchor"] == results["ours"]
    n_answers = sum(sum(c.values()) for c in results["ours"].values())
    ours_cpu = statistics.median(cpu["ours"])
    cpu_ratio = statistics.median(cpu["anchor"]) / ours_cpu if ours_cpu > 0 else 0.0
    return [
        Result.from_timings(
            a,
            o,
            workload=WORKLOAD.format(n=n_answers),
            anchor=ANCHOR,
            target=">= 20x, identical counts",
            target_ratio=20.0,
            extra={
                "subjects": len(results["ours"]),
                "identical_counts": same,
                "anchor_cpu_s": cpu["anchor"],
                "ours_cpu_s": cpu["ours"],
                "cpu_ratio": cpu_ratio,
                "load_average": list(os.getloadavg()),
            },
            note=(
                f"identical counts for all {len(results['ours']):,} subjects: {same}; "
                f"CPU-time ratio {cpu_ratio:.1f}x, load {os.getloadavg()[0]:.1f}"
            ),
            quick=args.quick,
            benchmark="aggregate_questions.py",
        )
    ]


def main(argv: Sequence[str] | None = None) -> int:
    args = common_parser(__doc__.splitlines()[0]).parse_args(argv)
    try:
        import panoptes_aggregation  # noqa: F401
    except ImportError:
        skip(
            "panoptes_aggregation (the anchor) is not installed: run it with `hatch run reference:questions`"
        )
    return report(run(args), args.results_dir)


if __name__ == "__main__":
    raise SystemExit(main())
