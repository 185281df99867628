"""Compare two SQLite stores table by table, row by row, value by value.

Used to show that a faster importer stores exactly what the previous one did: import the
same export with both checkouts, then ``python benchmarks/compare_stores.py A.db B.db``.
Every table both stores hold is read whole in primary-key order (the stored text, number
or blob of every column, as SQLite holds it); the import reports' ``started_at`` and
``finished_at`` (wall-clock times of the run) are left out. Exits 1 at the first
difference, printing it; prints the tables and row counts compared otherwise.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator, Sequence
from itertools import zip_longest
from pathlib import Path
from typing import Any

#: columns that hold when an import ran, not what it read
RUN_TIMES = {"import_reports": ("started_at", "finished_at")}


def _tables(db: sqlite3.Connection) -> list[str]:
    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return sorted(name for (name,) in rows if name != "alembic_version")


def _rows(db: sqlite3.Connection, table: str) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    info = db.execute(f'PRAGMA table_info("{table}")').fetchall()
    skip = RUN_TIMES.get(table, ())
    columns = [row[1] for row in info if row[1] not in skip]
    keys = [row[1] for row in sorted(info, key=lambda r: r[5]) if row[5]] or columns
    select = ", ".join(f'"{c}"' for c in columns)
    order = ", ".join(f'"{c}"' for c in keys)
    return columns, iter(db.execute(f'SELECT {select} FROM "{table}" ORDER BY {order}'))


def compare(a: Path, b: Path) -> list[str]:
    """The differences between the stores (empty when they hold the same values)."""
    left, right = sqlite3.connect(a), sqlite3.connect(b)
    problems: list[str] = []
    tables = _tables(left)
    if tables != _tables(right):
        return [f"tables differ: {tables} vs {_tables(right)}"]
    for table in tables:
        columns, rows_a = _rows(left, table)
        _, rows_b = _rows(right, table)
        count = 0
        for count, (row_a, row_b) in enumerate(zip_longest(rows_a, rows_b), start=1):
            if row_a is None or row_b is None:
                problems.append(f"{table}: row {count} is only in {(a if row_b is None else b).name}")
                break
            if row_a != row_b:
                diff = [(c, x, y) for c, x, y in zip(columns, row_a, row_b, strict=True) if x != y]
                problems.append(f"{table} row {count}: {diff[:3]}")
                break
        print(f"{table}: {count:,} rows compared")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2:
        print("usage: compare_stores.py A.db B.db", file=sys.stderr)
        return 2
    problems = compare(Path(args[0]), Path(args[1]))
    for line in problems:
        print(line)
    print("identical" if not problems else "DIFFERENT")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
