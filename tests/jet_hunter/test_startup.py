"""Start-up of the command line: a command imports only what it uses.

Each check runs in a fresh interpreter (this test process has imported everything), and
reads ``sys.modules`` there after the command: ``--help`` and the parser import no
database, science or plotting library; ``status`` and ``query`` import the database
but no stage's libraries. And every package still exposes every name of its
``__all__``, imported on first use.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

PACKAGES = (
    "jet_store",
    "hek_client",
    "sdo_cutout",
    "jet_render",
    "jet_sandbox",
    "zoo_bridge",
    "jet_aggregate",
    "jet_hunter.report",
)

# imported by no command's parser, nor by --help, --version or a usage error
NOT_AT_START = ("matplotlib", "astropy", "sklearn", "scipy", "dask", "distributed", "panoptes_client",
                "sqlalchemy", "alembic", "numpy", "PIL", "jinja2", "httpx", "tenacity")  # fmt: skip
# imported by status and query: the database, and nothing of the stages
NOT_FOR_STATUS = ("matplotlib", "astropy", "sklearn", "scipy", "dask", "distributed", "panoptes_client",
                  "numpy", "PIL", "jinja2")  # fmt: skip

PRELUDE = """
import contextlib, io, json, sys
from jet_hunter.cli import build_parser, main

def run(*args):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exit:
            code = exit.code
    return {"args": list(args), "code": code, "out": out.getvalue(), "err": err.getvalue()}

def loaded(names):
    return sorted(n for n in names if n in sys.modules)
"""


def _child(script: str, tmp_path: Path) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JET_HUNTER_", "EAGER_IMPORT"))}
    env.update(JET_HUNTER_DB=str(tmp_path / "jets.db"), JET_HUNTER_DATA=str(tmp_path / "data"))
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(PRELUDE) + textwrap.dedent(script)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_parser_help_and_usage_errors_import_nothing_heavy(tmp_path: Path) -> None:
    result = _child(
        f"""
        build_parser()
        runs = [run("--help"), run("--version"), run("query", "comets"), run("hek", "search", "--help"),
                run("sandbox", "serve", "hek", "--help")]
        sandbox_data = sorted(m for m in sys.modules if m.startswith("jet_sandbox.aia"))
        print(json.dumps({{"runs": runs, "loaded": loaded({NOT_AT_START!r}), "sandbox_data": sandbox_data}}))
        """,
        tmp_path,
    )
    assert result["loaded"] == []
    assert result["sandbox_data"] == []
    helps, version, usage, hek_help, sandbox_help = result["runs"]
    assert helps["code"] == 0 and "COMMAND" in helps["out"]
    assert version["code"] == 0 and version["out"].startswith("jet-hunter ")
    assert usage["code"] == 1 and usage["err"].startswith("jet-hunter: error: argument KIND: invalid choice")
    assert hek_help["code"] == 0 and "(default 90;" in hek_help["out"]  # defaults read without the client
    assert sandbox_help["code"] == 0 and "--jets-per-week" in sandbox_help["out"]


def test_status_and_query_import_no_stage_libraries(tmp_path: Path) -> None:
    result = _child(
        f"""
        upgrade = run("db", "upgrade")
        runs = [run("status", "--json"), run("query", "frames", "--json"),
                run("query", "events", "--where", "channel = 304")]
        print(json.dumps({{"upgrade": upgrade, "runs": runs, "loaded": loaded({NOT_FOR_STATUS!r})}}))
        """,
        tmp_path,
    )
    assert result["upgrade"]["code"] == 0, result["upgrade"]["err"]
    assert result["loaded"] == []
    status, frames, events = result["runs"]
    assert status["code"] == 0 and json.loads(status["out"])["kinds"]["frames"]["total"] == 0
    assert frames["code"] == 0 and frames["out"] == ""
    assert events["code"] == 0 and events["out"].split() == ["kb_archivid", "sol_standard", "start_time",
                                                             "channel", "hpc_x", "hpc_y"]  # fmt: skip


def test_every_package_exposes_every_public_name(tmp_path: Path) -> None:
    """In a fresh interpreter: the report first (matplotlib's Agg backend is chosen; it
    draws on bare Figures, so pyplot need not be loaded), then each package's names in
    reverse order (each first access imports its module: no import cycle through a package)."""
    result = _child(
        f"""
        import importlib
        from jet_hunter.report import build_report
        import matplotlib
        backend = matplotlib.get_backend().lower()
        missing, hidden = {{}}, {{}}
        for name in {PACKAGES!r}:
            package = importlib.import_module(name)
            missing[name] = [n for n in reversed(package.__all__) if getattr(package, n, None) is None]
            hidden[name] = sorted(set(package.__all__) - set(dir(package)))
        from sdo_cutout import BACKENDS
        print(json.dumps({{"backend": backend, "missing": missing, "hidden": hidden,
                          "backends": list(BACKENDS)}}))
        """,
        tmp_path,
    )
    assert result["backend"] == "agg"
    assert result["missing"] == {name: [] for name in PACKAGES}
    assert result["hidden"] == {name: [] for name in PACKAGES}
    assert result["backends"] == ["ssw", "jsoc"]
