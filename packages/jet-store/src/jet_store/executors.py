"""Executors: where the per-item stages run, a local process pool or a Dask cluster.

The stages that work per item (download, render, subjects, aggregate) accept any
:class:`concurrent.futures.Executor`. :func:`open_executor` gives the one a run asks
for: a local :class:`~concurrent.futures.ProcessPoolExecutor` (``workers`` processes,
the default), or with a scheduler address the executor of a ``dask.distributed``
``Client`` connected to that cluster (dask is imported only then: install
``jet-store[dask]``).

Work that touches the store is shared the same way everywhere: :func:`run_shared` sends
one *share* of a stage to every worker; each share opens the store by its URL and takes
its items through the store's claims (:mod:`jet_store.claims`), so workers on several
machines sharing one PostgreSQL store never do an item twice, and a share starts at its
own place in the list (:func:`rotate`) so the workers rarely meet. When every share has
returned (or failed: a worker that died is reported, not raised), the stage runs once
more here, the *sweep*: it releases the claims of dead workers of this machine
(:meth:`Store.release_dead_claims <jet_store.claims.ClaimsMixin.release_dead_claims>`)
and finishes whatever is left, so
the run completes after a worker is killed (claims of a dead worker on another machine
are taken over when their lease expires).

Examples
--------
>>> with open_executor(workers=1) as ex:
...     print(ex)
None
>>> with open_executor(workers=2) as ex:
...     executor_size(ex), sorted(ex.map(abs, [-2, 1]))
(2, [1, 2])
>>> rotate(list("abcdef"), 1, 3)
['c', 'd', 'e', 'f', 'a', 'b']
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa

from jet_store.errors import ServiceError, StoreError, UserError
from jet_store.store import Store

__all__ = [
    "open_executor",
    "local_pool",
    "dask_executor",
    "executor_size",
    "rotate",
    "run_shared",
    "Outcome",
    "SharedRun",
    "merge_summaries",
    "SchedulerUnavailable",
    "NoSharedStore",
]

log = logging.getLogger(__name__)

T = TypeVar("T")
S = TypeVar("S")


class SchedulerUnavailable(StoreError, ServiceError):
    """The Dask scheduler cannot be reached (exit code 2)."""


class NoSharedStore(StoreError, UserError):
    """Workers cannot share this store (an in-memory SQLite database) or dask is missing."""


def local_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` local processes (started fresh: ``spawn``, safe with threads).

    Examples
    --------
    >>> with local_pool(2) as pool:
    ...     list(pool.map(abs, [-1, -2]))
    [1, 2]
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise UserError(f"workers must be a whole number >= 1, not {workers!r}")
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


@contextmanager
def dask_executor(address: str, *, timeout: float = 10.0) -> Iterator[Executor]:
    """The executor of a ``dask.distributed`` Client connected to ``address`` (closed after).

    Raises
    ------
    NoSharedStore
        When ``dask.distributed`` is not installed.
    SchedulerUnavailable
        When no scheduler answers at ``address`` within ``timeout`` seconds.
    """
    try:
        from distributed import Client
    except ImportError as err:
        raise NoSharedStore(
            f"a Dask scheduler needs dask.distributed ({err}); install jet-store[dask]"
        ) from None
    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as err:
        raise SchedulerUnavailable(f"cannot reach the Dask scheduler at {address}: {err}") from None
    try:
        yield client.get_executor(pure=False)
    finally:
        client.close()


@contextmanager
def open_executor(scheduler: str | None = None, workers: int = 1) -> Iterator[Executor | None]:
    """The executor of a run: Dask at ``scheduler``, else ``workers`` local processes, else none.

    ``None`` (one worker, no scheduler) means: run in this process.
    """
    if scheduler:
        with dask_executor(scheduler) as executor:
            yield executor
    elif workers > 1:
        with local_pool(workers) as pool:
            yield pool
    else:
        yield None


def executor_size(executor: Executor | None) -> int:
    """How many workers ``executor`` has (Dask: those connected now; ``None``: 1)."""
    if executor is None:
        return 1
    client = getattr(executor, "_client", None)
    if client is not None:  # a dask.distributed ClientExecutor
        return max(1, len(client.scheduler_info().get("workers", {})))
    return max(1, int(getattr(executor, "_max_workers", 1) or 1))


def rotate(items: Sequence[T], index: int, count: int) -> list[T]:
    """``items`` starting at share ``index`` of ``count`` (every item, in another order)."""
    if not items or count <= 1:
        return list(items)
    start = len(items) * (index % count) // count
    return [*items[start:], *items[:start]]


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What one share returned, or why it failed (a killed worker, a bug)."""

    index: int
    value: T | None = None
    error: str | None = None


@dataclass
class SharedRun(Generic[S]):
    """The shares' outcomes and the sweep's result of :func:`run_shared`."""

    outcomes: list[Outcome[S]]
    sweep: S

    @property
    def values(self) -> list[S]:
        """The results of the shares that returned, then the sweep's."""
        return [o.value for o in self.outcomes if o.value is not None] + [self.sweep]

    @property
    def errors(self) -> list[str]:
        """One line per share that failed."""
        return [f"worker share {o.index}: {o.error}" for o in self.outcomes if o.error]


def _share(url: str, task: Callable[[Store, int, int], S], index: int, count: int) -> S:
    store = Store(url, create=False)
    try:
        return task(store, index, count)
    finally:
        store.close()


def run_shared(
    store: Store, executor: Executor, task: Callable[[Store, int, int], S], *, copies: int | None = None
) -> SharedRun[S]:
    """Run ``task(store, index, count)`` once per worker of ``executor``, then once here.

    ``task`` must be picklable (a module-level function or a ``functools.partial`` of
    one) and take its items through the store's claims. Each worker opens the store from
    ``store.url``; the sweep runs ``task(store, 0, 1)`` in this process after the shares.

    Examples
    --------
    >>> import tempfile, os
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> from jet_store import FitsFrame
    >>> store = Store("sqlite:///" + os.path.join(tempfile.mkdtemp(), "s.db"))
    >>> _ = store.add([FitsFrame(url=f"http://x/{n}") for n in range(4)])
    >>> def share(store, index, count):
    ...     return index, count, store.count("frames")
    >>> with ThreadPoolExecutor(2) as pool:
    ...     run = run_shared(store, pool, share)
    >>> [o.value for o in run.outcomes], run.sweep, run.errors
    ([(0, 2, 4), (1, 2, 4)], (0, 1, 4), [])
    """
    url = sa.make_url(store.url)
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        raise NoSharedStore("workers cannot share an in-memory SQLite store; use a file or PostgreSQL")
    count = copies or executor_size(executor)
    futures = [executor.submit(_share, store.url, task, index, count) for index in range(count)]
    outcomes: list[Outcome[S]] = []
    for index, future in enumerate(futures):
        try:
            outcomes.append(Outcome(index, value=future.result()))
        except Exception as err:  # a dead worker or a bug in one share: the sweep finishes its items
            log.warning("worker share %d of %d failed: %s: %s", index, count, type(err).__name__, err)
            outcomes.append(Outcome(index, error=f"{type(err).__name__}: {err}"))
    return SharedRun(outcomes, task(store, 0, 1))


def merge_summaries(parts: Sequence[S], *, final: Sequence[str] = ()) -> S:
    """Add up dataclass summaries: numbers summed, lists joined; ``final`` fields from the last.

    Examples
    --------
    >>> from dataclasses import dataclass, field
    >>> @dataclass
    ... class Done:
    ...     done: int = 0
    ...     left: int = 0
    ...     messages: list = field(default_factory=list)
    >>> merge_summaries([Done(2, 5, ["a"]), Done(3, 1, ["b"])], final=["left"])
    Done(done=5, left=1, messages=['a', 'b'])
    """
    if not parts:
        raise ValueError("nothing to merge")
    last = parts[-1]
    values: dict[str, Any] = {}
    for f in dataclasses.fields(last):  # type: ignore[arg-type]
        if f.name in final:
            values[f.name] = getattr(last, f.name)
            continue
        items = [getattr(p, f.name) for p in parts]
        if all(isinstance(v, list) for v in items):
            values[f.name] = [x for v in items for x in v]
        elif all(isinstance(v, int | float) and not isinstance(v, bool) for v in items):
            values[f.name] = sum(items)
        else:
            values[f.name] = items[-1]
    return dataclasses.replace(last, **values)  # type: ignore[type-var]
