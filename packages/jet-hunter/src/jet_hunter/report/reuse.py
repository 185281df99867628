"""Frames and plots of the previous report reused when their inputs did not change.

A subject's frames depend on its metadata, clusters, marks and rendering paths, on the
bytes of those renderings and on the drawing code. :func:`subject_key` hashes all of
it; the key is written beside the frames (``s<subject>.key.json``, with the list of
frames). The next build of the same folder links (or copies) the frames of every
subject whose key is unchanged out of the report it replaces instead of drawing them
again (:func:`reuse_frames`); the rest are drawn. The plots likewise: :func:`plot_key`
of their inputs and of the plotting code, in ``<plot>.png.key`` (:func:`reused_files`).
Links are safe: a build never writes into an existing file, it writes a new folder and
swaps it in.

Examples
--------
>>> from jet_hunter.report.model import SubjectView
>>> view = SubjectView(7, {"#width": 960}, None, (), ())
>>> a, b = subject_key(view, None), subject_key(view, None)
>>> a == b, len(a)
(True, 64)
>>> subject_key(SubjectView(7, {"#width": 961}, None, (), ()), None) == a
False
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import shutil
from functools import lru_cache
from pathlib import Path

import PIL
from jet_render import overlay

from jet_hunter.report import frames as drawing
from jet_hunter.report.frames import FrameImage
from jet_hunter.report.model import SubjectView

__all__ = [
    "KEY_SUFFIX",
    "key_path",
    "plot_key",
    "record_frames",
    "record_key",
    "reuse_frames",
    "reused_files",
    "subject_key",
]

log = logging.getLogger(__name__)

KEY_SUFFIX = ".key.json"
"""Ending of the file beside a subject's frames that holds their key and list."""


@lru_cache(maxsize=1)
def _code() -> bytes:
    """The drawing code's own bytes and Pillow's version: a new version draws every frame again."""
    sources = [Path(str(module.__file__)).read_bytes() for module in (drawing, overlay)]
    return hashlib.sha256(b"\0".join([*sources, PIL.__version__.encode()])).digest()


@lru_cache(maxsize=1)
def _plot_code() -> bytes:
    """The plotting code's bytes and matplotlib's version: a new version draws every plot again."""
    import matplotlib

    from jet_hunter.report import plots

    source = Path(str(plots.__file__)).read_bytes()
    return hashlib.sha256(source + b"\0" + matplotlib.__version__.encode()).digest()


def plot_key(*inputs: object) -> str:
    """The hash of a plot's inputs (their ``repr``: records are dataclasses) and of the plotting code."""
    return hashlib.sha256(_plot_code() + repr(inputs).encode()).hexdigest()


def reused_files(previous: Path | None, root: Path, names: list[str], key: str) -> bool:
    """Link the files ``names`` (relative to the reports) from ``previous`` if drawn for ``key``.

    Their key is in ``previous/<names[0]>.key``; True when all were linked. Whether
    reused or drawn, the caller records the key with :func:`record_key`.
    """
    if previous is None:
        return False
    try:
        if (previous / f"{names[0]}.key").read_text(encoding="utf-8") != key:
            return False
        _link_all(previous, root, names)
    except OSError:
        return False
    return True


def record_key(root: Path, names: list[str], key: str) -> None:
    """Write the key of the files ``names`` beside the first (see :func:`reused_files`)."""
    (root / f"{names[0]}.key").write_text(key, encoding="utf-8")


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:  # missing or unreadable: drawn on the blank canvas, which the key says
        return "-"


def subject_key(view: SubjectView, data_dir: Path | None) -> str:
    """The hash of everything ``view``'s frames are drawn from (the renderings' bytes included)."""
    described = {
        "subject": view.subject_id,
        "metadata": view.metadata,
        "clusters": [dataclasses.asdict(c) for c in view.clusters],
        "marks": [dataclasses.asdict(m) for m in view.marks],
        "paths": list(view.paths),
        "images": [_digest(data_dir / p) if data_dir is not None and p else "-" for p in view.paths],
    }
    text = json.dumps(described, sort_keys=True, default=str)
    return hashlib.sha256(_code() + text.encode()).hexdigest()


def key_path(folder: Path, subject_id: int) -> Path:
    """The key file of one subject's frames in a jet's frame folder."""
    return folder / f"s{subject_id}{KEY_SUFFIX}"


def record_frames(folder: Path, subject_id: int, key: str, frames: list[FrameImage]) -> None:
    """Write the key and the list of a subject's frames beside them."""
    record = {"key": key, "frames": [dataclasses.asdict(f) for f in frames]}
    key_path(folder, subject_id).write_text(json.dumps(record, indent=0), encoding="utf-8")


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except FileNotFoundError:
        raise
    except OSError:  # another file system, or links not allowed: a copy
        shutil.copyfile(source, target)


def _link_all(previous: Path, root: Path, names: list[str]) -> None:
    """Link every file of ``names`` from ``previous`` into ``root``, or none (OSError)."""
    linked: list[Path] = []
    try:
        for name in names:
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            _link(previous / name, root / name)
            linked.append(root / name)
    except OSError:
        for path in linked:
            path.unlink(missing_ok=True)
        raise


def reuse_frames(
    previous: Path, root: Path, folder: Path, subject_id: int, key: str
) -> list[FrameImage] | None:
    """Link a subject's frames from the ``previous`` report into ``root`` if their key is ``key``.

    ``folder`` is the jet's frame folder under ``root`` (the same place under
    ``previous``). Returns the frames, or None when they must be drawn (no previous
    frames, another key, or the previous report went away meanwhile).
    """
    old = previous / folder.relative_to(root)
    try:
        record = json.loads(key_path(old, subject_id).read_text(encoding="utf-8"))
        if record.get("key") != key:
            return None
        frames = [FrameImage(**f) for f in record["frames"]]
    except (OSError, ValueError, TypeError, KeyError):
        return None
    mine = folder.relative_to(root).as_posix() + "/"
    names = [name for f in frames for name in (f.path, f.zoom) if name]
    if not all(name.startswith(mine) and "/" not in name[len(mine) :] for name in names):
        return None  # a record naming files outside this jet's folder is not ours
    folder.mkdir(parents=True, exist_ok=True)
    try:
        _link_all(previous, root, names)
    except OSError as exc:  # e.g. another build replaced the previous report meanwhile
        log.info("subject %s: previous frames not reused (%s)", subject_id, exc)
        return None
    record_frames(folder, subject_id, key, frames)
    return frames
