"""Numbers read from loosely typed sources (JSON answers, FITS headers, filter values) (pure).

Examples
--------
>>> from jet_store.numbers import finite_float
>>> finite_float("1050.5"), finite_float(789), finite_float(""), finite_float("nan"), finite_float(True)
(1050.5, 789.0, None, None, None)
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["finite_float"]


def finite_float(value: Any) -> float | None:
    """A finite float from an int, float or numeric string; None for anything else.

    Booleans, ``None``, empty or non-numeric strings, infinities, NaN and ints too large
    for a float all give None.

    Examples
    --------
    >>> finite_float(" 2.5 "), finite_float("inf"), finite_float(10**400), finite_float([1])
    (2.5, None, None, None)
    """
    if isinstance(value, bool) or value is None:
        return None
    try:
        if isinstance(value, int | float):
            number = float(value)
        elif isinstance(value, str):
            number = float(value.strip())
        else:
            return None
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None
