"""``jet-hunter hek search``: find events in HEK and save them in the store.

A thin layer over :func:`hek_client.search_and_save`: it reads the options, builds a
:class:`hek_client.HekQuery`, runs the search window by window (windows already searched
with the same query are skipped unless ``--refresh``), and prints one line::

    found 16, new 16, skipped 0 (windows: fetched 1, skipped 0)

or, with ``--json``, the same summary as one JSON document.
"""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import Any

from hek_client.settings import DEFAULT_CONCURRENCY, DEFAULT_REPORTING_LAG, DEFAULT_WINDOW
from hek_client.terms import DEFAULT_BOX
from jet_store.claim_terms import DEFAULT_LEASE

from jet_hunter.cli.app import App, Reported, common_options
from jet_hunter.cli.argtypes import (
    arcsec,
    channel,
    event_types,
    http_url,
    integer,
    reporting_lag,
    seconds,
    utc_time,
    window_days,
    workers,
)

__all__ = ["register", "run_search"]


def register(commands: Any) -> None:
    """Add ``hek`` and its sub-command ``search`` to the command parsers."""
    hek = commands.add_parser(
        "hek",
        help="search the Heliophysics Event Knowledgebase",
        description="Search HEK for events and save them in the store.",
        parents=[common_options(defaults=False)],
    )
    actions = hek.add_subparsers(dest="hek_command", metavar="ACTION", parser_class=type(hek))
    actions.required = True
    search = actions.add_parser(
        "search",
        help="find events and save them (idempotent, resumable)",
        description=(
            "Find HEK events in a time range and save them in the store. The range is searched in "
            "windows; windows already searched with the same query are skipped unless --refresh."
        ),
        epilog=(
            "Example: jet-hunter hek search --start 2010-06-01 --end 2020-06-01 --type cj --channel 304 "
            "--filter frm_name like %Schrijver%"
        ),
        parents=[common_options(defaults=False)],
    )
    search.add_argument(
        "--start", type=utc_time, required=True, metavar="TIME", help="start (UTC, ISO 8601: 2010-06-01)"
    )
    search.add_argument("--end", type=utc_time, required=True, metavar="TIME", help="end (UTC, ISO 8601)")
    search.add_argument(
        "--type", type=event_types, default="cj", metavar="TYPES", help="event types, comma list (default cj)"
    )
    search.add_argument(
        "--channel", type=channel, metavar="CHANNEL", help="only reports made in this channel, e.g. 304"
    )
    search.add_argument(
        "--box",
        nargs=4,
        type=arcsec,
        metavar=("X1", "Y1", "X2", "Y2"),
        help="helioprojective box in arcsec (default +-5000: the disk and far off-limb)",
    )
    search.add_argument(
        "--filter",
        nargs=3,
        action="append",
        default=[],
        metavar=("PARAM", "OP", "VALUE"),
        help="attribute filter, e.g. --filter event_importance '>=' 0.4 (= != < <= > >= like); repeatable",
    )
    search.add_argument(
        "--url", type=http_url, metavar="URL", help="HEK search URL (default: the configured hek_url)"
    )
    search.add_argument(
        "--window-days",
        type=window_days,
        default=DEFAULT_WINDOW / timedelta(days=1),
        metavar="DAYS",
        help="length of one search window in days (default %(default)g; at most 10000 windows)",
    )
    search.add_argument(
        "--concurrency",
        type=workers,
        default=DEFAULT_CONCURRENCY,
        metavar="N",
        help="windows fetched at once (default %(default)s)",
    )
    search.add_argument(
        "--page-size",
        type=integer(1, 100_000),
        default=500,
        metavar="N",
        help="events per page (default 500)",
    )
    search.add_argument(
        "--reporting-lag",
        type=reporting_lag,
        default=DEFAULT_REPORTING_LAG / timedelta(days=1),
        metavar="DAYS",
        help="windows ending less than DAYS ago stay open and are searched again next run "
        "(HEK reports arrive late; default %(default)g)",
    )
    search.add_argument(
        "--lease",
        type=seconds,
        default=DEFAULT_LEASE,
        metavar="SEC",
        help="claim on each window to fetch, renewed while searching; a killed search's windows are "
        "taken over after it (default %(default)g s)",
    )
    search.add_argument(
        "--refresh", action="store_true", help="search windows again even if already searched"
    )
    search.add_argument("--json", action="store_true", help="print the summary as one JSON document")
    search.set_defaults(func=run_search)


def run_search(app: App, args: argparse.Namespace) -> int:
    """Run ``hek search``; return the exit code."""
    from hek_client import HekClient, HekQuery, SaveOptions, search_and_save

    query = HekQuery(
        args.start,
        args.end,
        event_types=args.type,
        box=args.box if args.box is not None else DEFAULT_BOX,
        filters=[tuple(f) for f in args.filter],
        channel=args.channel,
    )
    store = app.store()
    with HekClient(
        args.url or app.settings.hek_url,
        window=timedelta(days=args.window_days),
        concurrency=args.concurrency,
        page_size=args.page_size,
    ) as client:
        options = SaveOptions(
            refresh=args.refresh, reporting_lag=timedelta(days=args.reporting_lag), lease=args.lease
        )
        summary = search_and_save(client, store, query, progress=app.progress, options=options)
    extra = {
        "windows": {"fetched": summary.windows_fetched, "skipped": summary.windows_skipped},
        "query": {
            "start": query.start.isoformat(),
            "end": query.end.isoformat(),
            "fingerprint": query.fingerprint,
            **query.describe(),
        },
        "url": client.base_url,
    }
    return app.report(Reported(summary, summary.exit_code, extra), as_json=args.json)
