"""Who holds a SQLite file's lock: the processes named in Linux's ``/proc/locks``.

SQLite locks its files with POSIX advisory locks: in WAL mode a writer holds a write
lock on the ``-shm`` file, in rollback mode on the database file itself. Linux lists
every such lock in ``/proc/locks`` with the holder's pid and the file's device and
inode, so a busy database can say which process holds it. Elsewhere the holder is
unknown and the messages say so.

Examples
--------
>>> from jet_store.locks import parse_proc_locks
>>> parse_proc_locks("1: POSIX  ADVISORY  WRITE 4242 08:01:1311 120 120\\n")
[(4242, 8, 1, 1311, 'WRITE')]
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["parse_proc_locks", "lock_holders", "describe_lock_holders"]

_PROC_LOCKS = Path("/proc/locks")


def parse_proc_locks(text: str) -> list[tuple[int, int, int, int, str]]:
    """``(pid, major, minor, inode, mode)`` of each POSIX lock in ``/proc/locks`` text.

    Lines of other lock types, and blocked requests (``->``), are skipped.

    Examples
    --------
    >>> flock = "2: FLOCK  ADVISORY  WRITE 7 00:1a:9 0 EOF"
    >>> blocked = "3: -> POSIX ADVISORY WRITE 8 fd:00:5 0 EOF"
    >>> parse_proc_locks(flock + "\\n" + blocked)
    []
    """
    locks = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 6 or parts[1] != "POSIX":
            continue
        try:
            pid = int(parts[4])
            major, minor, inode = parts[5].split(":")
            locks.append((pid, int(major, 16), int(minor, 16), int(inode), parts[3]))
        except ValueError:
            continue
    return locks


def lock_holders(database: str | Path) -> list[int]:
    """Pids holding a write lock on a SQLite database or its ``-wal``/``-shm`` files.

    Empty when unknown (no ``/proc/locks``) or when no process holds one.

    Examples
    --------
    >>> lock_holders("/no/such/file.db")
    []
    """
    ids: set[tuple[int, int, int]] = set()
    for suffix in ("", "-wal", "-shm"):
        try:
            st = os.stat(f"{database}{suffix}")
        except OSError:
            continue
        ids.add((os.major(st.st_dev), os.minor(st.st_dev), st.st_ino))
    try:
        text = _PROC_LOCKS.read_text()
    except OSError:
        return []
    found = {
        pid
        for pid, major, minor, inode, mode in parse_proc_locks(text)
        if mode == "WRITE" and (major, minor, inode) in ids
    }
    return sorted(found)


def _command(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    words = [w.decode(errors="replace") for w in raw.split(b"\0") if w]
    text = " ".join(words)
    return text if len(text) <= 80 else text[:77] + "..."


def describe_lock_holders(database: str | Path) -> str:
    """A phrase naming who holds the database's write lock, for error messages.

    Examples
    --------
    >>> describe_lock_holders("/no/such/file.db")
    'holder unknown'
    """
    pids = lock_holders(database)
    others = [pid for pid in pids if pid != os.getpid()]
    if not pids:
        return "holder unknown"
    if not others:
        return f"held by another connection of this process, pid {os.getpid()}"
    named = [f"pid {pid}" + (f" ({cmd})" if (cmd := _command(pid)) else "") for pid in others]
    return "held by " + ", ".join(named)
