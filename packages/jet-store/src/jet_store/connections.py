"""How the :class:`~jet_store.Store` talks to its database: connections, transactions, errors.

One connection per thread while a :meth:`~jet_store.Store.transaction` runs (so the calls
inside it share it), otherwise one per call; every SQLAlchemy error leaves as a
:class:`~jet_store.errors.StoreError` (:mod:`jet_store.translate`).

Examples
--------
>>> from jet_store import Store
>>> store = Store("sqlite://")
>>> store.backend
'sqlite'
>>> with store.transaction() as same:
...     same is store
True
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Self

import sqlalchemy as sa
from sqlalchemy import exc

from jet_store.errors import StoreError
from jet_store.translate import translate_error

__all__ = ["ConnectionsMixin"]


class ConnectionsMixin:
    """The connection and transaction methods of :class:`~jet_store.Store`."""

    url: str
    busy_timeout: float
    engine: sa.Engine
    _local: threading.local

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql`` (or another SQLAlchemy backend name)."""
        return self.engine.dialect.name

    @contextmanager
    def _connection(self, *, write: bool) -> Iterator[sa.Connection]:
        current: sa.Connection | None = getattr(self._local, "conn", None)
        if current is not None:
            yield current
            return
        with self._translating(), self.engine.connect() as conn:
            if write:
                conn.execution_options(jet_store_write=True)
            with conn.begin():
                self._local.conn = conn
                try:
                    yield conn
                finally:
                    self._local.conn = None

    @contextmanager
    def _private_reader(self) -> Iterator[sa.Connection]:
        """A read transaction on a connection of its own: writes made meanwhile by this
        thread go through another connection and commit on their own."""
        with self._translating(), self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def _translating(self) -> Iterator[None]:
        try:
            yield
        except StoreError:
            raise
        except exc.StatementError as err:
            if isinstance(err.orig, StoreError):
                raise err.orig from None
            raise self._translate(err) from err
        except exc.SQLAlchemyError as err:
            raise self._translate(err) from err

    def _translate(self, err: exc.SQLAlchemyError) -> StoreError:
        return translate_error(err, self.url, self.backend, self.busy_timeout)

    @contextmanager
    def transaction(self) -> Iterator[Self]:
        """Group several store calls into one transaction (all or nothing).

        Examples
        --------
        >>> from jet_store import Store, Workflow
        >>> store = Store("sqlite://")
        >>> with store.transaction():
        ...     _ = store.add([Workflow(workflow_id=1, version="1.1")])
        ...     _ = store.add([Workflow(workflow_id=1, version="1.2")])
        >>> store.count("workflows")
        2
        """
        with self._connection(write=True):
            yield self
