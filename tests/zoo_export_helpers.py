"""Helpers of the zoo-bridge tests: write export files, read them back independently."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from jet_sandbox.panoptes_exports import CLASSIFICATION_COLUMNS

__all__ = ["write_export", "read_rows"]


def write_export(
    path: Path, rows: Iterable[Mapping[str, Any]], columns: Iterable[str] = CLASSIFICATION_COLUMNS
) -> Path:
    """Write rows as a Panoptes export CSV (JSON columns given as objects are dumped)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, list(columns), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {k: (json.dumps(v) if isinstance(v, (dict, list)) else v) for k, v in row.items()}
            )
    return path


def read_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV, read independently of zoo_bridge."""
    csv.field_size_limit(1 << 30)
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))
