"""``jet-hunter sandbox``: run the local replicas of the remote services.

``jet-hunter sandbox serve hek [--port P] [--seed S] [--fault SPEC]... [--latency SEC]``
starts the HEK replica in the foreground, prints its URL and serves until Ctrl-C.
Fault specs are those of :mod:`jet_sandbox.faults` (``503:2``, ``429:retry_after=0.5``,
``html:every=7``, ``truncate:p=0.1``, ``bad_utf8:every=3``, ``cut:bytes=65536``,
``length:delta=-100``, ...).

The other replicas: ``sandbox serve ssw`` (the SSW cutout service: submit CGI and job
folders), ``sandbox serve jsoc`` (JSOC export with im_patch), ``sandbox serve files --root
DIR`` (a web server for a folder, with Range/ETag and download faults), ``sandbox serve
panoptes`` (the Zooniverse API; ``--route-fault uploads=500:p=0.1``, ``lost:subjects=504:1``,
``expire=401:p=0.01``). Each prints its URL and the environment variables that point
jet-hunter at it.

Each replica is one entry of :data:`~jet_hunter.cli.sandbox_replicas.SERVE`: its options
and how to build it from them (:mod:`jet_hunter.cli.sandbox_replicas`), so adding a
replica is one more entry.
"""

from __future__ import annotations

import argparse
from typing import Any

from jet_sandbox.errors import SandboxError
from jet_sandbox.faults import FaultPlan

from jet_hunter.cli.app import App, CliUsageError, common_options
from jet_hunter.cli.argtypes import (
    delay,
    fault_spec,
    host,
    port,
    seed,
)
from jet_hunter.cli.sandbox_replicas import SERVE, ServeSpec

__all__ = ["register", "run", "SERVE", "ServeSpec"]


def _serve_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("server")
    group.add_argument(
        "--host", type=host, default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    group.add_argument(
        "--port", type=port, default=0, help="port to listen on, 1..65535 (default 0: any free port)"
    )
    group.add_argument("--seed", type=seed, default=0, help="seed of the synthetic data and of random faults")
    group.add_argument(
        "--fault",
        type=fault_spec,
        action="append",
        default=[],
        metavar="SPEC",
        help="add a fault, e.g. 503:2, 429:retry_after=0.5, html:every=7, truncate:p=0.1, "
        "reset:1, delay=3:1, bad_utf8:every=3, mixed_keys:every=1, empty:1 (repeatable)",
    )
    group.add_argument(
        "--latency", type=delay, default=0.0, metavar="SEC", help="seconds to wait before every answer"
    )
    return parent


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "sandbox",
        help="local replicas of the remote services (offline tests, demos)",
        description="Run local replicas of HEK and the other services, with fault injection.",
        parents=[common_options(defaults=False)],
    )
    actions = parser.add_subparsers(dest="sandbox_action", metavar="ACTION")
    actions.required = True
    serve = actions.add_parser(
        "serve",
        help="serve one replica in the foreground until Ctrl-C",
        description="Serve one replica on loopback, print its URL, and serve until Ctrl-C.",
    )
    replicas = serve.add_subparsers(dest="replica", metavar="REPLICA")
    replicas.required = True
    for name, spec in SERVE.items():
        sub = replicas.add_parser(
            name,
            help=spec.help,
            description=spec.help,
            parents=[common_options(defaults=False), _serve_options()],
        )
        spec.add_arguments(sub)
        sub.set_defaults(func=run)


def run(app: App, args: argparse.Namespace) -> int:
    spec = SERVE[args.replica]
    plan = FaultPlan.parse(args.fault, latency=args.latency, seed=args.seed)
    try:
        server = spec.build(args, plan)
    except SandboxError as err:
        raise CliUsageError(str(err)) from None
    try:
        server.start()
    except OSError as err:
        raise CliUsageError(f"cannot listen on {args.host}:{args.port}: {err.strerror or err}") from None
    try:
        env = server.environment()
        export = "  (export " + " ".join(f"{k}={v}" for k, v in env.items()) + ")" if env else ""
        app.echo(f"{server.label} at {server.url}{export}")
        file_plan = getattr(server, "file_plan", None)
        files = f"; files: {file_plan.describe()}" if isinstance(file_plan, FaultPlan) else ""
        app.echo(f"{plan.describe()}{files}; Ctrl-C to stop")
        app.out.flush()
        while not server.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    app.echo(f"{server.label} stopped after {len(server.requests)} requests")
    return 0
