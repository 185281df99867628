"""Helpers of the tests that run several processes: start a Python script, poll with a deadline."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def spawn(script: str, *args: object) -> subprocess.Popen[str]:
    """Run ``python -c script args...`` with text pipes on stdin, stdout and stderr."""
    return subprocess.Popen(
        [sys.executable, "-c", script, *map(str, args)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(predicate: Callable[[], T], timeout: float = 60.0, what: str = "condition") -> T:
    """Poll ``predicate`` until it returns something true, and return that; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)
    return value


def start_together(procs: list[subprocess.Popen[str]]) -> None:
    """Wait until every script printed ``ready``, then tell them all to go (one stdin line)."""
    for proc in procs:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read() if proc.stderr else ""
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()


def cli_in_child(args: list[str], env: dict[str, str], stderr_path: str) -> None:
    """``jet-hunter ARGS`` in this (forked) process: stdout discarded, stderr to ``stderr_path``.

    The target of :func:`cli_launcher`'s processes: the same ``main`` as
    ``python -m jet_hunter``, in a process forked from a server that imported it once.
    """
    import os

    os.environ.update(env)
    with open(stderr_path, "w") as err, open(os.devnull, "w") as out:
        os.dup2(err.fileno(), 2)
        os.dup2(out.fileno(), 1)
        sys.stderr = os.fdopen(2, "w", buffering=1)
        sys.stdout = os.fdopen(1, "w")
        from jet_hunter.cli import main

        code = main(args)
        sys.stderr.flush()
        sys.stdout.flush()
        os._exit(code)


# What the stages import only when they first run (the CLI imports them lazily): sunpy's
# maps and matplotlib (render), the Panoptes client (upload, classify, fetch), scikit-learn,
# scipy and shapely (aggregate), the MP4 encoder. Imported once in the fork server, a killed
# run's relaunch does not import them again.
STAGE_MODULES = (
    "jet_hunter.cli",
    "jet_hunter.stages",
    "process_helpers",
    "PIL.Image",
    "sunpy.map",
    "matplotlib.figure",
    "matplotlib.backends.backend_agg",
    "panoptes_client",
    "sklearn.cluster",
    "scipy.sparse.csgraph",
    "scipy.spatial.distance",
    "shapely",
    "imageio_ffmpeg",
)


def cli_launcher(preload: tuple[str, ...] = STAGE_MODULES) -> object:
    """A multiprocessing context whose processes fork from a server that has imported the CLI.

    Each ``ctx.Process(target=cli_in_child, ...)`` then starts in milliseconds instead of
    the seconds ``python -m jet_hunter`` spends importing, and is a real process that a
    SIGKILL ends. ``preload`` names the modules the server imports first (by default the
    CLI and every library a stage imports when it starts).
    """
    import multiprocessing

    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(list(preload))
    return ctx
