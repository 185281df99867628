"""Progress bars for long work, written once for every jet-hunter package.

A bar is drawn on standard error only when it is asked for (``enabled``, off with
``--quiet``) and standard error is a terminal; otherwise the returned bar is disabled
and every call on it does nothing, so callers never branch on it.

Examples
--------
>>> from jet_store.progress import progress_bar
>>> with progress_bar(3, enabled=False, desc="demo", unit="item") as bar:
...     for _ in range(3):
...         _ = bar.update(1)
>>> bar.disable
True
"""

from __future__ import annotations

import sys
from typing import Any

from tqdm.auto import tqdm

__all__ = ["progress_bar"]


def progress_bar(total: int | None, *, enabled: bool, desc: str, unit: str = "it") -> tqdm[Any]:
    """A tqdm bar on standard error, or a disabled one that draws nothing.

    Parameters
    ----------
    total : int or None
        Steps expected (None when unknown).
    enabled : bool
        Whether the caller wants a bar (the ``progress`` argument of a stage).
    desc : str
        The label in front of the bar.
    unit : str
        What one step is (``"window"``, ``"job"``, ``"file"``).

    Returns
    -------
    tqdm
        A context manager and bar; disabled unless ``enabled`` and standard error is a
        terminal. It leaves nothing on screen when closed.

    Examples
    --------
    >>> import sys
    >>> bar = progress_bar(10, enabled=True, desc="HEK", unit="window")
    >>> bar.total, bar.disable == (not sys.stderr.isatty())
    (10, True)
    >>> bar.close()
    """
    show = enabled and sys.stderr.isatty()
    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, disable=not show, leave=False)
