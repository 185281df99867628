"""The recorded HEK answer shipped with the package (June 2010, 16 coronal-jet reports).

``data/her_cj_2010-06.json`` is a real answer of ``/hek/her`` to a CJ search over
2010-06-01..2010-07-01, kept byte for byte (provenance in ``data/README.md``). It mixes
channels 171, 193, 211 and 304 because the query that recorded it sent
``obs_channelid=304`` as a bare parameter, which HEK ignores.

Examples
--------
>>> from jet_sandbox.hek_data import recorded_events, RECORDED_SPAN
>>> events = recorded_events()
>>> len(events), len(events[0])
(16, 138)
>>> sorted({e["obs_channelid"] for e in events})
['171', '193', '211', '304']
>>> RECORDED_SPAN[0].isoformat()
'2010-06-01T00:00:00+00:00'
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from typing import Any

__all__ = [
    "RECORDED_FILE",
    "RECORDED_SPAN",
    "recorded_bytes",
    "recorded_answer",
    "recorded_events",
    "template_event",
]

RECORDED_FILE = "her_cj_2010-06.json"
"""File name of the recorded answer inside ``jet_sandbox/data``."""

RECORDED_SPAN: tuple[datetime, datetime] = (
    datetime(2010, 6, 1, tzinfo=UTC),
    datetime(2010, 7, 1, tzinfo=UTC),
)
"""The window the recorded answer covers; synthetic events stay out of it."""


def recorded_bytes() -> bytes:
    """The recorded answer file, exactly as stored.

    Examples
    --------
    >>> recorded_bytes()[:11]
    b'{\\n "result"'
    """
    return resources.files("jet_sandbox").joinpath("data", RECORDED_FILE).read_bytes()


@lru_cache(maxsize=1)
def _answer() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(recorded_bytes().decode("utf-8"))
    return doc


def recorded_answer() -> dict[str, Any]:
    """The recorded answer as a dict (a fresh copy)."""
    return copy.deepcopy(_answer())


def recorded_events() -> list[dict[str, Any]]:
    """The 16 recorded events, in the recorded order (fresh copies)."""
    return copy.deepcopy(_answer()["result"])


def template_event() -> dict[str, Any]:
    """The first recorded event: the key order and constant fields of a CJ report (shared, do not modify)."""
    return _answer()["result"][0]  # type: ignore[no-any-return]
