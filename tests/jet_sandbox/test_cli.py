"""``jet-hunter sandbox serve hek``: options, the printed URL, serving, Ctrl-C."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import jet_hunter.cli as cli
import pytest
from jet_hunter.cli import sandbox
from jet_sandbox.hek import HekServer
from jet_sandbox.server import SandboxServer


def test_options_are_parsed() -> None:
    args = cli.build_parser().parse_args(
        [
            "sandbox",
            "serve",
            "hek",
            "--port",
            "0",
            "--seed",
            "3",
            "--fault",
            "503:2",
            "--fault",
            "html:every=7",
            "--latency",
            "0.15",
            "--no-synthetic",
            "-q",
        ]
    )
    assert (args.replica, args.port, args.seed, args.fault, args.latency, args.synthetic, args.quiet) == (
        "hek",
        0,
        3,
        ["503:2", "html:every=7"],
        0.15,
        False,
        True,
    )
    assert args.func is sandbox.run


def test_bad_fault_spec_is_a_one_line_user_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["sandbox", "serve", "hek", "--fault", "teapot:3"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("jet-hunter: error:") and "teapot" in err and err.count("\n") == 1
    assert cli.main(["sandbox", "serve", "nonsense"]) == 1


def test_serve_prints_the_url_and_serves_until_stopped(
    monkeypatch: pytest.MonkeyPatch,
    fetch: Any,
    june_params: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    started: queue.Queue[SandboxServer] = queue.Queue()
    spec = sandbox.SERVE["hek"]

    def build(args: Any, plan: Any) -> SandboxServer:
        server = spec.build(args, plan)
        started.put(server)
        return server

    monkeypatch.setitem(sandbox.SERVE, "hek", sandbox.ServeSpec(spec.help, spec.add_arguments, build))
    codes: list[int] = []
    thread = threading.Thread(
        target=lambda: codes.append(
            cli.main(["sandbox", "serve", "hek", "--fault", "503:1", "--seed", "2", "--no-synthetic"])
        )
    )
    thread.start()
    server = started.get(timeout=10)
    assert isinstance(server, HekServer) and server.wait_for_requests(0) == []
    deadline = time.monotonic() + 10
    while not server.running and time.monotonic() < deadline:
        time.sleep(0.01)
    assert fetch(server.url, june_params).status == 503
    assert len(fetch(server.url, june_params).ids) == 16
    server.stop()
    thread.join(timeout=10)
    assert codes == [0]
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"HEK replica at {server.url}  (export JET_HUNTER_HEK_URL={server.url})"
    assert out[1] == "faults 503:times=1; Ctrl-C to stop"
    assert out[-1] == "HEK replica stopped after 2 requests"


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT")
def test_ctrl_c_stops_the_foreground_server(fetch: Any, june_params: dict[str, Any]) -> None:
    script = "import sys, jet_hunter.cli as cli; sys.exit(cli.main(sys.argv[1:]))"
    proc = subprocess.Popen(
        [sys.executable, "-c", script, "sandbox", "serve", "hek", "--latency", "0.01"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()  # blocks until the server prints its URL (or dies)
        assert first.startswith("HEK replica at http://127.0.0.1:"), proc.stderr.read() if proc.stderr else ""
        url = first.split()[3]
        assert len(fetch(url, june_params).ids) == 16
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert out.strip().endswith("HEK replica stopped after 1 requests")
