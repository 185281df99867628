"""The Sun seen from Earth for synthetic HEK reports: radius, B0, L0, and where a jet's base projects."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime

from jet_sandbox.draws import uniform

__all__ = ["sun_geometry", "DAY_SECONDS", "visible_position"]

_J2000 = datetime(2000, 1, 1, 12, tzinfo=UTC)


DAY_SECONDS = 86400


def sun_geometry(moment: datetime) -> tuple[float, float, float]:
    """Apparent solar radius (arcsec), B0 and L0 (degrees) seen from Earth, approximately.

    Low-precision almanac formulas (good to a fraction of a degree), enough to place
    synthetic events consistently in helioprojective, Stonyhurst and Carrington
    coordinates.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> radius, b0, l0 = sun_geometry(datetime(2010, 9, 8, tzinfo=UTC))
    >>> round(radius), round(b0, 1)
    (952, 7.2)
    """
    days = (moment - _J2000).total_seconds() / DAY_SECONDS
    anomaly = math.radians(357.529 + 0.98560028 * days)
    mean_lon = 280.459 + 0.98564736 * days
    ecliptic_lon = math.radians(mean_lon + 1.915 * math.sin(anomaly) + 0.020 * math.sin(2 * anomaly))
    distance = 1.00014 - 0.01671 * math.cos(anomaly) - 0.00014 * math.cos(2 * anomaly)
    julian = days + 2451545.0
    node = math.radians(73.6667 + 1.3958333 * (julian - 2396758.0) / 36525.0)
    b0 = math.degrees(math.asin(math.sin(ecliptic_lon - node) * math.sin(math.radians(7.25))))
    l0 = (360.0 - ((julian - 2398167.4) / 27.2753 % 1.0) * 360.0) % 360.0
    return 959.63 / distance, b0, l0


def _project(lon: float, lat: float, height: float, b0: float) -> tuple[float, float, float]:
    """Stonyhurst (deg, R_sun above the surface) -> observer frame in R_sun (x west, y north, z to us)."""
    lon_r, lat_r, b0_r = math.radians(lon), math.radians(lat), math.radians(b0)
    r = 1.0 + height
    x = r * math.cos(lat_r) * math.sin(lon_r)
    y = r * (math.sin(lat_r) * math.cos(b0_r) - math.cos(lat_r) * math.cos(lon_r) * math.sin(b0_r))
    z = r * (math.sin(lat_r) * math.sin(b0_r) + math.cos(lat_r) * math.cos(lon_r) * math.cos(b0_r))
    return x, y, z


def visible_position(rng: random.Random, b0: float) -> tuple[float, float, float, float, float]:
    """(lon, lat, height, x, y) of a visible jet; x, y in R_sun."""
    for _ in range(50):
        polar = rng.random() < 0.4
        sign = 1.0 if rng.random() < 0.5 else -1.0
        lat = sign * (uniform(rng, 60.0, 85.0) if polar else uniform(rng, 5.0, 40.0))
        lon = uniform(rng, -100.0, 100.0)
        height = uniform(rng, 0.0, 0.12) if rng.random() < 0.92 else uniform(rng, 0.15, 0.35)
        x, y, z = _project(lon, lat, height, b0)
        if z >= 0 or math.hypot(x, y) >= 1.0:
            return lon, lat, height, x, y
    lon = 90.0 if rng.random() < 0.5 else -90.0  # pragma: no cover - 50 hidden draws in a row
    x, y, _ = _project(lon, 0.0, 0.05, b0)
    return lon, 0.0, 0.05, x, y
