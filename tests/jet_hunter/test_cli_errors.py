"""The inputs measured in issue 8: each refused where it is parsed, in one line, with exit 1."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pytest
from jet_hunter import cli
from jet_hunter.cli import argtypes as types
from jet_hunter.cli import main
from jet_sandbox.hek import HekServer
from jet_store import HekSearch, Store


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = tmp_path / "jets.db"
    Store(path).close()
    return str(path)


@pytest.fixture
def nobody_url() -> str:
    """A HEK URL on loopback where nothing listens (a request would fail, and be retried)."""
    with HekServer(synthetic=False) as srv:
        url = srv.url
    return url


MEASURED = [
    (["query", "events", "--where", "start_time >= 0001-01-01T00:00:00+01:00"], "cannot filter on"),
    (
        ["hek", "search", "--start", "9999-12-31T23:59:59.5", "--end", "9999-12-31T23:59:59.9"],
        "argument --start: 9999-12-31T23:59:59.5 is too late",
    ),
    (
        ["hek", "search", "--start", "2010-01-01", "--end", "2011-01-01", "--window-days", "inf"],
        "not a finite",
    ),
    (["hek", "search", "--start", "2010-01-01", "--end", "2011-01-01", "--window-days", "1e10"], "<= 3650"),
    (
        ["hek", "search", "--start", "2010-01-01", "--end", "2011-01-01", "--window-days", "0.000001"],
        "argument --window-days: must be >= 0.000694444",
    ),
    (
        ["hek", "search", "--start", "1990-01-01", "--end", "2030-01-01", "--window-days", "0.001"],
        "more than max_windows=10000",
    ),
    (["query", "events", "--limit", "99999999999999999999"], "must be >= 0, not 99999999999999999999"),
    (["sandbox", "serve", "hek", "--port", "99999"], "argument --port: must be between 0 and 65535"),
    (["run", "--start", "2010-06-01", "--end", "2010-06-02", "--workers", "0"], "argument --workers"),
    (["run", "--start", "2010-06-01", "--end", "2010-06-02", "--timeout", "-1"], "argument --timeout"),
    (["run", "--start", "2010-06-01", "--end", "2010-06-02", "--timeout", "nan"], "not a finite number"),
    (["run", "--start", "2010-06-01", "--end", "2010-06-02", "--wave", "305"], "AIA has no 305"),
    (["run", "--start", "2010-06-01", "--end", "2010-06-02", "--wave", "171,inf"], "must be finite"),
    (
        ["run", "--start", "2010-06-01", "--end", "2010-06-02", "--channel", "30 4"],
        "not an observing channel",
    ),
    (["run", "--start", "2010-06-01", "--end", "2010-06-02", "--type", "jets"], "not a HEK event type"),
    (["run", "--start", "0000-01-01", "--end", "2010-06-02"], "argument --start"),
    (["hek", "search", "--start", "2010-06-01", "--end", "2010-06-02", "--url", "ftp://x"], "not an http(s)"),
    (["render", "--size", "99999999999999999999x3"], "argument --size"),
    (["render", "--percentile", "99", "1"], "LOW < HIGH"),
    (["sandbox", "serve", "hek", "--fault", "teapot:1"], "argument --fault"),
    (["sandbox", "serve", "files", "--root", "/no/such/folder"], "no folder /no/such/folder"),
    (["--data-dir", "~nosuchuser/x", "status"], "cannot expand '~nosuchuser/x'"),
]


@pytest.mark.parametrize(("argv", "message"), MEASURED, ids=[" ".join(a)[:60] for a, _ in MEASURED])
def test_measured_inputs_are_one_line_exit_1(
    db: str,
    nobody_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    monkeypatch.setenv("JET_HUNTER_HEK_URL", nobody_url)
    code, out, err = run(capsys, "--db", db, *argv)
    assert (code, out) == (1, "")
    assert err.count("\n") == 1 and err.startswith("jet-hunter: error: ") and "Traceback" not in err
    assert message in err
    store = Store(db)
    assert store.count(HekSearch) == 0  # refused before any search ran
    store.close()


def test_config_naming_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--config", str(tmp_path), "status")
    assert code == 1 and err.count("\n") == 1
    assert f"argument --config: {tmp_path} is a folder, not a file" in err


def test_config_env_naming_a_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JET_HUNTER_CONFIG", str(tmp_path))
    code, _, err = run(capsys, "status")
    assert code == 1 and "is a folder" in err and err.count("\n") == 1


def test_data_dir_of_unknown_user_in_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "jet-hunter.toml"
    config.write_text('data_dir = "~nosuchuser/x"\n')
    code, _, err = run(capsys, "--config", str(config), "--db", str(tmp_path / "x.db"), "db", "upgrade")
    assert code == 1 and err.count("\n") == 1
    assert "cannot expand '~nosuchuser'" in err


def test_unexpected_exception_is_one_line_internal_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(app: object, args: object) -> int:
        raise ZeroDivisionError("a bug\nover two lines")

    monkeypatch.setattr(cli.status, "run", broken)
    code, _, err = run(capsys, "--db", "sqlite://", "status")
    assert code == cli.INTERNAL_ERROR == 3
    assert err == (
        "jet-hunter: internal error: ZeroDivisionError: a bug over two lines "
        "(run with -v for the traceback; please report it)\n"
    )
    code, _, err = run(capsys, "-v", "--db", "sqlite://", "status")
    assert (
        code == 3
        and "Traceback" in err
        and err.endswith("internal error: ZeroDivisionError: a bug over two lines\n")
    )


def test_os_error_is_a_user_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = run(capsys, "--db", str(blocker / "sub" / "x.db"), "db", "upgrade")
    assert code in (1, 3) and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize(
    ("parse", "text", "value"),
    [
        (types.utc_time, "2010-06-01T12:00:00+02:00", "2010-06-01T10:00:00+00:00"),
        (types.utc_time, "2010/06/01 12:00", "2010-06-01T12:00:00+00:00"),
        (types.port, "0", 0),
        (types.port, "65535", 65535),
        (types.count, "9223372036854775807", 2**63 - 1),
        (types.window_days, "0.5", 0.5),
        (types.wavelengths, "304,171", (171, 304)),
        (types.channel, "304", "304"),
        (types.event_types, "CJ,fl", "cj,fl"),
        (types.pixel_size(16, 10000), "1920x1440", (1920, 1440)),
        (types.int_list, "6,2,1,0", (6, 2, 1, 0)),
    ],
)
def test_argument_types_accept(parse: object, text: str, value: object) -> None:
    got = parse(text)  # type: ignore[operator]
    assert (got.isoformat() if hasattr(got, "isoformat") else got) == value


@pytest.mark.parametrize(
    ("parse", "text"),
    [
        (types.utc_time, "10000-01-01"),
        (types.utc_time, "yesterday-ish"),
        (types.port, "65536"),
        (types.port, "-1"),
        (types.count, "9223372036854775808"),
        (types.positive_int, "1.5"),
        (types.seconds, "inf"),
        (types.seconds, "0"),
        (types.window_days, "nan"),
        (types.http_url, "http://"),
        (types.http_url, "http://x:notaport/"),
        (types.host, "bad host"),
        (types.email, "nobody"),
        (types.path, ""),
        (types.path, "a\x00b"),
        (types.existing_file, "/"),
    ],
)
def test_argument_types_refuse(parse: object, text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse(text)  # type: ignore[operator]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def test_tilde_database_path_is_opened_where_it_was_checked(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "--db", "~/jets.db", "db", "upgrade")[0] == 0
    assert (home / "jets.db").is_file() and not Path("~").exists()
    assert run(capsys, "--db", "sqlite:///~/jets.db", "status")[0] == 0
    assert os.path.expanduser("~") == str(home)
