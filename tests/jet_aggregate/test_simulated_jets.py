"""Must-show: simulated volunteers marking synthetic jets of known truth.

Careful, sloppy, random and anonymous volunteers and a repeat classifier mark two jets
(T1 and T5) in several frames of subjects that overlap by 2 frames; the catalogue must
find each jet once, with its base point within one AIA pixel (0.6"), its maximum height
within 5 %, its start and end within one frame (12 s) and its direction within 5 deg,
and find nothing where there is nothing. The defaults (the reference's point settings)
and the ``joined-points`` preset must both show it.
"""

from __future__ import annotations

import math

import pytest
from aggregate_data import SPEC, metadata_of, subjects_showing, two_jets
from jet_aggregate import AggregationConfig, aggregate_annotations
from jet_aggregate.stage import AggregationResult
from jet_sandbox.volunteers import SimulatedEvent

_RESULTS: dict[tuple[int, str], AggregationResult] = {}


def _aggregate(event: SimulatedEvent, preset: str) -> AggregationResult:
    """Aggregate a session event once per preset (the tests below share the results)."""
    key = (id(event), preset)
    if key not in _RESULTS:
        config = AggregationConfig.preset(preset)
        _RESULTS[key] = aggregate_annotations(event.annotations, metadata_of(event), config, progress=False)
    return _RESULTS[key]


@pytest.mark.parametrize("preset", ["reference", "joined-points"])
def test_two_jets_found_once_each_and_measured(two_jet_event: SimulatedEvent, preset: str) -> None:
    result = _aggregate(two_jet_event, preset)
    assert result.failures == {}
    assert len(result.jets) == 2  # no jet counted twice across the overlapping subjects
    for truth in two_jets():
        (jet,) = [j for j in result.jets if math.hypot(j.base_x - truth.base_x, j.base_y - truth.base_y) < 5]
        assert math.hypot(jet.base_x - truth.base_x, jet.base_y - truth.base_y) <= 0.6
        assert jet.max_height == pytest.approx(truth.max_height, rel=0.05)
        assert abs((jet.start_time - truth.start_time).total_seconds()) <= SPEC.cadence
        assert abs((jet.end_time - truth.end_time).total_seconds()) <= SPEC.cadence
        turn = (jet.direction - truth.direction + 180.0) % 360.0 - 180.0  # type: ignore[operator]
        assert abs(turn) <= 5.0
        assert set(jet.subject_ids) == subjects_showing(truth, two_jet_event)
        assert jet.n_subjects == len(jet.subject_ids) >= 3
        assert jet.velocity is not None and jet.velocity_error is not None and jet.velocity_error > 0
        assert jet.lower_height < 0 < jet.upper_height  # type: ignore[operator]


def test_no_jet_where_there_is_none(empty_event: SimulatedEvent) -> None:
    result = aggregate_annotations(empty_event.annotations, metadata_of(empty_event), progress=False)
    assert result.failures == {}
    assert result.jets == []


def test_reference_point_settings_split_the_crowd(two_jet_event: SimulatedEvent) -> None:
    """Why the ``joined-points`` preset exists: with the reference's defaults HDBSCAN
    at min_cluster_size 2 cuts the crowd's base points into pairs."""
    joined = _aggregate(two_jet_event, "joined-points")
    split = _aggregate(two_jet_event, "reference")
    assert sum(c.shape == "point" for c in split.clusters) > 2 * sum(
        c.shape == "point" for c in joined.clusters
    )
