"""Subjects -> export -> the real Panoptes CLI and our uploader, both against the replica."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from jet_hunter.cli import main
from jet_render.coords import ImageGeometry, pixel_to_world
from jet_sandbox.panoptes import PanoptesServer
from jet_store import FitsFrame, Rendering, Store
from zoo_bridge.metadata import frame_metadata
from zoo_data import make_rendered


def _cli_upload(
    srv: PanoptesServer, home: Path, set_id: int, manifest: Path
) -> subprocess.CompletedProcess[str]:
    (home / ".panoptes").mkdir(parents=True, exist_ok=True)
    (home / ".panoptes" / "config.yml").write_text(
        f"endpoint: {srv.url}\nusername: {srv.username}\npassword: {srv.password}\n"
    )
    exe = Path(sys.executable).parent / "panoptes"
    return subprocess.run(
        [str(exe), "subject-set", "upload-subjects", str(set_id), str(manifest)],
        env={**os.environ, "HOME": str(home)}, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_export_and_upload_match_the_panoptes_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = make_rendered(tmp_path / "data", frames_end="2012-07-08T13:07:20", size=(240, 180))
    base = ["--db", data.db_url, "--data-dir", str(data.root), "-q"]
    assert main([*base, "subjects", "--frames-per-subject", "5", "--overlap", "2"]) == 0
    assert "4 subjects from 1 events: 4 new" in capsys.readouterr().out
    out = tmp_path / "export"
    assert main([*base, "export", "--out", str(out)]) == 0
    capsys.readouterr()

    with PanoptesServer() as srv:
        monkeypatch.setenv("JET_HUNTER_PANOPTES_URL", srv.url)
        monkeypatch.delenv("PANOPTES_USERNAME", raising=False)
        assert main([*base, "upload", "--project", "11265", "--subject-set", "ours"]) == 1
        assert "PANOPTES_USERNAME" in capsys.readouterr().err
        monkeypatch.setenv("PANOPTES_USERNAME", srv.username)
        monkeypatch.setenv("PANOPTES_PASSWORD", srv.password)
        assert main([*base, "upload", "--project", "11265", "--subject-set", "ours", "--dry-run"]) == 0
        assert "dry run: 4 subjects" in capsys.readouterr().out and not srv.subjects()
        assert main([*base, "upload", "--project", "11265", "--subject-set", "ours", "--workers", "2"]) == 0
        assert "4 subjects linked" in capsys.readouterr().out
        (ours_set,) = srv.subject_sets(11265, "ours")

        # the real Panoptes CLI takes our manifest into another set
        cli_set = srv.state.create_subject_set(srv.state.user_by_login(srv.username).id, 11265, "cli", {})
        done = _cli_upload(srv, tmp_path / "home", cli_set.id, out / "manifest.csv")
        assert done.returncode == 0, done.stderr[-2000:]
        ours = {s.metadata["#subject_key"]: s for s in srv.subjects(subject_set_id=ours_set.id)}
        theirs = {s.metadata["#subject_key"]: s for s in srv.subjects(subject_set_id=cli_set.id)}
        assert set(ours) == set(theirs) and len(ours) == 4
        for key, mine in ours.items():
            other = theirs[key]
            assert other.sha256s == mine.sha256s, "the same files, in the same order"
            cli_meta = {k: v for k, v in other.metadata.items() if v != "" and not k.startswith("image_")}
            assert cli_meta == dict(mine.metadata), "the same metadata (empty cells = absent)"

        # a mark placed from the uploaded metadata alone maps to the right arcsec
        with Store(data.db_url) as store:
            frames = {f.url: f for f in store.filter(FitsFrame)}
            renderings = {Path(r.path).name: r for r in store.filter(Rendering)}
        for remote in ours.values():
            for i in (0, 4):
                fm = frame_metadata(remote.metadata, i)
                rendering = renderings[fm.file_name or ""]
                frame = frames[rendering.frame_url]
                header = fits.getheader(data.root / (frame.path or ""))
                x, y = np.array([100.0, 150.5]), np.array([60.0, 120.25])
                got = pixel_to_world(x, y, fm.geometry, fm.wcs)
                want = pixel_to_world(x, y, ImageGeometry.from_rendering(rendering, frame), header)
                np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)

        # query shows each subject's frames, key, state and Zooniverse id
        assert main([*base, "query", "subjects", "--json"]) == 0
        rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert {r["key"] for r in rows} == set(ours)
        for row in rows:
            assert row["state"] == "linked" and row["zooniverse_id"] == ours[row["key"]].id
            assert len(row["frame_urls"]) == 5
        # run again: nothing to do
        assert main([*base, "upload", "--project", "11265", "--subject-set", "ours"]) == 0
        assert "4 already done" in capsys.readouterr().out


def test_export_refuses_bad_files_with_exit_code_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = make_rendered(tmp_path / "data", size=(160, 120), jitter=False)
    base = ["--db", data.db_url, "--data-dir", str(data.root), "-q"]
    assert main([*base, "subjects"]) == 0
    with Store(data.db_url) as store:
        victim = data.root / store.filter(Rendering)[2].path
    victim.unlink()
    assert main([*base, "export", "--out", str(tmp_path / "out")]) == 3
    err = capsys.readouterr().err
    assert victim.name in err and "does not exist" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()
