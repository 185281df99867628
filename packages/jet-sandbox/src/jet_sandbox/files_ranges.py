"""HTTP ranges and conditional requests (``Range``, ``If-Range``, ``If-None-Match``), pure."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

from jet_sandbox.errors import RangeNotSatisfiable
from jet_sandbox.files_served import ServedFile

__all__ = ["parse_range", "if_range_holds", "names_current_etag"]


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """The byte range ``(first, last)`` (inclusive) a ``Range`` header asks of a ``size``-byte file.

    Returns None when the header is to be ignored (another unit, several ranges, bad
    syntax): the server then sends the whole file.

    Raises
    ------
    RangeNotSatisfiable
        When the range starts at or past the end (or asks for the last 0 bytes).

    Examples
    --------
    >>> parse_range("bytes=100-", 1000), parse_range("bytes=0-99", 1000), parse_range("bytes=-10", 1000)
    ((100, 999), (0, 99), (990, 999))
    >>> parse_range("bytes=900-5000", 1000), parse_range("bytes=0-1,5-9", 1000), parse_range("items=1-", 9)
    ((900, 999), None, None)
    >>> parse_range("bytes=1000-", 1000)
    Traceback (most recent call last):
    ...
    jet_sandbox.errors.RangeNotSatisfiable: bytes=1000- is outside the 1000 bytes of the file
    """
    unit, eq, spec = header.strip().partition("=")
    if not eq or unit.strip().lower() != "bytes" or "," in spec:
        return None
    first_text, dash, last_text = spec.strip().partition("-")
    first_text, last_text = first_text.strip(), last_text.strip()
    if not dash or not all(text.isdigit() or not text for text in (first_text, last_text)):
        return None
    if not first_text:
        if not last_text:
            return None
        suffix = int(last_text)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable(f"{header.strip()} is outside the {size} bytes of the file")
        return (max(0, size - suffix), size - 1)
    first = int(first_text)
    last = int(last_text) if last_text else max(first, size - 1)
    if last < first:
        return None
    if first >= size:
        raise RangeNotSatisfiable(f"{header.strip()} is outside the {size} bytes of the file")
    return (first, min(last, size - 1))


def _etags(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def if_range_holds(value: str, served: ServedFile) -> bool:
    """Whether an ``If-Range`` validator still describes the file (strong comparison for tags)."""
    value = value.strip()
    if value.startswith("W/"):
        return False  # a weak tag never matches If-Range
    if value.startswith('"'):
        return value == served.etag
    try:
        stamp = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return False
    return int(stamp) == int(served.last_modified)


def names_current_etag(value: str, served: ServedFile) -> bool:
    """Whether ``If-None-Match`` names the file's current ETag (weak comparison)."""
    tags = _etags(value)
    plain = served.etag.removeprefix("W/")
    return "*" in tags or any(tag.removeprefix("W/") == plain for tag in tags)
