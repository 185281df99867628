"""``jet-hunter db``: schema revision and upgrades."""

from __future__ import annotations

import argparse
from typing import Any

from jet_hunter.cli.app import App, common_options

__all__ = ["register"]


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "db",
        help="database schema: info, upgrade",
        description="Inspect or upgrade the database schema.",
        parents=[common_options(defaults=False)],
    )
    actions = parser.add_subparsers(dest="db_command", metavar="ACTION", parser_class=type(parser))
    actions.required = True
    upgrade = actions.add_parser(
        "upgrade",
        help="upgrade (or create) the schema to this version's",
        parents=[common_options(defaults=False)],
    )
    upgrade.set_defaults(func=run_upgrade)
    info = actions.add_parser(
        "info", help="show the schema revision", parents=[common_options(defaults=False)]
    )
    info.set_defaults(func=run_info)


def run_upgrade(app: App, args: argparse.Namespace) -> int:
    from jet_store.engine import masked_url

    store = app.store(create=True, upgrade=True)
    app.echo(f"{masked_url(store.url)} is at schema {store.revision}")
    return 0


def run_info(app: App, args: argparse.Namespace) -> int:
    from jet_store.engine import masked_url
    from jet_store.revisions import head_revision

    store = app.store(create=False)
    app.echo(f"{masked_url(store.url)}: schema {store.revision} (this jet-store writes {head_revision()})")
    return 0
