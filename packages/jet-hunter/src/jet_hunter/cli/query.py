"""``jet-hunter query KIND``: records out of the store, filtered, as a table or JSON lines."""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from jet_store.errors import BadFilter
from jet_store.records import RECORD_TYPES, Record, record_type

from jet_hunter.cli.app import App, common_options
from jet_hunter.cli.argtypes import count

if TYPE_CHECKING:
    from jet_store.filters import Condition

__all__ = ["register", "run", "where_from_tokens"]

# what the table view shows of each kind (--json prints every field)
TABLE_FIELDS: dict[str, tuple[str, ...]] = {
    "events": ("kb_archivid", "sol_standard", "start_time", "channel", "hpc_x", "hpc_y"),
    "searches": ("key", "start_time", "end_time", "found", "new", "complete"),
    "cutouts": ("key", "backend", "state", "event_id", "wavelengths", "remote_id"),
    "frames": ("url", "state", "obs_time", "wavelength", "path"),
    "renderings": ("path", "format", "width", "height", "frame_path"),
    "subjects": ("key", "state", "zooniverse_id", "event_id"),
    "workflows": ("workflow_id", "version", "display_name"),
    "classifications": ("classification_id", "subject_id", "workflow_id", "user_name", "created_at"),
    "annotations": ("classification_id", "task", "mark_index", "shape", "frame", "x", "y"),
    "clusters": ("key", "subject_id", "shape", "x", "y", "n_users"),
    "jets": ("jet_id", "start_time", "base_x", "base_y", "max_height", "flags"),
    "import_reports": ("export", "source", "rows", "added", "filtered", "skipped", "finished_at"),
}


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "query",
        help="list records of one kind",
        description="List stored records of one kind, filtered with --where.",
        epilog="Example: jet-hunter query frames --where 'state = pending' --where 'wavelength = 304' --json",
        parents=[common_options(defaults=False)],
    )
    parser.add_argument(
        "kind",
        metavar="KIND",
        choices=sorted(RECORD_TYPES),
        help="one of: " + ", ".join(sorted(RECORD_TYPES)),
    )
    parser.add_argument(
        "--where",
        metavar="FIELD OP VALUE",
        nargs="+",
        action="append",
        default=[],
        help="filter, e.g. --where state = pending (ops: = != < <= > >= like); repeatable",
    )
    parser.add_argument("--limit", metavar="N", type=count, help="at most N records")
    parser.add_argument(
        "--order-by", metavar="FIELD", help="sort by FIELD; --order-by=-FIELD sorts descending"
    )
    parser.add_argument("--json", action="store_true", help="JSON lines, every field")
    parser.set_defaults(func=run)


def where_from_tokens(tokens: list[str]) -> Condition:
    """One ``--where`` given as one string or as ``FIELD OP VALUE...`` tokens."""
    from jet_store.filters import parse_where  # sqlalchemy: only when a filter is given

    if len(tokens) == 1:
        return parse_where(tokens[0])
    if len(tokens) >= 3:
        return tokens[0], tokens[1].lower(), " ".join(tokens[2:])
    raise BadFilter(f"cannot read filter {' '.join(tokens)!r}: expected FIELD OP VALUE")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def _checked(records: Iterable[Record], where: list[list[str]]) -> Iterator[Record]:
    """The records, with a value the database cannot compare (year 0 in UTC, 2**64) a :class:`BadFilter`."""
    try:
        yield from records
    except (OverflowError, ValueError) as err:
        text = "; ".join(" ".join(tokens) for tokens in where)
        raise BadFilter(f"cannot filter on {text!r}: {err}") from None


def run(app: App, args: argparse.Namespace) -> int:
    from jet_store.codec import to_json_dict

    cls = record_type(args.kind)
    where = [where_from_tokens(tokens) for tokens in args.where]
    store = app.store(create=False)
    records = _checked(store.stream(cls, where=where, limit=args.limit, order_by=args.order_by), args.where)
    if args.json:
        for record in records:
            app.emit_json(to_json_dict(record))
        return 0
    columns = TABLE_FIELDS[cls.kind]
    rows = [[_cell(to_json_dict(r)[name]) for name in columns] for r in records]
    widths = [max([len(name)] + [len(row[i]) for row in rows]) for i, name in enumerate(columns)]
    app.echo("  ".join(name.ljust(w) for name, w in zip(columns, widths, strict=True)).rstrip())
    for row in rows:
        app.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0
