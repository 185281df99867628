"""The Earth-centre observer's AIA header keys (distance, B0, Carrington longitude) for a date."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from jet_sandbox.aia_values import TimeLike, as_utc

__all__ = ["Observer", "RSUN_REF", "observer_at", "observers_at"]

RSUN_REF = 696_000_000.0
"""Solar radius used by AIA headers (``RSUN_REF``), in m."""


_RSUN_IAU = 695_700_000.0  # m, nominal radius (sunpy's light-travel-time to the nearest point)


_LIGHT = 299_792_458.0  # m/s


_POLE_RA, _POLE_DEC = math.radians(286.13), math.radians(63.87)  # IAU solar rotation axis


_W0, _ROTATION = 84.176, 14.1844  # deg, deg/day: IAU prime meridian (Carrington)


@dataclasses.dataclass(frozen=True, slots=True)
class Observer:
    """Where the (Earth-centre) observer is, as AIA headers record it.

    ``dsun_obs`` in m; ``hgln_obs``, ``hglt_obs`` (Stonyhurst; ``hglt_obs`` is B0),
    ``crln_obs``, ``crlt_obs`` (Carrington) in degrees; ``rsun_obs`` the angular radius
    of a sphere of :data:`RSUN_REF` in arcsec.
    """

    dsun_obs: float
    hgln_obs: float
    hglt_obs: float
    crln_obs: float
    crlt_obs: float
    rsun_obs: float


def observers_at(times: Sequence[datetime]) -> list[Observer]:
    """Vectorised :func:`observer_at` (astropy's built-in ephemeris, IAU solar pole)."""
    import astropy.units as u
    from astropy.coordinates import get_body_barycentric
    from astropy.time import Time

    if not times:
        return []
    stamps = Time([t.astimezone(UTC).replace(tzinfo=None) for t in times], scale="utc")
    earth = get_body_barycentric("earth", stamps).xyz.to_value(u.m)
    sun = get_body_barycentric("sun", stamps).xyz.to_value(u.m)
    vec = np.asarray(earth - sun, dtype=float).reshape(3, -1)
    dist = np.sqrt((vec**2).sum(axis=0))
    unit = vec / dist
    pole = np.array(
        [
            math.cos(_POLE_DEC) * math.cos(_POLE_RA),
            math.cos(_POLE_DEC) * math.sin(_POLE_RA),
            math.sin(_POLE_DEC),
        ]
    )
    node = np.array([-math.sin(_POLE_RA), math.cos(_POLE_RA), 0.0])  # ascending node of the solar equator
    east = np.cross(pole, node)

    def dot(axis: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        # element by element (not BLAS), so a time gives the same bits alone or in a batch
        return axis[0] * unit[0] + axis[1] * unit[1] + axis[2] * unit[2]  # type: ignore[no-any-return]

    b0 = np.degrees(np.arcsin(np.clip(dot(pole), -1.0, 1.0)))
    lon = np.degrees(np.arctan2(dot(east), dot(node)))
    tt = stamps.tt
    days = (tt.jd1 - 2451545.0) + tt.jd2 - (dist - _RSUN_IAU) / _LIGHT / 86400.0  # light travel time
    crln = np.mod(lon - (_W0 + _ROTATION * np.atleast_1d(days)), 360.0)
    rsun = np.degrees(np.arcsin(RSUN_REF / dist)) * 3600.0
    return [  # rounded far below any use, to keep header bytes stable
        Observer(
            round(float(d), 3),
            0.0,
            round(float(b), 10),
            round(float(c), 10),
            round(float(b), 10),
            round(float(r), 8),
        )
        for d, b, c, r in zip(dist, b0, crln, rsun, strict=True)
    ]


def observer_at(time: TimeLike) -> Observer:
    """The Earth observer's header keys at ``time`` (astropy only, no sunpy).

    The Sun-Earth vector comes from astropy's built-in ephemeris; B0 and the
    Carrington longitude from the IAU rotation elements that sunpy also uses (with the
    light travel time from the Sun), so they agree with ``sunpy.coordinates.sun`` to
    well under 0.001 degree.

    Examples
    --------
    >>> from jet_sandbox.aia import observer_at
    >>> obs = observer_at("2012-07-08T13:05:44")
    >>> round(obs.dsun_obs / 1.495978707e11, 4), round(obs.hglt_obs, 2), round(obs.rsun_obs, 1)
    (1.0167, 3.71, 943.9)
    """
    return observers_at([as_utc(time)])[0]
