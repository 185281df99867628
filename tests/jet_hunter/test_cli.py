"""The command line in-process: status, query, db; and every bad input gives one clear line."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from jet_hunter import __version__
from jet_hunter.cli import main
from jet_store import CutoutJob, HekEvent, JobState, Store
from jet_store.migrate import alembic_config, head_revision

T0 = datetime(2010, 6, 20, 11, 14, 44, tzinfo=timezone.utc)


@pytest.fixture
def filled(db_url: str) -> str:
    store = Store(db_url)
    store.add(
        HekEvent(
            kb_archivid=f"ivo://x/{n}",
            event_type="CJ",
            start_time=T0 + timedelta(days=n),
            end_time=T0 + timedelta(days=n, minutes=20),
            channel=("171", "304")[n % 2],
            hpc_x=-500.0 + n,
            hpc_y=200.0,
            raw={"n": n},
        )
        for n in range(6)
    )
    store.add(
        [
            CutoutJob(
                key="ssw:a",
                backend="ssw",
                start_time=T0,
                end_time=T0,
                center_x=0.0,
                center_y=0.0,
                fov_x=120.0,
                fov_y=120.0,
                wavelengths=(304,),
                state=JobState.SUBMITTED,
            ),
            CutoutJob(
                key="ssw:b",
                backend="ssw",
                start_time=T0,
                end_time=T0,
                center_x=0.0,
                center_y=0.0,
                fov_x=120.0,
                fov_y=120.0,
                wavelengths=(171, 304),
            ),
        ]
    )
    store.close()
    return db_url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"jet-hunter {__version__}"


def test_status(filled: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--db", filled, "status")
    assert code == 0, err
    lines = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert lines["events"].split()[1] == "6"
    assert "new 1, submitted 1" in lines["cutouts"]
    code, out, _ = run(capsys, "status", "--json", "--db", filled)  # global option after the command
    doc = json.loads(out)
    assert doc["schema"] == head_revision()
    assert doc["kinds"]["cutouts"] == {"total": 2, "states": {"new": 1, "submitted": 1}}
    assert doc["kinds"]["jets"] == {"total": 0}


def test_query_json_lines(filled: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
        "--db",
        filled,
        "query",
        "events",
        "--where",
        "channel",
        "=",
        "304",
        "--where",
        "hpc_x > -498.5",
        "--json",
    )
    assert code == 0, err
    docs = [json.loads(line) for line in out.splitlines()]
    assert [d["kb_archivid"] for d in docs] == ["ivo://x/3", "ivo://x/5"]
    assert docs[0]["start_time"] == "2010-06-23T11:14:44+00:00"
    assert docs[0]["raw"] == {"n": 3}


def test_query_table_limit_order(filled: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--db", filled, "query", "events", "--limit", "2", "--order-by=-start_time")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["kb_archivid", "sol_standard"]
    assert [line.split()[0] for line in lines[1:]] == ["ivo://x/5", "ivo://x/4"]
    code, out, _ = run(capsys, "--db", filled, "query", "cutouts", "--where", "state=submitted")
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["ssw:a"]


def test_query_time_filter(filled: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "--db", filled, "query", "events", "--json", "--where", "start_time", ">=", "2010-06-24"
    )
    assert code == 0
    assert len(out.splitlines()) == 2


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["query", "comets"], 1, "invalid choice: 'comets'"),
        (["query", "events", "--where", "colour", "=", "red"], 1, "no field 'colour'"),
        (["query", "events", "--where", "channel"], 1, "cannot read filter"),
        (["query", "events", "--where", "channel", "="], 1, "cannot read filter"),
        (["query", "events", "--where", "hpc_x ~ 3"], 1, "cannot read filter"),
        (["query", "events", "--where", "hpc_x = west"], 1, "holds float values"),
        (["query", "events", "--limit", "-1"], 1, "argument --limit: must be >= 0"),
        (["query", "events", "--limit", "many"], 1, "not a whole number"),
        (["query", "events", "--order-by", "colour"], 1, "no field 'colour'"),
        (["status", "--bogus"], 1, "unrecognized arguments"),
        (["frobnicate"], 1, "invalid choice"),
    ],
)
def test_bad_input_one_line_no_traceback(
    filled: str, capsys: pytest.CaptureFixture[str], argv: list[str], code: int, message: str
) -> None:
    got, _, err = run(capsys, "--db", filled, *argv)
    assert got == code
    assert err.count("\n") == 1, err
    assert err.startswith("jet-hunter: error: ")
    assert message in err
    assert "Traceback" not in err


def test_not_a_database_exit_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "photo.db"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 4096)
    code, _, err = run(capsys, "--db", str(path), "status")
    assert code == 3
    assert err.count("\n") == 1 and "not a SQLite database" in err


def test_unreachable_postgres_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--db", "postgresql://jets:hunter2@127.0.0.1:1/jets", "query", "events")
    assert code == 2
    assert err.count("\n") == 1 and "cannot reach the database" in err
    assert "hunter2" not in err


def test_missing_database_is_not_created(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "jet-hunter.db"
    code, _, err = run(capsys, "--db", str(path), "status")
    assert code == 1 and "no database at" in err
    assert not path.exists()


def test_verbose_adds_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "-v", "--db", str(tmp_path / "none.db"), "status")
    assert code == 1
    assert "Traceback" in err and err.rstrip().splitlines()[-1].startswith("jet-hunter: error:")


def test_env_db(filled: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JET_HUNTER_DB", filled)
    code, out, _ = run(capsys, "status", "--json")
    assert code == 0 and json.loads(out)["kinds"]["events"]["total"] == 6


def test_db_upgrade(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    engine = sa.create_engine(db_url)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    engine.dispose()
    code, _, err = run(capsys, "--db", db_url, "status")
    assert code == 1 and "jet-hunter db upgrade" in err
    code, out, err = run(capsys, "--db", db_url, "db", "upgrade")
    assert code == 0, err
    assert head_revision() in out
    code, out, _ = run(capsys, "--db", db_url, "db", "info")
    assert code == 0 and f"schema {head_revision()}" in out
