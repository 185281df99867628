"""Claim owners: who a claim belongs to, and whether that process still runs.

An owner is named ``host:pid``. The host part is the hostname followed, where the
machine has them, by its machine id (``/etc/machine-id``) and boot id
(``/proc/sys/kernel/random/boot_id``): ``jets-1@3d1219c7c4c5.4d1e9d23:4242``. A worker
killed without releasing its claims (SIGKILL, the OOM killer) leaves claims that would
hold its items until their lease expires; :func:`owner_is_dead` tells, for an owner of
*this* machine, that nobody can be working on them any more, so
:meth:`Store.release_dead_claims <jet_store.claims.ClaimsMixin.release_dead_claims>`
can release them at once.

Caveats
-------
Only owners of this machine are judged: same hostname *and* same machine id. Two
machines (or containers) that share a hostname but not a machine id are told apart;
containers that share both (a copied image with a fixed ``/etc/machine-id``) and run in
different process namespaces are not, and a live worker of the other one could be
judged dead. Without a machine id, the hostname alone names the machine, with that
risk. An owner of this machine from an earlier boot is dead whatever its pid. Owners not
named ``host:pid`` (e.g. a Dask worker's name) are never judged: their claims end with
their lease.

Examples
--------
>>> import os
>>> owner_is_dead(default_owner())
False
>>> owner_is_dead(f"{host_tag()}:{2**22 + 7}")  # above any pid this machine hands out
True
>>> owner_is_dead("elsewhere:1"), owner_is_dead("a-dask-worker")
(False, False)
"""

from __future__ import annotations

import functools
import os
import socket
from pathlib import Path
from typing import NamedTuple

__all__ = ["default_owner", "host_tag", "owner_is_dead", "process_alive", "parse_host_tag", "HostTag"]

_MACHINE_ID = Path("/etc/machine-id")
_BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
#: characters of the machine id and the boot id kept in an owner's name
_MACHINE_CHARS = 12
_BOOT_CHARS = 8


class HostTag(NamedTuple):
    """The parts of an owner's host part: hostname, machine id and boot id ("" if absent)."""

    hostname: str
    machine: str
    boot: str


def _read_id(path: Path, chars: int) -> str:
    try:
        text = path.read_text(encoding="ascii").strip().replace("-", "").lower()
    except (OSError, UnicodeDecodeError):
        return ""
    return text[:chars] if text.isalnum() else ""


@functools.lru_cache(maxsize=1)
def host_tag() -> str:
    """The host part of this machine's owner names: ``hostname[@machine[.boot]]``.

    Examples
    --------
    >>> import socket
    >>> host_tag().split("@")[0] == socket.gethostname()
    True
    """
    tag = socket.gethostname().replace(":", "_")
    machine = _read_id(_MACHINE_ID, _MACHINE_CHARS)
    if machine:
        tag += f"@{machine}"
        boot = _read_id(_BOOT_ID, _BOOT_CHARS)
        if boot:
            tag += f".{boot}"
    return tag


def parse_host_tag(tag: str) -> HostTag:
    """Split an owner's host part into hostname, machine id and boot id.

    Examples
    --------
    >>> parse_host_tag("jets-1@3d1219c7c4c5.4d1e9d23")
    HostTag(hostname='jets-1', machine='3d1219c7c4c5', boot='4d1e9d23')
    >>> parse_host_tag("jets-1")
    HostTag(hostname='jets-1', machine='', boot='')
    """
    hostname, _, ids = tag.partition("@")
    machine, _, boot = ids.partition(".")
    return HostTag(hostname, machine, boot)


def default_owner() -> str:
    """The owner name of this process: ``host:pid`` (host as :func:`host_tag`).

    Examples
    --------
    >>> import os
    >>> default_owner().endswith(f":{os.getpid()}")
    True
    """
    return f"{host_tag()}:{os.getpid()}"


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (``os.kill(pid, 0)``).

    Examples
    --------
    >>> import os
    >>> process_alive(os.getpid()), process_alive(0)
    (True, False)
    """
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    except (OSError, OverflowError):  # a pid beyond the platform's range
        return False
    return True


def owner_is_dead(owner: str) -> bool:
    """Whether ``owner`` was a process of this machine that no longer runs.

    False for owners of other machines and for names that are not ``host:pid``.
    """
    tag, _, pid = owner.rpartition(":")
    if not tag or not pid.isdigit():
        return False
    theirs, mine = parse_host_tag(tag), parse_host_tag(host_tag())
    if (theirs.hostname, theirs.machine) != (mine.hostname, mine.machine):
        return False
    if theirs.boot and mine.boot and theirs.boot != mine.boot:
        return True  # a process of an earlier boot of this machine
    return not process_alive(int(pid))
