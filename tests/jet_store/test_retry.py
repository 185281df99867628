"""The retry timing shared by the clients."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jet_store.retry import InvalidRetryPolicy, RetryPolicy, Transient, parse_retry_after


@given(st.integers(1, 40), st.floats(0, 10), st.floats(0, 100))
def test_backoff_stays_within_full_jitter_bounds(attempt: int, base: float, cap: float) -> None:
    policy = RetryPolicy(base_delay=base, max_delay=cap)
    assert 0.0 <= policy.backoff(attempt) <= min(cap, base * 2.0 ** (attempt - 1))


def test_retry_after_wins_but_is_capped() -> None:
    policy = RetryPolicy(base_delay=1.0, max_retry_after=30.0)
    assert 5.0 <= policy.delay(1, retry_after=5.0) <= 5.1
    assert policy.delay(1, retry_after=3600.0) <= 30.1


def test_tenacity_style_callback_reads_the_failure() -> None:
    policy = RetryPolicy(base_delay=0.0)
    failed = SimpleNamespace(exception=lambda: Transient("HTTP 429", retry_after=2.0))
    assert 2.0 <= policy.wait(SimpleNamespace(attempt_number=1, outcome=failed)) <= 2.0
    plain = SimpleNamespace(exception=lambda: Transient("reset"))
    assert policy.wait(SimpleNamespace(attempt_number=3, outcome=plain)) == 0.0


@pytest.mark.parametrize("kwargs", [{"attempts": 0}, {"base_delay": -1.0}, {"max_delay": float("nan")}])
def test_bad_policies(kwargs: dict) -> None:
    with pytest.raises(InvalidRetryPolicy):
        RetryPolicy(**kwargs)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("0.2", 0.2), ("-5", 0.0), ("nan", None), ("inf", None), ("", None), ("later", None)],
)
def test_parse_retry_after(header: str, seconds: float | None) -> None:
    assert parse_retry_after(header) == seconds
