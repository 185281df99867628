"""``jet-hunter hek search`` through the real command line, against the HEK replica."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jet_hunter import cli
from jet_sandbox.hek import HekServer


def test_search_prints_a_summary_and_a_rerun_adds_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "x.db")
    with HekServer(synthetic=False) as srv:
        args = ["--db", db, "hek", "search", "--start", "2010-06-01", "--end", "2010-07-01", "--url", srv.url]
        assert cli.main(args) == 0
        assert capsys.readouterr().out == "found 16, new 16, skipped 0 (windows: fetched 1, skipped 0)\n"
        assert cli.main(args) == 0
        assert capsys.readouterr().out == "found 0, new 0, skipped 0 (windows: fetched 0, skipped 1)\n"
    assert cli.main(["--db", db, "query", "events", "--json"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 16


def test_search_options_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with HekServer(synthetic=False) as srv:
        code = cli.main(
            [
                "hek",
                "search",
                "--db",
                str(tmp_path / "x.db"),
                "--start",
                "2010-06-01",
                "--end",
                "2010-07-01",
                "--type",
                "cj",
                "--channel",
                "304",
                "--box",
                "-1300",
                "-1300",
                "1300",
                "1300",
                "--filter",
                "event_importance",
                ">=",
                "0",
                "--url",
                srv.url,
                "--window-days",
                "10",
                "--json",
            ]
        )
        sent = srv.requests[0].params
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["found"], doc["new"], doc["skipped"]) == (6, 6, 0)
    assert doc["windows"] == {"fetched": 3, "skipped": 0}
    assert doc["query"]["filters"] == [["event_importance", ">=", "0"], ["obs_channelid", "=", "304"]]
    assert (sent["param0"], sent["value0"], sent["param1"], sent["x1"]) == (
        "obs_channelid",
        "304",
        "event_importance",
        "-1300",
    )


def test_errors_map_to_exit_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from hek_client import RetryPolicy

    monkeypatch.setattr("hek_client.base.DEFAULT_RETRY", RetryPolicy(attempts=3, base_delay=0.001))
    db = str(tmp_path / "x.db")
    assert cli.main(["--db", db, "hek", "search", "--start", "2010-07-01", "--end", "2010-06-01"]) == 1
    assert "must be after the start" in capsys.readouterr().err
    assert (
        cli.main(
            [
                "--db",
                db,
                "hek",
                "search",
                "--start",
                "2010-06-01",
                "--end",
                "2010-07-01",
                "--filter",
                "a",
                "~",
                "1",
            ]
        )
        == 1
    )
    assert "unknown operator" in capsys.readouterr().err
    with HekServer(synthetic=False, faults=["html:every=1"]) as srv:
        code = cli.main(
            ["--db", db, "hek", "search", "--start", "2010-06-01", "--end", "2010-06-02", "--url", srv.url]
        )
    assert code == 2
    assert "HEK answered HTML instead of JSON 3 times" in capsys.readouterr().err
