"""The AIA channels the synthetic images support, and how each one looks."""

from __future__ import annotations

import dataclasses

from jet_sandbox.errors import SyntheticAiaError

__all__ = ["AIA_CHANNELS", "Channel", "channel_of"]


@dataclasses.dataclass(frozen=True, slots=True)
class Channel:
    """How one AIA channel looks in the synthetic images.

    Intensities are in DN for the channel's exposure; lengths in arcsec.
    """

    wavelength: int
    instrument: str
    """``INSTRUME``: the AIA telescope that carries the channel."""
    wave_str: str
    exptime: float
    """Exposure time (s)."""
    phase: float
    """Seconds after the 12 s grid at which AIA takes this channel (e.g. 304 at hh:mm:07.12)."""
    disk: float
    """Quiet-Sun disk-centre intensity (DN)."""
    limb: float
    """Limb brightening: intensity at the limb over the disk-centre value."""
    limb_width: float
    """How far in from the limb (in mu = cos of the heliocentric angle) brightening reaches."""
    scale_low: float
    """Off-limb scale height of the low (chromospheric / inner corona) component (arcsec)."""
    scale_high: float
    """Off-limb scale height of the extended component (arcsec)."""
    high_fraction: float
    contrast: float
    """Strength of the disk texture."""
    texture_scale: float
    """Size of the texture cells (arcsec)."""
    network: bool
    """A cellular network (304) rather than a log-normal coronal texture."""
    jet: float
    """Peak DN of the jet spire (brightness 1)."""
    base: float
    """Peak DN of the base bright point (brightness 1); larger than ``jet``."""
    gain: float
    """Noise variance per DN of signal (photon statistics)."""


AIA_CHANNELS: dict[int, Channel] = {
    304: Channel(
        wavelength=304,
        instrument="AIA_4",
        wave_str="304_THIN",
        exptime=2.901,
        phase=7.12,
        disk=80.0,
        limb=1.6,
        limb_width=0.08,
        scale_low=6.0,
        scale_high=45.0,
        high_fraction=0.12,
        contrast=0.55,
        texture_scale=30.0,
        network=True,
        jet=260.0,
        base=700.0,
        gain=1.0,
    ),
    171: Channel(
        wavelength=171,
        instrument="AIA_3",
        wave_str="171_THIN",
        exptime=1.999,
        phase=11.34,
        disk=420.0,
        limb=2.2,
        limb_width=0.25,
        scale_low=60.0,
        scale_high=150.0,
        high_fraction=0.25,
        contrast=0.3,
        texture_scale=18.0,
        network=False,
        jet=650.0,
        base=1600.0,
        gain=0.6,
    ),
    193: Channel(
        wavelength=193,
        instrument="AIA_2",
        wave_str="193_THIN",
        exptime=2.000,
        phase=6.84,
        disk=650.0,
        limb=2.0,
        limb_width=0.25,
        scale_low=75.0,
        scale_high=180.0,
        high_fraction=0.25,
        contrast=0.3,
        texture_scale=22.0,
        network=False,
        jet=800.0,
        base=1900.0,
        gain=0.6,
    ),
    211: Channel(
        wavelength=211,
        instrument="AIA_2",
        wave_str="211_THIN",
        exptime=2.901,
        phase=0.62,
        disk=160.0,
        limb=2.0,
        limb_width=0.25,
        scale_low=65.0,
        scale_high=160.0,
        high_fraction=0.25,
        contrast=0.35,
        texture_scale=20.0,
        network=False,
        jet=260.0,
        base=650.0,
        gain=0.8,
    ),
}
"""The supported channels (Å) and their synthetic appearance."""


def channel_of(wave: int) -> Channel:
    """The :class:`Channel` of ``wave`` (Å).

    Raises
    ------
    SyntheticAiaError
        If the wavelength is not one of :data:`AIA_CHANNELS`.

    Examples
    --------
    >>> channel_of(171).instrument
    'AIA_3'
    """
    try:
        return AIA_CHANNELS[int(wave)]
    except (KeyError, ValueError, TypeError):
        raise SyntheticAiaError(
            f"unsupported AIA wavelength {wave!r}; use one of {sorted(AIA_CHANNELS)}"
        ) from None
