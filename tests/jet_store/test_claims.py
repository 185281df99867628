"""Claims on SQLite and on a real PostgreSQL server: atomic, leased, renewed, released, taken over."""

from __future__ import annotations

import json
import os
import signal
import sys
import textwrap
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from jet_store import ClaimLost, FitsFrame, FrameState, Store, UserError, Workflow, default_owner
from process_helpers import spawn, start_together, wait_for

N_ITEMS = 3000

CLAIMER = textwrap.dedent(
    """
    import json, sys, time
    from jet_store import Store
    url, owner, mode, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    store = Store(url)
    print("ready", flush=True)
    sys.stdin.readline()  # start together
    got = []
    while True:
        if mode == "records":
            batch = [f.url for f in store.claim("frames", owner=owner, limit=25, lease=600, state="pending")]
        else:
            keys = [f"window-{i:05d}" for i in range(n)]
            batch = store.claim_keys("hek-windows", keys, owner=owner, limit=25, lease=600)
        if not batch:
            break
        got.extend(batch)
        time.sleep(0.01)  # the work on the batch: SQLite's busy wait is not fair to a waiting writer
    print(json.dumps(got), flush=True)
    """
)

HOLDER = textwrap.dedent(
    """
    import sys
    from jet_store import Store
    url = sys.argv[1]
    store = Store(url)
    got = store.claim("frames", owner="doomed", limit=10, lease=float(sys.argv[2]), state="pending")
    print(len(got), flush=True)
    sys.stdin.readline()  # killed here
    """
)


def _frames(n: int) -> list[FitsFrame]:
    return [FitsFrame(url=f"http://x/{i:05d}.fits") for i in range(n)]


@pytest.fixture
def store(db_url: str) -> Store:
    with Store(db_url) as s:
        yield s


def test_claim_takes_only_free_matching_items(store: Store) -> None:
    store.add([*_frames(5), FitsFrame(url="http://x/done.fits", state=FrameState.DOWNLOADED)])
    a = store.claim(FitsFrame, owner="a", limit=3, state="pending")
    assert [f.url for f in a] == [f"http://x/{i:05d}.fits" for i in range(3)]
    b = store.claim(FitsFrame, owner="b", limit=10, state="pending")
    assert [f.url for f in b] == ["http://x/00003.fits", "http://x/00004.fits"]
    assert store.claim(FitsFrame, owner="c", limit=10, state="pending") == []
    assert store.claim(FitsFrame, owner="a", limit=10, state="pending") == []  # held by a itself too
    owners = Counter(c.owner for c in store.claims(FitsFrame))
    assert owners == {"a": 3, "b": 2}
    assert store.claim(FitsFrame, owner="a", limit=0) == []


def test_release_frees_and_sets_state_in_one_go(store: Store) -> None:
    store.add(_frames(4))
    held = [f.url for f in store.claim(FitsFrame, owner="a", limit=4)]
    assert store.release(FitsFrame, held[:2], owner="a") == 2
    assert store.release(FitsFrame, held[2:], owner="a", state=FrameState.FAILED) == 2
    assert store.claims() == []
    assert store.count(FitsFrame, state="failed") == 2
    again = store.claim(FitsFrame, owner="b", limit=10, state="pending")
    assert [f.url for f in again] == held[:2]


def test_owner_mismatch_is_refused_and_changes_nothing(store: Store) -> None:
    store.add(_frames(3))
    held = [f.url for f in store.claim(FitsFrame, owner="a", limit=2)]
    before = store.claims()
    with pytest.raises(ClaimLost, match="b does not hold") as info:
        store.release(FitsFrame, held, owner="b", state="downloaded")
    assert set(info.value.keys) == set(held)
    with pytest.raises(ClaimLost):
        store.renew(FitsFrame, held, owner="b", lease=3600)
    with pytest.raises(ClaimLost):  # one of three not held: all refused
        store.release(FitsFrame, [*held, "http://x/00002.fits"], owner="a", state="downloaded")
    assert store.claims() == before
    assert store.count(FitsFrame, state="pending") == 3
    assert store.release(FitsFrame, [*held, "http://x/00002.fits"], owner="a", strict=False) == 2


def test_renew_extends_the_lease(store: Store) -> None:
    store.add(_frames(1))
    store.claim(FitsFrame, owner="a", lease=60)
    (first,) = store.claims()
    assert timedelta(seconds=55) < first.expires_at - first.claimed_at <= timedelta(seconds=60)
    assert store.renew(FitsFrame, [first.key], owner="a", lease=timedelta(hours=2)) == 1
    (renewed,) = store.claims()
    assert renewed.expires_at - first.expires_at > timedelta(minutes=115)
    assert renewed.claimed_at == first.claimed_at


def test_expired_lease_is_taken_over(store: Store) -> None:
    store.add(_frames(2))
    lost = store.claim(FitsFrame, owner="a", limit=2, lease=0.3)
    assert len(lost) == 2
    assert store.claim(FitsFrame, owner="b", limit=2, lease=600) == []
    taken = wait_for(lambda: store.claim(FitsFrame, owner="b", limit=2, lease=600), what="expiry")
    assert [f.url for f in taken] == [f.url for f in lost]
    assert {c.owner for c in store.claims()} == {"b"}
    with pytest.raises(ClaimLost):  # the old owner finds out when it reports back
        store.release(FitsFrame, [f.url for f in lost], owner="a", state="downloaded")


def test_expired_but_not_taken_over_is_still_renewable(store: Store) -> None:
    store.add(_frames(1))
    store.claim(FitsFrame, owner="a", lease=0.05)
    wait_for(lambda: store.claims()[0].expired(), what="expiry")
    assert store.renew(FitsFrame, ["http://x/00000.fits"], owner="a", lease=600) == 1
    assert store.claim(FitsFrame, owner="b") == []


def test_composite_keys_and_filters(store: Store) -> None:
    store.add([Workflow(workflow_id=18563, version=v) for v in ("1.1", "5.19", "7.0")])
    got = store.claim(Workflow, owner="a", limit=5, where=[("version", "!=", "1.1")], order_by="-version")
    assert [w.key for w in got] == [(18563, "7.0"), (18563, "5.19")]
    assert sorted(c.key for c in store.claims("workflows")) == [(18563, "5.19"), (18563, "7.0")]
    assert store.renew("workflows", [(18563, "7.0")], owner="a") == 1
    assert store.release("workflows", [w.key for w in got], owner="a") == 2


def test_claim_keys_for_items_that_are_not_records(store: Store) -> None:
    t0 = datetime(2010, 6, 1, tzinfo=timezone.utc)
    windows = [(t0 + timedelta(days=30 * i), t0 + timedelta(days=30 * (i + 1))) for i in range(4)]
    assert store.claim_keys("hek-windows", windows, owner="a", limit=3) == windows[:3]
    assert store.claim_keys("hek-windows", [*windows, windows[0]], owner="b") == windows[3:]
    assert store.claim_keys("other-namespace", windows[:1], owner="b") == windows[:1]
    assert store.release("hek-windows", windows[:3], owner="a") == 3
    assert store.claim_keys("hek-windows", windows, owner="b") == windows[:3]


def test_default_owner_is_host_and_pid(store: Store) -> None:
    store.add(_frames(1))
    store.claim(FitsFrame)
    assert store.claims()[0].owner == default_owner()
    assert store.release(FitsFrame, ["http://x/00000.fits"]) == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lease": 0}, "lease"),
        ({"lease": float("nan")}, "lease"),
        ({"lease": "soon"}, "lease"),
        ({"limit": -1}, "limit"),
        ({"limit": 2.5}, "limit"),
    ],
)
def test_bad_claim_arguments(store: Store, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(UserError, match=message):
        store.claim(FitsFrame, **kwargs)  # type: ignore[arg-type]


def test_lease_as_astropy_quantity(store: Store) -> None:
    u = pytest.importorskip("astropy.units")
    store.add(_frames(1))
    store.claim(FitsFrame, lease=2 * u.hour)
    (claim,) = store.claims()
    assert timedelta(minutes=119) < claim.expires_at - claim.claimed_at <= timedelta(hours=2)
    with pytest.raises(UserError, match="lease"):
        store.renew(FitsFrame, [claim.key], lease=3 * u.m)


def test_claiming_renews_in_the_background_and_releases_on_exit(store: Store) -> None:
    store.add(_frames(3))
    with (
        pytest.raises(RuntimeError),
        store.claiming(FitsFrame, limit=2, lease=0.5, renew_every=0.05) as items,
    ):
        assert len(items) == 2
        first = {c.key: c.expires_at for c in store.claims()}

        def renewed() -> bool:
            return all(c.expires_at > first[c.key] for c in store.claims())

        wait_for(renewed, what="a background renewal")
        raise RuntimeError("the work failed")
    assert store.claims() == []  # released although the block failed
    with store.claiming_keys("hek-windows", ["w1", "w2"], limit=1) as keys:
        assert keys == ["w1"]
        assert [c.key for c in store.claims("hek-windows")] == ["w1"]
    assert store.claims() == []


def test_claims_join_an_enclosing_transaction(store: Store) -> None:
    store.add(_frames(2))
    with pytest.raises(RuntimeError), store.transaction():
        store.claim(FitsFrame, owner="a", limit=2)
        raise RuntimeError("rolled back")
    assert store.claims() == []


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["records", "keys"])
def test_two_processes_never_claim_the_same_item(db_url: str, mode: str) -> None:
    store = Store(db_url)
    if mode == "records":
        store.add(_frames(N_ITEMS))
    procs = [spawn(CLAIMER, db_url, owner, mode, N_ITEMS) for owner in ("p1", "p2")]
    start_together(procs)
    got = []
    for proc in procs:
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
        got.append(json.loads(out.strip().splitlines()[-1]))
    assert not set(got[0]) & set(got[1])
    assert len(got[0]) + len(got[1]) == N_ITEMS
    assert len(set(got[0]) | set(got[1])) == N_ITEMS
    assert got[0] and got[1], "one process took everything: the test did not run them concurrently"
    held = Counter(c.owner for c in store.claims())
    assert held == {"p1": len(got[0]), "p2": len(got[1])}


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_claims_of_a_killed_worker_are_taken_over_after_the_lease(db_url: str) -> None:
    store = Store(db_url)
    store.add(_frames(15))
    proc = spawn(HOLDER, db_url, 1.0)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "10", proc.stderr.read() if proc.stderr else ""
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    first = store.claim(FitsFrame, owner="next", limit=20, state="pending")
    assert len(first) == 5  # the killed worker's ten are still leased
    rest = wait_for(lambda: store.claim(FitsFrame, owner="next", limit=20, state="pending"), what="expiry")
    assert len(rest) == 10
    assert {c.owner for c in store.claims()} == {"next"}
