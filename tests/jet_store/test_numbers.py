from __future__ import annotations

from typing import Any

import pytest
from jet_store.numbers import finite_float


@pytest.mark.parametrize(("value", "expected"), [(3, 3.0), (2.5, 2.5), (" -1e3 ", -1000.0), ("0", 0.0)])
def test_numbers_and_numeric_text_become_floats(value: Any, expected: float) -> None:
    assert finite_float(value) == expected


@pytest.mark.parametrize(
    "value", [None, True, False, "", "  ", "n/a", "inf", "-inf", "nan", float("nan"), 10**400, [1], {}]
)
def test_everything_else_is_none(value: Any) -> None:
    assert finite_float(value) is None
