"""A file as a replica serves it (:class:`ServedFile`): bytes or reader, size, ETag, dates, type."""

from __future__ import annotations

import dataclasses
import hashlib
import mimetypes
import os
import time
from collections.abc import Callable, Iterator
from email.utils import formatdate
from pathlib import Path, PurePosixPath

__all__ = ["CHUNK_SIZE", "ServedFile", "content_type_for", "http_date"]

CHUNK_SIZE = 64 * 1024
"""Bytes per chunk of a streamed body."""


_CONTENT_TYPES = {
    ".fts": "application/fits",
    ".fits": "application/fits",
    ".fit": "application/fits",
    ".list": "text/plain; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".html": "text/html; charset=utf-8",
}


def content_type_for(name: str) -> str:
    """The ``Content-Type`` a web server sends for a file name.

    Examples
    --------
    >>> content_type_for("ssw_cutout_20120708_130543_AIA_304_.fts"), content_type_for("x.list")
    ('application/fits', 'text/plain; charset=utf-8')
    >>> content_type_for("noext")
    'application/octet-stream'
    """
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in _CONTENT_TYPES:
        return _CONTENT_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


def http_date(moment: float) -> str:
    """An HTTP date (``Last-Modified``) of POSIX seconds.

    Examples
    --------
    >>> http_date(0)
    'Thu, 01 Jan 1970 00:00:00 GMT'
    """
    return formatdate(moment, usegmt=True)


Reader = Callable[[int, int, int], Iterator[bytes]]
"""``reader(start, end, chunk_size)`` yields the bytes ``[start, end)`` in chunks."""


@dataclasses.dataclass(frozen=True, slots=True)
class ServedFile:
    """One file as the server sees it: size, validators and a way to read its bytes.

    Build it with :meth:`from_path` or :meth:`from_bytes`.

    Attributes
    ----------
    size
        Bytes.
    etag
        Strong entity tag, quoted (``"4b0-5f3a2c1d8e"``).
    last_modified
        POSIX seconds (whole).
    reader
        ``reader(start, end, chunk_size)`` yields the bytes ``[start, end)``.
    content_type
        The ``Content-Type``.
    """

    size: int
    etag: str
    last_modified: float
    reader: Reader
    content_type: str = "application/octet-stream"

    @classmethod
    def from_path(cls, path: str | os.PathLike[str], *, content_type: str | None = None) -> ServedFile:
        """A file on disk; ETag from its size and modification time (as Apache and nginx do).

        The file is opened for each answer and read chunk by chunk.

        Examples
        --------
        >>> import tempfile
        >>> with tempfile.NamedTemporaryFile(suffix=".fts") as handle:
        ...     _ = handle.write(b"x" * 10); handle.flush()
        ...     served = ServedFile.from_path(handle.name)
        ...     served.size, served.content_type, b"".join(served.chunks(2, 5))
        (10, 'application/fits', b'xxx')
        """
        target = Path(path)
        info = target.stat()
        etag = f'"{info.st_size:x}-{info.st_mtime_ns // 1000:x}"'

        def read(start: int, end: int, chunk_size: int) -> Iterator[bytes]:
            with target.open("rb") as handle:
                handle.seek(start)
                left = end - start
                while left > 0:
                    chunk = handle.read(min(chunk_size, left))
                    if not chunk:
                        return
                    left -= len(chunk)
                    yield chunk

        return cls(
            info.st_size,
            etag,
            float(int(info.st_mtime)),
            read,
            content_type or content_type_for(target.name),
        )

    @classmethod
    def from_bytes(
        cls,
        data: bytes,
        *,
        name: str = "",
        last_modified: float | None = None,
        content_type: str | None = None,
    ) -> ServedFile:
        """Bytes in memory; ETag from a hash of the content, so equal bytes get equal tags.

        Examples
        --------
        >>> served = ServedFile.from_bytes(b"SIMPLE  =", name="a.fts", last_modified=0)
        >>> served.etag == ServedFile.from_bytes(b"SIMPLE  =").etag, served.content_type
        (True, 'application/fits')
        """
        view = memoryview(data)
        etag = '"' + hashlib.sha1(data, usedforsecurity=False).hexdigest()[:20] + '"'

        def read(start: int, end: int, chunk_size: int) -> Iterator[bytes]:
            for offset in range(start, end, chunk_size):
                yield bytes(view[offset : min(offset + chunk_size, end)])

        modified = time.time() if last_modified is None else last_modified
        return cls(
            len(data),
            etag,
            float(int(modified)),
            read,
            content_type or content_type_for(name),
        )

    def chunks(self, start: int = 0, end: int | None = None, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """The bytes ``[start, end)`` in chunks."""
        return self.reader(start, self.size if end is None else end, chunk_size)

    def read(self) -> bytes:
        """All the bytes (small files and tests)."""
        return b"".join(self.chunks())
