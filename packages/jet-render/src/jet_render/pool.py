"""The process pool of the render stage: furniture drawn once, then inherited.

Before the pool starts, this process reads one header per field of view and draws its
furniture (about 0.5-1 s each), and the workers are forked (where the platform allows)
so they inherit that cache instead of each drawing it again; elsewhere an initializer
warms each worker's cache. Items go out in contiguous chunks, a few per worker, in
order; each worker reads and writes its own files and sends back only small records.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from jet_render.framed import read_fits
from jet_render.furniture import furniture_for
from jet_render.style import Style

__all__ = ["pooled"]

logger = logging.getLogger(__name__)


def _fov_headers(paths: Sequence[str | os.PathLike[str]]) -> list[Any]:
    """One header per field of view among ``paths`` (what shapes the furniture).

    Frames of one event share a field of view and come in order, so a header is read
    only where the file's folder changes; reading one takes about a millisecond.
    """
    headers: list[Any] = []
    last: Path | None = None
    for path in paths:
        folder = Path(path).parent
        if folder == last:
            continue
        last = folder
        try:
            headers.append(read_fits(path)[1])
        except Exception:  # the worker reports it when it gets to that frame
            logger.debug("cannot read %s to warm the furniture cache", path, exc_info=True)
    return headers


def _warm(headers: Sequence[Any], framed: tuple[tuple[int, int], Style] | None) -> None:
    """Draw the furniture of every header into this process's cache (framed only)."""
    if framed is None:
        return
    size, style = framed
    for header in headers:
        try:
            furniture_for(header, size, style)
        except Exception:  # rendering that frame will report it
            logger.debug("cannot draw furniture to warm the cache", exc_info=True)


def _chunks(items: Sequence[Any], workers: int) -> list[list[Any]]:
    """Contiguous chunks, a few per worker (enough to balance, few enough to be cheap)."""
    per = max(1, min(64, -(-len(items) // (workers * 4))))
    return [list(items[i : i + per]) for i in range(0, len(items), per)]


def pooled(
    run_chunk: Callable[[list[Any]], list[Any]],
    items: Sequence[Any],
    sources: Sequence[str | os.PathLike[str]],
    framed: tuple[tuple[int, int], Style] | None,
    workers: int,
) -> Iterator[Any]:
    """Results of ``run_chunk`` over chunks of ``items`` on ``workers`` processes, in order.

    ``sources`` are the FITS files the items show and ``framed`` the ``(size, style)``
    of framed images (None for bare ones): the furniture of each field of view is drawn
    here first, so forked workers inherit it; if fork is not available, each worker's
    initializer draws it once. ``run_chunk`` must be a module-level function.
    """
    headers = _fov_headers(sources)
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and sys.platform != "darwin":
        _warm(headers, framed)
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
    else:
        pool = ProcessPoolExecutor(max_workers=workers, initializer=_warm, initargs=(headers, framed))
    with pool:
        for chunk in pool.map(run_chunk, _chunks(items, workers)):
            yield from chunk
