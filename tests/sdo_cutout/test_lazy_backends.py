"""The backend registry fills itself: the built-in clients register when the registry is first read.

``sdo_cutout`` imports its modules on first use, so ``from sdo_cutout.backend import
BACKENDS`` alone imports no client; the first read of the registry imports them (their
classes register when defined), in a fresh interpreter where nothing else did.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from sdo_cutout.backend import BACKENDS, BackendRegistry
from sdo_cutout.backend_names import BUILTIN_BACKENDS, DEFAULT_BACKEND

SCRIPT = """
import json, sys
from sdo_cutout.backend import BACKENDS, create_backend
before = sorted(m for m in ("sdo_cutout.ssw", "sdo_cutout.jsoc") if m in sys.modules)
names = list(BACKENDS)
client = type(create_backend("jsoc")).__name__
print(json.dumps({"before": before, "names": names, "ssw": "ssw" in BACKENDS, "client": client}))
"""


def test_builtin_backends_register_on_first_read() -> None:
    cmd = [sys.executable, "-c", textwrap.dedent(SCRIPT)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result == {"before": [], "names": ["ssw", "jsoc"], "ssw": True, "client": "JsocClient"}


def test_plain_backend_names_are_the_registrys() -> None:
    """The parser's choices (plain names, no client imported) are the registry's, in its order."""
    assert tuple(BACKENDS)[: len(BUILTIN_BACKENDS)] == BUILTIN_BACKENDS
    assert BACKENDS.client_class(DEFAULT_BACKEND).rank == min(BACKENDS.client_class(n).rank for n in BACKENDS)


def test_a_builtin_name_whose_module_registers_no_client_is_refused() -> None:
    registry = BackendRegistry(builtin=("errors",))  # sdo_cutout.errors defines no client
    with pytest.raises(RuntimeError, match=r"sdo_cutout\.errors registers no client of backend 'errors'"):
        list(registry)
