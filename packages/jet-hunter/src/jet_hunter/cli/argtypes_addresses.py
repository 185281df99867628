"""The argument types of the CLI that say where things are: paths, URLs, hosts, scheduler
and e-mail addresses.

Examples
--------
>>> http_url(" https://www.zooniverse.org "), host("127.0.0.1")
('https://www.zooniverse.org', '127.0.0.1')
>>> existing_dir("/no/such/folder")
Traceback (most recent call last):
argparse.ArgumentTypeError: no folder /no/such/folder
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from jet_hunter.cli.argtypes_numbers import bad, named

__all__ = ["http_url", "host", "scheduler_address", "path", "existing_file", "existing_dir", "email"]


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
        bad(f"not an http(s) URL: {text!r}")
    return text.strip()


http_url = named("url", _http_url)
"""argparse type: an ``http://`` or ``https://`` URL with a host."""

_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.\-]{0,252})$|^[0-9A-Fa-f:.]{2,45}$")


def _host(text: str) -> str:
    if not _HOST.match(text):
        bad(f"not a host name or address: {text!r}")
    return text


host = named("host", _host)
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
        bad(f"not a Dask scheduler address (tcp://HOST:PORT): {text!r}")
    return address.rstrip("/")


scheduler_address = named("scheduler", _scheduler_address)
"""argparse type: a Dask scheduler address, ``tcp://HOST:PORT`` (``HOST:PORT`` means tcp).

Examples
--------
>>> scheduler_address("127.0.0.1:8786"), scheduler_address("tls://dask.example.org:8786")
('tcp://127.0.0.1:8786', 'tls://dask.example.org:8786')
"""


def _path(text: str) -> Path:
    if not text or "\x00" in text:
        bad(f"not a path: {text!r}")
    try:
        return Path(text).expanduser()
    except RuntimeError as err:  # ~nosuchuser
        bad(f"cannot expand {text!r}: {err}")


path = named("path", _path)
"""argparse type: a path (``~`` expanded; ``~nosuchuser`` refused)."""


def _file(text: str) -> Path:
    where = _path(text)
    if where.is_dir():
        bad(f"{where} is a folder, not a file")
    if not where.is_file():
        bad(f"no file {where}")
    return where


existing_file = named("file", _file)
"""argparse type: a file that exists (a folder is refused)."""


def _folder(text: str) -> Path:
    where = _path(text)
    if not where.is_dir():
        bad(f"no folder {where}")
    return where


existing_dir = named("folder", _folder)
"""argparse type: a folder that exists."""


def _email(text: str) -> str:
    local, _, domain = text.strip().partition("@")
    if not local or "." not in domain or any(c.isspace() for c in text.strip()):
        bad("not an e-mail address")  # never echo it: an address is personal
    return text.strip()


email = named("email", _email)
"""argparse type: an e-mail address (not repeated in the error message)."""
