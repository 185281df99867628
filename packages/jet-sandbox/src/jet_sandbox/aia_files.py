"""Writing a synthetic cutout to a folder (FITS files and ``truth.json``) and reading its truth back."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

from jet_sandbox.aia_channels import channel_of
from jet_sandbox.aia_frames import cutout_filename, fits_bytes, frame_wave, render_frame
from jet_sandbox.aia_jet import JetTruth
from jet_sandbox.aia_observer import observers_at
from jet_sandbox.aia_spec import CutoutSpec
from jet_sandbox.aia_truth import CutoutTruth, FrameTruth, frame_truth
from jet_sandbox.errors import SyntheticAiaError

__all__ = ["TRUTH_FILE", "load_truth", "write_cutout"]

logger = logging.getLogger(__name__)

TRUTH_FILE = "truth.json"
"""Name of the truth file :func:`write_cutout` writes beside the FITS files."""


def _write_atomic(path: Path, payload: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(payload)
    os.replace(tmp, path)


def write_cutout(
    spec: CutoutSpec,
    truth: JetTruth | None,
    folder: str | os.PathLike[str],
    *,
    waves: Iterable[int] | None = None,
) -> list[Path]:
    """Write one FITS file per frame of every wavelength, and ``truth.json`` beside them.

    Files are named as the SSW cutout service names them (:func:`cutout_filename`) and
    written atomically (temporary name, then rename); the same arguments give the same
    bytes. ``waves`` defaults to the spec's. Returns the FITS paths in time order per
    wavelength.

    Examples
    --------
    >>> import tempfile
    >>> from jet_sandbox.aia import CutoutSpec, load_truth, random_jet, write_cutout
    >>> spec = CutoutSpec(center_x=-400, center_y=300, shape=(96, 80), start_time="2012-07-08T13:05",
    ...                   end_time="2012-07-08T13:06")
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     paths = write_cutout(spec, random_jet(0, spec), tmp)
    ...     truth = load_truth(tmp)
    >>> [p.name for p in paths][:2]
    ['ssw_cutout_20120708_130507_AIA_304_.fts', 'ssw_cutout_20120708_130519_AIA_304_.fts']
    >>> len(truth.frames), truth.frames[0].file == paths[0].name
    (5, True)
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    chosen = spec.waves if waves is None else tuple(frame_wave(spec, w) for w in waves)
    paths: list[Path] = []
    frames: list[FrameTruth] = []
    for wave in chosen:
        ch = channel_of(wave)
        times = spec.frame_times(wave)
        observers = observers_at([t + timedelta(seconds=ch.exptime / 2.0) for t in times])
        for moment, obs in zip(times, observers, strict=True):
            path = out / cutout_filename(moment, wave)
            _write_atomic(path, fits_bytes(*render_frame(spec, truth, moment, wave, obs)))
            paths.append(path)
            frames.append(frame_truth(spec, truth, moment, wave))
            logger.debug("wrote %s", path)
    record = CutoutTruth(spec=spec, jet=truth, frames=tuple(frames))
    text = json.dumps(record.to_dict(), indent=2, allow_nan=False) + "\n"
    _write_atomic(out / TRUTH_FILE, text.encode("utf-8"))
    logger.info("wrote %d synthetic AIA frames and %s to %s", len(paths), TRUTH_FILE, out)
    return paths


def load_truth(path: str | os.PathLike[str]) -> CutoutTruth:
    """Read the ``truth.json`` written by :func:`write_cutout` (give the file or its folder).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from jet_sandbox.aia import CutoutSpec, load_truth, make_jet, write_cutout
    >>> spec = CutoutSpec(center_x=0, center_y=0, shape=(64, 64), start_time="2012-07-08T13:05:00",
    ...                   end_time="2012-07-08T13:05:30")
    >>> jet = make_jet(5, 5, 30, "2012-07-08T13:05", "2012-07-08T13:05:20", "2012-07-08T13:06",
    ...                max_height=12, width=4)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = write_cutout(spec, jet, tmp)
    ...     truth = load_truth(Path(tmp) / "truth.json")
    >>> truth.jet == jet, truth.spec == spec, [round(f.height, 2) for f in truth.frames]
    (True, True, [4.27, 11.47])
    """
    target = Path(path)
    if target.is_dir():
        target = target / TRUTH_FILE
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise SyntheticAiaError(f"cannot read the truth file {target}: {err}") from err
    return CutoutTruth.from_dict(data)
