"""The static Sun of a synthetic AIA channel: disk, limb brightening, texture, off-limb corona."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from jet_sandbox.aia_channels import channel_of
from jet_sandbox.aia_observer import observer_at
from jet_sandbox.aia_spec import CutoutSpec, pixel_grid
from jet_sandbox.aia_values import FloatArray

__all__ = ["background"]


def _smooth_noise(
    rng: np.random.Generator, shape: tuple[int, int], scales_px: Sequence[float]
) -> list[FloatArray]:
    """Unit-variance Gaussian random fields smoothed at each scale (pixels), one white noise."""
    white = rng.standard_normal(shape, dtype=np.float32)
    spectrum = np.fft.rfft2(white)
    fy = np.fft.fftfreq(shape[0]).astype(np.float32)[:, None]
    fx = np.fft.rfftfreq(shape[1]).astype(np.float32)[None, :]
    f2 = fx**2 + fy**2
    fields = []
    for scale in scales_px:
        smoothed = np.fft.irfft2(spectrum * np.exp(-2.0 * np.pi**2 * scale**2 * f2), s=shape)
        field: FloatArray = smoothed.astype(np.float32)
        field -= field.mean()
        field /= max(float(field.std()), 1e-12)
        fields.append(field)
    return fields


@lru_cache(maxsize=8)
def background(spec: CutoutSpec, wave: int) -> FloatArray:
    """The static Sun of one channel (DN, no jet, no noise), shape (ny, nx)."""
    ch = channel_of(wave)
    tx, ty = pixel_grid(spec)
    radius = observer_at(spec.start_time).rsun_obs
    rho = np.hypot(tx, ty).astype(np.float32)
    rng = np.random.default_rng([spec.seed, wave, 1])
    scale = ch.texture_scale / spec.cdelt / 4.0  # smoothing sigma (px) giving cells of texture_scale
    grain, small, cell, big = _smooth_noise(rng, rho.shape, (1.0, scale / 2.0, scale, 2.0 * scale))
    if ch.network:  # bright, patchy lanes along the zero crossings of a band-passed field
        band = cell - 0.8 * big
        band /= max(float(band.std()), 1e-12)
        lanes = np.exp(-(band**2) / 0.1) * (0.5 + 0.5 * np.tanh(small))
        texture = 0.75 + ch.contrast * lanes + 0.06 * grain + 0.05 * small
    else:  # log-normal patches
        texture = np.exp(ch.contrast * (0.6 * big + 0.4 * cell) + 0.05 * grain)
    mu = np.sqrt(np.clip(1.0 - (rho / radius) ** 2, 0.0, 1.0))
    disk = ch.disk * (1.0 + (ch.limb - 1.0) * np.exp(-mu / ch.limb_width))
    height = np.maximum(rho - radius, 0.0)
    above = (
        ch.disk
        * ch.limb
        * (
            (1.0 - ch.high_fraction) * np.exp(-height / ch.scale_low)
            + ch.high_fraction * np.exp(-height / ch.scale_high)
        )
    )
    angle = np.arctan2(ty, tx).astype(np.float32)
    stria_rng = random.Random(f"jet_sandbox.aia.striae:{spec.seed}:{wave}")
    striae = np.ones_like(rho)
    for _ in range(6):
        k = stria_rng.randint(40, 400)
        striae += 0.04 * np.sin(k * angle + stria_rng.uniform(0, 2 * math.pi)).astype(np.float32)
    on_disk = np.clip((radius - rho) / 4.0, 0.0, 1.0)  # 4 arcsec blend across the limb
    image = on_disk * disk * texture + (1.0 - on_disk) * above * (striae * (0.9 + 0.1 * texture))
    image = np.asarray(image, dtype=np.float32)
    image.setflags(write=False)
    return image
