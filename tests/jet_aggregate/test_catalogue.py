"""The catalogue: the published header verbatim, our columns after it, CSV/ECSV/JSON."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from aggregate_data import metadata_of
from astropy.table import Table
from jet_aggregate.catalogue import PUBLISHED_HEADER, catalogue_rows, write_catalogue
from jet_aggregate.errors import InputError
from jet_aggregate.stage import aggregate_annotations
from jet_sandbox.volunteers import SimulatedEvent
from jet_store import Jet
from jet_store.owners import default_owner, host_tag

PUBLISHED = (
    "#sjh_ID, date, SOL_event, duration, basepoint_X, std_X, basepoint_Y, std_Y, basepoint_X_longitude, "
    "basepoint_Y_latitude, max_height, upper_H, lower_H, avg_width, std_width, velocity, sigma, flags"
)


@pytest.fixture(scope="module")
def jets(two_jet_event: SimulatedEvent) -> list[Jet]:
    return aggregate_annotations(two_jet_event.annotations, metadata_of(two_jet_event), progress=False).jets


def test_csv_header_is_verbatim_then_ours(jets: list[Jet], tmp_path: Path) -> None:
    assert PUBLISHED_HEADER == PUBLISHED
    path = tmp_path / "jets.csv"
    assert write_catalogue(jets, path, "csv") == 2
    header, *lines = path.read_text().splitlines()
    assert header.startswith(PUBLISHED + ", start_time, end_time, peak_time, position_angle")
    assert len(lines) == 2 and all(len(line.split(", ")) == len(header.split(", ")) for line in lines)


def test_rows_mean_what_the_published_columns_mean(jets: list[Jet]) -> None:
    rows = catalogue_rows(jets)
    assert [r["#sjh_ID"] for r in rows] == ["sjh_2012-07-08T13_1", "sjh_2012-07-08T13_2"]
    for row, jet in zip(rows, sorted(jets, key=lambda j: j.start_time), strict=True):
        assert row["velocity"] == pytest.approx(jet.velocity / 725.0)  # type: ignore[operator]
        assert row["duration"] == pytest.approx((jet.subject_end - jet.subject_start).total_seconds() / 60)  # type: ignore[operator]
        assert row["position_angle"] == pytest.approx((jet.direction - 90.0) % 360.0)  # type: ignore[operator]
        assert row["flags"] == f"{jet.flags:03d}"
        assert -90 < row["basepoint_X_longitude"] < 90 and row["n_volunteers"] >= 10


def test_ecsv_keeps_units_and_json_has_nulls(jets: list[Jet], tmp_path: Path) -> None:
    write_catalogue(jets, tmp_path / "jets.ecsv", "ecsv")
    table = Table.read(tmp_path / "jets.ecsv", format="ascii.ecsv")
    assert str(table["basepoint_X"].unit) == "arcsec" and str(table["velocity"].unit) == "arcsec / s"
    assert len(table) == 2
    nan_jet = Jet(
        jet_id="x", start_time=jets[0].start_time, end_time=jets[0].end_time, base_x=0.0, base_y=0.0
    )
    write_catalogue([nan_jet], tmp_path / "jets.json", "json")
    doc = json.loads((tmp_path / "jets.json").read_text())
    assert doc["rows"][0]["velocity"] is None and doc["units"]["max_height"] == "arcsec"
    assert math.isnan(catalogue_rows([nan_jet])[0]["velocity"])
    with pytest.raises(InputError):
        write_catalogue(jets, tmp_path / "x", "xlsx")  # type: ignore[arg-type]


def test_a_killed_writers_temporary_is_removed_by_the_next_write(jets: list[Jet], tmp_path: Path) -> None:
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead = tmp_path / f".jets.csv.{host_tag()}:{int(gone.stdout)}.k1ll3d00.tmp"  # a SIGKILLed writer's
    live = tmp_path / f".jets.csv.{default_owner()}.wr1t1ng0.tmp"  # a writer at work now
    other = tmp_path / ".jets.csv.elsewhere:1.r3m0te00.tmp"  # another machine's
    for path in (dead, live, other):
        path.write_text("partial")
    write_catalogue(jets, tmp_path / "jets.csv", "csv")
    assert not dead.exists() and live.exists() and other.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == sorted(
        [live.name, other.name]
    )
    assert os.path.getsize(tmp_path / "jets.csv") > 0
