"""AIA's channels and cadence, as the cutout services know them.

Examples
--------
>>> from sdo_cutout.aia import AIA_EUV_CADENCE, AIA_EUV_WAVELENGTHS
>>> 304 in AIA_EUV_WAVELENGTHS, AIA_EUV_CADENCE
(True, 12.0)
"""

from __future__ import annotations

__all__ = ["AIA_WAVELENGTHS", "AIA_EUV_WAVELENGTHS", "AIA_EUV_CADENCE"]

AIA_EUV_WAVELENGTHS: tuple[int, ...] = (94, 131, 171, 193, 211, 304, 335)
"""AIA's EUV channels in Angstrom (JSOC series ``aia.lev1_euv_12s``)."""

AIA_WAVELENGTHS: tuple[int, ...] = (*AIA_EUV_WAVELENGTHS, 1600, 1700, 4500)
"""Every AIA channel in Angstrom (UV and visible ones only through the SSW service)."""

AIA_EUV_CADENCE = 12.0
"""AIA's EUV cadence in s (the seed assumed 24 s and asked for half the frames)."""
