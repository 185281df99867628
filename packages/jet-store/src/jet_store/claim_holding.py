"""Holding claims while work runs: :meth:`~jet_store.Store.claiming` and
:meth:`~jet_store.Store.claiming_keys`, which renew the lease from a background thread
and release the claims when the block ends.

Examples
--------
>>> from jet_store import Store
>>> store = Store("sqlite://")
>>> with store.claiming_keys("hek-windows", ["w1", "w2"], owner="a") as keys:
...     print(keys, [c.owner for c in store.claims("hek-windows")])
['w1', 'w2'] ['a', 'a']
>>> store.claims("hek-windows")
[]
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any

from jet_store.claim_terms import DEFAULT_LEASE, Kind, Lease, lease_seconds, namespace_of
from jet_store.errors import StoreError, UserError
from jet_store.filters import Condition
from jet_store.owners import default_owner
from jet_store.records import record_type

__all__ = ["HoldingMixin"]

log = logging.getLogger(__name__)


class HoldingMixin:
    """The context managers of :class:`~jet_store.claims.ClaimsMixin` (see the module docstring)."""

    if TYPE_CHECKING:  # provided by ClaimsMixin, with their full signatures
        claim: Callable[..., list[Any]]
        claim_keys: Callable[..., list[Any]]
        renew: Callable[..., int]
        release: Callable[..., int]

    def claiming(
        self,
        kind: Kind,
        *,
        owner: str | None = None,
        limit: int = 1,
        lease: Lease = DEFAULT_LEASE,
        where: Iterable[Condition] = (),
        order_by: str | Sequence[str] | None = None,
        renew_every: float | None = None,
        **equal: Any,
    ) -> AbstractContextManager[list[Any]]:
        """:meth:`claim` as a context manager: renew while the block runs, release on exit.

        A background thread renews the lease every ``renew_every`` seconds (a third of
        the lease by default); on exit, normal or not, the claims still held are
        released (the block sets the records' states itself). Claims lost meanwhile to
        another owner are logged, not raised.

        Examples
        --------
        >>> from jet_store import Store, FitsFrame
        >>> store = Store("sqlite://")
        >>> _ = store.add([FitsFrame(url="http://x/1.fits")])
        >>> with store.claiming(FitsFrame, limit=10, state="pending") as frames:
        ...     _ = store.set_state(FitsFrame, [f.url for f in frames], "downloaded")
        ...     print([f.url for f in frames], len(store.claims(FitsFrame)))
        ['http://x/1.fits'] 1
        >>> store.claims(FitsFrame)
        []
        """
        who = owner or default_owner()
        cls = record_type(kind)
        items = self.claim(cls, owner=who, limit=limit, lease=lease, where=where, order_by=order_by, **equal)
        return self._holding(cls.kind, items, [r.key for r in items], who, lease, renew_every)

    def claiming_keys(
        self,
        namespace: Kind,
        candidate_keys: Iterable[Any],
        *,
        owner: str | None = None,
        limit: int | None = None,
        lease: Lease = DEFAULT_LEASE,
        renew_every: float | None = None,
    ) -> AbstractContextManager[list[Any]]:
        """:meth:`claim_keys` as a context manager, like :meth:`claiming`."""
        who = owner or default_owner()
        keys = self.claim_keys(namespace, candidate_keys, owner=who, limit=limit, lease=lease)
        return self._holding(namespace_of(namespace), keys, keys, who, lease, renew_every)

    @contextmanager
    def _holding(
        self,
        namespace: str,
        items: list[Any],
        keys: list[Any],
        owner: str,
        lease: Lease,
        renew_every: float | None,
    ) -> Iterator[list[Any]]:
        seconds = lease_seconds(lease)
        interval = seconds / 3 if renew_every is None else float(renew_every)
        if not interval > 0:
            raise UserError(f"renew_every must be a positive number of seconds, not {renew_every!r}")
        stop = threading.Event()

        def renew_loop() -> None:
            while not stop.wait(interval):
                try:
                    held = self.renew(namespace, keys, owner=owner, lease=seconds, strict=False)
                except StoreError as err:  # the next round may succeed; the lease has slack
                    log.warning("could not renew %d %s claims of %s: %s", len(keys), namespace, owner, err)
                    continue
                if held < len(keys):
                    log.warning("%s lost %d of %d %s claims", owner, len(keys) - held, len(keys), namespace)

        thread = None
        if keys:
            thread = threading.Thread(target=renew_loop, name=f"renew-{namespace}", daemon=True)
            thread.start()
        try:
            yield items
        finally:
            stop.set()
            if thread is not None:
                thread.join()
            if keys:
                self.release(namespace, keys, owner=owner, strict=False)
