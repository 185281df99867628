"""Running the package's coroutines from plain code, also inside a running event loop.

Every stage has a coroutine (``arun_jobs``, ``adownload_frames``) and a plain function
that runs it with :func:`run_sync`: in a script with :func:`asyncio.run`, in Jupyter
(where a loop is already running) on a helper thread with its own loop.

Examples
--------
>>> import asyncio
>>> async def answer():
...     return 42
>>> run_sync(answer)
42
>>> async def inside_a_loop():
...     return run_sync(answer)
>>> asyncio.run(inside_a_loop())
42
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

__all__ = ["run_sync"]

T = TypeVar("T")


def run_sync(make: Callable[[], Awaitable[T]]) -> T:
    """Run the coroutine ``make()`` to completion and return its result."""

    async def main() -> T:
        return await make()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(main())
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sdo-cutout") as pool:
        return pool.submit(asyncio.run, main()).result()
