"""The argument types every command's options are read with: one set for the whole CLI.

A value that cannot work is refused where it is parsed (one line, exit code 1), before
any stage runs: times (year 1..9999), durations and window lengths (finite, bounded),
counts and limits (what the database can hold), ports, paths (``~`` expanded, folders
and files told apart), wavelengths, channels, URLs, scheduler addresses.
The numeric types are in :mod:`jet_hunter.cli.argtypes_numbers`, those of paths and
addresses in :mod:`jet_hunter.cli.argtypes_addresses`; this module holds the types of
times, wavelengths, channels, HEK event types and fault specs, and every command takes
any of them from here.

Examples
--------
>>> positive_int("3"), window_days("0.5"), port("8080")
(3, 0.5, 8080)
>>> count("99999999999999999999")
Traceback (most recent call last):
argparse.ArgumentTypeError: must be >= 0, not 99999999999999999999
"""

from __future__ import annotations

import argparse
import re
from datetime import datetime, timezone

from hek_client import HekQueryError, as_utc, parse_event_types
from jet_sandbox.errors import SandboxError
from jet_sandbox.faults import FaultPlan
from sdo_cutout import CutoutError
from sdo_cutout.backend_names import BUILTIN_BACKENDS, DEFAULT_BACKEND
from sdo_cutout.request import as_waves

from jet_hunter.cli.argtypes_addresses import (
    email,
    existing_dir,
    existing_file,
    host,
    http_url,
    path,
    scheduler_address,
)
from jet_hunter.cli.argtypes_numbers import (
    MAX_COUNT,
    arcsec,
    bad,
    count,
    delay,
    int_list,
    integer,
    named,
    non_negative_float,
    number,
    percentile,
    pixel_size,
    port,
    positive_float,
    positive_int,
    reporting_lag,
    seconds,
    seed,
    window_days,
    workers,
)

__all__ = [
    "MAX_COUNT",
    "integer",
    "number",
    "positive_int",
    "count",
    "workers",
    "seed",
    "port",
    "positive_float",
    "non_negative_float",
    "seconds",
    "delay",
    "window_days",
    "percentile",
    "arcsec",
    "reporting_lag",
    "utc_time",
    "wavelengths",
    "add_wave_option",
    "add_backend_option",
    "chosen_waves",
    "channel",
    "event_types",
    "http_url",
    "host",
    "scheduler_address",
    "path",
    "existing_file",
    "existing_dir",
    "pixel_size",
    "int_list",
    "fault_spec",
    "email",
]

_LATEST = datetime(9999, 12, 30, tzinfo=timezone.utc)


def _utc_time(text: str) -> datetime:
    try:
        when = as_utc(text)
    except HekQueryError as err:
        bad(str(err))
    if when > _LATEST:  # a day of room: windows and whole seconds are added to it
        bad(f"{text.strip()} is too late: times go up to 9999-12-30")
    return when


utc_time = named("time", _utc_time)
"""argparse type: a UTC time, ISO 8601 or anything astropy's ``Time`` reads (year 1..9999).

Examples
--------
>>> utc_time("2010-06-01").isoformat()
'2010-06-01T00:00:00+00:00'
"""


def _wavelengths(text: str) -> tuple[int, ...]:
    try:
        return as_waves(text)
    except CutoutError as err:
        bad(str(err))


wavelengths = named("wavelengths", _wavelengths)
"""argparse type: AIA wavelengths in Angstrom, comma-separated (``171,304``)."""


def add_wave_option(parser: argparse.ArgumentParser) -> None:
    """``--wave W``: AIA wavelengths, repeatable or comma-separated; read with :func:`chosen_waves`."""
    parser.add_argument(
        "--wave",
        type=wavelengths,
        action="append",
        metavar="W",
        help="AIA wavelength in Angstrom, repeatable or comma-separated (default 304)",
    )


def add_backend_option(parser: argparse.ArgumentParser) -> None:
    """``--backend NAME``: the cutout service, one of the built-in backends (plain names, no client)."""
    parser.add_argument(
        "--backend",
        choices=BUILTIN_BACKENDS,
        default=DEFAULT_BACKEND,
        help=f"cutout service (default {DEFAULT_BACKEND})",
    )


def chosen_waves(args: argparse.Namespace) -> list[int]:
    """The wavelengths of every ``--wave`` (304 without one), sorted, each once."""
    return sorted({w for waves in args.wave or [(304,)] for w in waves})


_CHANNEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}$")


def _channel(text: str) -> str:
    value = text.strip()
    if not _CHANNEL.match(value):
        bad(f"not an observing channel: {text!r} (e.g. 304, 171)")
    return value


channel = named("channel", _channel)
"""argparse type: an observing channel as HEK names it (``304``)."""


def _event_types(text: str) -> str:
    try:
        return ",".join(parse_event_types(text))
    except HekQueryError as err:
        bad(str(err))


event_types = named("event_types", _event_types)
"""argparse type: HEK event type codes, comma-separated (``cj``, ``cj,fl``)."""


def _fault_spec(text: str) -> str:
    try:
        FaultPlan.parse([text])
    except (SandboxError, ValueError) as err:
        bad(str(err))
    return text


fault_spec = named("fault", _fault_spec)
"""argparse type: one fault spec of :mod:`jet_sandbox.faults` (``503:2``, ``html:every=7``)."""
