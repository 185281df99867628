"""The jet catalogue: the published Solar Jet Hunter columns, then ours; CSV, ECSV, JSON.

The published columns keep their header verbatim (ZOONIVERSE.md), their meanings and
units: ``date`` the start of the earliest subject, ``duration`` minutes from it to the
end of the last subject, base point mean/std in helioprojective arcsec, its
heliographic Stonyhurst longitude/latitude in degrees, heights and widths in arcsec,
``velocity`` in arcsec/s (km/s = x 725), ``flags`` three digits. Ours follow: start, end
and peak times at frame resolution, the jet axis' position angle on the sky (degrees
counter-clockwise from solar north), the number of subjects and volunteers, the
velocity error (arcsec/s) and the hash of the parameters that made the row.

``sjh_ID`` is ``sjh_<first frame time to the hour>_<n>``, ``n`` counting from 1 within
the hour in time order, so the same jets always get the same ids.

Examples
--------
>>> from datetime import datetime, timezone
>>> from jet_store import Jet
>>> from jet_aggregate.catalogue import catalogue_rows, CSV_HEADER
>>> t = datetime(2012, 7, 8, 13, 1, 7, tzinfo=timezone.utc)
>>> jet = Jet(jet_id="e:0", start_time=t, end_time=t, base_x=-300.0, base_y=200.0, direction=90.0,
...           max_height=40.0, velocity=72.5, subject_start=t, subject_end=t, flags=110)
>>> row = catalogue_rows([jet])[0]
>>> row["#sjh_ID"], row["velocity"], row["position_angle"], row["flags"]
('sjh_2012-07-08T13_1', 0.1, 0.0, '110')
>>> CSV_HEADER.split(", ")[:4]
['#sjh_ID', 'date', 'SOL_event', 'duration']
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from jet_store import Jet
from jet_store.tempfiles import make_temporary, remove_dead_temporaries

from jet_aggregate.errors import InputError
from jet_aggregate.measure import ARCSEC_KM

__all__ = [
    "COLUMNS",
    "CSV_HEADER",
    "PUBLISHED_HEADER",
    "Format",
    "catalogue_rows",
    "catalogue_table",
    "remove_dead_temporaries",
    "write_catalogue",
]

Format = Literal["csv", "ecsv", "json"]

PUBLISHED_HEADER = (
    "#sjh_ID, date, SOL_event, duration, basepoint_X, std_X, basepoint_Y, std_Y, basepoint_X_longitude, "
    "basepoint_Y_latitude, max_height, upper_H, lower_H, avg_width, std_width, velocity, sigma, flags"
)
"""The published catalogue's header, verbatim."""

COLUMNS: tuple[tuple[str, str | None, str], ...] = (
    ("#sjh_ID", None, "jet id: sjh_<first frame time to the hour>_<n>"),
    ("date", None, "start of the earliest subject (UTC)"),
    ("SOL_event", None, "HEK SOL name of the event"),
    ("duration", "min", "first subject's start to last subject's end"),
    ("basepoint_X", "arcsec", "mean helioprojective x of the per-subject base points"),
    ("std_X", "arcsec", "their std (ddof 0)"),
    ("basepoint_Y", "arcsec", "mean helioprojective y of the per-subject base points"),
    ("std_Y", "arcsec", "their std (ddof 0)"),
    ("basepoint_X_longitude", "deg", "heliographic Stonyhurst longitude of the mean base point"),
    ("basepoint_Y_latitude", "deg", "heliographic Stonyhurst latitude of the mean base point"),
    ("max_height", "arcsec", "largest per-subject height"),
    ("upper_H", "arcsec", "H (1/gamma - 1)"),
    ("lower_H", "arcsec", "H (gamma - 1)"),
    ("avg_width", "arcsec", "mean base-edge width"),
    ("std_width", "arcsec", "its std"),
    ("velocity", "arcsec / s", "max height / (time of max - start); NaN if undefined"),
    ("sigma", None, "mean IoU spread of the boxes"),
    ("flags", None, "duration < 6 min | velocity undefined | |longitude| > 90 deg"),
    ("start_time", None, "frame where the base first appears (UTC)"),
    ("end_time", None, "frame where the base is last visible (UTC)"),
    ("peak_time", None, "frame of maximum height (UTC)"),
    ("position_angle", "deg", "jet axis on the sky, counter-clockwise from solar north"),
    ("n_subjects", None, "subjects the jet was seen in"),
    ("n_volunteers", None, "distinct volunteers who marked it"),
    ("velocity_error", "arcsec / s", "1-sigma error of velocity"),
    ("params_hash", None, "hash of the aggregation parameters"),
)
"""Every column: name, unit (astropy string), description."""

CSV_HEADER = ", ".join(name for name, _, _ in COLUMNS)
"""The CSV header: the published one verbatim, then ours."""


def _time(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


def _num(value: float | None) -> float:
    return math.nan if value is None else float(value)


def catalogue_rows(jets: Iterable[Jet]) -> list[dict[str, Any]]:
    """One dict per jet in time order, keyed by :data:`COLUMNS` names."""
    ordered = sorted(jets, key=lambda j: (j.start_time, j.sol_standard or "", j.jet_id))
    rows: list[dict[str, Any]] = []
    used: dict[str, int] = {}
    for jet in ordered:
        hour = jet.start_time.strftime("%Y-%m-%dT%H")
        used[hour] = used.get(hour, 0) + 1
        first = jet.subject_start or jet.start_time
        last = jet.subject_end or jet.end_time
        velocity = math.nan if jet.velocity is None else jet.velocity / ARCSEC_KM
        velocity_error = math.nan if jet.velocity_error is None else jet.velocity_error / ARCSEC_KM
        pa = math.nan if jet.direction is None else (jet.direction - 90.0) % 360.0
        rows.append(
            {
                "#sjh_ID": f"sjh_{hour}_{used[hour]}",
                "date": _time(first),
                "SOL_event": jet.sol_standard or "",
                "duration": (last - first).total_seconds() / 60.0,
                "basepoint_X": jet.base_x,
                "std_X": _num(jet.std_x),
                "basepoint_Y": jet.base_y,
                "std_Y": _num(jet.std_y),
                "basepoint_X_longitude": _num(jet.base_lon),
                "basepoint_Y_latitude": _num(jet.base_lat),
                "max_height": _num(jet.max_height),
                "upper_H": _num(jet.upper_height),
                "lower_H": _num(jet.lower_height),
                "avg_width": _num(jet.avg_width),
                "std_width": _num(jet.std_width),
                "velocity": velocity,
                "sigma": _num(jet.sigma),
                "flags": f"{jet.flags:03d}",
                "start_time": _time(jet.start_time),
                "end_time": _time(jet.end_time),
                "peak_time": _time(jet.peak_time),
                "position_angle": pa,
                "n_subjects": jet.n_subjects or len(jet.subject_ids),
                "n_volunteers": jet.n_volunteers or 0,
                "velocity_error": velocity_error,
                "params_hash": jet.params_hash or "",
            }
        )
    return rows


def catalogue_table(jets: Iterable[Jet]) -> Any:
    """The catalogue as an astropy ``Table`` with units and descriptions."""
    from astropy.table import Table

    rows = catalogue_rows(jets)
    table = Table()
    for name, unit, description in COLUMNS:
        values = [row[name] for row in rows]
        table[name] = values if values else ([] if unit is None else [0.0][:0])
        if unit is not None:
            table[name].unit = unit
        table[name].description = description
    table.meta["comments"] = ["Solar Jet Hunter catalogue (jet-hunter jet_aggregate)"]
    return table


def _format_cell(value: Any) -> str:
    if isinstance(value, float):
        return "NaN" if math.isnan(value) else repr(round(value, 6))
    return str(value)


def _json_cell(value: Any) -> Any:
    return None if isinstance(value, float) and math.isnan(value) else value


def write_catalogue(jets: Sequence[Jet], path: str | os.PathLike[str], fmt: Format = "csv") -> int:
    """Write the catalogue to ``path`` (temporary file, then renamed); return the row count.

    Raises
    ------
    InputError
        If ``fmt`` is not ``csv``, ``ecsv`` or ``json``.
    """
    if fmt not in ("csv", "ecsv", "json"):
        raise InputError(f"catalogue format must be csv, ecsv or json, not {fmt!r}")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_dead_temporaries(target)
    # the writer's owner name in the temporary's name: a run killed while writing is told apart
    # from one writing now (see jet_store.tempfiles)
    tmp = str(make_temporary(target))
    try:
        if fmt == "ecsv":
            catalogue_table(jets).write(tmp, format="ascii.ecsv", overwrite=True)
            count = len(jets)
        else:
            rows = catalogue_rows(jets)
            count = len(rows)
            with open(tmp, "w", encoding="utf-8", newline="") as handle:
                if fmt == "csv":
                    handle.write(CSV_HEADER + "\n")
                    for row in rows:
                        handle.write(", ".join(_format_cell(row[name]) for name, _, _ in COLUMNS) + "\n")
                else:
                    units = {name: unit for name, unit, _ in COLUMNS if unit}
                    payload = {
                        "columns": [name for name, _, _ in COLUMNS],
                        "units": units,
                        "rows": [{k: _json_cell(v) for k, v in row.items()} for row in rows],
                    }
                    json.dump(payload, handle, indent=1)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return count
