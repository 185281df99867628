"""The synthetic data behind one cutout job of the SSW and JSOC replicas.

A :class:`SyntheticCutout` turns a request (centre, field of view, window,
wavelengths) into a :class:`~jet_sandbox.aia.CutoutSpec`, a random jet inside the field
of view (:func:`~jet_sandbox.aia.random_jet`), and the frames the service returns (on
AIA's 12 s grid, thinned to ``max_frames`` per wavelength). Frames are made on demand
(:meth:`SyntheticCutout.maker`); the same request and seed always give the same
content key, spec, jet and bytes, whatever the order in which jobs arrive.

Examples
--------
>>> from jet_sandbox.jobdata import SyntheticCutout
>>> cut = SyntheticCutout.build(xcen=-300, ycen=200, fovx=120, fovy=90, start="2012-07-08T13:05:00",
...                             end="2012-07-08T13:07:00", waves=(171, 304), seed=1, max_frames=4)
>>> cut.spec.shape, [w for w, _ in cut.frames].count(304), cut.jet is not None
((200, 150), 4, True)
>>> cut.key == SyntheticCutout.build(xcen=-300, ycen=200, fovx=120, fovy=90, start="2012-07-08T13:05:00",
...                                  end="2012-07-08T13:07:00", waves=(171, 304), seed=1, max_frames=4).key
True
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import math
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from jet_sandbox.aia import (
    AIA_CHANNELS,
    CutoutSpec,
    CutoutTruth,
    FrameTruth,
    JetTruth,
    SyntheticAiaError,
    cutout_filename,
    frame_bytes,
    random_jet,
)
from jet_sandbox.aia_truth import frame_truth
from jet_sandbox.aia_values import TimeLike, as_utc
from jet_sandbox.errors import BadQuery, SandboxError

__all__ = ["SyntheticCutout", "SUPPORTED_WAVES", "frame_shape", "supported_wave", "thin"]

logger = logging.getLogger(__name__)

_CDELT = 0.6


def frame_shape(shape: Sequence[int] | None) -> tuple[int, int] | None:
    """A replica's largest frame ``(nx, ny)``, checked (both at least 16), or None.

    Raises
    ------
    SandboxError
        If ``shape`` is not two sides of at least 16 pixels.

    Examples
    --------
    >>> frame_shape([64.0, 48]), frame_shape(None)
    ((64, 48), None)
    """
    if shape is None:
        return None
    if len(shape) != 2 or min(shape) < 16:
        raise SandboxError(f"shape must be (nx, ny) with both >= 16, not {shape!r}")
    return (int(shape[0]), int(shape[1]))


def thin(times: Sequence[datetime], max_frames: int | None) -> list[datetime]:
    """At most ``max_frames`` of ``times``, evenly strided (every 2nd, 3rd, ...), first kept.

    Examples
    --------
    >>> thin(list(range(10)), 4), thin(list(range(10)), 5), thin(list(range(3)), None)
    ([0, 3, 6, 9], [0, 2, 4, 6, 8], [0, 1, 2])
    """
    if max_frames is None or len(times) <= max_frames:
        return list(times)
    step = math.ceil(len(times) / max_frames)
    return list(times[::step])


@dataclasses.dataclass(frozen=True, slots=True)
class SyntheticCutout:
    """The data of one cutout job (see the module docstring).

    Attributes
    ----------
    key
        Content key: a hash of the request and the seed (names cache folders).
    spec
        What the frames show.
    jet
        The jet in them (None if none fits in the field of view).
    frames
        ``(wavelength, DATE-OBS)`` of every frame served, by wavelength then time.
    """

    key: str
    spec: CutoutSpec
    jet: JetTruth | None
    frames: tuple[tuple[int, datetime], ...]

    @classmethod
    def build(
        cls,
        *,
        xcen: float,
        ycen: float,
        fovx: float,
        fovy: float,
        start: TimeLike,
        end: TimeLike,
        waves: Iterable[int],
        seed: int = 0,
        shape: tuple[int, int] | None = None,
        max_frames: int | None = None,
    ) -> SyntheticCutout:
        """The data a service returns for a request.

        Parameters
        ----------
        xcen, ycen, fovx, fovy
            Centre and field of view, arcsec.
        start, end
            The window.
        waves
            Wavelengths (Å) among :data:`~jet_sandbox.aia.AIA_CHANNELS`.
        seed
            The replica's seed.
        shape
            Largest ``(nx, ny)`` of a frame: a wider field of view is sampled more
            coarsely (CDELT above 0.6 arcsec) so that the frame keeps the requested
            field of view. None: 0.6 arcsec pixels, whatever the size.
        max_frames
            At most this many frames per wavelength (evenly thinned).

        Raises
        ------
        SyntheticAiaError
            For impossible parameters (unknown wavelength, empty window, ...).
        """
        wave_list = tuple(dict.fromkeys(int(w) for w in waves))
        start_time, end_time = as_utc(start), as_utc(end)
        cdelt = _CDELT
        if shape is not None:
            cdelt = max(_CDELT, float(fovx) / shape[0], float(fovy) / shape[1])
        request = {
            "xcen": float(xcen),
            "ycen": float(ycen),
            "fovx": float(fovx),
            "fovy": float(fovy),
            "start": start_time.isoformat(),
            "end": end_time.isoformat(),
            "waves": list(wave_list),
            "seed": int(seed),
            "cdelt": cdelt,
            "max_frames": max_frames,
        }
        key = hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()[:16]
        data_seed = int(key[:8], 16)
        spec = CutoutSpec.from_request(
            xcen, ycen, fovx, fovy, start_time, end_time, waves=wave_list, cdelt=cdelt, seed=data_seed
        )
        try:
            jet: JetTruth | None = random_jet(data_seed, spec)
        except SyntheticAiaError as err:
            logger.warning("no synthetic jet for cutout %s: %s", key, err)
            jet = None
        frames = tuple(
            (wave, moment) for wave in wave_list for moment in thin(spec.frame_times(wave), max_frames)
        )
        return cls(key, spec, jet, frames)

    @property
    def waves(self) -> tuple[int, ...]:
        """The wavelengths, in request order."""
        return self.spec.waves

    def times(self, wave: int) -> list[datetime]:
        """``DATE-OBS`` of the frames of one wavelength."""
        return [moment for w, moment in self.frames if w == wave]

    def maker(self, wave: int, moment: datetime) -> Callable[[], bytes]:
        """A function that makes the FITS bytes of one frame."""
        spec, jet = self.spec, self.jet

        def make() -> bytes:
            return frame_bytes(spec, jet, moment, wave)

        return make

    def truth(self, names: Callable[[int, datetime], str] | None = None) -> CutoutTruth:
        """The truth of the frames served (``names(wave, time)`` gives file names; SSW's by default)."""
        frames: list[FrameTruth] = []
        for wave, moment in self.frames:
            record = frame_truth(self.spec, self.jet, moment, wave)
            if names is not None:
                record = dataclasses.replace(record, file=names(wave, moment))
            frames.append(record)
        return CutoutTruth(spec=self.spec, jet=self.jet, frames=tuple(frames))

    def truth_json(self, names: Callable[[int, datetime], str] | None = None) -> bytes:
        """:meth:`truth` as the bytes of ``truth.json``."""
        doc = self.truth(names).to_dict()
        return (json.dumps(doc, indent=2, allow_nan=False) + "\n").encode("utf-8")

    def ssw_name(self, wave: int, moment: datetime) -> str:
        """The SSW cutout service's name of a frame."""
        return cutout_filename(moment, wave)


SUPPORTED_WAVES: tuple[int, ...] = tuple(sorted(AIA_CHANNELS))
"""Wavelengths (Å) the replicas can make frames of."""


def supported_wave(wave: int, service: str) -> int:
    """``wave`` (Å) if the replicas make frames of it (:data:`SUPPORTED_WAVES`).

    Raises
    ------
    BadQuery
        Naming the wavelengths that ``service`` (e.g. ``"this replica"``) does make.

    Examples
    --------
    >>> supported_wave(304, "this replica")
    304
    >>> supported_wave(94, "this replica")
    Traceback (most recent call last):
    ...
    jet_sandbox.errors.BadQuery: wavelength 94 is not available from this replica (only 171, 193, 211, 304)
    """
    if wave not in SUPPORTED_WAVES:
        known = ", ".join(str(w) for w in SUPPORTED_WAVES)
        raise BadQuery(f"wavelength {wave} is not available from {service} (only {known})")
    return wave
