"""The numeric argument types of the CLI (counts, ports, durations, sizes), and the two
helpers every argument type is built with (:func:`named`, :func:`bad`).

Examples
--------
>>> workers("4"), seconds("0.5"), int_list("6,2,1,0")
(4, 0.5, (6, 2, 1, 0))
>>> pixel_size(16, 100)("8x8")
Traceback (most recent call last):
argparse.ArgumentTypeError: each side must be between 16 and 100 pixels, not 8x8
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import NoReturn, TypeVar

__all__ = [
    "MAX_COUNT",
    "named",
    "bad",
    "integer",
    "number",
    "positive_int",
    "count",
    "workers",
    "seed",
    "port",
    "positive_float",
    "non_negative_float",
    "seconds",
    "delay",
    "window_days",
    "percentile",
    "arcsec",
    "reporting_lag",
    "pixel_size",
    "int_list",
]

MAX_COUNT = 2**63 - 1
"""The largest count or limit an option takes: a signed 64-bit integer, what SQLite and
PostgreSQL store and compare."""

T = TypeVar("T")


def named(name: str, parse: Callable[[str], T]) -> Callable[[str], T]:
    """``parse``, named ``name`` (argparse names the type in its messages)."""
    parse.__name__ = name
    return parse


def bad(message: str) -> NoReturn:
    """Refuse a value: ``message`` is what argparse prints."""
    raise argparse.ArgumentTypeError(message)


def integer(low: int = 0, high: int = MAX_COUNT) -> Callable[[str], int]:
    """argparse type: a whole number in ``low..high``.

    Examples
    --------
    >>> integer(1, 64)("8")
    8
    >>> integer(1, 64)("0")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: must be between 1 and 64, not 0
    """

    def parse(text: str) -> int:
        try:
            value = int(text.strip().replace("_", ""), 10) if len(text) < 40 else None
        except ValueError:
            value = None
        if value is None:
            bad(f"not a whole number: {text!r}")
        if not low <= value <= high:
            bounds = f">= {low}" if high == MAX_COUNT else f"between {low} and {high}"
            bad(f"must be {bounds}, not {value}")
        return value

    return named("integer", parse)


def number(low: float, high: float, *, above: bool = False) -> Callable[[str], float]:
    """argparse type: a finite number in ``low..high`` (``above``: strictly more than ``low``).

    Examples
    --------
    >>> number(0, 100)("2.5")
    2.5
    >>> number(0, 100)("nan")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: not a finite number: 'nan'
    """

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            bad(f"not a number: {text!r}")
        if not math.isfinite(value):
            bad(f"not a finite number: {text!r}")
        if value < low or value > high or (above and value == low):
            lower = f"> {low:g}" if above else f">= {low:g}"
            bad(f"must be {lower} and <= {high:g}, not {text.strip()}")
        return value

    return named("number", parse)


positive_int = integer(1)
"""A whole number >= 1 (up to :data:`MAX_COUNT`)."""
count = integer(0)
"""A whole number >= 0 (up to :data:`MAX_COUNT`): limits, polls, caps."""
workers = integer(1, 64)
"""Processes or connections at once: 1..64."""
seed = integer(0, 2**32 - 1)
"""A random seed: 0..2**32-1."""
port = integer(0, 65535)
"""A TCP port: 1..65535, or 0 for any free port."""
positive_float = number(0, 1e9, above=True)
"""A finite number > 0."""
non_negative_float = number(0, 1e9)
"""A finite number >= 0."""
seconds = number(0, 10 * 365 * 86400.0, above=True)
"""A duration in seconds: > 0, at most ten years."""
delay = number(0, 3600.0)
"""A wait in seconds a replica adds: 0..3600."""
window_days = number(1 / 1440, 3650.0)
"""A search window in days: one minute to ten years."""
percentile = number(0, 100)
"""A percentile: 0..100."""
arcsec = number(-1e5, 1e5)
"""A helioprojective coordinate in arcsec."""
reporting_lag = number(0, 3650.0)
"""HEK's reporting lag in days: 0..3650."""


def pixel_size(low: int, high: int) -> Callable[[str], tuple[int, int]]:
    """argparse type: ``WIDTHxHEIGHT`` in pixels, each in ``low..high``.

    Examples
    --------
    >>> pixel_size(16, 10000)("1920x1440")
    (1920, 1440)
    """

    def parse(text: str) -> tuple[int, int]:
        parts = text.lower().replace(",", "x").split("x")
        try:
            w, h = (int(p) for p in parts) if len(parts) == 2 and len(text) < 40 else (0, -1)
        except ValueError:
            w, h = 0, -1
        if h < 0:
            bad(f"not WIDTHxHEIGHT: {text!r}")
        if not (low <= w <= high and low <= h <= high):
            bad(f"each side must be between {low} and {high} pixels, not {text}")
        return w, h

    return named("size", parse)


def _int_list(text: str) -> tuple[int, ...]:
    parse = integer(0, 2**31 - 1)
    values = tuple(parse(part) for part in text.split(",") if part.strip())
    if not values:
        bad(f"expected whole numbers separated by commas, not {text!r}")
    return values


int_list = named("numbers", _int_list)
"""argparse type: whole numbers separated by commas (``6,2,1,0``)."""
