"""The argument types every command's options are read with: one set for the whole CLI.

A value that cannot work is refused where it is parsed (one line, exit code 1), before
any stage runs: times (year 1..9999), durations and window lengths (finite, bounded),
counts and limits (what the database can hold), ports, paths (``~`` expanded, folders
and files told apart), wavelengths, channels, URLs, scheduler addresses.

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
import math
import re
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import NoReturn, TypeVar
from urllib.parse import urlsplit

from hek_client import HekQueryError, as_utc, parse_event_types
from jet_sandbox.errors import SandboxError
from jet_sandbox.faults import FaultPlan
from sdo_cutout import CutoutError
from sdo_cutout.request import as_waves

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

MAX_COUNT = 2**63 - 1
"""The largest count or limit an option takes: a signed 64-bit integer, what SQLite and
PostgreSQL store and compare."""

_T = TypeVar("_T")


def _named(name: str, parse: Callable[[str], _T]) -> Callable[[str], _T]:
    parse.__name__ = name  # argparse names the type in its messages
    return parse


def _bad(message: str) -> NoReturn:
    raise argparse.ArgumentTypeError(message)


def integer(low: int = 0, high: int = MAX_COUNT) -> Callable[[str], int]:
    """argparse type: a whole number in ``low..high``.

    Examples
    --------
    >>> integer(1, 64)("8")
    8
    >>> integer(1, 64)("0")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: must be between 1 and 64, not 0
    """

    def parse(text: str) -> int:
        try:
            value = int(text.strip().replace("_", ""), 10) if len(text) < 40 else None
        except ValueError:
            value = None
        if value is None:
            _bad(f"not a whole number: {text!r}")
        if not low <= value <= high:
            bounds = f">= {low}" if high == MAX_COUNT else f"between {low} and {high}"
            _bad(f"must be {bounds}, not {value}")
        return value

    return _named("integer", parse)


def number(low: float, high: float, *, above: bool = False) -> Callable[[str], float]:
    """argparse type: a finite number in ``low..high`` (``above``: strictly more than ``low``).

    Examples
    --------
    >>> number(0, 100)("2.5")
    2.5
    >>> number(0, 100)("nan")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: not a finite number: 'nan'
    """

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            _bad(f"not a number: {text!r}")
        if not math.isfinite(value):
            _bad(f"not a finite number: {text!r}")
        if value < low or value > high or (above and value == low):
            lower = f"> {low:g}" if above else f">= {low:g}"
            _bad(f"must be {lower} and <= {high:g}, not {text.strip()}")
        return value

    return _named("number", parse)


positive_int = integer(1)
"""A whole number >= 1 (up to :data:`MAX_COUNT`)."""
count = integer(0)
"""A whole number >= 0 (up to :data:`MAX_COUNT`): limits, polls, caps."""
workers = integer(1, 64)
"""Processes or connections at once: 1..64."""
seed = integer(0, 2**32 - 1)
"""A random seed: 0..2**32-1."""
port = integer(0, 65535)
"""A TCP port: 1..65535, or 0 for any free port."""
positive_float = number(0, 1e9, above=True)
"""A finite number > 0."""
non_negative_float = number(0, 1e9)
"""A finite number >= 0."""
seconds = number(0, 10 * 365 * 86400.0, above=True)
"""A duration in seconds: > 0, at most ten years."""
delay = number(0, 3600.0)
"""A wait in seconds a replica adds: 0..3600."""
window_days = number(1 / 1440, 3650.0)
"""A search window in days: one minute to ten years."""
percentile = number(0, 100)
"""A percentile: 0..100."""
arcsec = number(-1e5, 1e5)
"""A helioprojective coordinate in arcsec."""
reporting_lag = number(0, 3650.0)
"""HEK's reporting lag in days: 0..3650."""


_LATEST = datetime(9999, 12, 30, tzinfo=timezone.utc)


def _utc_time(text: str) -> datetime:
    try:
        when = as_utc(text)
    except HekQueryError as err:
        _bad(str(err))
    if when > _LATEST:  # a day of room: windows and whole seconds are added to it
        _bad(f"{text.strip()} is too late: times go up to 9999-12-30")
    return when


utc_time = _named("time", _utc_time)
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
        _bad(str(err))


wavelengths = _named("wavelengths", _wavelengths)
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


def chosen_waves(args: argparse.Namespace) -> list[int]:
    """The wavelengths of every ``--wave`` (304 without one), sorted, each once."""
    return sorted({w for waves in args.wave or [(304,)] for w in waves})


_CHANNEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}$")


def _channel(text: str) -> str:
    value = text.strip()
    if not _CHANNEL.match(value):
        _bad(f"not an observing channel: {text!r} (e.g. 304, 171)")
    return value


channel = _named("channel", _channel)
"""argparse type: an observing channel as HEK names it (``304``)."""


def _event_types(text: str) -> str:
    try:
        return ",".join(parse_event_types(text))
    except HekQueryError as err:
        _bad(str(err))


event_types = _named("event_types", _event_types)
"""argparse type: HEK event type codes, comma-separated (``cj``, ``cj,fl``)."""


def _http_url(text: str) -> str:
    parts = urlsplit(text.strip()) if "\x00" not in text else None
    try:
        ok = (
            parts is not None
            and parts.scheme in ("http", "https")
            and bool(parts.hostname)
            and parts.port != -1
        )
    except ValueError:  # a port that is not a number
        ok = False
    if not ok:
        _bad(f"not an http(s) URL: {text!r}")
    return text.strip()


http_url = _named("url", _http_url)
"""argparse type: an ``http://`` or ``https://`` URL with a host."""

_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.\-]{0,252})$|^[0-9A-Fa-f:.]{2,45}$")


def _host(text: str) -> str:
    if not _HOST.match(text):
        _bad(f"not a host name or address: {text!r}")
    return text


host = _named("host", _host)
"""argparse type: a host name or IP address to listen on."""

_SCHEDULER_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")


def _scheduler_address(text: str) -> str:
    address = text.strip()
    if "://" not in address:
        address = "tcp://" + address
    parts = urlsplit(address) if "\x00" not in address else None
    try:
        ok = (
            parts is not None
            and parts.scheme in _SCHEDULER_SCHEMES
            and bool(parts.hostname)
            and parts.port is not None
            and 0 < parts.port < 65536
            and parts.path in ("", "/")
            and bool(_HOST.match(parts.hostname or ""))
        )
    except ValueError:  # a port that is not a number or out of range
        ok = False
    if not ok:
        _bad(f"not a Dask scheduler address (tcp://HOST:PORT): {text!r}")
    return address.rstrip("/")


scheduler_address = _named("scheduler", _scheduler_address)
"""argparse type: a Dask scheduler address, ``tcp://HOST:PORT`` (``HOST:PORT`` means tcp).

Examples
--------
>>> scheduler_address("127.0.0.1:8786"), scheduler_address("tls://dask.example.org:8786")
('tcp://127.0.0.1:8786', 'tls://dask.example.org:8786')
"""


def _path(text: str) -> Path:
    if not text or "\x00" in text:
        _bad(f"not a path: {text!r}")
    try:
        return Path(text).expanduser()
    except RuntimeError as err:  # ~nosuchuser
        _bad(f"cannot expand {text!r}: {err}")


path = _named("path", _path)
"""argparse type: a path (``~`` expanded; ``~nosuchuser`` refused)."""


def _file(text: str) -> Path:
    where = _path(text)
    if where.is_dir():
        _bad(f"{where} is a folder, not a file")
    if not where.is_file():
        _bad(f"no file {where}")
    return where


existing_file = _named("file", _file)
"""argparse type: a file that exists (a folder is refused)."""


def _folder(text: str) -> Path:
    where = _path(text)
    if not where.is_dir():
        _bad(f"no folder {where}")
    return where


existing_dir = _named("folder", _folder)
"""argparse type: a folder that exists."""


def pixel_size(low: int, high: int) -> Callable[[str], tuple[int, int]]:
    """argparse type: ``WIDTHxHEIGHT`` in pixels, each in ``low..high``.

    Examples
    --------
    >>> pixel_size(16, 10000)("1920x1440")
    (1920, 1440)
    """

    def parse(text: str) -> tuple[int, int]:
        parts = text.lower().replace(",", "x").split("x")
        try:
            w, h = (int(p) for p in parts) if len(parts) == 2 and len(text) < 40 else (0, -1)
        except ValueError:
            w, h = 0, -1
        if h < 0:
            _bad(f"not WIDTHxHEIGHT: {text!r}")
        if not (low <= w <= high and low <= h <= high):
            _bad(f"each side must be between {low} and {high} pixels, not {text}")
        return w, h

    return _named("size", parse)


def _int_list(text: str) -> tuple[int, ...]:
    parse = integer(0, 2**31 - 1)
    values = tuple(parse(part) for part in text.split(",") if part.strip())
    if not values:
        _bad(f"expected whole numbers separated by commas, not {text!r}")
    return values


int_list = _named("numbers", _int_list)
"""argparse type: whole numbers separated by commas (``6,2,1,0``)."""


def _fault_spec(text: str) -> str:
    try:
        FaultPlan.parse([text])
    except (SandboxError, ValueError) as err:
        _bad(str(err))
    return text


fault_spec = _named("fault", _fault_spec)
"""argparse type: one fault spec of :mod:`jet_sandbox.faults` (``503:2``, ``html:every=7``)."""


def _email(text: str) -> str:
    local, _, domain = text.strip().partition("@")
    if not local or "." not in domain or any(c.isspace() for c in text.strip()):
        _bad("not an e-mail address")  # never echo it: an address is personal
    return text.strip()


email = _named("email", _email)
"""argparse type: an e-mail address (not repeated in the error message)."""
