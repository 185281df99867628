"""The helpers every client package shares: transient statuses, user agent, timeouts, bars."""

from __future__ import annotations

import io
import sys

import pytest
from jet_store import DEFAULT_TIMEOUTS, Timeouts, is_transient_status, progress_bar, user_agent


@pytest.mark.parametrize("code", [408, 429, 500, 502, 503, 504, 599])
def test_transient_statuses(code: int) -> None:
    assert is_transient_status(code)


@pytest.mark.parametrize("code", [200, 204, 206, 301, 304, 400, 401, 403, 404, 410, 416, 600])
def test_permanent_or_successful_statuses(code: int) -> None:
    assert not is_transient_status(code)


def test_user_agent_names_the_distribution_and_its_version() -> None:
    from importlib.metadata import version

    assert user_agent("sqlalchemy") == f"sqlalchemy/{version('sqlalchemy')} (jet-hunter)"


def test_default_timeouts_build_an_httpx_timeout() -> None:
    httpx = pytest.importorskip("httpx")
    timeout = httpx.Timeout(**DEFAULT_TIMEOUTS.as_kwargs())
    assert (timeout.connect, timeout.read, timeout.write, timeout.pool) == (10.0, 60.0, 60.0, None)
    assert httpx.Timeout(**Timeouts(read=None).as_kwargs()).read is None


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_draws_only_when_enabled_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    tty = _Tty()
    monkeypatch.setattr(sys, "stderr", tty)
    with progress_bar(2, enabled=False, desc="quiet", unit="job") as bar:
        bar.update(2)
    assert tty.getvalue() == ""
    with progress_bar(2, enabled=True, desc="shown", unit="job") as bar:
        bar.update(2)
    assert "shown" in tty.getvalue()
    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stderr", pipe)
    with progress_bar(2, enabled=True, desc="piped", unit="job") as bar:
        bar.update(2)
    assert pipe.getvalue() == ""
