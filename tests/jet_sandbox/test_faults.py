"""Fault plans: spec strings, triggers, priorities, determinism (pure, no server)."""

from __future__ import annotations

import json
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jet_sandbox.errors import FaultSpecError
from jet_sandbox.faults import DATA_KINDS, TRANSPORT_KINDS, Fault, FaultPlan


def labels(plan: FaultPlan, n: int, accepts: frozenset[str] | None = None) -> list[tuple[str, ...]]:
    schedule = plan.schedule()
    return [(schedule.decide() if accepts is None else schedule.decide(accepts)).labels for _ in range(n)]


@pytest.mark.parametrize(
    ("spec", "fault"),
    [
        ("503:2", Fault.status(503, times=2)),
        ("500", Fault.status(500, times=1)),
        ("429:retry_after=0.2", Fault.retry_after(429, seconds=0.2)),
        ("429:retry-after=1:every=3", Fault.retry_after(seconds=1, every=3)),
        ("html:every=7", Fault.html(every=7)),
        ("reset:p=0.5:after=2", Fault.reset(p=0.5, after=2)),
        ("truncate", Fault.truncate()),
        ("truncate=0.25:3", Fault.truncate(0.25, times=3)),
        ("delay=2:after=5", Fault.delay(2, after=5)),
        ("hang:seconds=1.5", Fault.delay(1.5)),
        ("bad-utf8:every=1", Fault.bad_utf8(every=1)),
        ("mixed_keys:every=2:times=4", Fault.mixed_keys(every=2, times=4)),
        ("empty", Fault.empty()),
    ],
)
def test_specs_parse_to_faults(spec: str, fault: Fault) -> None:
    assert Fault.parse(spec) == fault
    assert Fault.parse(fault.spec()) == fault


@pytest.mark.parametrize(
    "spec",
    [
        "",
        "teapot",
        "200",
        "503:every=0",
        "503:p=1.5",
        "503:times=-1",
        "html:keep=0.5",
        "delay",
        "truncate:keep=1",
        "503:after=-2",
        "html:seconds=3",
        "503:bogus=1",
        "503:x",
        "delay=abc",
    ],
)
def test_bad_specs_are_refused(spec: str) -> None:
    with pytest.raises(FaultSpecError):
        Fault.parse(spec)


triggers = st.fixed_dictionaries(
    {},
    optional={
        "times": st.integers(0, 50),
        "every": st.integers(1, 20),
        "p": st.sampled_from([0.0, 0.1, 0.25, 0.5, 1.0]),
        "after": st.integers(0, 10),
    },
)
faults = st.one_of(
    st.sampled_from([429, 500, 502, 503, 504]).flatmap(
        lambda code: triggers.map(lambda t: Fault.status(code, **t))
    ),
    triggers.map(lambda t: Fault.retry_after(429, seconds=0.5, **t)),
    triggers.map(lambda t: Fault.html(**t)),
    triggers.map(lambda t: Fault.reset(**t)),
    triggers.map(lambda t: Fault.truncate(0.3, **t)),
    triggers.map(lambda t: Fault.delay(0.01, **t)),
    triggers.map(lambda t: Fault.bad_utf8(**t)),
    triggers.map(lambda t: Fault.mixed_keys(**t)),
    triggers.map(lambda t: Fault.empty(**t)),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(faults, max_size=5), st.integers(0, 2**31), st.sampled_from([0.0, 0.05, 1.5]))
def test_plans_round_trip_and_are_deterministic(items: list[Fault], seed: int, latency: float) -> None:
    plan = FaultPlan(items, latency=latency, seed=seed)
    assert FaultPlan.parse(plan.specs(), latency=latency, seed=seed) == plan
    assert FaultPlan.from_dict(json.loads(json.dumps(plan.to_dict()))) == plan
    assert labels(plan, 40) == labels(plan, 40)


def test_a_fault_without_trigger_fires_once() -> None:
    assert labels(FaultPlan(["503"]), 3) == [("503:times=1",), (), ()]


def test_times_every_and_after() -> None:
    assert [bool(x) for x in labels(FaultPlan(["html:every=3"]), 9)] == [False, False, True] * 3
    assert [bool(x) for x in labels(FaultPlan(["html:every=2:times=2"]), 8)] == [False, True] * 2 + [
        False
    ] * 4
    assert [bool(x) for x in labels(FaultPlan(["500:2:after=3"]), 7)] == [False] * 3 + [True] * 2 + [
        False
    ] * 2


def test_probability_is_seeded() -> None:
    first = labels(FaultPlan(["500:p=0.3"], seed=7), 400)
    assert first == labels(FaultPlan(["500:p=0.3"], seed=7), 400)
    assert first != labels(FaultPlan(["500:p=0.3"], seed=8), 400)
    assert 80 <= sum(bool(x) for x in first) <= 160
    # adding a fault in front does not change the draws of the second one
    alone = labels(FaultPlan(["empty:p=0.5"], seed=1), 50)
    behind = labels(FaultPlan(["delay=0:every=1", "empty:p=0.5"], seed=1), 50)
    assert [("empty:p=0.5" in x) for x in alone] == [("empty:p=0.5" in x) for x in behind]


def test_failures_take_turns_in_plan_order() -> None:
    plan = FaultPlan(["503:2", "429:retry_after=0.2", "truncate:1", "reset:1"])
    assert labels(plan, 6) == [
        ("503:times=2",),
        ("503:times=2",),
        ("429:retry_after=0.2:times=1",),
        ("truncate:keep=0.5:times=1",),
        ("reset:times=1",),
        (),
    ]


def test_data_faults_combine_but_not_with_failures() -> None:
    plan = FaultPlan(["500:1", "bad_utf8:every=1", "mixed_keys:every=1"])
    schedule = plan.schedule()
    first, second = schedule.decide(), schedule.decide()
    assert first.response == Fault.status(500) and first.transforms == frozenset()
    assert second.response is None and second.transforms == {"bad_utf8", "mixed_keys"}


def test_delay_adds_to_latency_and_combines_with_failures() -> None:
    schedule = FaultPlan(["delay=2:1", "503:1"], latency=0.5).schedule()
    first, second = schedule.decide(), schedule.decide()
    assert (first.delay, first.response) == (2.5, Fault.status(503))
    assert (second.delay, second.response) == (0.5, None)


def test_endpoints_that_cannot_apply_a_fault_do_not_count_it() -> None:
    plan = FaultPlan(["bad_utf8:1", "503:every=2"])
    schedule = plan.schedule()
    transport_only = [schedule.decide(TRANSPORT_KINDS).labels for _ in range(3)]
    assert transport_only == [(), ("503:every=2",), ()]
    assert schedule.decide(TRANSPORT_KINDS | DATA_KINDS).labels == ("503:every=2",)  # 4th 503 count
    assert schedule.decide(TRANSPORT_KINDS | DATA_KINDS).labels == ("bad_utf8:times=1",)


def test_schedule_is_thread_safe() -> None:
    schedule = FaultPlan(["503:50"]).schedule()
    fired: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        count = sum(schedule.decide().response is not None for _ in range(25))
        with lock:
            fired.append(count)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert sum(fired) == 50


def test_plan_accepts_spec_strings_and_describes_itself() -> None:
    plan = FaultPlan(["503:2", Fault.html(every=7)], latency=0.15)
    assert plan.describe() == "faults 503:times=2, html:every=7; latency 0.15 s"
    with pytest.raises(FaultSpecError):
        FaultPlan(latency=-1)
    with pytest.raises(FaultSpecError):
        FaultPlan.from_dict({"faults": [], "jitter": 1})
