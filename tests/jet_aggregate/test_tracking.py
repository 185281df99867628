"""Linking per-subject jets across an event's subjects."""

from __future__ import annotations

import dataclasses

from aggregate_data import metadata_of
from jet_aggregate.config import AggregationConfig
from jet_aggregate.jets import subject_jets
from jet_aggregate.tracking import link_jets, world_iou
from jet_sandbox.volunteers import SimulatedEvent


def _per_subject(sim: SimulatedEvent) -> list:
    meta = metadata_of(sim)
    out = []
    for sid, m in sorted(meta.items()):
        marks = [a for a in sim.annotations if a.subject_id == sid]
        out.extend(subject_jets(sid, m, marks, AggregationConfig()).jets)
    return out


def test_one_jet_per_subject_per_group_and_both_jets_kept(two_jet_event: SimulatedEvent) -> None:
    jets = _per_subject(two_jet_event)
    groups = link_jets(jets, AggregationConfig())
    assert len(groups) == 2
    for group in groups:
        ids = [j.subject_id for j in group]
        assert len(ids) == len(set(ids))
        assert [j.start_time for j in group] == sorted(j.start_time for j in group)
    assert sum(len(g) for g in groups) == len(jets)


def test_a_gap_longer_than_allowed_splits_the_jet(two_jet_event: SimulatedEvent) -> None:
    jets = _per_subject(two_jet_event)
    first, last = min(j.subject_id for j in jets), max(j.subject_id for j in jets)
    ends = [j for j in jets if j.subject_id in (first, last) and j.base_x < -300]  # the first jet only
    assert len(ends) == 2 and (ends[1].start_time - ends[0].end_time).total_seconds() > 60
    assert len(link_jets(ends, AggregationConfig())) == 1
    assert len(link_jets(ends, AggregationConfig(track_max_gap_s=60.0))) == 2


def test_single_subject_jet_dropped_when_the_crowd_says_no(two_jet_event: SimulatedEvent) -> None:
    jet = _per_subject(two_jet_event)[0]
    config = AggregationConfig()
    assert link_jets([jet], config, {jet.subject_id: {"No": 9, "Yes": 3}}) == []
    assert link_jets([jet], config, {jet.subject_id: {"No": 3, "Yes": 9}}) == [[jet]]
    far = dataclasses.replace(
        jet,
        subject_id=jet.subject_id + 1,
        base_x=jet.base_x + 400.0,
        corners_tx=tuple(v + 400.0 for v in jet.corners_tx),
    )
    assert world_iou(jet, far) == 0.0
    assert len(link_jets([jet, far], config)) == 2
