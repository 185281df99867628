"""Temporaries beside a target, named for their writer, and the removal of dead writers' ones.

A writer that builds ``NAME`` in a temporary next to it and renames it into place
(a catalogue file, a report folder) names the temporary ``.NAME.OWNER.TOKEN.SUFFIX``,
``OWNER`` being its ``host:pid`` (:func:`jet_store.owners.default_owner`). A writer
killed (SIGKILL, the OOM killer) before its rename leaves that temporary behind;
:func:`remove_dead_temporaries`, called by the next writer, removes those whose owner
is a process of this machine that no longer runs, and keeps those of live writers
(a second build at the same time) and of other machines (a shared folder).

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> from jet_store.owners import host_tag
>>> folder = Path(tempfile.mkdtemp())
>>> mine = make_temporary(folder / "jets.csv")
>>> mine.name.startswith(".jets.csv.") and mine.name.endswith(".tmp")
True
>>> dead = folder / f".jets.csv.{host_tag()}:{2**22 + 7}.abcd1234.tmp"  # a pid above any real one
>>> _ = dead.write_text("half")
>>> [p.name == dead.name for p in remove_dead_temporaries(folder / "jets.csv")]
[True]
>>> mine.exists()  # this (live) process's temporary is kept
True
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import tempfile
from pathlib import Path

from jet_store.owners import default_owner, owner_is_dead

__all__ = ["make_temporary", "remove_dead_temporaries", "temporary_name", "temporary_owner"]


def _prefix(target: Path) -> str:
    return f".{target.name}."


def temporary_name(target: str | os.PathLike[str], suffix: str = ".tmp") -> Path:
    """A fresh (not created) temporary path next to ``target``, named for this process.

    Examples
    --------
    >>> import os
    >>> temporary_name("/r/report", ".old").name.endswith(".old")
    True
    >>> temporary_owner(temporary_name("/r/report", ".old"), "/r/report", ".old").endswith(f":{os.getpid()}")
    True
    """
    target = Path(target)
    return target.with_name(f"{_prefix(target)}{default_owner()}.{secrets.token_hex(4)}{suffix}")


def make_temporary(target: str | os.PathLike[str], suffix: str = ".tmp", *, directory: bool = False) -> Path:
    """Create an empty temporary file (or folder) next to ``target``, named for this process."""
    target = Path(target)
    prefix = f"{_prefix(target)}{default_owner()}."
    if directory:
        return Path(tempfile.mkdtemp(dir=target.parent, prefix=prefix, suffix=suffix))
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=prefix, suffix=suffix)
    os.close(fd)
    return Path(name)


def temporary_owner(candidate: str | os.PathLike[str], target: str | os.PathLike[str], suffix: str) -> str:
    """The owner named in a temporary of ``target`` ("" if it is not one).

    Examples
    --------
    >>> temporary_owner("/r/.jets.csv.host@ab.cd:42.x1y2.tmp", "/r/jets.csv", ".tmp")
    'host@ab.cd:42'
    >>> temporary_owner("/r/jets.csv", "/r/jets.csv", ".tmp")
    ''
    """
    name, prefix = Path(candidate).name, _prefix(Path(target))
    if not (name.startswith(prefix) and name.endswith(suffix)):
        return ""
    return name[len(prefix) : len(name) - len(suffix)].rpartition(".")[0]


def remove_dead_temporaries(target: str | os.PathLike[str], suffix: str = ".tmp") -> list[Path]:
    """Remove the temporaries (files or folders) of ``target`` left by writers that were killed.

    Returns what was removed. Those of live writers and of other machines are kept.
    """
    target = Path(target)
    removed = []
    for candidate in target.parent.glob(f"{glob.escape(_prefix(target))}*{glob.escape(suffix)}"):
        if not owner_is_dead(temporary_owner(candidate, target, suffix)):
            continue
        if candidate.is_dir() and not candidate.is_symlink():
            shutil.rmtree(candidate, ignore_errors=True)
        else:
            candidate.unlink(missing_ok=True)
        removed.append(candidate)
    return removed
