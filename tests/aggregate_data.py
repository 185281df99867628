"""Simulated crowds marking synthetic jets, for the jet_aggregate and CLI tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from jet_sandbox.aia import CutoutSpec, JetTruth, make_jet
from jet_sandbox.volunteers import SimulatedEvent, simulate_event

SPEC = CutoutSpec(center_x=-300.0, center_y=200.0, start_time="2012-07-08T13:00", end_time="2012-07-08T13:12")
"""A 12-minute 304 Å cutout: 60 frames, 5 subjects of 15 frames overlapping by 2."""


def two_jets() -> tuple[JetTruth, JetTruth]:
    """Two jets in the same field, overlapping in time (T1 and T5 in the shared subjects)."""
    first = make_jet(
        -330.3,
        215.1,
        60,
        "2012-07-08T13:01:10",
        "2012-07-08T13:05:50",
        "2012-07-08T13:09:20",
        max_height=45,
        width=6,
        jet_id="first",
    )
    second = make_jet(
        -250.7,
        160.2,
        200,
        "2012-07-08T13:03:00",
        "2012-07-08T13:06:00",
        "2012-07-08T13:10:40",
        max_height=35,
        width=5,
        jet_id="second",
    )
    return first, second


def two_jet_event(seed: int) -> SimulatedEvent:
    """16 simulated volunteers (careful, sloppy, random, anonymous, repeat) on 5 overlapping subjects."""
    return simulate_event(SPEC, list(two_jets()), seed=seed)


def empty_event() -> SimulatedEvent:
    """The same crowd on an event with nothing to see."""
    return simulate_event(
        SPEC, [], seed=5, first_subject_id=91_000_000, sol_standard="SOL2012-07-08T13:00:00L000C001"
    )


def metadata_of(sim: SimulatedEvent) -> dict[int, dict[str, Any]]:
    """Subject id -> metadata contract."""
    return {int(s.zooniverse_id or 0): dict(s.metadata) for s in sim.subjects}


def subjects_showing(truth: JetTruth, sim: SimulatedEvent) -> set[int]:
    """The subjects in which ``truth`` is visible in some frame."""
    out = set()
    for s in sim.subjects:
        n = int(s.metadata["#frame_per_sub"])
        stamps = [datetime.fromisoformat(s.metadata[f"#date-obs_{i}"]).replace(tzinfo=UTC) for i in range(n)]
        if any(truth.active_at(t) and truth.height_at(t) > 0 for t in stamps):
            out.add(int(s.zooniverse_id or 0))
    return out
