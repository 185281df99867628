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
