"""The replicas by name, for the CLI (``jet-hunter sandbox serve NAME``) and scripts.

Examples
--------
>>> from jet_sandbox.replicas import REPLICAS, replica
>>> sorted(REPLICAS)
['files', 'hek', 'jsoc', 'panoptes', 'ssw']
>>> replica("hek").label
'HEK replica'
"""

from __future__ import annotations

from jet_sandbox.errors import SandboxError
from jet_sandbox.files import FileServer
from jet_sandbox.hek import HekServer
from jet_sandbox.jsoc import JsocServer
from jet_sandbox.panoptes import PanoptesServer
from jet_sandbox.server import SandboxServer
from jet_sandbox.ssw import SswServer

__all__ = ["REPLICAS", "replica"]

REPLICAS: dict[str, type[SandboxServer]] = {
    HekServer.name: HekServer,
    SswServer.name: SswServer,
    JsocServer.name: JsocServer,
    FileServer.name: FileServer,
    PanoptesServer.name: PanoptesServer,
}
"""Every replica class, by its short name."""


def replica(name: str) -> type[SandboxServer]:
    """The replica class called ``name``.

    Raises
    ------
    SandboxError
        If there is no such replica.

    Examples
    --------
    >>> replica("nope")
    Traceback (most recent call last):
    ...
    jet_sandbox.errors.SandboxError: no replica 'nope'; known: files, hek, jsoc, panoptes, ssw
    """
    try:
        return REPLICAS[name]
    except KeyError:
        raise SandboxError(f"no replica {name!r}; known: {', '.join(sorted(REPLICAS))}") from None
