"""The stage: store in and out, parallel through an executor, idempotent, failures recorded."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

from aggregate_data import metadata_of
from jet_aggregate.config import AggregationConfig
from jet_aggregate.stage import aggregate, aggregate_annotations
from jet_sandbox.volunteers import SimulatedEvent
from jet_store import AggregationRun, Annotation, Jet, JetCluster, Store


def _fill(store: Store, sim: SimulatedEvent, *, subjects: bool = True) -> None:
    store.add([*sim.annotations, *sim.classifications, *(sim.subjects if subjects else ())])


def test_results_are_stored_linked_and_a_rerun_changes_nothing(
    two_jet_event: SimulatedEvent, tmp_path
) -> None:
    store = Store(tmp_path / "a.db")
    _fill(store, two_jet_event)
    first = aggregate(store, workflow_id=19650, progress=False)
    assert first.exit_code == 0 and first.jets == 2 and first.written > 0
    jets = store.filter(Jet)
    clusters = {c.key: c for c in store.filter(JetCluster)}
    for jet in jets:
        assert jet.cluster_keys and all(clusters[k].jet_id == jet.jet_id for k in jet.cluster_keys)
        assert jet.params_hash == AggregationConfig().params_hash()
        members = clusters[jet.cluster_keys[0]].members
        key = members[0].split(":")
        assert store.get(Annotation, (int(key[0]), key[1], int(key[2]))) is not None
    (run,) = store.filter(AggregationRun)
    assert run.params == AggregationConfig().to_dict() and run.n_jets == 2
    again = aggregate(store, workflow_id=19650, progress=False)
    assert again.written == 0
    assert store.filter(Jet) == jets


def test_parallel_equals_serial_and_metadata_from_subject_data(two_jet_event: SimulatedEvent) -> None:
    serial = aggregate_annotations(two_jet_event.annotations, metadata_of(two_jet_event), progress=False)
    with ProcessPoolExecutor(max_workers=2) as pool:
        parallel = aggregate_annotations(
            two_jet_event.annotations, metadata_of(two_jet_event), executor=pool, progress=False
        )
    assert parallel.jets == serial.jets and parallel.clusters == serial.clusters
    store = Store("sqlite://")
    _fill(store, two_jet_event, subjects=False)  # only the export's subject_data carries the metadata
    assert aggregate(store, progress=False).jets == 2


def test_new_parameters_replace_old_results(two_jet_event: SimulatedEvent) -> None:
    store = Store("sqlite://")
    _fill(store, two_jet_event)
    aggregate(store, progress=False)
    strict = AggregationConfig(box_min_samples=30)  # more than the crowd: no box cluster at all
    summary = aggregate(store, config=strict, progress=False)
    assert summary.jets == 0 and store.count(Jet) == 0
    assert all(c.shape == "point" for c in store.filter(JetCluster))


def test_a_subject_without_metadata_fails_alone(two_jet_event: SimulatedEvent) -> None:
    meta = metadata_of(two_jet_event)
    dropped = sorted(meta)[0]
    del meta[dropped]
    broken = dict(meta)
    broken[sorted(meta)[0]] = {k: v for k, v in broken[sorted(meta)[0]].items() if not k.startswith("#crpix")}
    result = aggregate_annotations(two_jet_event.annotations, broken, progress=False)
    assert set(result.failures) == {dropped, sorted(meta)[0]}
    assert "no metadata" in result.failures[dropped] and "crpix" in result.failures[sorted(meta)[0]].lower()
    assert result.jets  # the other subjects went on
