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


# fmt: off
AIA_CHANNELS: dict[int, Channel] = {
    channel.wavelength: channel
    for channel in (
        # wavelength, instrument, wave_str, exptime, phase,
        #   disk, limb, limb_width, scale_low, scale_high, high_fraction, contrast, texture_scale,
        #   network, jet, base, gain (the fields of Channel, in order)
        Channel(304, "AIA_4", "304_THIN", 2.901, 7.12,
                80.0, 1.6, 0.08, 6.0, 45.0, 0.12, 0.55, 30.0,
                True, 260.0, 700.0, 1.0),
        Channel(171, "AIA_3", "171_THIN", 1.999, 11.34,
                420.0, 2.2, 0.25, 60.0, 150.0, 0.25, 0.3, 18.0,
                False, 650.0, 1600.0, 0.6),
        Channel(193, "AIA_2", "193_THIN", 2.000, 6.84,
                650.0, 2.0, 0.25, 75.0, 180.0, 0.25, 0.3, 22.0,
                False, 800.0, 1900.0, 0.6),
        Channel(211, "AIA_2", "211_THIN", 2.901, 0.62,
                160.0, 2.0, 0.25, 65.0, 160.0, 0.25, 0.35, 20.0,
                False, 260.0, 650.0, 0.8),
    )
}
"""The supported channels (Å) and their synthetic appearance."""
# fmt: on


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
