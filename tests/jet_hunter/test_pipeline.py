"""The preparation chain's own logic: which stored events a run makes cutout jobs of."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hek_client import HekQuery
from jet_hunter.pipeline import PrepareSummary, events_between
from jet_store import HekEvent, Store
from jet_store.summary import Summary

T0 = datetime(2010, 6, 20, 11, 0, tzinfo=timezone.utc)


def _event(n: int, event_type: str, channel: str, days: float = 0.0) -> HekEvent:
    start = T0 + timedelta(days=days)
    return HekEvent(
        kb_archivid=f"ivo://x/{n}",
        event_type=event_type,
        start_time=start,
        end_time=start + timedelta(minutes=20),
        channel=channel,
        hpc_x=0.0,
        hpc_y=0.0,
    )


def test_a_run_takes_only_the_events_of_its_type_and_channel() -> None:
    store = Store("sqlite://")
    store.add(
        [
            _event(1, "CJ", "304"),
            _event(2, "CJ", "171"),
            _event(3, "FL", "304"),  # stored by an earlier flare search
            _event(4, "CJ", "304", days=40),  # outside the range
        ]
    )
    june = ("2010-06-01", "2010-07-01")
    pick = {ev.kb_archivid for ev in events_between(store, HekQuery(*june, event_types="cj", channel=304))}
    assert pick == {"ivo://x/1"}
    assert {ev.kb_archivid for ev in events_between(store, HekQuery(*june, event_types="cj"))} == {
        "ivo://x/1",
        "ivo://x/2",
    }
    assert len(events_between(store, HekQuery(*june, event_types="cj,fl", channel="304"))) == 2
    assert len(events_between(store, HekQuery(*june, event_types="**"))) == 3


def test_prepare_summary_satisfies_the_summary_protocol() -> None:
    assert {"line", "to_dict", "messages", "exit_code"} <= set(dir(PrepareSummary))
    from hek_client import SaveSummary

    assert isinstance(SaveSummary(), Summary)
