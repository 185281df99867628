"""``jet-hunter aggregate`` and ``jet-hunter catalogue`` on a store of simulated classifications."""

from __future__ import annotations

import json
from pathlib import Path

import aggregate_data
from jet_hunter.cli import main
from jet_store import Store


def test_aggregate_then_catalogue(tmp_path: Path, capsys) -> None:
    sim = aggregate_data.two_jet_event(0)
    db = tmp_path / "jh.db"
    with Store(db) as store:
        store.add([*sim.annotations, *sim.classifications, *sim.subjects])
    params = tmp_path / "params.toml"
    params.write_text("[aggregate]\nbox_eps = 0.6\n")
    assert (
        main(
            [
                "--db",
                str(db),
                "aggregate",
                "--workflow",
                "19650",
                "--config",
                str(params),
                "--workers",
                "2",
                "--json",
            ]
        )
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert doc["jets"] == 2 and doc["exit_code"] == 0
    assert main(["--db", str(db), "-q", "aggregate", "--workflow", "19650"]) == 0
    assert "0 records changed" in capsys.readouterr().out
    out = tmp_path / "jets.ecsv"
    assert main(["--db", str(db), "catalogue", "--format", "ecsv", "--out", str(out)]) == 0
    assert "wrote 2 jets" in capsys.readouterr().out and out.read_text().startswith("# %ECSV")


def test_bad_parameters_are_a_user_error(tmp_path: Path, capsys) -> None:
    params = tmp_path / "params.toml"
    params.write_text("allow_single_cluster = true\n")
    assert main(["--db", str(tmp_path / "x.db"), "aggregate", "--config", str(params)]) == 1
    assert "unknown aggregation parameter 'allow_single_cluster'" in capsys.readouterr().err
