"""Claims of workers that died: released at once when they ran on this machine.

The stages take their items through the store's claims (:mod:`jet_store.claims`,
owner ``host:pid``). A worker killed without a chance to release them (SIGKILL, the
OOM killer) leaves claims that would hold its items until their lease expires. When
the owner ran on this host and its process is gone, nobody can be working on them:
:func:`release_dead_claims` releases them before a stage claims, so a re-run right
after a kill goes on at once. Claims of other hosts (or of owners not named
``host:pid``) are left to their lease.

Examples
--------
>>> from jet_store import Store
>>> store = Store("sqlite://")
>>> import os, socket
>>> dead = f"{socket.gethostname()}:{2**22 + 7}"  # above any pid this machine hands out
>>> store.claim_keys("frames", ["a", "b"], owner=dead)
['a', 'b']
>>> store.claim_keys("frames", ["c"], owner="elsewhere:1")
['c']
>>> store.claim_keys("frames", ["d"], owner=f"{socket.gethostname()}:{os.getpid()}")  # alive
['d']
>>> from jet_store.dead_claims import release_dead_claims
>>> release_dead_claims(store, "frames")
2
>>> [(c.key, c.owner == "elsewhere:1") for c in store.claims("frames")]
[('c', True), ('d', False)]
"""

from __future__ import annotations

import logging
import os
import socket

from jet_store.records import Record
from jet_store.store import Store

__all__ = ["release_dead_claims", "process_alive"]

log = logging.getLogger(__name__)


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine.

    Examples
    --------
    >>> import os
    >>> process_alive(os.getpid())
    True
    """
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    except OSError:  # pragma: no cover - e.g. a pid beyond the platform's range
        return False
    return True


def release_dead_claims(store: Store, kind: str | type[Record]) -> int:
    """Release the claims on ``kind`` held by processes of this host that no longer run; how many."""
    host = socket.gethostname()
    dead: dict[str, list[object]] = {}
    for claim in store.claims(kind):
        name, _, pid = claim.owner.rpartition(":")
        if name == host and pid.isdigit() and not process_alive(int(pid)):
            dead.setdefault(claim.owner, []).append(claim.key)
    released = 0
    for owner, keys in dead.items():
        released += store.release(kind, keys, owner=owner, strict=False)
        log.warning(
            "released %d claims of %s, a process of this machine that no longer runs", len(keys), owner
        )
    return released
