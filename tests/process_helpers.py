"""Helpers of the tests that run several processes: start a Python script, poll with a deadline."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def spawn(script: str, *args: object) -> subprocess.Popen[str]:
    """Run ``python -c script args...`` with text pipes on stdin, stdout and stderr."""
    return subprocess.Popen(
        [sys.executable, "-c", script, *map(str, args)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(predicate: Callable[[], T], timeout: float = 60.0, what: str = "condition") -> T:
    """Poll ``predicate`` until it returns something true, and return that; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)
    return value


def start_together(procs: list[subprocess.Popen[str]]) -> None:
    """Wait until every script printed ``ready``, then tell them all to go (one stdin line)."""
    for proc in procs:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read() if proc.stderr else ""
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
