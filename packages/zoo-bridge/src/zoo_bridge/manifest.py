"""Export folders: subject files plus a manifest CSV in the Panoptes CLI's format.

:func:`export_subjects` writes ``<out>/images/<bare name>`` for every file of every
subject and ``<out>/manifest.csv``, one row per subject: first the file columns
(``image_0``, ``image_1``, ... or ``movie``, holding ``images/<name>``), then the
metadata columns (the contract of :mod:`zoo_bridge.metadata`). It is what
``panoptes subject-set upload-subjects SET_ID manifest.csv`` takes:

* the Panoptes CLI finds file columns from the first row (every cell naming an
  existing path relative to the manifest), so no file cell is ever empty. Subjects
  with a different number of files (a short event) go to their own manifest,
  ``manifest-<n>-files.csv``;
* no metadata cell names an existing file: the images sit in ``images/`` and
  ``#file_name_<i>`` holds the bare name;
* the CLI stores every column as metadata, so a subject that lacks a per-frame
  override key has an empty cell there; **an empty metadata value means "absent"**
  (:func:`zoo_bridge.metadata.frame_metadata` reads it so);
* text a spreadsheet would run as a formula (first character ``= + - @``, tab or
  carriage return) is neutralised with a leading ``'``, in every cell. A cell that is
  a plain decimal number (``-512.4``, ``+3``, ``1e-05``) is left as it is: a
  spreadsheet reads it as a number, never as a formula, and the WCS keys keep their
  exact values (:func:`neutralise`).

Every file is checked before anything is written (:func:`zoo_bridge.media.require_valid`);
files are copied to a temporary name and renamed, the manifest likewise, so a killed
export leaves no half file; a re-run copies only what changed.

Examples
--------
>>> neutralise("=HYPERLINK(1)"), neutralise("-512.4"), neutralise("-1+2"), neutralise("SOL2012")
("'=HYPERLINK(1)", '-512.4', "'-1+2", 'SOL2012')
"""

from __future__ import annotations

import csv
import logging
import os
import re
import shutil
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from jet_store import Store, Subject, SubjectState

from zoo_bridge.errors import ManifestError
from zoo_bridge.media import require_valid, sha256_file

__all__ = ["ExportSummary", "export_subjects", "manifest_rows", "neutralise", "IMAGES_DIR", "MANIFEST_NAME"]

logger = logging.getLogger(__name__)

IMAGES_DIR = "images"
MANIFEST_NAME = "manifest.csv"

_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """A cell value that no spreadsheet runs as a formula (see the module doc)."""
    if text.startswith(_FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def _file_columns(subject: Subject) -> list[str]:
    names = [PurePosixPath(p).name for p in subject.media_paths]
    columns = [f"image_{i}" for i, n in enumerate(names) if not n.lower().endswith(".mp4")]
    movies = [n for n in names if n.lower().endswith(".mp4")]
    columns += ["movie"] if len(movies) == 1 else [f"movie_{i}" for i in range(len(movies))]
    return columns


def manifest_rows(subjects: Sequence[Subject]) -> tuple[list[str], list[list[str]]]:
    """The header and rows of one manifest (all subjects must have the same number of files).

    Examples
    --------
    >>> from jet_store import Subject
    >>> s = Subject(key="k1", rendering_paths=("r/a.png",), media_paths=("r/a.png",),
    ...             metadata={"#subject_key": "k1", "#crval1": "-512.4", "!note": "=1+1"})
    >>> manifest_rows([s])
    (['image_0', '#subject_key', '#crval1', '!note'], [['images/a.png', 'k1', '-512.4', "'=1+1"]])
    """
    if not subjects:
        return [], []
    columns = _file_columns(subjects[0])
    keys: dict[str, None] = {}
    for subject in subjects:
        if len(subject.media_paths) != len(columns):
            raise ManifestError("one manifest holds subjects with the same number of files")
        keys.update(dict.fromkeys(subject.metadata))
    header = columns + list(keys)
    rows = []
    for subject in subjects:
        files = [f"{IMAGES_DIR}/{PurePosixPath(p).name}" for p in subject.media_paths]
        values = [str(subject.metadata.get(k, "")) for k in keys]
        rows.append([neutralise(v) for v in files + values])
    return [neutralise(h) for h in header], rows


@dataclass
class ExportSummary:
    """What an export wrote."""

    out_dir: Path
    subjects: int = 0
    copied: int = 0
    unchanged: int = 0
    manifests: list[Path] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    def line(self) -> str:
        """One summary line for the CLI."""
        names = ", ".join(p.name for p in self.manifests) or "no manifest"
        return (
            f"exported {self.subjects} subjects to {self.out_dir} ({names}); "
            f"{self.copied} files copied, {self.unchanged} already there"
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "out_dir": str(self.out_dir),
            "subjects": self.subjects,
            "copied": self.copied,
            "unchanged": self.unchanged,
            "manifests": [str(p) for p in self.manifests],
            "messages": self.messages,
        }

    @property
    def exit_code(self) -> int:
        """Always 0: an export either succeeds or raises before writing."""
        return 0


def _plan_files(subjects: Iterable[Subject], root: Path) -> dict[str, Path]:
    """Bare name -> source file; two different files under one name are refused."""
    plan: dict[str, Path] = {}
    clashes: list[str] = []
    for subject in subjects:
        for rel in subject.media_paths:
            name = PurePosixPath(rel).name
            source = root / rel
            if name in plan and plan[name] != source:
                clashes.append(f"{plan[name]} and {source} are both named {name}")
            plan.setdefault(name, source)
    if clashes:
        raise ManifestError("file names must be unique in an export: " + "; ".join(clashes[:5]))
    return plan


def _copy(source: Path, dest: Path) -> bool:
    if (
        dest.exists()
        and dest.stat().st_size == source.stat().st_size
        and sha256_file(dest) == sha256_file(source)
    ):
        return False
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    shutil.copyfile(source, tmp)
    os.replace(tmp, dest)
    return True


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    os.replace(tmp, path)


def export_subjects(
    store: Store,
    data_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    subjects: Sequence[Subject] | None = None,
    progress: bool = True,
) -> ExportSummary:
    """Write an export folder of ``subjects`` (default: every stored subject).

    Raises
    ------
    BadSubjectFiles
        Before anything is written, naming every missing, empty, oversized or
        wrongly typed file and every subject whose metadata breaks the contract.
    ManifestError
        If there are no subjects, or two different files share a name.
    """
    from jet_store.progress import progress_bar

    root, out = Path(data_dir), Path(out_dir)
    chosen = list(subjects) if subjects is not None else store.filter(Subject, order_by=["event_id", "index"])
    if not chosen:
        raise ManifestError("no subjects to export; run `jet-hunter subjects` first")
    require_valid(chosen, root)
    plan = _plan_files(chosen, root)
    summary = ExportSummary(out_dir=out, subjects=len(chosen))
    (out / IMAGES_DIR).mkdir(parents=True, exist_ok=True)
    with progress_bar(len(plan), enabled=progress, desc="export", unit="file") as bar:
        for name, source in plan.items():
            if _copy(source, out / IMAGES_DIR / name):
                summary.copied += 1
            else:
                summary.unchanged += 1
            bar.update(1)
    by_count: dict[int, list[Subject]] = {}
    for subject in chosen:
        by_count.setdefault(len(subject.media_paths), []).append(subject)
    main_count = Counter({n: len(group) for n, group in by_count.items()}).most_common(1)[0][0]
    for count, group in sorted(by_count.items()):
        name = MANIFEST_NAME if count == main_count else f"manifest-{count}-files.csv"
        header, rows = manifest_rows(group)
        _write_csv(out / name, header, rows)
        summary.manifests.append(out / name)
    if len(by_count) > 1:
        summary.messages.append(
            f"subjects have {len(by_count)} different numbers of files; one manifest each "
            "(the Panoptes CLI needs the same file columns in every row)"
        )
    grouped = [s.key for s in chosen if s.state == SubjectState.GROUPED]
    if grouped:
        store.set_state(Subject, grouped, SubjectState.EXPORTED)
    logger.info("exported %d subjects to %s", len(chosen), out)
    return summary
