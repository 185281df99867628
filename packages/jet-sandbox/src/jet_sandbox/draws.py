"""Draws from a string-seeded :class:`random.Random`, built on ``random()`` alone.

Python guarantees the sequence of ``random.Random.random`` for a seed across versions,
so synthetic data drawn with these functions are the same everywhere.
"""

from __future__ import annotations

import math
import random

__all__ = ["uniform", "index", "poisson"]


def uniform(rng: random.Random, low: float, high: float) -> float:
    """A float drawn uniformly from ``[low, high)``.

    Examples
    --------
    >>> rng = random.Random("doc")
    >>> 2.0 <= uniform(rng, 2.0, 3.0) < 3.0
    True
    """
    return low + (high - low) * rng.random()


def index(rng: random.Random, n: int) -> int:
    """An index drawn uniformly from ``range(n)``.

    Examples
    --------
    >>> sorted({index(random.Random(seed), 3) for seed in range(50)})
    [0, 1, 2]
    """
    return min(int(rng.random() * n), n - 1)


def poisson(rng: random.Random, mean: float) -> int:
    """A count drawn from a Poisson distribution of mean ``mean`` (Knuth's product method).

    Examples
    --------
    >>> rng = random.Random("doc")
    >>> counts = [poisson(rng, 2.0) for _ in range(2000)]
    >>> 1.8 < sum(counts) / len(counts) < 2.2
    True
    """
    limit = math.exp(-mean)
    count, product = 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count
