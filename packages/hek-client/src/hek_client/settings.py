"""A HEK client's default settings, as plain values: where HEK is, window length, windows at once.

They live apart from :mod:`hek_client.base` (which imports httpx and tenacity) and
:mod:`hek_client.store` (the database) so that the command line's parser and the
configuration read them without importing either.

Examples
--------
>>> from hek_client.settings import DEFAULT_WINDOW, HEK_URL
>>> HEK_URL, DEFAULT_WINDOW.days
('https://www.lmsal.com/hek/her', 90)
"""

from __future__ import annotations

from datetime import timedelta

__all__ = ["HEK_URL", "DEFAULT_WINDOW", "DEFAULT_CONCURRENCY", "MAX_WINDOWS", "DEFAULT_REPORTING_LAG"]

HEK_URL = "https://www.lmsal.com/hek/her"
"""The HEK search endpoint (GET only)."""

DEFAULT_WINDOW = timedelta(days=90)
"""Default length of one time window: sparse event types (coronal jets, about 25 reports a
month) fit one page per window, so windows are fetched in parallel; dense ones (flares)
page within each window."""

DEFAULT_CONCURRENCY = 8
"""Windows in flight by default: what the benchmark measures as the headline, and few enough
connections that a shared public service is not hammered."""

MAX_WINDOWS = 10_000
"""Default cap on the windows one search is split into (27 years of one-day windows)."""

DEFAULT_REPORTING_LAG = timedelta(days=30)
"""How long after its end a window is searched again: HEK reports arrive days to months late."""
