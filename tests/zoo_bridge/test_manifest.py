"""Export folders: files checked first, manifest in the Panoptes CLI's format."""

from __future__ import annotations

import csv
import os
from dataclasses import replace
from pathlib import Path

import pytest
from jet_store import Store, Subject
from zoo_bridge.errors import BadSubjectFiles
from zoo_bridge.grouping import GroupingOptions
from zoo_bridge.manifest import export_subjects
from zoo_bridge.metadata import frame_metadata
from zoo_bridge.subjects import make_subjects
from zoo_data import Rendered


def _store(rendered: Rendered, tmp_path: Path, **options: int) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'copy.db'}")
    with rendered.store() as src:
        store.add(src.filter("events") + src.filter("frames") + src.filter("renderings"))
    make_subjects(store, rendered.root, GroupingOptions(**options), progress=False)
    return store


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_the_manifest_has_the_files_then_the_metadata(rendered: Rendered, tmp_path: Path) -> None:
    store = _store(rendered, tmp_path, frames_per_subject=3, overlap=1)
    out = tmp_path / "export"
    summary = export_subjects(store, rendered.root, out, progress=False)
    assert [p.name for p in summary.manifests] == ["manifest.csv"]
    rows = _read(out / "manifest.csv")
    subjects = store.filter(Subject, order_by="index")
    assert len(rows) == len(subjects) == 2
    header = next(csv.reader((out / "manifest.csv").open()))
    assert header[:3] == ["image_0", "image_1", "image_2"]
    for row, subject in zip(rows, subjects, strict=True):
        for i, rel in enumerate(subject.media_paths):
            name = Path(rel).name
            assert row[f"image_{i}"] == f"images/{name}"
            assert (out / "images" / name).read_bytes() == (rendered.root / rel).read_bytes()
            assert row[f"#file_name_{i}"] == name
        # the metadata read back from the CSV row (empty cells = absent) is the contract
        meta = {k: v for k, v in row.items() if not k.startswith("image_")}
        assert {k: v for k, v in meta.items() if v} == subject.metadata
        assert frame_metadata(meta, 2).wcs == frame_metadata(subject.metadata, 2).wcs
    assert {s.state for s in store.filter(Subject)} == {"exported"}
    # what the Panoptes CLI does with the first row: only the image columns name files
    first = next(csv.reader((out / "manifest.csv").open()))
    first_row = next(r for i, r in enumerate(csv.reader((out / "manifest.csv").open())) if i == 1)
    assert first
    files = [c for c in first_row if c and os.path.exists(out / c)]
    assert files == first_row[:3]
    # a re-run copies nothing
    assert export_subjects(store, rendered.root, out, progress=False).copied == 0


def test_formula_text_is_neutralised_and_numbers_stay_numbers(rendered: Rendered, tmp_path: Path) -> None:
    store = _store(rendered, tmp_path)
    (subject,) = store.filter(Subject)
    meta = {**subject.metadata, "!SOL": "=cmd|' /C calc'!A0", "#sol_standard": "@SUM(1)", "#crval1": "-512.4"}
    store.add([replace(subject, metadata=meta)])
    out = tmp_path / "export"
    export_subjects(store, rendered.root, out, progress=False)
    (row,) = _read(out / "manifest.csv")
    assert row["!SOL"] == "'=cmd|' /C calc'!A0"
    assert row["#sol_standard"] == "'@SUM(1)"
    assert row["#crval1"] == "-512.4"
    for value in row.values():
        assert not value.startswith(("=", "+", "@")) or value.lstrip("+").replace(".", "").isdigit()


def test_short_subjects_get_their_own_manifest(rendered: Rendered, tmp_path: Path) -> None:
    store = _store(rendered, tmp_path, frames_per_subject=3, overlap=1)
    (first, _second) = store.filter(Subject, order_by="index")
    short = replace(first, key="short", rendering_paths=first.rendering_paths[:2],
                    media_paths=first.media_paths[:2],
                    metadata={k: v for k, v in first.metadata.items()
                              if not k.endswith("_2")} | {"#subject_key": "short"})  # fmt: skip
    store.add([short])
    summary = export_subjects(store, rendered.root, tmp_path / "export", progress=False)
    assert sorted(p.name for p in summary.manifests) == ["manifest-2-files.csv", "manifest.csv"]
    for path in summary.manifests:
        for row in _read(path):
            assert all(row[c] for c in row if c.startswith("image_")), "no empty file cell"


@pytest.mark.parametrize("fault", ["missing", "empty", "oversized", "type", "content"])
def test_bad_files_are_named_and_nothing_is_written(rendered: Rendered, tmp_path: Path, fault: str) -> None:
    store = _store(rendered, tmp_path, frames_per_subject=3, overlap=1)
    subject = store.filter(Subject, order_by="index")[1]
    root = tmp_path / "data"
    root.mkdir()
    for s in store.filter(Subject):
        for rel in s.media_paths:
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes((rendered.root / rel).read_bytes())
    bad = root / subject.media_paths[1]
    if fault == "missing":
        bad.unlink()
    elif fault == "empty":
        bad.write_bytes(b"")
    elif fault == "oversized":
        bad.write_bytes(bad.read_bytes() + b"\0" * (1024 * 1024))
    elif fault == "content":
        bad.write_bytes(b"GIF89a not a png")
    else:
        renamed = bad.with_suffix(".txt")
        bad.rename(renamed)
        store.add([replace(subject, media_paths=(*subject.media_paths[:1], str(renamed.relative_to(root)),
                                                 *subject.media_paths[2:]))])  # fmt: skip
        bad = renamed
    out = tmp_path / "export"
    with pytest.raises(BadSubjectFiles) as info:
        export_subjects(store, root, out, progress=False)
    assert len(info.value.problems) == 1
    assert bad.name in str(info.value) and subject.key in str(info.value)
    assert not out.exists()
