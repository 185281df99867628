"""The replicas ``jet-hunter sandbox serve`` knows (:data:`SERVE`): each one's options and builder.

Each replica is one :class:`ServeSpec`: the help line, the function adding its own
options to its ``sandbox serve NAME`` parser, and the function building its
:class:`~jet_sandbox.server.SandboxServer` from the parsed options and the fault plan.
The command itself (shared server options, running until Ctrl-C) is
:mod:`jet_hunter.cli.sandbox`. A builder imports its replica's module when it runs, so
building the parser loads none of their data (synthetic AIA frames need astropy).

Examples
--------
>>> sorted(SERVE)
['files', 'hek', 'jsoc', 'panoptes', 'ssw']
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jet_sandbox.faults import FaultPlan

from jet_hunter.cli.app import CliUsageError
from jet_hunter.cli.argtypes import (
    count,
    delay,
    email,
    existing_dir,
    existing_file,
    fault_spec,
    int_list,
    integer,
    number,
    path,
    pixel_size,
    seconds,
)

if TYPE_CHECKING:
    from jet_sandbox.server import SandboxServer

__all__ = ["SERVE", "ServeSpec"]


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
        type=number(0, 1000.0),
        default=3.0,
        metavar="N",
        help="mean number of synthetic jets per week (default 3)",
    )
    group.add_argument(
        "--events",
        type=existing_file,
        metavar="FILE",
        help="serve the events of this HEK answer (JSON) instead of the June-2010 recording",
    )
    group.add_argument(
        "--max-limit",
        type=integer(1, 1_000_000),
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
    from jet_sandbox.hek import HekServer

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


def _cutout_arguments(group: argparse._ArgumentGroup) -> None:
    """Options shared by the replicas that make synthetic cutouts (ssw, jsoc)."""
    group.add_argument(
        "--shape",
        type=pixel_size(8, 4096),
        metavar="NXxNY",
        help="largest frame size in pixels (coarser pixels for wider fields of view; default: 0.6 arcsec)",
    )
    group.add_argument(
        "--root", type=path, metavar="DIR", help="write the frames made under DIR (else in memory)"
    )
    group.add_argument(
        "--file-fault",
        type=fault_spec,
        action="append",
        default=[],
        metavar="SPEC",
        help="a fault for the FITS files only (then --fault covers the other endpoints only); repeatable",
    )
    group.add_argument(
        "--latency-per-mb",
        type=delay,
        default=0.0,
        metavar="SEC",
        help="pace the files: seconds per 10**6 bytes",
    )


def _ssw_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("SSW jobs")
    group.add_argument(
        "--pending-polls",
        type=count,
        default=2,
        metavar="N",
        help="polls of a job folder answered 404 (default 2)",
    )
    group.add_argument(
        "--building-polls",
        type=count,
        default=1,
        metavar="N",
        help="polls answered next with a page without the ready marker (default 1)",
    )
    group.add_argument(
        "--max-frames-cap", type=integer(1, 100_000), metavar="N", help="at most N frames per wavelength"
    )
    group.add_argument(
        "--malicious",
        action="store_true",
        help="add hostile lines (../../x.fts, /etc/passwd, ...) to every list",
    )
    _cutout_arguments(group)


def _file_plan(args: argparse.Namespace, plan: FaultPlan) -> FaultPlan | None:
    if not args.file_fault:
        return None
    return FaultPlan.parse(args.file_fault, latency=plan.latency, seed=plan.seed)


def _build_ssw(args: argparse.Namespace, plan: FaultPlan) -> SandboxServer:
    from jet_sandbox.ssw import SswServer

    return SswServer(
        pending_polls=args.pending_polls,
        building_polls=args.building_polls,
        faults=plan,
        file_faults=_file_plan(args, plan),
        latency_per_mb=args.latency_per_mb,
        seed=args.seed,
        shape=args.shape,
        max_frames_cap=args.max_frames_cap,
        root=args.root,
        malicious=args.malicious,
        host=args.host,
        port=args.port,
    )


def _jsoc_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("JSOC exports")
    group.add_argument(
        "--registered",
        type=email,
        action="append",
        metavar="EMAIL",
        help="a registered notification address (repeatable; default jets@example.org)",
    )
    group.add_argument(
        "--status-sequence",
        type=int_list,
        default=(6, 2, 1, 0),
        metavar="S,S,...",
        help="exp_status answers of successive polls; the last repeats (default 6,2,1,0)",
    )
    group.add_argument(
        "--transient-error-every",
        type=integer(1, 1_000_000),
        metavar="K",
        help="every K-th poll of a pending export answers 4",
    )
    group.add_argument(
        "--max-connections",
        type=integer(0, 10_000),
        default=1,
        metavar="N",
        help="requests in flight per client before 429 (default 1; 0: no limit)",
    )
    group.add_argument(
        "--busy-retry-after",
        type=delay,
        default=1.0,
        metavar="SEC",
        help="Retry-After of that 429 (default 1)",
    )
    group.add_argument(
        "--wait",
        type=delay,
        default=10.0,
        metavar="SEC",
        help="the wait JSOC suggests between polls (default 10)",
    )
    _cutout_arguments(group)


def _build_jsoc(args: argparse.Namespace, plan: FaultPlan) -> SandboxServer:
    from jet_sandbox.jsoc import JsocServer

    return JsocServer(
        registered=tuple(args.registered or ("jets@example.org",)),
        faults=plan,
        file_faults=_file_plan(args, plan),
        latency_per_mb=args.latency_per_mb,
        seed=args.seed,
        status_sequence=tuple(args.status_sequence),
        transient_error_every=args.transient_error_every,
        max_connections=args.max_connections or None,
        busy_retry_after=args.busy_retry_after,
        wait=args.wait,
        shape=args.shape,
        root=args.root,
        host=args.host,
        port=args.port,
    )


def _files_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("files")
    group.add_argument("--root", type=existing_dir, required=True, metavar="DIR", help="the folder to serve")
    group.add_argument(
        "--latency-per-mb",
        type=delay,
        default=0.0,
        metavar="SEC",
        help="pace the bodies: seconds per 10**6 bytes",
    )
    group.add_argument("--no-index", dest="index", action="store_false", help="answer folder URLs with 404")


def _build_files(args: argparse.Namespace, plan: FaultPlan) -> SandboxServer:
    from jet_sandbox.files import FileServer

    return FileServer(
        args.root,
        faults=plan,
        latency_per_mb=args.latency_per_mb,
        index=args.index,
        host=args.host,
        port=args.port,
    )


def _panoptes_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("Panoptes")
    group.add_argument("--username", default="jet-hunter", help="the seeded account (owner of project 11265)")
    group.add_argument(
        "--password", default="sandbox-password", help="its password (default: sandbox-password)"
    )
    group.add_argument(
        "--media-root", type=Path, metavar="DIR", help="keep uploaded media under DIR (else in memory)"
    )
    group.add_argument("--subject-limit", type=count, default=10_000, metavar="N", help="its upload limit")
    group.add_argument(
        "--token-lifetime",
        type=seconds,
        default=7200.0,
        metavar="SEC",
        help="bearer token lifetime (default 7200)",
    )
    group.add_argument(
        "--route-fault",
        action="append",
        default=[],
        metavar="ROUTE=SPEC",
        help="a fault of one route (uploads=500:p=0.1, links=409:p=0.1), a lost answer of a write "
        "(lost:subjects=504:p=0.1) or early token expiry (expire=401:p=0.01); repeatable",
    )


def _build_panoptes(args: argparse.Namespace, plan: FaultPlan) -> SandboxServer:
    from jet_sandbox.panoptes import PanoptesServer
    from jet_sandbox.panoptes_faults import PanoptesFaults

    return PanoptesServer(
        username=args.username,
        password=args.password,
        subject_limit=args.subject_limit,
        token_lifetime=args.token_lifetime,
        media_root=args.media_root,
        panoptes_faults=PanoptesFaults.from_specs(args.route_fault, latency=plan.latency, seed=plan.seed),
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
    "ssw": ServeSpec(
        "the LMSAL SSW cutout service: submit CGI, job folders, per-wave lists, synthetic AIA frames",
        _ssw_arguments,
        _build_ssw,
    ),
    "jsoc": ServeSpec(
        "JSOC export with im_patch: checkAddress.sh, jsoc_fetch (exp_request, exp_status), files",
        _jsoc_arguments,
        _build_jsoc,
    ),
    "files": ServeSpec(
        "a web server for a folder: Range, ETag, If-Range, and download faults",
        _files_arguments,
        _build_files,
    ),
    "panoptes": ServeSpec(
        "the Zooniverse API (Panoptes): sign-in, tokens, subject sets, subjects, signed media, exports",
        _panoptes_arguments,
        _build_panoptes,
    ),
}
"""The replicas ``sandbox serve`` knows, by name."""
