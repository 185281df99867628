"""The shared records: the contract between jet-hunter packages.

Every record is a frozen, keyword-only dataclass of plain values: floats in the units
named by the field (``_x``/``_y`` positions in arcsec, ``exptime`` in s, ``wavelength``
in Angstrom), timezone-aware UTC :class:`~datetime.datetime`, strings, ints, tuples and
JSON-compatible dicts. Each has a *natural key* (``key_fields``) by which the
:class:`~jet_store.Store` makes adding idempotent. Astropy conveniences (``.time``,
``.coord``, ``.wcs``) import astropy and sunpy only when used, so reading records needs
neither.

Examples
--------
>>> from datetime import datetime, timezone
>>> from jet_store import HekEvent
>>> ev = HekEvent(
...     kb_archivid="ivo://helio-informatics.org/CJ1", event_type="CJ",
...     start_time=datetime(2010, 6, 20, 11, 14, 44, tzinfo=timezone.utc),
...     end_time=datetime(2010, 6, 20, 11, 30, tzinfo=timezone.utc),
...     hpc_x=-512.4, hpc_y=310.2, channel="304")
>>> ev.key
'ivo://helio-informatics.org/CJ1'
>>> ev.duration_s
916.0

The record kinds live in :mod:`jet_store.kinds`, one module per domain (HEK, the
preparation half, Zooniverse, the catalogue); this module gathers them, so
``from jet_store.records import FitsFrame`` and ``from jet_store import FitsFrame`` both
work.
"""

from __future__ import annotations

from jet_store.kinds.base import Record
from jet_store.kinds.catalogue import AggregationRun, Jet, JetCluster
from jet_store.kinds.hek import HekEvent, HekSearch
from jet_store.kinds.preparation import CutoutJob, FitsFrame, FrameState, JobState, Rendering
from jet_store.kinds.zooniverse import (
    Annotation,
    Classification,
    ImportReport,
    Subject,
    SubjectState,
    Workflow,
)

__all__ = [
    "Record",
    "HekEvent",
    "HekSearch",
    "CutoutJob",
    "JobState",
    "FitsFrame",
    "FrameState",
    "Rendering",
    "Subject",
    "SubjectState",
    "Workflow",
    "Classification",
    "Annotation",
    "ImportReport",
    "JetCluster",
    "Jet",
    "AggregationRun",
    "RECORD_TYPES",
    "record_type",
]

RECORD_TYPES: dict[str, type[Record]] = {
    cls.kind: cls
    for cls in (
        HekEvent,
        HekSearch,
        CutoutJob,
        FitsFrame,
        Rendering,
        Subject,
        Workflow,
        Classification,
        Annotation,
        JetCluster,
        Jet,
        ImportReport,
        AggregationRun,
    )
}
"""Every record type by its kind name (``events``, ``cutouts``, ``frames``, ...)."""


def record_type(kind: str | type[Record]) -> type[Record]:
    """Return the record class for a kind name (or the class itself).

    Examples
    --------
    >>> record_type("events").__name__
    'HekEvent'
    """
    if isinstance(kind, type) and issubclass(kind, Record):
        return kind
    try:
        return RECORD_TYPES[str(kind)]
    except KeyError:
        from jet_store.errors import UnknownKind

        raise UnknownKind(
            f"unknown record kind {kind!r}; known kinds: {', '.join(sorted(RECORD_TYPES))}"
        ) from None
