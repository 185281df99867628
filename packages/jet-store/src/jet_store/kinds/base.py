"""The base of every record kind: :class:`Record`, and the astropy helpers records share.

Examples
--------
>>> from jet_store.kinds.base import Record
>>> from jet_store import Workflow
>>> issubclass(Workflow, Record), Workflow.key_fields
(True, ('workflow_id', 'version'))
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:  # pragma: no cover - typing only
    from astropy.coordinates import SkyCoord
    from astropy.time import Time

__all__ = ["Record", "JsonDict", "astropy_time", "hpc_coord"]

JsonDict = dict[str, Any]


def astropy_time(value: datetime) -> Time:
    from astropy.time import Time

    return Time(value, scale="utc")


def hpc_coord(
    x: float | None, y: float | None, obstime: datetime | None, observer: Any = "earth"
) -> SkyCoord:
    """A helioprojective SkyCoord (needs sunpy, imported only here)."""
    if x is None or y is None:
        raise ValueError("this record has no helioprojective position")
    import astropy.units as u
    from astropy.coordinates import SkyCoord

    try:
        from sunpy.coordinates import frames
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("helioprojective coordinates need sunpy: pip install 'jet-store[astro]'") from err
    return SkyCoord(
        x * u.arcsec,
        y * u.arcsec,
        frame=frames.Helioprojective,
        obstime=obstime,
        observer=observer,
    )


class Record:
    """Mixin of every record: its kind, natural key and stage-state field.

    Subclasses set the class variables ``kind`` (the plural name used by the store
    and the CLI), ``key_fields`` (the natural key), ``index_fields`` (columns worth an
    index), ``compound_indexes`` (column tuples worth one index each) and
    ``state_field`` (the field holding a stage state, if any).

    A kind with a stage state indexes ``(state, *key_fields)`` rather than the state
    alone: :meth:`Store.claim <jet_store.Store.claim>` asks for the first pending items
    in key order, and that index answers it without sorting every pending row.
    """

    __slots__ = ()
    kind: ClassVar[str]
    key_fields: ClassVar[tuple[str, ...]]
    index_fields: ClassVar[tuple[str, ...]] = ()
    compound_indexes: ClassVar[tuple[tuple[str, ...], ...]] = ()
    state_field: ClassVar[str | None] = None

    @property
    def key(self) -> Any:
        """The natural key: one value, or a tuple when the key has several fields."""
        if len(self.key_fields) == 1:
            return getattr(self, self.key_fields[0])
        return tuple(getattr(self, name) for name in self.key_fields)
