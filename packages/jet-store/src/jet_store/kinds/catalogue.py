"""Records of the aggregation: clusters of marks, the jets of the catalogue, the run's parameters.

Examples
--------
>>> from datetime import datetime, timezone
>>> from jet_store.kinds.catalogue import Jet
>>> t0 = datetime(2010, 6, 20, 11, 14, tzinfo=timezone.utc)
>>> t1 = datetime(2010, 6, 20, 11, 20, tzinfo=timezone.utc)
>>> Jet(jet_id="j1", start_time=t0, end_time=t1, base_x=-500.0, base_y=300.0).duration_min
6.0
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from jet_store.kinds.base import JsonDict, Record, astropy_time, hpc_coord

if TYPE_CHECKING:  # pragma: no cover - typing only
    from astropy.coordinates import SkyCoord
    from astropy.time import Time

__all__ = ["JetCluster", "Jet", "AggregationRun"]


@dataclass(frozen=True, slots=True, kw_only=True)
class JetCluster(Record):
    """A cluster of volunteers' marks in one subject (a box, a start or an end point).

    Geometry in image pixels of the subject (as :class:`Annotation`); ``sigma`` is the
    cluster's spread (IoU-based for boxes, pixels for points).
    """

    kind: ClassVar[str] = "clusters"
    key_fields: ClassVar[tuple[str, ...]] = ("key",)
    index_fields: ClassVar[tuple[str, ...]] = ("subject_id", "jet_id")

    key: str
    subject_id: int
    task: str
    shape: str
    x: float
    y: float
    width: float | None = None
    height: float | None = None
    angle: float | None = None
    frame: int | None = None
    sigma: float | None = None
    n_marks: int = 0
    n_users: int = 0
    members: tuple[Any, ...] = ()
    jet_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Jet(Record):
    """A jet measured on the Sun: one row of the catalogue.

    Base point in helioprojective arcsec (``base_x``/``base_y`` mean, ``std_x``/``std_y``
    spread) and heliographic Stonyhurst degrees (``base_lon``/``base_lat``); heights
    and widths in arcsec with their +-sigma bounds; ``direction`` in degrees
    (counter-clockwise from solar west); ``velocity`` in km/s; ``flags`` the
    catalogue's bit field. ``start_time``/``end_time``/``peak_time`` are frame times
    (``start_error``/``end_error`` their spread, s); ``subject_start``/``subject_end``
    the first subject's start and the last subject's end; ``params_hash`` names the
    :class:`AggregationRun` parameters that made it.
    """

    kind: ClassVar[str] = "jets"
    key_fields: ClassVar[tuple[str, ...]] = ("jet_id",)
    index_fields: ClassVar[tuple[str, ...]] = ("event_id", "sol_standard", "start_time")

    jet_id: str
    start_time: datetime
    end_time: datetime
    base_x: float
    base_y: float
    event_id: str | None = None
    sol_standard: str | None = None
    subject_ids: tuple[int, ...] = ()
    std_x: float | None = None
    std_y: float | None = None
    base_lon: float | None = None
    base_lat: float | None = None
    direction: float | None = None
    max_height: float | None = None
    upper_height: float | None = None
    lower_height: float | None = None
    avg_width: float | None = None
    std_width: float | None = None
    velocity: float | None = None
    sigma: float | None = None
    flags: int = 0
    cluster_keys: tuple[str, ...] = ()
    peak_time: datetime | None = None
    subject_start: datetime | None = None
    subject_end: datetime | None = None
    start_error: float | None = None
    end_error: float | None = None
    direction_std: float | None = None
    velocity_error: float | None = None
    n_subjects: int | None = None
    n_volunteers: int | None = None
    params_hash: str | None = None

    @property
    def duration_min(self) -> float:
        """Duration in minutes."""
        return (self.end_time - self.start_time).total_seconds() / 60.0

    @property
    def time(self) -> Time:
        """Start time as an astropy ``Time``."""
        return astropy_time(self.start_time)

    @property
    def coord(self) -> SkyCoord:
        """The base point as a helioprojective ``SkyCoord`` (Earth observer)."""
        return hpc_coord(self.base_x, self.base_y, self.start_time)


@dataclass(frozen=True, slots=True, kw_only=True)
class AggregationRun(Record):
    """The parameters of an aggregation run, recorded beside its results.

    ``params_hash`` is the hash of ``params`` (the full parameter set); ``scope`` says
    what was aggregated (``"all"`` or ``"workflow:<id>"``).
    """

    kind: ClassVar[str] = "aggregation_runs"
    key_fields: ClassVar[tuple[str, ...]] = ("params_hash", "scope")

    params_hash: str
    scope: str
    params: JsonDict = field(default_factory=dict)
    n_subjects: int = 0
    n_jets: int = 0
