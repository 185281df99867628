"""Fixtures of the jet_render tests: one synthetic AIA cutout with a jet, written once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from jet_sandbox.aia import CutoutSpec, CutoutTruth, load_truth, make_jet, write_cutout
from jet_store import FitsFrame, Store

JOB = "ssw_service_120708_130500_test"


@dataclass(frozen=True)
class Cutout:
    """A data folder holding one synthetic cutout (``cutouts/<job>/``) and its truth."""

    root: Path
    paths: list[Path]
    truth: CutoutTruth

    def frames(self) -> list[FitsFrame]:
        """The cutout's files as downloaded FitsFrame records."""
        out = []
        for path, ft in zip(self.paths, self.truth.frames, strict=True):
            out.append(
                FitsFrame(
                    url=f"https://example.org/{JOB}/{path.name}",
                    job_key=JOB,
                    event_id="ivo://test/CJ1",
                    state="downloaded",
                    path=path.relative_to(self.root).as_posix(),
                    obs_time=ft.date_obs,
                    wavelength=304.0,
                )
            )
        return out


@pytest.fixture(scope="session")
def cutout(tmp_path_factory: pytest.TempPathFactory) -> Cutout:
    """A 600x500 304 Å limb cutout, 5 frames, a jet peaking inside the window."""
    root = tmp_path_factory.mktemp("render-data")
    spec = CutoutSpec(
        center_x=-850.0,
        center_y=400.0,
        start_time="2012-07-08T13:05:00",
        end_time="2012-07-08T13:06:00",
        seed=3,
    )
    jet = make_jet(
        -870.0, 420.0, 150.0, "2012-07-08T13:04", "2012-07-08T13:05:30", "2012-07-08T13:08",
        max_height=60.0, width=8.0,
    )  # fmt: skip
    paths = write_cutout(spec, jet, root / "cutouts" / JOB)
    return Cutout(root=root, paths=paths, truth=load_truth(root / "cutouts" / JOB))


@pytest.fixture
def store() -> Store:
    """An empty in-memory store."""
    return Store("sqlite://")
