"""The catalogue scored against the truth of the synthetic jets (what the demo prints).

Pure logic: :func:`score_catalogue` matches each true jet to the catalogue jet whose
base is nearest (within ``max_distance`` arcsec, their times overlapping) and gives
its errors: base point (arcsec), maximum height (per cent of the truth, and of the
truth's greatest height in the frames shown), start and end
(s), direction (deg, wrapped to +-180).

Examples
--------
>>> from datetime import datetime, timedelta, timezone
>>> from jet_sandbox.aia import make_jet
>>> from jet_store import Jet
>>> truth = make_jet(-320, 210, 45, "2012-07-08T13:01", "2012-07-08T13:03", "2012-07-08T13:05",
...                  max_height=40, width=6)
>>> found = Jet(jet_id="j1", start_time=truth.start_time + timedelta(seconds=12),
...             end_time=truth.end_time, base_x=-321.0, base_y=210.0, direction=47.0, max_height=42.0)
>>> row = score_catalogue([found], [truth])[0]
>>> row.jet_id, row.base_error, row.height_error, row.start_error, row.direction_error
('j1', 1.0, 5.0, 12.0, 2.0)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from jet_sandbox.aia import JetTruth
from jet_store import Jet

__all__ = ["JetScore", "score_catalogue", "score_table"]


@dataclass(frozen=True, slots=True)
class JetScore:
    """One true jet and the error of the catalogue jet matched to it (None: not found)."""

    truth: JetTruth
    jet_id: str | None = None
    base_error: float | None = None
    height_error: float | None = None
    start_error: float | None = None
    end_error: float | None = None
    direction_error: float | None = None
    seen_height_error: float | None = None


def _percent(value: float | None, truth: float | None) -> float | None:
    return None if value is None or not truth else round(100.0 * (value - truth) / truth, 3)


def _wrap(angle: float) -> float:
    return (angle + 180.0) % 360.0 - 180.0


def score_catalogue(
    jets: Sequence[Jet],
    truths: Sequence[JetTruth],
    *,
    max_distance: float = 30.0,
    seen_heights: Sequence[float | None] | None = None,
) -> list[JetScore]:
    """Each truth's nearest overlapping catalogue jet and its errors (see the module doc).

    ``seen_heights`` (one per truth) is the truth's greatest height in the frames the
    volunteers were shown; ``seen_height_error`` is the maximum height's error against it
    (with few frames the true peak falls between frames).
    """
    out = []
    for i, truth in enumerate(truths):
        seen = None if seen_heights is None else seen_heights[i]
        best: tuple[float, Jet] | None = None
        for jet in jets:
            if jet.end_time < truth.start_time or jet.start_time > truth.end_time:
                continue
            distance = math.hypot(jet.base_x - truth.base_x, jet.base_y - truth.base_y)
            if distance <= max_distance and (best is None or distance < best[0]):
                best = (distance, jet)
        if best is None:
            out.append(JetScore(truth))
            continue
        distance, jet = best
        out.append(
            JetScore(
                truth,
                jet.jet_id,
                round(distance, 3),
                _percent(jet.max_height, truth.max_height),
                round((jet.start_time - truth.start_time).total_seconds(), 3),
                round((jet.end_time - truth.end_time).total_seconds(), 3),
                None if jet.direction is None else round(_wrap(jet.direction - truth.direction), 3),
                _percent(jet.max_height, seen),
            )
        )
    return out


def _cell(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def score_table(scores: Sequence[JetScore]) -> list[str]:
    """The scores as a text table, one line per true jet.

    Examples
    --------
    >>> score_table([])[0].split()[:3]
    ['truth', 'start', 'matched']
    """
    head = ("base as", "height%", "seen h%", "start s", "end s", "dir deg")
    lines = [f"{'truth start':<20} {'matched':<28} " + " ".join(f"{h:>8}" for h in head)]
    for s in scores:
        lines.append(
            f"{s.truth.start_time:%Y-%m-%dT%H:%M:%S}  {(s.jet_id or 'NOT FOUND'):<28} "
            + " ".join(
                _cell(value, fmt)
                for value, fmt in (
                    (s.base_error, "8.2f"),
                    (s.height_error, "8.1f"),
                    (s.seen_height_error, "8.1f"),
                    (s.start_error, "8.0f"),
                    (s.end_error, "8.0f"),
                    (s.direction_error, "8.1f"),
                )
            )
        )
    return lines
