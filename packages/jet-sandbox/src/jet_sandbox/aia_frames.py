"""Synthetic AIA frames: the image with noise, its level-1.5 header, the FITS bytes and SSW names."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from astropy.io import fits

from jet_sandbox.aia_channels import Channel, channel_of
from jet_sandbox.aia_disk import background
from jet_sandbox.aia_jet import JetTruth, add_jet
from jet_sandbox.aia_observer import RSUN_REF, Observer, observers_at
from jet_sandbox.aia_spec import CutoutSpec, centred_crpix, pc_matrix
from jet_sandbox.aia_values import (
    MJD_EPOCH,
    TIME_GRID_EPOCH,
    FloatArray,
    TimeLike,
    as_utc,
    fits_time,
    microseconds,
    round_10ms,
)

__all__ = [
    "cutout_filename",
    "frame",
    "frame_bytes",
    "list_filename",
    "fits_bytes",
    "frame_wave",
    "render_frame",
]

_READ_NOISE = 1.2  # DN


def _header(spec: CutoutSpec, ch: Channel, moment: datetime, obs: Observer, data: FloatArray) -> fits.Header:
    t_obs = moment + timedelta(seconds=ch.exptime / 2.0)
    crpix1, crpix2 = centred_crpix(spec)
    pc11, pc12, pc21, pc22 = pc_matrix(spec.crota2)
    created = moment.replace(microsecond=0) + timedelta(hours=3)
    cards: list[tuple[str, Any, str]] = [
        ("SIMPLE", True, "conforms to FITS standard"),
        ("BITPIX", -32, "array data type"),
        ("NAXIS", 2, "number of array dimensions"),
        ("NAXIS1", spec.nx, ""),
        ("NAXIS2", spec.ny, ""),
        ("DATE", f"{created:%Y-%m-%dT%H:%M:%S}", "file creation (derived from DATE-OBS)"),
        ("ORIGIN", "SDO/JSOC-SDP", ""),
        ("TELESCOP", "SDO/AIA", ""),
        ("INSTRUME", ch.instrument, ""),
        ("DETECTOR", "AIA", ""),
        ("DATE-OBS", fits_time(moment), "start of exposure, UTC"),
        ("T_OBS", fits_time(t_obs, "Z"), "middle of exposure, UTC"),
        ("MJD-OBS", microseconds(round_10ms(moment) - MJD_EPOCH) / 86_400e6, "[d] DATE-OBS as MJD"),
        ("EXPTIME", ch.exptime, "[s] exposure time"),
        ("WAVELNTH", ch.wavelength, "[angstrom] wavelength"),
        ("WAVEUNIT", "angstrom", ""),
        ("WAVE_STR", ch.wave_str, ""),
        ("IMG_TYPE", "LIGHT", ""),
        ("LVL_NUM", 1.5, "data level"),
        ("QUALITY", 0, ""),
        ("BUNIT", "DN", ""),
        ("DATAMIN", float(np.min(data)), ""),
        ("DATAMAX", float(np.max(data)), ""),
        ("DATAMEAN", float(np.mean(data, dtype=np.float64)), ""),
        ("CTYPE1", "HPLN-TAN", ""),
        ("CTYPE2", "HPLT-TAN", ""),
        ("CUNIT1", "arcsec", ""),
        ("CUNIT2", "arcsec", ""),
        ("CRVAL1", 0.0, "[arcsec] Sun centre"),
        ("CRVAL2", 0.0, "[arcsec] Sun centre"),
        ("CDELT1", spec.cdelt, "[arcsec/pixel]"),
        ("CDELT2", spec.cdelt, "[arcsec/pixel]"),
        ("CRPIX1", crpix1, "[pixel] 1-based, Sun centre"),
        ("CRPIX2", crpix2, "[pixel] 1-based, Sun centre"),
        ("CROTA2", spec.crota2, "[deg]"),
        ("PC1_1", pc11, ""),
        ("PC1_2", pc12, ""),
        ("PC2_1", pc21, ""),
        ("PC2_2", pc22, ""),
        ("XCEN", spec.center_x, "[arcsec] centre of the field of view"),
        ("YCEN", spec.center_y, "[arcsec] centre of the field of view"),
        ("DSUN_OBS", obs.dsun_obs, "[m] observer to Sun centre"),
        ("DSUN_REF", 149597870691.0, "[m] 1 AU"),
        ("RSUN_REF", RSUN_REF, "[m]"),
        ("RSUN_OBS", obs.rsun_obs, "[arcsec] angular radius of RSUN_REF"),
        ("R_SUN", obs.rsun_obs / spec.cdelt, "[pixel] solar radius"),
        ("HGLN_OBS", obs.hgln_obs, "[deg] Stonyhurst longitude of the observer"),
        ("HGLT_OBS", obs.hglt_obs, "[deg] Stonyhurst latitude of the observer (B0)"),
        ("CRLN_OBS", obs.crln_obs, "[deg] Carrington longitude of the observer"),
        ("CRLT_OBS", obs.crlt_obs, "[deg] Carrington latitude of the observer"),
    ]
    header = fits.Header(cards)
    header["COMMENT"] = f"Synthetic AIA cutout made by jet_sandbox.aia (seed {spec.seed}); not real data."
    return header


def render_frame(
    spec: CutoutSpec, jet: JetTruth | None, moment: datetime, wave: int, obs: Observer
) -> tuple[FloatArray, fits.Header]:
    """One frame at ``moment`` (already on the 10 ms grid) as seen by ``obs``: data and header."""
    ch = channel_of(wave)
    data = background(spec, wave).copy()
    if jet is not None and wave in jet.wavelengths:
        add_jet(data, spec, jet, moment, ch)
    if spec.noise:
        stamp = microseconds(moment - TIME_GRID_EPOCH) // 10_000
        rng = np.random.default_rng([spec.seed, wave, 2, stamp % 2**32, stamp >> 32])
        sigma = np.sqrt(np.maximum(data, 0.0) * ch.gain + _READ_NOISE**2)
        sigma *= rng.standard_normal(data.shape, dtype=np.float32)
        data += sigma
    return data, _header(spec, ch, moment, obs, data)


def frame_wave(spec: CutoutSpec, wave: int | None) -> int:
    """The wavelength of a frame: ``wave``, or the spec's first; an unknown channel raises."""
    chosen = spec.waves[0] if wave is None else int(wave)
    channel_of(chosen)
    return chosen


def frame(
    spec: CutoutSpec, truth: JetTruth | None, time: TimeLike, wave: int | None = None
) -> tuple[FloatArray, fits.Header]:
    """One synthetic frame: ``float32`` data in DN (shape ``(ny, nx)``) and its header.

    ``time`` becomes ``DATE-OBS`` (rounded to 10 ms) and the jet is drawn as it is then;
    ``wave`` defaults to the spec's first wavelength; ``truth=None`` gives the Sun
    without a jet. The first frame of a spec computes its static background (about
    0.1 s for 600x500); later frames reuse it.

    Examples
    --------
    >>> from astropy.wcs import WCS
    >>> from jet_sandbox.aia import CutoutSpec, frame
    >>> spec = CutoutSpec(center_x=500, center_y=-100, shape=(64, 48), waves=(171,),
    ...                   start_time="2011-01-01T00:00", end_time="2011-01-01T00:10")
    >>> data, header = frame(spec, None, "2011-01-01T00:00:11.34")
    >>> header["DATE-OBS"], header["T_OBS"], header["EXPTIME"], header["INSTRUME"]
    ('2011-01-01T00:00:11.34', '2011-01-01T00:00:12.34Z', 1.999, 'AIA_3')
    >>> [round(float(v) * 3600, 6) for v in WCS(header).all_pix2world(31.5, 23.5, 0)]
    [500.0, -100.0]
    """
    moment = round_10ms(as_utc(time))
    wave = frame_wave(spec, wave)
    t_obs = moment + timedelta(seconds=channel_of(wave).exptime / 2.0)
    return render_frame(spec, truth, moment, wave, observers_at([t_obs])[0])


def fits_bytes(data: FloatArray, header: fits.Header) -> bytes:
    """A FITS file (one primary HDU) of ``data`` and ``header``, verified, as bytes."""
    buffer = io.BytesIO()
    fits.PrimaryHDU(data=data, header=header).writeto(buffer, output_verify="exception")
    return buffer.getvalue()


def frame_bytes(spec: CutoutSpec, truth: JetTruth | None, time: TimeLike, wave: int | None = None) -> bytes:
    """The FITS file of :func:`frame` as bytes (what a replica serves).

    Examples
    --------
    >>> from jet_sandbox.aia import CutoutSpec, frame_bytes
    >>> spec = CutoutSpec(center_x=0, center_y=0, shape=(64, 48),
    ...                   start_time="2011-01-01T00:00", end_time="2011-01-01T00:10")
    >>> blob = frame_bytes(spec, None, "2011-01-01T00:00:07.12")
    >>> blob[:9], len(blob), blob == frame_bytes(spec, None, "2011-01-01T00:00:07.12")
    (b'SIMPLE  =', 20160, True)
    """
    return fits_bytes(*frame(spec, truth, time, wave))


def cutout_filename(time: TimeLike, wave: int, suffix: str = ".fts") -> str:
    """The SSW cutout service's name for a frame: ``ssw_cutout_YYYYmmdd_HHMMSS_AIA_<wave>_.fts``.

    Examples
    --------
    >>> from jet_sandbox.aia import cutout_filename
    >>> cutout_filename("2012-07-08T13:05:43.12", 304)
    'ssw_cutout_20120708_130543_AIA_304_.fts'
    """
    moment = round_10ms(as_utc(time))
    return f"ssw_cutout_{moment:%Y%m%d_%H%M%S}_AIA_{int(wave)}_{suffix}"


def list_filename(start_time: TimeLike, wave: int) -> str:
    """The name of the SSW job's per-wavelength file list (``..._AIA_<wave>_.list``).

    Examples
    --------
    >>> from jet_sandbox.aia import list_filename
    >>> list_filename("2012-09-23T00:00:00", 171)
    'ssw_cutout_20120923_000000_AIA_171_.list'
    """
    return cutout_filename(start_time, wave, suffix=".list")
