"""Random, realistic cutout specs and jets, deterministic in their seed."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import numpy as np

from jet_sandbox.aia_jet import JetTruth, jet_margin
from jet_sandbox.aia_observer import observer_at
from jet_sandbox.aia_spec import CutoutSpec
from jet_sandbox.aia_values import TimeLike, as_utc
from jet_sandbox.draws import uniform
from jet_sandbox.errors import SyntheticAiaError

__all__ = ["random_jet", "random_spec"]


def random_jet(seed: int, spec: CutoutSpec, *, attempts: int = 500) -> JetTruth:
    """A random, realistic jet that lies wholly inside ``spec``'s field of view and window.

    Across the limb the base sits just inside the limb and the jet points outward
    (radial within about 15 degrees); on the disk the direction is uniform; above the
    limb the jet is radial. The spire at its full length, its width and the base bright
    point all stay at least a few pixels inside the image. The jet lasts 40-85 % of the
    window (at most 40 min), rises for 30-65 % of its life, and is seen in every channel
    of the spec. Deterministic in ``seed`` and ``spec`` (Python's ``random`` with a
    string seed, whose sequence is stable across versions).

    Examples
    --------
    >>> from jet_sandbox.aia import CutoutSpec, random_jet
    >>> spec = CutoutSpec(center_x=0, center_y=-940, shape=(300, 250),
    ...                   start_time="2014-02-01T10:00", end_time="2014-02-01T10:30")
    >>> jet = random_jet(7, spec)
    >>> spec.scene(), 180 < jet.direction < 360, jet == random_jet(7, spec)
    ('limb', True, True)
    """
    rng = random.Random(f"jet_sandbox.aia.jet:{seed}")
    radius = observer_at(spec.start_time).rsun_obs
    scene = spec.scene()
    fov_min = min(spec.fov)
    nx, ny = spec.nx, spec.ny
    if 2.0 * (jet_margin(fov_min / 9.0) / spec.cdelt + 2.0) + 10.0 >= min(nx, ny):
        raise SyntheticAiaError(f"the field of view {spec.fov} arcsec is too small for a jet")
    for attempt in range(attempts):
        width = uniform(rng, min(4.0, fov_min / 12.0), min(10.0, fov_min / 9.0))
        margin = jet_margin(width) / spec.cdelt + 2.0
        bx, by = spec.pixel_to_world(
            uniform(rng, margin, nx - 1 - margin), uniform(rng, margin, ny - 1 - margin)
        )
        r = math.hypot(bx, by)
        radial = math.degrees(math.atan2(by, bx))
        if scene == "limb" and attempt < attempts // 2:
            scale = (radius - uniform(rng, 0.5, 6.0)) / max(r, 1e-9)
            bx, by = bx * scale, by * scale
            direction = radial + rng.gauss(0.0, 15.0)
        elif scene == "disk" or r < radius:
            direction = uniform(rng, 0.0, 360.0)
        else:
            direction = radial + rng.gauss(0.0, 15.0)
        room = _room(spec, bx, by, direction, margin)
        shortest = max(2.5 * width, 8.0)
        if room >= shortest:
            cap = min(room, 150.0)
            max_height = uniform(rng, max(shortest, 0.55 * cap), max(shortest, 0.95 * cap))
            break
    else:
        raise SyntheticAiaError(f"found no jet that fits inside the field of view of {spec!r}")
    window = (spec.end_time - spec.start_time).total_seconds()
    duration = min(uniform(rng, 0.4, 0.85) * window, 2400.0)
    lead = uniform(rng, 0.0, window - duration)
    start = spec.start_time + timedelta(seconds=round(lead, 3))
    rise = max(round(duration * uniform(rng, 0.3, 0.65), 3), 0.001)
    peak = start + timedelta(seconds=rise)
    end = max(start + timedelta(seconds=round(duration, 3)), peak)
    growth: Literal["linear", "ballistic"] = "linear" if rng.random() < 0.5 else "ballistic"
    return JetTruth(
        base_x=round(bx, 4),
        base_y=round(by, 4),
        direction=round(direction % 360.0, 4),
        start_time=start,
        peak_time=peak,
        end_time=end,
        max_height=round(max_height, 4),
        width=round(width, 4),
        growth=growth,
        wavelengths=spec.waves,
        brightness=round(uniform(rng, 0.8, 1.3), 4),
        jet_id=f"synthetic-jet-{seed}",
    )


def _room(spec: CutoutSpec, bx: float, by: float, direction: float, margin: float) -> float:
    """Arcsec from (bx, by) along ``direction`` to ``margin`` pixels inside the image edge."""
    angle = math.radians(direction)
    px, py = spec.world_to_pixel(np.array([bx, bx + math.cos(angle)]), np.array([by, by + math.sin(angle)]))
    x0, y0 = float(px[0]), float(py[0])
    lo_x, hi_x, lo_y, hi_y = margin, spec.nx - 1 - margin, margin, spec.ny - 1 - margin
    if not (lo_x <= x0 <= hi_x and lo_y <= y0 <= hi_y):
        return 0.0
    room = math.inf
    for start, step, low, high in ((x0, float(px[1]) - x0, lo_x, hi_x), (y0, float(py[1]) - y0, lo_y, hi_y)):
        if step > 1e-12:
            room = min(room, (high - start) / step)
        elif step < -1e-12:
            room = min(room, (low - start) / step)
    return room


def random_spec(
    seed: int,
    *,
    where: Literal["disk", "limb", "any"] = "any",
    start_time: TimeLike | None = None,
    duration: float = 1800.0,
    **options: Any,
) -> CutoutSpec:
    """A random cutout spec: its field of view on the disk, across the limb, or either.

    Without ``start_time`` the window starts at a random second of 2010-06 .. 2020-06.
    ``duration`` is in seconds; other options (``shape``, ``cdelt``, ``waves``, ...)
    are passed on to :class:`CutoutSpec`, whose ``seed`` defaults to ``seed``.

    Examples
    --------
    >>> from jet_sandbox.aia import random_spec
    >>> [random_spec(s, where="limb", shape=(200, 160)).scene() for s in range(3)]
    ['limb', 'limb', 'limb']
    >>> random_spec(3, where="disk").scene()
    'disk'
    """
    rng = random.Random(f"jet_sandbox.aia.spec:{seed}")
    if start_time is None:
        span = int((datetime(2020, 6, 1, tzinfo=UTC) - datetime(2010, 6, 1, tzinfo=UTC)).total_seconds())
        start = datetime(2010, 6, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(span))
    else:
        start = as_utc(start_time)
    options.setdefault("seed", seed)
    shape = tuple(options.get("shape", (600, 500)))
    cdelt = float(options.get("cdelt", 0.6))
    half_diag = 0.5 * math.hypot(shape[0] * cdelt, shape[1] * cdelt)
    radius = observer_at(start).rsun_obs
    if where == "any":
        where = "disk" if rng.random() < 0.5 else "limb"
    angle = uniform(rng, 0.0, 2.0 * math.pi)
    if where == "limb":
        r = radius + uniform(rng, -0.2, 0.2) * min(shape) * cdelt
    elif where == "disk":
        if half_diag + 10.0 >= radius:
            raise SyntheticAiaError(f"a field of view of {shape} pixels does not fit on the disk")
        r = (radius - half_diag - 10.0) * math.sqrt(rng.random())
    else:
        raise SyntheticAiaError(f"where must be 'disk', 'limb' or 'any', not {where!r}")
    return CutoutSpec(
        center_x=round(r * math.cos(angle), 3),
        center_y=round(r * math.sin(angle), 3),
        start_time=start,
        end_time=start + timedelta(seconds=duration),
        **options,
    )
