"""What every HTTP client of jet-hunter shares: how it names itself and how long it waits.

Nothing here imports an HTTP library; clients build their own timeout objects from
:data:`DEFAULT_TIMEOUTS` (``httpx.Timeout(**DEFAULT_TIMEOUTS.as_kwargs())``).

Examples
--------
>>> from jet_store.clients import DEFAULT_TIMEOUTS, user_agent
>>> user_agent("jet-store").startswith("jet-store/")
True
>>> DEFAULT_TIMEOUTS.as_kwargs()
{'timeout': 60.0, 'connect': 10.0, 'pool': None}
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

__all__ = ["user_agent", "Timeouts", "DEFAULT_TIMEOUTS"]


def user_agent(dist_name: str) -> str:
    """The ``User-Agent`` of a jet-hunter client: ``<dist>/<version> (jet-hunter)``.

    Parameters
    ----------
    dist_name : str
        The distribution name of the client's package (``"hek-client"``).

    Examples
    --------
    >>> import jet_store
    >>> user_agent("jet-store") == f"jet-store/{jet_store.__version__} (jet-hunter)"
    True
    >>> user_agent("no-such-dist-installed")
    'no-such-dist-installed (jet-hunter)'
    """
    try:
        return f"{dist_name}/{version(dist_name)} (jet-hunter)"
    except PackageNotFoundError:  # running from a source tree
        return f"{dist_name} (jet-hunter)"


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Per-request timeouts in seconds (None: wait for ever).

    Parameters
    ----------
    read : float or None
        Each read and write.
    connect : float or None
        Opening a connection.
    pool : float or None
        Waiting for a free pooled connection. None by default: a stage queues more
        requests than it has connections, and its own concurrency bounds the wait.

    Examples
    --------
    >>> Timeouts(read=30.0, connect=5.0, pool=1.0).as_kwargs()
    {'timeout': 30.0, 'connect': 5.0, 'pool': 1.0}
    """

    read: float | None = 60.0
    connect: float | None = 10.0
    pool: float | None = None

    def as_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of ``httpx.Timeout``."""
        return {"timeout": self.read, "connect": self.connect, "pool": self.pool}


DEFAULT_TIMEOUTS = Timeouts()
"""10 s to connect, 60 s for each read or write: what every jet-hunter client uses."""
