"""Options dataclasses changed by keyword: the one rule both stages' options follow.

Examples
--------
>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Opts:
...     n: int = 1
>>> with_changes(Opts, None, {"n": 2}, "demo")
Opts(n=2)
>>> with_changes(Opts, Opts(), {"m": 2}, "demo")
Traceback (most recent call last):
...
sdo_cutout.errors.CutoutRequestError: unknown demo option(s): m
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypeVar

from sdo_cutout.errors import CutoutRequestError

__all__ = ["with_changes"]

Opts = TypeVar("Opts")


def with_changes(cls: type[Opts], options: Opts | None, changes: Mapping[str, Any], what: str) -> Opts:
    """``options`` (or ``cls()``) with the fields in ``changes`` replaced; unknown names are refused."""
    base = options if options is not None else cls()
    unknown = set(changes) - {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    if unknown:
        raise CutoutRequestError(f"unknown {what} option(s): {', '.join(sorted(unknown))}")
    return dataclasses.replace(base, **changes) if changes else base  # type: ignore[type-var]
