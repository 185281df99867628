"""The report stage killed (SIGKILL) while it builds, then re-run (issue 12, the last stage)."""

from __future__ import annotations

import os
import re
import shutil
import signal
from pathlib import Path
from typing import Any

import pytest
from jet_hunter.report import MARKER, build_report
from jet_hunter.report.build import BUILD_SUFFIX, OLD_SUFFIX
from jet_hunter.report.reuse import KEY_SUFFIX
from jet_store import Store
from jet_store.owners import host_tag
from process_helpers import cli_in_child, cli_launcher, wait_for
from report_data import BuiltReport

LAUNCHER: Any = cli_launcher()

_STAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC")


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def _pages(folder: Path) -> dict[str, str]:
    """Every HTML page, the build time stamp blanked."""
    return {
        p.relative_to(folder).as_posix(): _STAMP.sub("<built>", p.read_text(encoding="utf-8"))
        for p in folder.rglob("*.html")
    }


def _building(parent: Path, name: str) -> Path | None:
    """The build folder of ``name`` once it holds some drawn frames."""
    for tmp in parent.glob(f".{name}.*{BUILD_SUFFIX}"):
        if len(list((tmp / "frames").rglob("*.jpg"))) >= 2:
            return tmp
    return None


@pytest.mark.parametrize("previous", [False, True], ids=["first-build", "rebuild"])
def test_report_killed_while_building_then_rerun(
    built_report: BuiltReport, tmp_path: Path, previous: bool
) -> None:
    out = tmp_path / "r"
    if previous:
        shutil.copytree(built_report.out, out)
        for key in out.rglob(f"*{KEY_SUFFIX}"):  # a report whose frames cannot be reused: they are drawn
            key.unlink()
        before = {p: (out / p).read_bytes() for p in _files(out) if (out / p).is_file()}
    args = ["--db", built_report.db, "--data-dir", str(built_report.data), "-q", "report", "--out", str(out)]
    env = {"JET_HUNTER_CONFIG": os.devnull}
    # a real process (forked from a server that imported the CLI once), killed while it draws frames
    proc = LAUNCHER.Process(
        target=cli_in_child, args=(args, env, str(tmp_path.parent / f"{tmp_path.name}.err"))
    )
    proc.start()
    try:
        left = wait_for(lambda: _building(tmp_path, "r"), timeout=120, what="the report's build folder")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.join(timeout=60)
    assert proc.exitcode == -signal.SIGKILL
    if previous:  # the previous whole report, byte for byte
        assert {p: (out / p).read_bytes() for p in _files(out) if (out / p).is_file()} == before
    else:  # nothing, never a half report
        assert not out.exists()
    assert left.is_dir()  # what the kill left, until the next build
    # a replaced report left by a build killed inside its swap; another machine's build, another report's
    dead = f"{host_tag()}:{2**22 + 7}"  # above any pid this machine hands out
    (tmp_path / f".r.{dead}.k1l2{OLD_SUFFIX}" / "jets").mkdir(parents=True)
    kept = [f".r.elsewhere:1.x1y2{BUILD_SUFFIX}", f".other.{dead}.z1z2{BUILD_SUFFIX}"]
    for name in kept:
        (tmp_path / name).mkdir()
    with Store(built_report.db) as store:
        summary = build_report(store, out, data_dir=built_report.data, progress=False)
    assert summary.to_dict() == {**built_report.summary.to_dict(), "path": str(out / "index.html")}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["r", *kept])  # the killed builds' removed
    assert _files(out) == _files(built_report.out)  # the frames' keys written again too
    assert _pages(out) == _pages(built_report.out)  # the same report, apart from when it was built
    assert (out / MARKER).is_file()
