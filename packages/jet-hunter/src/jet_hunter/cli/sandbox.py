"""``jet-hunter sandbox``: run the local replicas of the remote services.

``jet-hunter sandbox serve hek [--port P] [--seed S] [--fault SPEC]... [--latency SEC]``
starts the HEK replica in the foreground, prints its URL and serves until Ctrl-C.
Fault specs are those of :mod:`jet_sandbox.faults` (``503:2``, ``429:retry_after=0.5``,
``html:every=7``, ``truncate:p=0.1``, ``bad_utf8:every=3``, ...).

Each replica is one entry of :data:`SERVE`: its options and how to build it from them,
so adding the SSW, JSOC, file-server or Panoptes replicas is one more entry.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jet_sandbox.faults import FaultPlan
from jet_sandbox.hek import HekServer
from jet_sandbox.server import SandboxServer

from jet_hunter.cli.app import App, CliUsageError, common_options

__all__ = ["register", "run", "SERVE", "ServeSpec"]


@dataclasses.dataclass(frozen=True)
class ServeSpec:
    """How ``sandbox serve NAME`` builds one replica."""

    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    build: Callable[[argparse.Namespace, FaultPlan], SandboxServer]


def _hek_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("HEK data")
    group.add_argument(
        "--no-synthetic",
        dest="synthetic",
        action="store_false",
        help="serve only the recorded events, no synthetic jets",
    )
    group.add_argument(
        "--jets-per-week",
        type=float,
        default=3.0,
        metavar="N",
        help="mean number of synthetic jets per week (default 3)",
    )
    group.add_argument(
        "--events",
        type=Path,
        metavar="FILE",
        help="serve the events of this HEK answer (JSON) instead of the June-2010 recording",
    )
    group.add_argument(
        "--max-limit",
        type=int,
        metavar="N",
        help="cap result_limit at N events per page, as a busy server might",
    )


def _read_events(path: Path) -> list[dict[str, Any]]:
    try:
        doc = json.loads(path.read_bytes().decode("utf-8", errors="replace"))
    except (OSError, ValueError) as err:
        raise CliUsageError(f"cannot read events from {path}: {err}") from None
    events = doc.get("result") if isinstance(doc, dict) else doc
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise CliUsageError(f"{path} holds neither a HEK answer nor a list of events")
    return events


def _build_hek(args: argparse.Namespace, plan: FaultPlan) -> SandboxServer:
    events = None if args.events is None else _read_events(args.events)
    return HekServer(
        events,
        synthetic=args.synthetic,
        seed=args.seed,
        jets_per_week=args.jets_per_week,
        max_limit=args.max_limit,
        faults=plan,
        host=args.host,
        port=args.port,
    )


SERVE: dict[str, ServeSpec] = {
    "hek": ServeSpec(
        "the HEK event search (/hek/her): recorded June-2010 jets plus synthetic ones",
        _hek_arguments,
        _build_hek,
    ),
}
"""The replicas ``sandbox serve`` knows, by name."""


def _serve_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("server")
    group.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    group.add_argument("--port", type=int, default=0, help="port to listen on (default: any free port)")
    group.add_argument("--seed", type=int, default=0, help="seed of the synthetic data and of random faults")
    group.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="SPEC",
        help="add a fault, e.g. 503:2, 429:retry_after=0.5, html:every=7, truncate:p=0.1, "
        "reset:1, delay=3:1, bad_utf8:every=3, mixed_keys:every=1, empty:1 (repeatable)",
    )
    group.add_argument(
        "--latency", type=float, default=0.0, metavar="SEC", help="seconds to wait before every answer"
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
    if args.latency < 0:
        raise CliUsageError(f"--latency must be >= 0, not {args.latency}")
    plan = FaultPlan.parse(args.fault, latency=args.latency, seed=args.seed)
    server = spec.build(args, plan)
    try:
        server.start()
    except OSError as err:
        raise CliUsageError(f"cannot listen on {args.host}:{args.port}: {err.strerror or err}") from None
    try:
        export = f"  (export {server.env_var}={server.url})" if server.env_var else ""
        app.echo(f"{server.label} at {server.url}{export}")
        app.echo(f"{plan.describe()}; Ctrl-C to stop")
        app.out.flush()
        while not server.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    app.echo(f"{server.label} stopped after {len(server.requests)} requests")
    return 0
