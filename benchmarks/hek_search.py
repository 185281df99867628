"""HEK search: hek-client vs sunpy's HEKClient on the HEK replica.

Workload (BENCHMARKS.md): "HEK: cj events 2010-06-01..2020-06-01 from a replica with
150 ms latency per request and pages of 100"; target: the same event set, >= 5x faster.

Anchor: ``sunpy.net.hek.HEKClient(url).search(a.Time(start, end), a.hek.EventType("cj"))``,
what a sunpy user runs: one query over the whole range, pages read one after the other
(sunpy sends no ``result_limit``; the replica's default page, like HEK's, is 100). Its
last step, turning the rows into a ``HEKTable`` with times and coordinates, *fails* on
this data (sunpy 7.0: ``TypeError`` in ``_map_event_coord_columns_to_coordinates`` when
``event_coord3`` mixes ``""`` and null, a quirk of the real HEK too), so the anchor timed
is the part of ``search`` before it: the same parameters through ``HEKClient._download``,
which pages and builds an astropy ``Table`` of the raw rows. That makes the anchor
faster than a working ``search`` would be: the ratio is conservative.

Ours: ``hek_client.HekClient(url, page_size=100).search(HekQuery(start, end))`` with the
library's defaults: 90-day windows and ``DEFAULT_CONCURRENCY`` (8) windows in flight, then
``.to_table()`` so that both sides end with an astropy table (ours with parsed times and
units). The headline is the default a user gets; 8 stays the default because HEK is a
shared public service (sunpy asks it one page at a time) and 8 connections are already
more than most clients open. ``--concurrency 12`` shows what more connections would give
(ten years are 41 windows: 4 rounds of 12 instead of 6 rounds of 8). Both use the default box
(+-5000 arcsec) and ask the same replica (``jet_sandbox.hek.HekServer``, seed 0, no
faults) served from its own process (as HEK is remote), alternating A B A B. Before
timing, both answers are checked against the replica's own truth (``srv.expected``): same ``kb_archivid`` set,
no duplicates.

Run ``hatch run bench:python benchmarks/hek_search.py`` (``--quick`` for one year).
"""

from __future__ import annotations

import contextlib
import logging
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # _common, when imported from elsewhere

from _common import Result, alternate, append_result, common_parser, skip

WORKLOAD = "HEK: cj events 2010-06-01..2020-06-01, replica with 150 ms latency, pages of 100"
ANCHOR = "sunpy HEKClient.search paging (sequential pages, one range; its table step fails)"
TARGET_RATIO = 5.0
LATENCY = 0.15
PAGE = 100


@contextlib.contextmanager
def _replica_process(latency: float) -> Iterator[str]:
    """``jet-hunter sandbox serve hek`` in a subprocess; yields its URL."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jet_hunter",
            "sandbox",
            "serve",
            "hek",
            "--seed",
            "0",
            "--latency",
            str(latency),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"(http://\S+/hek/her)", line)
        if not match:
            raise RuntimeError(f"the replica did not print its URL: {line!r}")
        yield match.group(1)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)


def main(argv: list[str] | None = None) -> int:
    parser = common_parser(__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=LATENCY, help="replica latency per request, s")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help="our windows in flight (default: the library's, hek_client.DEFAULT_CONCURRENCY)",
    )
    args = parser.parse_args(argv)
    try:
        from sunpy.net import attr
        from sunpy.net import attrs as a
        from sunpy.net.hek import HEKClient
        from sunpy.net.hek import attrs as hek_attrs
    except ImportError:
        skip("sunpy[net] is not installed (use the bench environment)")

    logging.getLogger("httpx").setLevel(logging.WARNING)  # sunpy turns on INFO logging
    from hek_client import DEFAULT_CONCURRENCY, DEFAULT_WINDOW, HekClient, HekQuery
    from jet_sandbox.hek import HekServer

    start, end = ("2010-06-01", "2011-06-01") if args.quick else ("2010-06-01", "2020-06-01")
    rounds = args.rounds or (2 if args.quick else 3)
    query = HekQuery(start, end)
    concurrency = args.concurrency or DEFAULT_CONCURRENCY
    options: dict[str, Any] = {"page_size": PAGE, "concurrency": concurrency}
    verbose = not args.quiet

    def anchor_search(url: str) -> list[str]:
        # HEKClient.search up to its failing HEKTable step (see the module docstring)
        client = HEKClient(url=url + "?")
        (params,) = hek_attrs.walker.create(attr.and_(a.Time(start, end), a.hek.EventType("cj")), {})
        table = client._download({**client.default, **params})
        return [str(x) for x in table["kb_archivid"]]

    def our_search(url: str) -> list[str]:
        with HekClient(url, **options) as client:
            result = client.search(query, progress=False)
        table = result.to_table()
        return [str(x) for x in table["kb_archivid"]]

    # correctness and request counts on an in-process replica, whose log we can read
    with HekServer(seed=0, latency=0.0) as srv:
        expected = srv.expected(start, end, event_types="cj", box=query.box)
        srv.clear_requests()
        anchor_ids = anchor_search(srv.url)
        anchor_requests = len(srv.requests)
        srv.clear_requests()
        our_ids = our_search(srv.url)
        our_requests = len(srv.requests)
    for name, ids in (("sunpy", anchor_ids), ("hek-client", our_ids)):
        if set(ids) != expected or len(ids) != len(set(ids)):
            print(
                f"{name}: {len(ids)} events ({len(set(ids))} distinct), expected {len(expected)}",
                file=sys.stderr,
            )
            return 1
    if verbose:
        print(
            f"  same {len(expected)} events; requests: sunpy {anchor_requests}, ours {our_requests}",
            file=sys.stderr,
        )

    # timing against the replica in its own process, as HEK is a remote server: the
    # replica's CPU then does not compete with the client's for one interpreter
    with _replica_process(args.latency) as url:
        anchor_timing, our_timing = alternate(
            lambda _round: lambda: anchor_search(url),
            lambda _round: lambda: our_search(url),
            rounds,
            label="hek",
            verbose=verbose,
        )

    window_days = DEFAULT_WINDOW.days
    result = Result.from_timings(
        anchor_timing,
        our_timing,
        workload=WORKLOAD,
        anchor=ANCHOR,
        target=f">= {TARGET_RATIO:g}x, same event set",
        target_ratio=TARGET_RATIO,
        note=(
            f"{len(expected)} events, identical sets; ours: {window_days}-day windows, "
            f"{concurrency} in flight, {our_requests} requests "
            f"vs {anchor_requests} sequential"
        ),
        extra={
            "events": len(expected),
            "range": [start, end],
            "latency_s": args.latency,
            "page_size": PAGE,
            "anchor_requests": anchor_requests,
            "our_requests": our_requests,
            "window_days": window_days,
            "concurrency": concurrency,
        },
        quick=args.quick,
        benchmark=Path(__file__).name,
    )
    md = append_result(result, args.results_dir)
    print(
        f"{WORKLOAD}: sunpy {result.anchor_median_s:.2f} s, ours {result.ours_median_s:.2f} s, "
        f"ratio {result.ratio:.1f}x (target {TARGET_RATIO:g}x {'met' if result.met else 'NOT met'}); {md}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
