"""Helpers of the zoo_bridge tests: a rendered synthetic cutout with per-frame jitter."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from astropy.io import fits
from jet_render.stage import render_frames
from jet_sandbox.aia import CutoutSpec, write_cutout
from jet_store import FitsFrame, HekEvent, Rendering, Store, Subject
from sdo_cutout.fitsmeta import frame_fields_from_header

JOB = "ssw_service_120708_130500_zoo"
EVENT = "ivo://helio-informatics.org/CJ_zoo_test"
SOL = "SOL2012-07-08T13:05:00L100C060"


@dataclass(frozen=True)
class Rendered:
    """A data folder with one synthetic cutout rendered framed (small), in a store."""

    root: Path
    db_url: str
    fits_paths: list[Path]

    def store(self) -> Store:
        return Store(self.db_url)

    def frames(self) -> list[FitsFrame]:
        with self.store() as store:
            return store.filter(FitsFrame, order_by="obs_time")

    def renderings(self) -> list[Rendering]:
        with self.store() as store:
            return store.filter(Rendering, order_by="obs_time")


def add_frames(store: Store, root: Path, paths: list[Path], *, job: str = JOB, event: str = EVENT) -> None:
    """Record FITS files as downloaded frames, their fields read from the headers."""
    records = []
    for path in paths:
        header = fits.getheader(path)
        fields = frame_fields_from_header(header)
        records.append(
            FitsFrame(
                url=f"https://example.org/{job}/{path.name}",
                job_key=job,
                event_id=event,
                state="downloaded",
                path=path.relative_to(root).as_posix(),
                **fields,
            )
        )
    store.add(records)


def make_rendered(
    root: Path,
    *,
    frames_end: str = "2012-07-08T13:06:00",
    size: tuple[int, int] = (480, 360),
    jitter: bool = True,
) -> Rendered:
    """Write a synthetic cutout under ``root``, record it and render it framed."""
    spec = CutoutSpec(
        center_x=-400.0, center_y=300.0, shape=(120, 100), start_time="2012-07-08T13:05:00",
        end_time=frames_end, seed=5,
    )  # fmt: skip
    paths = write_cutout(spec, None, root / "cutouts" / JOB)
    for i, path in enumerate(paths if jitter else []):  # real cutouts jitter by sub-pixels
        with fits.open(path, mode="update") as hdul:
            hdul[0].header["CRPIX1"] = hdul[0].header["CRPIX1"] + 0.137 * i
            hdul[0].header["CRPIX2"] = hdul[0].header["CRPIX2"] - 0.071 * i
    db_url = f"sqlite:///{root / 'store.db'}"
    with Store(db_url) as store:
        store.add(
            [
                HekEvent(
                    kb_archivid=EVENT, event_type="CJ", sol_standard=SOL,
                    start_time=spec.frame_times()[0], end_time=spec.frame_times()[-1],
                    hpc_x=-400.0, hpc_y=300.0, channel="304",
                )
            ]
        )  # fmt: skip
        add_frames(store, root, paths)
        summary = render_frames(store, root, kind="framed", size=size, progress=False)
        assert summary.failed == 0
    return Rendered(root=root, db_url=db_url, fits_paths=paths)


def tiny_png(seed: int) -> bytes:
    """A small, distinct PNG (a few hundred bytes)."""
    import io

    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (8, 8, 3), dtype=np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def synthetic_subjects(root: Path, n_subjects: int, n_frames: int, *, event: str = EVENT) -> list[Subject]:
    """``n_subjects`` subjects of ``n_frames`` tiny PNGs each, with contract metadata (not stored)."""
    from datetime import UTC, datetime, timedelta

    from zoo_bridge.grouping import subject_key
    from zoo_bridge.metadata import subject_metadata

    start = datetime(2012, 7, 8, 13, 0, tzinfo=UTC)
    out = []
    folder = root / "renderings" / "synthetic" / "framed"
    folder.mkdir(parents=True, exist_ok=True)
    for s in range(n_subjects):
        renderings, frames = [], []
        for i in range(n_frames):
            n = s * n_frames + i
            moment = start + timedelta(seconds=12 * n)
            name = f"frame_{n:06d}.png"
            (folder / name).write_bytes(tiny_png(n))
            url = f"https://example.org/synthetic/{n:06d}.fits"
            frames.append(
                FitsFrame(url=url, obs_time=moment, wavelength=304.0, naxis1=8, naxis2=8,
                          crpix1=4.5 + i / 100, crpix2=4.5, crval1=-400.0, crval2=300.0, cdelt1=0.6,
                          cdelt2=0.6, cunit1="arcsec", cunit2="arcsec", ctype1="HPLN-TAN", ctype2="HPLT-TAN",
                          crota2=0.0)
            )  # fmt: skip
            renderings.append(
                Rendering(path=f"renderings/synthetic/framed/{name}", frame_url=url, format="png", width=8,
                          height=8, im_ll_x=0.0, im_ll_y=0.0, im_ur_x=1.0, im_ur_y=1.0, renderer="bare",
                          obs_time=moment)
            )  # fmt: skip
        urls = tuple(f.url for f in frames)
        draft = Subject(
            key=subject_key(event, "framed/304", urls), rendering_paths=tuple(r.path for r in renderings),
            frame_urls=urls, media_paths=tuple(r.path for r in renderings), event_id=event, sol_standard=SOL,
            index=s,
        )  # fmt: skip
        out.append(
            replace(draft, metadata=subject_metadata(draft, renderings, frames, frames_per_subject=n_frames))
        )
    return out
