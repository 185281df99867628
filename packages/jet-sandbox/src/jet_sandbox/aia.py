"""Synthetic SDO/AIA cutouts with a coronal jet of known truth.

A :class:`CutoutSpec` says what an SSW cutout request would ask for (centre and field
of view in helioprojective arcsec, time window, wavelengths, cadence) plus a seed; a
:class:`JetTruth` says where the jet is (base point, direction, growth, timing, size).
:func:`frame` renders one time step as a ``float32`` image in DN with a level-1.5
style AIA header (``HPLN-TAN``/``HPLT-TAN``, CDELT 0.6 arcsec, observer keys computed
for the date with astropy), :func:`frame_bytes` gives the FITS file as bytes (for a
replica that serves files without writing them), and :func:`write_cutout` writes one
FITS file per time step with SSW cutout names plus ``truth.json``, which
:func:`load_truth` reads back with the jet's pixel position in every frame.

The image: the solar disk (limb brightening, a chromospheric network in 304 Å, a
log-normal coronal texture in 171/193/211 Å), off-limb emission falling with height,
radial striations above the limb, photon-like noise (variance proportional to the
signal), and the jet on top: a narrowing Gaussian spire from the base point along the
direction, its length growing with the truth's growth law, under a brighter base
point whose peak is exactly at the truth's base pixel.

The model is split by concern: :mod:`~jet_sandbox.aia_values` (times and Quantities),
:mod:`~jet_sandbox.aia_channels`, :mod:`~jet_sandbox.aia_observer`,
:mod:`~jet_sandbox.aia_spec` (the cutout and its WCS), :mod:`~jet_sandbox.aia_disk` (the
static Sun), :mod:`~jet_sandbox.aia_jet` (the jet's truth and emission),
:mod:`~jet_sandbox.aia_random`, :mod:`~jet_sandbox.aia_frames` (image, header, FITS
bytes), :mod:`~jet_sandbox.aia_truth` and :mod:`~jet_sandbox.aia_files` (writing a
cutout folder); this module gathers their public names.

Conventions:

* ``direction`` is in degrees counter-clockwise from solar west (+x, ``Tx``);
  heights and widths in arcsec; times timezone-aware UTC; ``width`` is the FWHM of the
  spire at its base.
* The frame's time is ``DATE-OBS`` (start of the exposure, rounded to 10 ms, as AIA
  writes it); the jet is drawn as it is at that time. ``T_OBS`` is mid-exposure (sunpy
  uses it as the map's reference date) and the observer keys are computed for it.
* ``CRVAL1/2 = 0`` (the tangent point is Sun centre, as in level-1.5 AIA and ``im_patch``
  cutouts) and ``CRPIX1/2`` (1-based, FITS) put the requested centre exactly on the
  array's middle. Pixel positions in the truth are 0-based ``(x, y)`` array pixel
  centres, as astropy's ``WCS.world_to_pixel`` / ``all_world2pix(..., 0)`` give them.
* The jet is fixed in helioprojective coordinates (no solar rotation over the window,
  like a ``notrack=1`` cutout); the observer is the Earth's centre (SDO's orbit ignored).
* Data are ``float32`` (``BITPIX = -32``): ``4 * nx * ny`` bytes plus a 2880-byte-block
  header, so the default 600x500 is 1.2 MB and ``shape=(1000, 500)`` about 2 MB.
* The same spec, truth and time give the same bytes on an installation (noise seeded
  by seed, wavelength and time; ``DATE`` derived from the observation time, never the
  clock). Jets and specs drawn by :func:`random_jet` / :func:`random_spec` use Python's
  string-seeded ``random``, stable across versions; image pixels may differ in the last
  bit between numpy versions or CPUs (vectorised float maths).
* :func:`frame` and :func:`frame_bytes` may be called from several threads: the
  per-spec caches (pixel grid, static background, WCS) are read-only once built.

Examples
--------
>>> import numpy as np
>>> from jet_sandbox.aia import CutoutSpec, frame, random_jet
>>> spec = CutoutSpec(center_x=-300.0, center_y=200.0, shape=(120, 100),
...                   start_time="2012-07-08T13:00:00", end_time="2012-07-08T13:20:00")
>>> jet = random_jet(1, spec)
>>> data, header = frame(spec, jet, jet.peak_time)
>>> data.shape, data.dtype.name, header["CTYPE1"], header["WAVELNTH"]
((100, 120), 'float32', 'HPLN-TAN', 304)
>>> x, y = spec.world_to_pixel(jet.base_x, jet.base_y)
>>> bool(data[round(y), round(x)] > 3 * float(np.median(data)))
True
"""

from __future__ import annotations

from jet_sandbox.aia_channels import AIA_CHANNELS, Channel
from jet_sandbox.aia_files import TRUTH_FILE, load_truth, write_cutout
from jet_sandbox.aia_frames import cutout_filename, frame, frame_bytes, list_filename
from jet_sandbox.aia_jet import JetTruth, make_jet
from jet_sandbox.aia_observer import RSUN_REF, Observer, observer_at
from jet_sandbox.aia_random import random_jet, random_spec
from jet_sandbox.aia_spec import CutoutSpec
from jet_sandbox.aia_truth import TRUTH_FORMAT, CutoutTruth, FrameTruth
from jet_sandbox.aia_values import FloatArray, TimeLike
from jet_sandbox.errors import SyntheticAiaError

__all__ = [
    "AIA_CHANNELS",
    "Channel",
    "CutoutSpec",
    "CutoutTruth",
    "FrameTruth",
    "JetTruth",
    "Observer",
    "RSUN_REF",
    "SyntheticAiaError",
    "TRUTH_FILE",
    "cutout_filename",
    "frame",
    "frame_bytes",
    "list_filename",
    "load_truth",
    "make_jet",
    "observer_at",
    "random_jet",
    "random_spec",
    "write_cutout",
    "TRUTH_FORMAT",
    "FloatArray",
    "TimeLike",
]
