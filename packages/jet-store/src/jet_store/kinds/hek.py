"""Records of the HEK: the event reports, and the searches that fetched them.

Examples
--------
>>> from datetime import datetime, timezone
>>> from jet_store.kinds.hek import HekEvent
>>> t0 = datetime(2010, 6, 20, 11, 14, 44, tzinfo=timezone.utc)
>>> HekEvent(kb_archivid="ivo://x/1", event_type="CJ", start_time=t0, end_time=t0).duration_s
0.0
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from jet_store.kinds.base import JsonDict, Record, astropy_time, hpc_coord

if TYPE_CHECKING:  # pragma: no cover - typing only
    from astropy.coordinates import SkyCoord
    from astropy.time import Time

__all__ = ["HekEvent", "HekSearch"]


@dataclass(frozen=True, slots=True, kw_only=True)
class HekEvent(Record):
    """One HEK event report (one per channel: ``sol_standard`` is not unique).

    Positions are helioprojective arcsec, ``hgc_*``/``hgs_*`` heliographic
    Carrington/Stonyhurst degrees. The bounding box is normalised so that
    ``bbox_x1 <= bbox_x2`` and ``bbox_y1 <= bbox_y2``. ``raw`` keeps the record as
    HEK sent it.
    """

    kind: ClassVar[str] = "events"
    key_fields: ClassVar[tuple[str, ...]] = ("kb_archivid",)
    index_fields: ClassVar[tuple[str, ...]] = ("sol_standard", "start_time", "event_type")

    kb_archivid: str
    event_type: str
    start_time: datetime
    end_time: datetime
    sol_standard: str | None = None
    peak_time: datetime | None = None
    hpc_x: float | None = None
    hpc_y: float | None = None
    bbox_x1: float | None = None
    bbox_y1: float | None = None
    bbox_x2: float | None = None
    bbox_y2: float | None = None
    hgc_x: float | None = None
    hgc_y: float | None = None
    hgs_x: float | None = None
    hgs_y: float | None = None
    channel: str | None = None
    instrument: str | None = None
    frm_name: str | None = None
    description: str | None = None
    raw: JsonDict = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        """Duration in seconds (end - start)."""
        return (self.end_time - self.start_time).total_seconds()

    @property
    def time(self) -> Time:
        """Start time as an astropy ``Time``."""
        return astropy_time(self.start_time)

    @property
    def coord(self) -> SkyCoord:
        """The event's position as a helioprojective ``SkyCoord`` (Earth observer)."""
        return hpc_coord(self.hpc_x, self.hpc_y, self.start_time)


@dataclass(frozen=True, slots=True, kw_only=True)
class HekSearch(Record):
    """One HEK search over one time window, so a re-run can skip what is covered.

    ``fingerprint`` identifies the query apart from its time range (event types, box,
    filters, returned fields); ``key`` combines the fingerprint, the window and the
    service (``base_url``), so searches of a replica never count as coverage of HEK. ``found`` is
    the number of events HEK returned, ``new`` those not stored before, ``skipped``
    the malformed ones left out; ``complete`` is true once every page was read.
    """

    kind: ClassVar[str] = "searches"
    key_fields: ClassVar[tuple[str, ...]] = ("key",)
    index_fields: ClassVar[tuple[str, ...]] = ("fingerprint", "start_time")

    key: str
    fingerprint: str
    start_time: datetime
    end_time: datetime
    base_url: str
    params: JsonDict = field(default_factory=dict)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    pages: int = 0
    found: int = 0
    new: int = 0
    skipped: int = 0
    complete: bool = False
