"""jet_store.executors: choosing an executor, sharing a stage over workers, merging summaries."""

from __future__ import annotations

import socket
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from jet_store import FitsFrame, Store
from jet_store.executors import (
    NoSharedStore,
    SchedulerUnavailable,
    dask_executor,
    executor_size,
    merge_summaries,
    open_executor,
    rotate,
    run_shared,
)


@dataclass
class Tally:
    done: int = 0
    busy: int = 0
    messages: list[str] = field(default_factory=list)


def _claiming_share(store: Store, index: int, count: int) -> Tally:
    """A stage share: take the frames one at a time through the claims, mark each done."""
    tally = Tally()
    urls = rotate([f.url for f in store.filter(FitsFrame, state="pending")], index, count)
    for url in urls:
        with store.claiming_keys("work", [url], owner=f"share-{index}-{threading.get_ident()}") as got:
            if not got:
                tally.busy += 1
                continue
            if store.get(FitsFrame, url).state == "pending":  # type: ignore[union-attr]
                store.update(FitsFrame, url, state="downloaded")
                tally.done += 1
                tally.messages.append(url)
    return tally


def test_open_executor_kinds() -> None:
    with open_executor() as none:
        assert none is None and executor_size(none) == 1
    with open_executor(workers=3) as pool:
        assert isinstance(pool, ProcessPoolExecutor) and executor_size(pool) == 3


def test_unreachable_scheduler_is_a_service_error() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with (
        pytest.raises(SchedulerUnavailable, match="cannot reach the Dask scheduler"),
        dask_executor(f"tcp://127.0.0.1:{port}", timeout=1),
    ):
        pass


def test_shares_do_each_item_once_and_the_sweep_finishes(db_url: str) -> None:
    store = Store(db_url)
    store.add([FitsFrame(url=f"http://x/{n:03d}", state="pending") for n in range(60)])
    with ThreadPoolExecutor(3) as pool:
        run = run_shared(store, pool, _claiming_share, copies=3)
    assert run.errors == []
    done = [url for value in run.values for url in value.messages]
    assert sorted(done) == [f"http://x/{n:03d}" for n in range(60)]  # each once, none twice
    assert run.sweep.done == 0 and store.count(FitsFrame, state="downloaded") == 60 and store.claims() == []


def test_a_failed_share_is_reported_and_the_sweep_does_its_items(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    store.add([FitsFrame(url=f"http://x/{n}", state="pending") for n in range(10)])

    def share(store: Store, index: int, count: int) -> Tally:
        if count > 1:  # every worker share dies before doing anything
            raise MemoryError("worker ran out of memory")
        return _claiming_share(store, index, count)

    with ThreadPoolExecutor(2) as pool:
        run = run_shared(store, pool, share)
    assert run.errors == [f"worker share {n}: MemoryError: worker ran out of memory" for n in (0, 1)]
    assert run.sweep.done == 10 and store.count(FitsFrame, state="downloaded") == 10


def test_in_memory_store_cannot_be_shared() -> None:
    with ThreadPoolExecutor(1) as pool, pytest.raises(NoSharedStore, match="in-memory"):
        run_shared(Store("sqlite://"), pool, _claiming_share)


def test_rotate_visits_every_item_from_each_share_start() -> None:
    items = list(range(10))
    starts = [rotate(items, i, 4)[0] for i in range(4)]
    assert starts == [0, 2, 5, 7]
    assert all(sorted(rotate(items, i, 4)) == items for i in range(4))
    assert rotate([], 1, 2) == [] and rotate(items, 3, 1) == items


def test_merge_summaries_sums_counts_and_joins_lists() -> None:
    merged = merge_summaries([Tally(2, 1, ["a"]), Tally(3, 0, ["b"])], final=("busy",))
    assert merged == Tally(5, 0, ["a", "b"])
    with pytest.raises(ValueError, match="nothing to merge"):
        merge_summaries([])
