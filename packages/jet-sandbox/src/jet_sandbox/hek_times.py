"""Times as the HEK writes and reads them: UTC datetimes from anything, ``YYYY-MM-DDTHH:MM:SS`` text."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

__all__ = ["to_utc", "format_time", "event_times"]


def to_utc(value: Any) -> datetime:
    """A UTC-aware datetime from a datetime, an ISO string or an astropy ``Time``.

    Naive datetimes and strings without a zone are taken as UTC. Accepts HEK's
    ``YYYY-MM-DDTHH:MM:SS`` and also ``YYYY/MM/DD HH:MM:SS`` and a trailing ``Z``.

    Raises
    ------
    ValueError
        If the value is not a time.

    Examples
    --------
    >>> to_utc("2010-06-01T00:00:00")
    datetime.datetime(2010, 6, 1, 0, 0, tzinfo=datetime.timezone.utc)
    >>> to_utc("2010/06/01 12:30:00Z").hour
    12
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        text = value.strip().replace("/", "-")
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        moment = datetime.fromisoformat(text)
    elif hasattr(value, "to_datetime") and type(value).__module__.startswith("astropy"):
        moment = value.utc.to_datetime(timezone=UTC)
    else:
        raise ValueError(f"not a time: {value!r}")
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def format_time(moment: datetime) -> str:
    """HEK's time format, ``YYYY-MM-DDTHH:MM:SS`` (UTC).

    Examples
    --------
    >>> format_time(to_utc("2010-06-01 01:02:03.9"))
    '2010-06-01T01:02:03'
    """
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


@lru_cache(maxsize=4096)
def _parse_event_time(text: str) -> datetime | None:
    try:
        return to_utc(text)
    except ValueError:
        return None


def event_times(event: Mapping[str, Any]) -> tuple[datetime, datetime] | None:
    """An event's (start, end), end defaulting to start; None if the start is unusable.

    Examples
    --------
    >>> event_times({"event_starttime": "2010-06-04T09:21:47", "event_endtime": ""})[1].minute
    21
    """
    start = event.get("event_starttime")
    begin = _parse_event_time(start) if isinstance(start, str) else None
    if begin is None:
        return None
    end = event.get("event_endtime")
    finish = _parse_event_time(end) if isinstance(end, str) and end else None
    return begin, max(begin, finish) if finish is not None else begin
