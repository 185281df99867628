"""The outcome of a search: :class:`HekResult` (events, skip reasons, counts) and its table.

Examples
--------
>>> from datetime import datetime, timezone
>>> from jet_store import HekEvent
>>> from hek_client.result import HekResult
>>> t0 = datetime(2010, 6, 20, 11, 14, 44, tzinfo=timezone.utc)
>>> ev = HekEvent(kb_archivid="ivo://x/1", event_type="CJ", start_time=t0, end_time=t0,
...               hpc_x=813.0, hpc_y=-682.0, channel="304")
>>> table = HekResult(events=[ev], pages=1, windows=1, rows=1).to_table()
>>> table["hpc_x"].unit, float(table["hpc_x"][0]), str(table["channel"][0])
(Unit("arcsec"), 813.0, '304')
>>> table["start_time"][0].isot
'2010-06-20T11:14:44.000'
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from jet_store import HekEvent

if TYPE_CHECKING:  # pragma: no cover - typing only
    from astropy.table import Table

__all__ = ["HekResult", "events_table", "TABLE_COLUMNS"]

#: float columns of the table and their units
_FLOAT_UNITS: dict[str, str] = {
    "hpc_x": "arcsec",
    "hpc_y": "arcsec",
    "bbox_x1": "arcsec",
    "bbox_y1": "arcsec",
    "bbox_x2": "arcsec",
    "bbox_y2": "arcsec",
    "hgc_x": "deg",
    "hgc_y": "deg",
    "hgs_x": "deg",
    "hgs_y": "deg",
}
_TEXT = ("kb_archivid", "event_type", "sol_standard", "channel", "instrument", "frm_name")
_TIMES = ("start_time", "end_time", "peak_time")

TABLE_COLUMNS: tuple[str, ...] = (
    "kb_archivid",
    "sol_standard",
    "event_type",
    "start_time",
    "end_time",
    "peak_time",
    "channel",
    *_FLOAT_UNITS,
    "instrument",
    "frm_name",
)
"""The columns of :func:`events_table`, in order."""


def events_table(events: Iterable[HekEvent]) -> Table:
    """Events as an astropy ``Table``: times as ``Time``, positions in arcsec, degrees.

    Missing values are masked. The raw records stay on the events (``Table.meta`` has
    none of them).

    Examples
    --------
    >>> len(events_table([]))
    0
    """
    import astropy.units as u
    import numpy as np
    from astropy.table import MaskedColumn, Table
    from astropy.time import Time

    rows = list(events)
    table = Table()
    for name in TABLE_COLUMNS:
        values = [getattr(ev, name) for ev in rows]
        mask = [v is None for v in values]
        if name in _TIMES:
            filled = [v if v is not None else rows[0].start_time for v in values] if rows else []
            column = Time(filled, scale="utc") if filled else Time([], format="isot", scale="utc")
            if any(mask):
                column[np.array(mask)] = np.ma.masked
            table[name] = column
        elif name in _FLOAT_UNITS:
            data = np.array([np.nan if v is None else v for v in values], dtype=float)
            table[name] = MaskedColumn(data, mask=mask, unit=u.Unit(_FLOAT_UNITS[name]))
        else:
            table[name] = MaskedColumn(["" if v is None else v for v in values], mask=mask, dtype=str)
    return table


@dataclass
class HekResult:
    """Events found by a search, deduplicated on ``kb_archivid``, and how it went.

    Attributes
    ----------
    events : list of HekEvent
        Distinct events, by start time then ``kb_archivid``.
    skipped : list of str
        Why each malformed row was left out.
    pages : int
        Pages read (requests that answered).
    windows : int
        Time windows searched.
    rows : int
        Rows received over every page, before deduplication.
    """

    events: list[HekEvent] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    pages: int = 0
    windows: int = 0
    rows: int = 0

    def __len__(self) -> int:
        return len(self.events)

    def __iter__(self) -> Iterator[HekEvent]:
        return iter(self.events)

    @property
    def duplicates(self) -> int:
        """Rows that repeated an event already seen (pages or windows overlap)."""
        return self.rows - len(self.skipped) - len(self.events)

    @property
    def kb_archivids(self) -> set[str]:
        """The set of event identifiers."""
        return {ev.kb_archivid for ev in self.events}

    def to_table(self) -> Table:
        """The events as an astropy ``Table`` (see :func:`events_table`)."""
        return events_table(self.events)

    @classmethod
    def merge(cls, parts: Sequence[HekResult]) -> HekResult:
        """One result from several (windows): events deduplicated on ``kb_archivid``.

        Examples
        --------
        >>> a, b = HekResult(pages=1, windows=1, rows=2), HekResult(pages=2, windows=1, rows=3)
        >>> merged = HekResult.merge([a, b])
        >>> merged.pages, merged.windows, merged.rows
        (3, 2, 5)
        """
        seen: dict[str, HekEvent] = {}
        skipped: list[str] = []
        for part in parts:
            for ev in part.events:
                seen.setdefault(ev.kb_archivid, ev)
            skipped.extend(part.skipped)
        events = sorted(seen.values(), key=lambda ev: (ev.start_time, ev.kb_archivid))
        return cls(
            events=events,
            skipped=skipped,
            pages=sum(p.pages for p in parts),
            windows=sum(p.windows for p in parts),
            rows=sum(p.rows for p in parts),
        )
