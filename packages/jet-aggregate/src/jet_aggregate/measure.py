"""From one event's linked per-subject jets to a measured jet (a ``jet_store.Jet``).

Following the published catalogue (ZOONIVERSE.md): the base point is the mean (std,
ddof 0) of the per-subject start points in helioprojective arcsec, with its
heliographic Stonyhurst longitude and latitude (sunpy; off-limb points on a spherical
screen); the maximum height is the largest per-subject height with
``upper = H (1/gamma - 1)`` and ``lower = H (gamma - 1)``, its time that of the first
subject whose height reaches ``gamma H``; the width is the mean and std
of the base edges; the velocity is max height / (time of max - start). Unlike the
reference, times are frame times, so a maximum in the first subject still has a
velocity when it comes at least one frame after the start. Flags, three digits:
duration < 6 min | velocity undefined | ``|longitude| > 90``.

Examples
--------
>>> from jet_aggregate.measure import flags_value, ARCSEC_KM
>>> flags_value(short=True, no_velocity=False, far_side=True), ARCSEC_KM
(101, 725.0)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from jet_store import Jet

from jet_aggregate.jets import SubjectJet

__all__ = ["ARCSEC_KM", "flags_value", "heliographic", "measure_jet"]

ARCSEC_KM = 725.0
"""km on the Sun per arcsec at 1 AU (the catalogue's conversion)."""


def flags_value(*, short: bool, no_velocity: bool, far_side: bool) -> int:
    """The catalogue's three flag digits as an int (``short no_velocity far_side``)."""
    return 100 * int(short) + 10 * int(no_velocity) + int(far_side)


def heliographic(tx: float, ty: float, jet: SubjectJet) -> tuple[float, float]:
    """Heliographic Stonyhurst (lon, lat) in degrees of a helioprojective point seen by the
    jet's subject observer (Earth if the metadata has none); NaN if it cannot be placed."""
    import astropy.units as u
    from astropy.coordinates import SkyCoord
    from sunpy.coordinates import frames as sun_frames

    try:
        from sunpy.coordinates import SphericalScreen
    except ImportError:  # pragma: no cover - sunpy < 6
        SphericalScreen = None  # noqa: N806
    obs = jet.observer
    if all(k in obs for k in ("#hgln_obs", "#hglt_obs", "#dsun_obs")):
        observer = SkyCoord(
            float(obs["#hgln_obs"]) * u.deg,
            float(obs["#hglt_obs"]) * u.deg,
            float(obs["#dsun_obs"]) * u.m,
            frame=sun_frames.HeliographicStonyhurst,
            obstime=jet.start_time,
        )
    else:
        observer = "earth"
    coord = SkyCoord(
        tx * u.arcsec,
        ty * u.arcsec,
        frame=sun_frames.Helioprojective,
        observer=observer,
        obstime=jet.start_time,
    )
    if SphericalScreen is not None:
        with SphericalScreen(coord.observer, only_off_disk=True):
            hgs = coord.transform_to(sun_frames.HeliographicStonyhurst(obstime=jet.start_time))
    else:  # pragma: no cover
        hgs = coord.transform_to(sun_frames.HeliographicStonyhurst(obstime=jet.start_time))
    lon, lat = float(hgs.lon.to_value(u.deg)), float(hgs.lat.to_value(u.deg))
    return (lon, lat) if math.isfinite(lon) and math.isfinite(lat) else (math.nan, math.nan)


def _circular_mean(degrees: Sequence[float]) -> tuple[float, float]:
    rad = np.deg2rad(np.asarray(degrees, dtype=np.float64))
    c, s = np.cos(rad).mean(), np.sin(rad).mean()
    mean = float(np.rad2deg(np.arctan2(s, c)) % 360.0)
    r = min(float(np.hypot(c, s)), 1.0)
    std = float(np.rad2deg(np.sqrt(max(-2.0 * np.log(r), 0.0)))) if r > 0 else 180.0
    return mean, std


def measure_jet(group: Sequence[SubjectJet], jet_id: str, *, params_hash: str | None = None) -> Jet:
    """Measure one linked jet (per-subject jets sorted by start time)."""
    members = sorted(group, key=lambda j: (j.start_time, j.subject_id))
    bx = np.array([j.base_x for j in members])
    by = np.array([j.base_y for j in members])
    if len(members) > 1:
        std_x, std_y = float(bx.std()), float(by.std())
    else:
        std_x, std_y = members[0].std_x, members[0].std_y
    base_x, base_y = float(bx.mean()), float(by.mean())
    first = members[0]
    start = min(j.start_time for j in members)
    end = max(j.end_time for j in members)
    tallest = max(members, key=lambda j: j.height)
    height, gamma = tallest.height, tallest.gamma
    widths = np.array([j.width for j in members])
    std_width = float(widths.std()) if len(members) > 1 else members[0].std_width
    direction, direction_std = _circular_mean([j.direction for j in members])
    # the time of maximum: the earliest subject whose height is within the tallest box's
    # lower sigma bound (later subjects of a jet that stopped growing box the same height)
    peak = min((j for j in members if j.height >= height * gamma), key=lambda j: j.peak_time).peak_time
    rise = (peak - start).total_seconds()
    start_error = min(j.start_error_s for j in members if j.start_time == start)
    velocity = velocity_error = None
    if rise > 0:
        v = height / rise
        dh = height * (1.0 / gamma - gamma) / 2.0
        dt = math.hypot(start_error, 12.0 / math.sqrt(12.0))  # start spread and the frame's own quantisation
        velocity = v * ARCSEC_KM
        velocity_error = math.hypot(dh / rise, v * dt / rise) * ARCSEC_KM
    subject_start = min(j.subject_start for j in members)
    subject_end = max(j.subject_end for j in members)
    lon, lat = heliographic(base_x, base_y, first)
    flags = flags_value(
        short=(subject_end - subject_start).total_seconds() < 360.0,
        no_velocity=velocity is None,
        far_side=math.isfinite(lon) and abs(lon) > 90.0,
    )
    return Jet(
        jet_id=jet_id,
        start_time=start,
        end_time=end,
        base_x=base_x,
        base_y=base_y,
        event_id=first.event_id,
        sol_standard=first.sol_standard,
        subject_ids=tuple(sorted({j.subject_id for j in members})),
        std_x=std_x,
        std_y=std_y,
        base_lon=None if math.isnan(lon) else lon,
        base_lat=None if math.isnan(lat) else lat,
        direction=direction,
        max_height=height,
        upper_height=height * (1.0 / gamma - 1.0),
        lower_height=height * (gamma - 1.0),
        avg_width=float(widths.mean()),
        std_width=std_width,
        velocity=velocity,
        sigma=float(np.mean([j.sigma for j in members])),
        flags=flags,
        cluster_keys=tuple(k for j in members for k in j.cluster_keys),
        peak_time=peak,
        subject_start=subject_start,
        subject_end=subject_end,
        start_error=start_error,
        end_error=min(j.end_error_s for j in members if j.end_time == end),
        direction_std=direction_std,
        velocity_error=velocity_error,
        n_subjects=len({j.subject_id for j in members}),
        n_volunteers=len(frozenset().union(*(j.users for j in members))),
        params_hash=params_hash,
    )
