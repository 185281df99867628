"""Fixtures of the sdo-cutout tests: the real June-2010 jet reports as events, fast retries."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from jet_store import HekEvent
from sdo_cutout import RetryPolicy


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def _event(row: dict[str, Any]) -> HekEvent:
    """A HEK row as an event: enough of it for cutouts (no dependency on hek_client)."""
    x1, x2 = _float(row["boundbox_c1ll"]), _float(row["boundbox_c1ur"])
    y1, y2 = _float(row["boundbox_c2ll"]), _float(row["boundbox_c2ur"])
    assert None not in (x1, x2, y1, y2)
    return HekEvent(
        kb_archivid=row["kb_archivid"],
        event_type=row["event_type"],
        start_time=_time(row["event_starttime"]),
        end_time=_time(row["event_endtime"]),
        sol_standard=row.get("SOL_standard") or None,
        hpc_x=_float(row["hpc_x"]),
        hpc_y=_float(row["hpc_y"]),
        bbox_x1=min(x1, x2),  # type: ignore[type-var]
        bbox_x2=max(x1, x2),  # type: ignore[type-var]
        bbox_y1=min(y1, y2),  # type: ignore[type-var]
        bbox_y2=max(y1, y2),  # type: ignore[type-var]
        channel=str(row["obs_channelid"]),
    )


@pytest.fixture(scope="session")
def june_events(data_dir: Path) -> list[HekEvent]:
    """The 16 real CJ reports of June 2010 (8 distinct jets, some reported in 3 channels)."""
    rows = json.loads((data_dir / "her_cj_2010-06.json").read_bytes())["result"]
    return [_event(row) for row in rows]


@pytest.fixture
def fast_retry() -> RetryPolicy:
    """Retries that wait at most a few milliseconds (Retry-After cut to 20 ms)."""
    return RetryPolicy(attempts=4, base_delay=0.001, max_delay=0.005, max_retry_after=0.02)
