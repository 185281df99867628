"""Arbitrary strings for every option of every command: an exit code in {0,1,2,3}, one line, no traceback.

The options are enumerated from :func:`jet_hunter.cli.build_parser`, so a new option is
fuzzed without touching this file. Each command runs in-process in a fresh folder, with
its other required arguments valid, and pointed where it ends fast after validation: a
store that does not exist (commands that read one), a HEK replica that answers 404
(``hek search``, ``run``), replicas that stop at once (``sandbox serve``).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jet_hunter.cli import build_parser, main

hek_replica = pytest.importorskip("jet_sandbox.hek")
server = pytest.importorskip("jet_sandbox.server")

# what each command needs besides the option under test, so that it gets past parsing
REQUIRED: dict[tuple[str, ...], list[str]] = {
    ("hek", "search"): ["--start", "2010-06-01", "--end", "2010-06-02"],
    ("run",): ["--start", "2010-06-01", "--end", "2010-06-02", "--timeout", "1"],
    ("query",): ["events"],
    ("sandbox", "serve", "files"): ["--root", "."],
}
# commands that create a store where they are told to: given one that cannot be opened
CREATE_STORE = {("hek", "search"), ("run",), ("db", "upgrade")}
# demo writes a folder and runs the whole chain (minutes): its options are fuzzed against a
# folder it refuses, and its --folder is fuzzed at parsing only
DEMO_FOLDER = "foreign"


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[Any]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield path, parser
    for sub in subs:
        for name, child in sub.choices.items():
            yield from _commands(child, (*path, name))


# the global options (--db, --data-dir, --config) are on every command; fuzzed on these
GLOBAL_ON = {("status",), ("hek", "search"), ("db", "upgrade")}
GLOBAL = {"--db", "--data-dir", "--config"}


def _options() -> list[tuple[tuple[str, ...], str, int]]:
    """(command path, option string, number of values) for every option taking values."""
    found = []
    for path, parser in _commands(build_parser()):
        for action in parser._actions:
            if not action.option_strings or action.nargs == 0 or action.dest in ("help", "version"):
                continue
            if action.option_strings[-1] in GLOBAL and path not in GLOBAL_ON:
                continue
            nargs = action.nargs if isinstance(action.nargs, int) else 1
            found.append((path, action.option_strings[-1], nargs))
    return found


OPTIONS = _options()


def test_every_command_and_option_is_enumerated() -> None:
    paths = {path for path, _, _ in OPTIONS}
    assert {("hek", "search"), ("run",), ("query",), ("sandbox", "serve", "hek"), ("render",)} <= paths
    assert ("sandbox", "serve", "hek") in paths and any(o == "--port" for _, o, _ in OPTIONS)
    assert len(OPTIONS) > 60
    assert {o for _, o, _ in OPTIONS} >= GLOBAL


@pytest.fixture(scope="module")
def hek_404() -> Iterator[str]:
    with hek_replica.HekServer(synthetic=False, faults=["404:every=1"]) as srv:
        yield srv.url


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hek_404: str) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / DEMO_FOLDER).mkdir()
    (tmp_path / DEMO_FOLDER / "thesis.tex").write_text("not the demo's")
    (tmp_path / "not-a-db").mkdir()
    for var in ("JET_HUNTER_DB", "JET_HUNTER_CONFIG", "JET_HUNTER_DATA"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("JET_HUNTER_HEK_URL", hek_404)
    monkeypatch.setenv("JET_HUNTER_SSW_URL", "http://127.0.0.1:9/cgi-bin/ssw_service.sh")
    # a replica started by `sandbox serve` stops at once instead of serving until Ctrl-C
    monkeypatch.setattr(server.SandboxServer, "wait", lambda self, timeout=None: True)
    return tmp_path


def _argv(path: tuple[str, ...], option: str, values: list[str]) -> list[str]:
    if path == (
        "demo",
    ):  # a folder it refuses; its own --folder checked at parsing only (then --max-frames 0)
        if option == "--folder":
            return ["demo", "--folder", *values, "--max-frames", "0"]
        return ["demo", "--folder", DEMO_FOLDER, option, *values]
    db = "not-a-db" if path in CREATE_STORE else "missing.db"
    globals_ = [] if option in ("--db", "--data-dir", "--config") else ["--db", db]
    return [*globals_, *path, *REQUIRED.get(path, []), option, *values]


def _check(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    try:
        code = main(argv)
    except SystemExit as exit_:  # --help, --version
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    assert code in (0, 1, 2, 3), (argv, code, err)
    assert "Traceback" not in err and "Traceback" not in out, argv
    assert "internal error" not in err, (argv, err)
    if code:
        assert err.count("\n") == 1 and err.startswith("jet-hunter: "), (argv, err)


TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["0", "-1", "nan", "inf", "-inf", "1e308", "99999999999999999999", "", " ", "~nosuchuser/x", ".", "/"]
    ),
    st.from_regex(r"-?[0-9]{1,25}(\.[0-9]{0,5})?(e[+-]?[0-9]{1,4})?", fullmatch=True),
    st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?)?", fullmatch=True),
)


@pytest.mark.parametrize(
    ("path", "option", "nargs"), OPTIONS, ids=[f"{' '.join(p)} {o}" for p, o, _ in OPTIONS]
)
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_arbitrary_values_never_leak_a_traceback(
    folder: Path,
    capsys: pytest.CaptureFixture[str],
    path: tuple[str, ...],
    option: str,
    nargs: int,
    data: st.DataObject,
) -> None:
    values = [data.draw(TEXT, label=f"{option} value {i}") for i in range(nargs)]
    if any("\x00" in v for v in values) and os.name != "posix":  # pragma: no cover
        return
    _check(capsys, _argv(path, option, values))
