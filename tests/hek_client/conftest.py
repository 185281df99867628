"""Fixtures of the hek-client tests: the recorded HEK answer, fast retry policies, answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from hek_client import RetryPolicy


@pytest.fixture(scope="session")
def her_cj_bytes(data_dir: Path) -> bytes:
    """The real HEK answer of June 2010 (16 CJ reports), byte for byte."""
    return (data_dir / "her_cj_2010-06.json").read_bytes()


@pytest.fixture(scope="session")
def her_cj_rows(her_cj_bytes: bytes) -> list[dict[str, Any]]:
    """The rows of the real answer, decoded."""
    rows: list[dict[str, Any]] = json.loads(her_cj_bytes)["result"]
    return rows


@pytest.fixture
def fast_retry() -> RetryPolicy:
    """Retries that wait at most a few milliseconds (Retry-After cut to 20 ms)."""
    return RetryPolicy(attempts=5, base_delay=0.001, max_delay=0.005, max_retry_after=0.02)


def _row(
    n: int, *, start: str = "2010-06-01T10:00:00", end: str = "2010-06-01T10:20:00", **extra: Any
) -> dict[str, Any]:
    """A minimal valid HEK row."""
    doc = {
        "kb_archivid": f"ivo://helio-informatics.org/CJ_{n:05d}",
        "event_type": "CJ",
        "event_starttime": start,
        "event_endtime": end,
        "hpc_x": 100 + n,
        "hpc_y": -200,
        "obs_channelid": "304",
    }
    doc.update(extra)
    return doc


def _answer(rows: list[dict[str, Any]], overmax: bool | None = False) -> httpx.Response:
    """A HEK JSON answer."""
    doc: dict[str, Any] = {"result": rows, "association": []}
    if overmax is not None:
        doc["overmax"] = overmax
    return httpx.Response(200, json=doc)


@pytest.fixture(scope="session")
def make_row() -> Callable[..., dict[str, Any]]:
    """``make_row(n, start=..., end=..., **fields)``: a minimal valid HEK row."""
    return _row


@pytest.fixture(scope="session")
def make_answer() -> Callable[..., httpx.Response]:
    """``make_answer(rows, overmax=False)``: a HEK JSON answer (no ``overmax`` key with None)."""
    return _answer
