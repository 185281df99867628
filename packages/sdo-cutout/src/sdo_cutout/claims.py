"""Claims of workers that died: released at once when they ran on this machine.

The mechanism lives in :mod:`jet_store.dead_claims` (every stage package uses it, so it
sits below them all); this module keeps the names the cutout stages import.

Examples
--------
>>> from sdo_cutout.claims import release_dead_claims
>>> from jet_store import Store
>>> release_dead_claims(Store("sqlite://"), "frames")
0
"""

from __future__ import annotations

from jet_store.dead_claims import process_alive, release_dead_claims

__all__ = ["release_dead_claims", "process_alive"]
