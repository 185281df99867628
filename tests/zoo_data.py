"""Helpers of the zoo_bridge tests: a rendered synthetic cutout with per-frame jitter."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from astropy.io import fits
from jet_render.stage import render_frames
from jet_sandbox.aia import CutoutSpec, write_cutout
from jet_store import FitsFrame, HekEvent, Rendering, Store
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
