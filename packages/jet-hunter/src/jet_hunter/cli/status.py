"""``jet-hunter status``: what the store holds, per record kind and stage state."""

from __future__ import annotations

import argparse
from typing import Any

from jet_hunter.cli.app import App, common_options

__all__ = ["register", "run"]


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "status",
        help="counts per record kind and stage state",
        description="Show how many records of each kind the store holds, per stage state.",
        parents=[common_options(defaults=False)],
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(func=run)


def run(app: App, args: argparse.Namespace) -> int:
    from jet_store.engine import masked_url

    store = app.store(create=False)
    counts = store.counts()
    if args.json:
        app.emit_json({"database": masked_url(store.url), "schema": store.revision, "kinds": counts})
        return 0
    app.echo(f"database  {masked_url(store.url)}  (schema {store.revision})")
    width = max(len(kind) for kind in counts)
    for kind, entry in counts.items():
        states = entry.get("states") or {}
        detail = ", ".join(f"{state} {n}" for state, n in states.items())
        app.echo(f"{kind:<{width}}  {entry['total']:>9}" + (f"   {detail}" if detail else ""))
    return 0
