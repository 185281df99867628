"""How sdo-cutout retries a request: tenacity over :class:`~jet_store.retry.Transient`, logged.

The cutout services (:meth:`sdo_cutout.service.ServiceClient.get`) and the downloader
(:class:`sdo_cutout.fetcher.Downloader`) both retry with one
:class:`~jet_store.retry.RetryPolicy` (jittered backoff, ``Retry-After`` honoured) and
log every retry as ``<what failed>; retry <n>/<retries> in <s> s``.

Examples
--------
>>> import asyncio, logging
>>> from jet_store.retry import RetryPolicy, Transient
>>> calls = []
>>> async def flaky():
...     async for attempt in retrying(RetryPolicy(attempts=3, base_delay=0.0),
...                                   logging.getLogger("demo"), lambda state: "demo failed"):
...         with attempt:
...             calls.append(1)
...             if len(calls) < 3:
...                 raise Transient("reset")
...             return len(calls)
>>> asyncio.run(flaky())
3
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from jet_store.retry import RetryPolicy, Transient
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

__all__ = ["failure_of", "retrying"]


def failure_of(state: RetryCallState) -> BaseException | None:
    """The exception that ended the attempt ``state`` describes (None if it returned).

    Examples
    --------
    >>> from tenacity import RetryCallState
    >>> failure_of(RetryCallState(None, None, (), {})) is None
    True
    """
    outcome = state.outcome
    return outcome.exception() if outcome is not None else None


def retrying(
    policy: RetryPolicy, logger: logging.Logger, describe: Callable[[RetryCallState], str]
) -> AsyncRetrying:
    """Attempts of one request: :class:`Transient` failures retried as ``policy`` says, then re-raised.

    Parameters
    ----------
    policy : RetryPolicy
        How many attempts, and how long to wait between them.
    logger : logging.Logger
        Where each retry is logged (warning): ``describe(state)``, then the retry's number
        and wait.
    describe : callable
        What failed, from tenacity's state of the attempt (see :func:`failure_of`).

    Examples
    --------
    >>> import logging
    >>> from jet_store.retry import RetryPolicy
    >>> retrying(RetryPolicy(attempts=2), logging.getLogger("demo"), str).reraise
    True
    """

    def log_retry(state: RetryCallState) -> None:
        wait = state.next_action.sleep if state.next_action is not None else 0.0
        logger.warning(
            "%s; retry %d/%d in %.2f s", describe(state), state.attempt_number, policy.attempts - 1, wait
        )

    return AsyncRetrying(
        stop=stop_after_attempt(policy.attempts),
        wait=policy.wait,
        retry=retry_if_exception_type(Transient),
        reraise=True,
        before_sleep=log_retry,
    )
