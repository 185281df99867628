"""Serving files over HTTP like a real web server, with faults: :class:`FileServer`.

One implementation of file serving, shared by every replica that hands out files
(this module's :class:`FileServer`, the SSW job folders of :mod:`jet_sandbox.ssw` and
the JSOC export folders of :mod:`jet_sandbox.jsoc`): :func:`file_response` answers a
GET or HEAD for a :class:`ServedFile` with

* ``Content-Length``, a strong ``ETag``, ``Last-Modified`` and ``Accept-Ranges: bytes``;
* ``Range: bytes=N-``, ``bytes=N-M`` or ``bytes=-S`` -> ``206`` with ``Content-Range``;
  a range that starts past the end -> ``416`` with ``Content-Range: bytes */SIZE``;
  several ranges, another unit or bad syntax -> the whole file (``200``), as RFC 9110
  lets a server do;
* ``If-Range`` with the current ETag (strong comparison) or the exact
  ``Last-Modified`` date -> the range is honoured; anything else -> the whole file;
* ``If-None-Match`` with the current ETag -> ``304``;
* bodies streamed in chunks (64 KiB), never read whole into memory for files on disk,
  optionally paced to a bounded throughput (``latency_per_mb`` seconds per 10**6 bytes).

Files come from a :class:`FileSource`: :class:`DirectorySource` (a folder; a path that
would leave it, by ``..``, an encoded ``%2e%2e``, a backslash or a symbolic link, is a
404) or :class:`FileStore` (bytes, or functions that make them on first request, cached
in memory with a byte budget or written to a cache folder).

Faults (the server's :class:`~jet_sandbox.faults.FaultPlan`, spec strings as for the
CLI's ``--fault``) that matter for downloads:

=========================  ===================================================================
``latency`` argument       seconds before every answer
``latency_per_mb`` arg.    seconds per 10**6 body bytes (throughput bound; 0.5 = 2 MB/s)
``reset:2``                the connection is dropped (TCP reset) without an answer
``truncate:keep=0.3``      the full ``Content-Length`` is announced, 30 % of the body sent, close
``cut:bytes=65536``        the same, after exactly 64 KiB (``cut`` is ``truncate``)
``length:delta=-100``      ``Content-Length`` 100 short; that many sent, ``Connection: close``
``length:delta=4096``      ``Content-Length`` 4096 bytes too long; the body sent, then close
``429:retry_after=0.2``    ``429`` with ``Retry-After: 0.2`` (also ``503:retry_after=1``)
``delay=2:after=5``        one slow answer after five normal ones
=========================  ===================================================================

The request log (``srv.requests``) shows for each request its path, the ``Range``
asked (:attr:`~jet_sandbox.server.LoggedRequest.range`), the status, the bytes really
sent and the full length; :func:`full_downloads` counts, per path, the GETs that
delivered a whole file, which proves that a resumable downloader never fetched a
complete file twice.

Examples
--------
>>> import http.client, tempfile, urllib.request
>>> from pathlib import Path
>>> from jet_sandbox.files import FileServer
>>> with tempfile.TemporaryDirectory() as tmp:
...     (Path(tmp) / "a").mkdir()
...     _ = (Path(tmp) / "a" / "b.fts").write_bytes(bytes(range(200)))
...     with FileServer(tmp, faults=["cut:bytes=120"]) as srv:
...         try:  # the first answer is cut after 120 bytes
...             urllib.request.urlopen(srv.url + "a/b.fts").read()
...         except http.client.IncompleteRead as err:
...             print("cut after", len(err.partial))
...         ask = urllib.request.Request(srv.url + "a/b.fts", headers={"Range": "bytes=120-"})
...         with urllib.request.urlopen(ask) as answer:  # resume
...             print(answer.status, answer.headers["Content-Range"], len(answer.read()))
...         print([(r.path, r.range, r.status, r.sent_bytes, r.body_bytes) for r in srv.requests])
cut after 120
206 bytes 120-199/200 80
[('/a/b.fts', None, 200, 120, 200), ('/a/b.fts', 'bytes=120-', 206, 80, 80)]
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import html
import logging
import mimetypes
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path, PurePosixPath
from typing import ClassVar, Protocol, runtime_checkable
from urllib.parse import quote, unquote

from jet_sandbox.errors import RangeNotSatisfiable, SandboxError
from jet_sandbox.faults import Fault, FaultPlan
from jet_sandbox.server import LoggedRequest, Request, Response, Route, SandboxServer, StreamBody

__all__ = [
    "CHUNK_SIZE",
    "FileServer",
    "FileSource",
    "DirectorySource",
    "FileStore",
    "ServedFile",
    "file_response",
    "not_found",
    "parse_range",
    "content_type_for",
    "http_date",
    "full_downloads",
    "safe_parts",
]

logger = logging.getLogger(__name__)

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

_NOT_FOUND_PAGE = """<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">
<html><head>
<title>404 Not Found</title>
</head><body>
<h1>Not Found</h1>
<p>The requested URL {path} was not found on this server.</p>
</body></html>
"""

_RANGE_PAGE = """<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">
<html><head>
<title>416 Requested Range Not Satisfiable</title>
</head><body>
<h1>Requested Range Not Satisfiable</h1>
<p>None of the range-specifier values in the Range request-header field overlap the current
extent of the selected resource.</p>
</body></html>
"""


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


def safe_parts(name: str) -> list[str] | None:
    """The path segments of a request path below a root, or None if it would leave the root.

    The path is percent-decoded first; ``..`` segments, backslashes, NUL bytes and
    drive letters make it unsafe. Empty and ``.`` segments are dropped.

    Examples
    --------
    >>> safe_parts("/a//./b.fts"), safe_parts("a/%2e%2e/%2e%2e/etc/passwd"), safe_parts("C:/x")
    (['a', 'b.fts'], None, None)
    """
    decoded = unquote(name)
    if "\x00" in decoded or "\\" in decoded:
        return None
    parts = [p for p in decoded.split("/") if p not in ("", ".")]
    if any(p == ".." or (len(p) >= 2 and p[1] == ":" and p[0].isalpha()) for p in parts):
        return None
    return parts


# --------------------------------------------------------------------------- one file


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


# --------------------------------------------------------------------------- ranges


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


def _if_range_holds(value: str, served: ServedFile) -> bool:
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


def _none_match(value: str, served: ServedFile) -> bool:
    """Whether ``If-None-Match`` names the file's current ETag (weak comparison)."""
    tags = _etags(value)
    plain = served.etag.removeprefix("W/")
    return "*" in tags or any(tag.removeprefix("W/") == plain for tag in tags)


def not_found(path: str) -> Response:
    """The web server's 404 page for ``path``.

    Examples
    --------
    >>> not_found("/x.fts").status
    404
    """
    return Response.html(_NOT_FOUND_PAGE.format(path=html.escape(path)), status=404)


def file_response(
    request: Request,
    served: ServedFile | None,
    *,
    latency_per_mb: float = 0.0,
    chunk_size: int = CHUNK_SIZE,
    headers: Iterable[tuple[str, str]] = (),
) -> Response:
    """Answer a GET or HEAD for a file as a web server does (see the module docstring).

    Parameters
    ----------
    request
        The request (its ``Range``, ``If-Range`` and ``If-None-Match`` headers count).
    served
        The file, or None for a 404.
    latency_per_mb
        Pacing of the body: seconds per 10**6 bytes.
    chunk_size
        Bytes per chunk written.
    headers
        Extra response headers.

    Examples
    --------
    >>> from jet_sandbox.server import Request
    >>> served = ServedFile.from_bytes(bytes(1000), name="a.fts", last_modified=0)
    >>> answer = file_response(Request("GET", "/a.fts", {}, {"Range": "bytes=990-"}), served)
    >>> answer.status, dict(answer.headers)["Content-Range"], answer.length
    (206, 'bytes 990-999/1000', 10)
    >>> asked = {"Range": "bytes=10-", "If-Range": '"stale"'}
    >>> file_response(Request("GET", "/a.fts", {}, asked), served).status
    200
    >>> answer = file_response(Request("GET", "/a.fts", {}, {"Range": "bytes=1000-"}), served)
    >>> answer.status, dict(answer.headers)["Content-Range"]
    (416, 'bytes */1000')
    """
    if served is None:
        return not_found(request.path)
    common = [
        ("ETag", served.etag),
        ("Last-Modified", http_date(served.last_modified)),
        ("Accept-Ranges", "bytes"),
        *headers,
    ]
    none_match = request.header("If-None-Match")
    if none_match is not None and _none_match(none_match, served):
        return Response(304, b"", served.content_type, tuple(common))
    first, last = 0, served.size - 1
    status = 200
    asked = request.header("Range")
    if asked is not None:
        condition = request.header("If-Range")
        if condition is None or _if_range_holds(condition, served):
            try:
                chosen = parse_range(asked, served.size)
            except RangeNotSatisfiable:
                return Response.html(
                    _RANGE_PAGE, status=416, headers=[*common, ("Content-Range", f"bytes */{served.size}")]
                )
            if chosen is not None:
                first, last = chosen
                status = 206
                common.append(("Content-Range", f"bytes {first}-{last}/{served.size}"))
    end = last + 1

    def chunks() -> Iterator[bytes]:
        return served.chunks(first, end, chunk_size)

    return Response.streamed(
        StreamBody(max(end - first, 0), chunks, latency_per_mb),
        status=status,
        content_type=served.content_type,
        headers=common,
    )


def full_downloads(requests: Iterable[LoggedRequest], path: str | None = None) -> collections.Counter[str]:
    """How many GETs delivered a whole file (200, every byte sent), per path.

    Examples
    --------
    >>> from jet_sandbox.server import LoggedRequest
    >>> log = [LoggedRequest(1, "GET", "/a", {}, 200, (), 0, 0, 9, 9),
    ...        LoggedRequest(2, "GET", "/a", {}, 200, (), 0, 0, 4, 9),
    ...        LoggedRequest(3, "GET", "/a", {}, 206, (), 0, 0, 5, 5)]
    >>> full_downloads(log)
    Counter({'/a': 1})
    """
    return collections.Counter(r.path for r in requests if r.full_body and (path is None or r.path == path))


# --------------------------------------------------------------------------- sources


@runtime_checkable
class FileSource(Protocol):
    """Where a file server finds files: names are ``/``-separated, relative, already checked."""

    def lookup(self, name: str) -> ServedFile | None:
        """The file called ``name`` (``a/b.fts``), or None."""
        ...

    def listing(self, name: str) -> list[str] | None:
        """The entries of folder ``name`` (``""`` is the root; sub-folders end with ``/``), or None."""
        ...


class DirectorySource:
    """The files below a folder on disk; nothing outside it (symbolic links that leave it included).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = (Path(tmp) / "x.fts").write_bytes(b"abc")
    ...     source = DirectorySource(tmp)
    ...     source.lookup("x.fts").size, source.lookup("../x.fts"), source.listing("")
    (3, None, ['x.fts'])
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise SandboxError(f"cannot serve {self.root}: not a folder")
        self._resolved = self.root.resolve()

    def __repr__(self) -> str:
        return f"DirectorySource({str(self.root)!r})"

    def _path(self, name: str) -> Path | None:
        parts = safe_parts(name)
        if parts is None:
            return None
        path = self._resolved.joinpath(*parts).resolve()
        return path if path == self._resolved or path.is_relative_to(self._resolved) else None

    def lookup(self, name: str) -> ServedFile | None:
        """The file called ``name``, or None (missing, a folder, or outside the root)."""
        path = self._path(name)
        if path is None or not path.is_file():
            return None
        try:
            return ServedFile.from_path(path)
        except OSError:
            return None

    def listing(self, name: str) -> list[str] | None:
        """The sorted entries of folder ``name``, or None."""
        path = self._path(name)
        if path is None or not path.is_dir():
            return None
        return sorted(p.name + "/" if p.is_dir() else p.name for p in path.iterdir())


Content = bytes | Callable[[], bytes]
"""A file of a :class:`FileStore`: its bytes, or a function that makes them."""


class FileStore:
    """Files held in memory or made on demand (``name -> bytes`` or ``name -> function``).

    A function runs on the first request for its file (once, even when several
    requests arrive together); what it returns is kept in memory within
    ``max_cache_bytes`` (least recently used first out, made again when asked again),
    or written once to ``cache_dir/name`` and served from there. The replicas of the
    SSW service and JSOC keep their job files here.

    Parameters
    ----------
    files
        Initial files.
    cache_dir
        Folder where made files are written (atomically); None keeps them in memory.
    max_cache_bytes
        Memory budget for made files (None: no limit).
    last_modified
        ``Last-Modified`` of files added without one (default: now).

    Examples
    --------
    >>> calls = []
    >>> store = FileStore({"a/b.txt": b"hello"})
    >>> store.add("a/c.fts", lambda: calls.append(1) or b"made")
    >>> store.lookup("a/c.fts").read(), store.lookup("a/c.fts").size, len(calls)
    (b'made', 4, 1)
    >>> store.listing("a"), store.lookup("a/../a/b.txt")
    (['b.txt', 'c.fts'], None)
    """

    def __init__(
        self,
        files: Mapping[str, Content] | None = None,
        *,
        cache_dir: str | os.PathLike[str] | None = None,
        max_cache_bytes: int | None = 512 * 2**20,
        last_modified: float | None = None,
    ) -> None:
        self.cache_dir = None if cache_dir is None else Path(cache_dir)
        self.max_cache_bytes = max_cache_bytes
        self.last_modified = float(int(time.time() if last_modified is None else last_modified))
        self._lock = threading.Lock()
        self._entries: dict[str, ServedFile | tuple[Callable[[], bytes], float]] = {}
        self._made: collections.OrderedDict[str, ServedFile] = collections.OrderedDict()
        self._made_bytes = 0
        self._making: dict[str, threading.Lock] = {}
        for name, content in (files or {}).items():
            self.add(name, content)

    def __repr__(self) -> str:
        return f"FileStore({len(self._entries)} files)"

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        key = _key(name)
        with self._lock:
            return key is not None and key in self._entries

    @staticmethod
    def _checked(name: str) -> str:
        key = _key(name)
        if key is None:
            raise SandboxError(f"not a safe file name: {name!r}")
        return key

    def add(self, name: str, content: Content, *, last_modified: float | None = None) -> None:
        """Add (or replace) file ``name``."""
        key = self._checked(name)
        modified = self.last_modified if last_modified is None else float(int(last_modified))
        entry: ServedFile | tuple[Callable[[], bytes], float]
        if isinstance(content, bytes):
            entry = ServedFile.from_bytes(content, name=key, last_modified=modified)
        else:
            entry = (content, modified)
        with self._lock:
            self._entries[key] = entry
            self._forget(key)

    def remove(self, name: str) -> None:
        """Remove file ``name`` (no error if missing)."""
        key = self._checked(name)
        with self._lock:
            self._entries.pop(key, None)
            self._forget(key)

    def names(self) -> list[str]:
        """Every file name, sorted."""
        with self._lock:
            return sorted(self._entries)

    def _forget(self, key: str) -> None:
        made = self._made.pop(key, None)
        if made is not None:
            self._made_bytes -= made.size

    def lookup(self, name: str) -> ServedFile | None:
        """The file called ``name`` (made now if it is a function not run yet), or None."""
        key = _key(name)
        if key is None:
            return None
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or isinstance(entry, ServedFile):
                return entry
            content, modified = entry
            made = self._made.get(key)
            if made is not None:
                self._made.move_to_end(key)
                return made
            making = self._making.setdefault(key, threading.Lock())
        with making:  # one maker per file; the others wait and take its result
            with self._lock:
                made = self._made.get(key)
                if made is not None:
                    return made
            served = self._make(key, content, modified)
            with self._lock:
                if self._entries.get(key) is not entry:  # replaced or removed meanwhile
                    return served
                self._made[key] = served
                self._made_bytes += served.size if self.cache_dir is None else 0
                self._evict()
                self._making.pop(key, None)
            return served

    def _make(self, key: str, content: Callable[[], bytes], modified: float) -> ServedFile:
        if self.cache_dir is not None:
            path = self.cache_dir.joinpath(*key.split("/"))
            if not path.is_file():
                data = content()
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_name(f".{path.name}.{threading.get_ident()}.tmp")
                tmp.write_bytes(data)
                os.utime(tmp, (modified, modified))
                os.replace(tmp, path)
                logger.debug("made %s (%d bytes) in %s", key, len(data), self.cache_dir)
            return ServedFile.from_path(path)
        data = content()
        logger.debug("made %s (%d bytes)", key, len(data))
        return ServedFile.from_bytes(data, name=key, last_modified=modified)

    def _evict(self) -> None:
        if self.max_cache_bytes is None or self.cache_dir is not None:
            return
        while self._made_bytes > self.max_cache_bytes and len(self._made) > 1:
            _, old = self._made.popitem(last=False)
            self._made_bytes -= old.size

    def listing(self, name: str) -> list[str] | None:
        """The entries of folder ``name`` (sub-folders end with ``/``), or None if there are none."""
        parts = safe_parts(name)
        if parts is None:
            return None
        prefix = "/".join(parts) + "/" if parts else ""
        found: set[str] = set()
        with self._lock:
            for key in self._entries:
                if key.startswith(prefix):
                    head, slash, _ = key[len(prefix) :].partition("/")
                    found.add(head + slash)
        return sorted(found) if found else None


def _key(name: str) -> str | None:
    parts = safe_parts(name)
    return "/".join(parts) if parts else None


# --------------------------------------------------------------------------- the server


_INDEX_PAGE = """<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">
<html>
 <head>
  <title>Index of {path}</title>
 </head>
 <body>
<h1>Index of {path}</h1>
<pre>{rows}</pre>
<address>jet-sandbox file server</address>
</body></html>
"""


def index_page(path: str, entries: Sequence[str]) -> str:
    """An Apache-style folder index linking ``entries`` (names relative to ``path``).

    Examples
    --------
    >>> "<a href=\\"b%201.fts\\">b 1.fts</a>" in index_page("/a/", ["b 1.fts"])
    True
    """
    rows = ['<a href="../">Parent Directory</a>'] if path != "/" else []
    rows += [f'<a href="{quote(e)}">{html.escape(e)}</a>' for e in entries]
    return _INDEX_PAGE.format(path=html.escape(path), rows="\n".join(rows))


class FileServer(SandboxServer):
    """A web server for a folder (or a :class:`FileStore`), with Range, ETag and file faults.

    Parameters
    ----------
    root
        A folder, a mapping ``name -> bytes or function`` (served through a
        :class:`FileStore`), or any :class:`FileSource`.
    faults, latency
        As for :class:`~jet_sandbox.server.SandboxServer`; see the module docstring.
    latency_per_mb
        Seconds per 10**6 body bytes (bounds throughput; None or 0: as fast as loopback).
    chunk_size
        Bytes per chunk written.
    index
        Answer folder URLs (``.../``) with an Apache-style index page (else 404).
    redirects
        Paths answered ``302`` with this ``Location`` instead (a path redirecting to
        itself is a loop; ``ftp://...`` an unsupported scheme; ``http://[x`` malformed).
    whole_as_206
        Answer every whole-file GET ``206`` with a ``Content-Range`` covering the whole
        file, asked for or not (a server quirk some CDNs have).
    host, port
        Where to listen.

    Attributes
    ----------
    source : FileSource
        Where the files come from.

    Examples
    --------
    >>> import urllib.request
    >>> with FileServer({"a/b.fts": b"SIMPLE"}) as srv:
    ...     url = srv.url_for("a/b.fts")
    ...     with urllib.request.urlopen(url) as answer:
    ...         body, tag = answer.read(), answer.headers["ETag"]
    ...     url == srv.url + "a/b.fts", body, srv.full_downloads()["/a/b.fts"]
    (True, b'SIMPLE', 1)
    """

    name: ClassVar[str] = "files"
    label: ClassVar[str] = "file server"
    env_var: ClassVar[str | None] = None
    entry_path: ClassVar[str] = "/"

    def __init__(
        self,
        root: str | os.PathLike[str] | Mapping[str, Content] | FileSource,
        *,
        faults: FaultPlan | Iterable[Fault | str] | None = None,
        latency: float | None = None,
        latency_per_mb: float | None = None,
        chunk_size: int = CHUNK_SIZE,
        index: bool = True,
        redirects: Mapping[str, str] | None = None,
        whole_as_206: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(faults=faults, latency=latency, host=host, port=port)
        self.redirects = dict(redirects or {})
        self.whole_as_206 = whole_as_206
        if isinstance(root, (str, os.PathLike)):
            self.source: FileSource = DirectorySource(root)
        elif isinstance(root, FileSource):
            self.source = root
        elif isinstance(root, Mapping):
            self.source = FileStore(root)
        else:
            raise SandboxError(f"cannot serve {root!r}: give a folder, a mapping or a FileSource")
        if latency_per_mb is not None and latency_per_mb < 0:
            raise SandboxError(f"latency_per_mb must be >= 0, not {latency_per_mb}")
        if chunk_size < 1:
            raise SandboxError(f"chunk_size must be >= 1, not {chunk_size}")
        self.latency_per_mb = float(latency_per_mb or 0.0)
        self.chunk_size = chunk_size
        self.index = index

    def routes(self) -> Sequence[Route]:
        """Every path: GET and HEAD; every transport fault applies."""
        return [Route("/", self._serve, prefix=True)]

    def url_for(self, name: str) -> str:
        """The URL of file ``name`` (``a/b.fts``), percent-encoded."""
        return self.url + quote(name.lstrip("/"))

    def full_downloads(self, path: str | None = None) -> collections.Counter[str]:
        """GETs that delivered a whole file, per path (see :func:`full_downloads`)."""
        return full_downloads(self.requests, path)

    def _serve(self, request: Request) -> Response:
        name = request.path
        if name in self.redirects:
            return Response.html(
                "<html><body>Found</body></html>", status=302, headers=[("Location", self.redirects[name])]
            )
        if name.endswith("/"):
            entries = self.source.listing(name) if self.index else None
            if entries is None:
                return not_found(request.path)
            return Response.html(index_page(unquote(request.path), entries))
        served = self.source.lookup(name)
        if served is None and self.index and self.source.listing(name) is not None:
            return Response.html(
                f'<html><body>Moved to <a href="{html.escape(request.path)}/">here</a></body></html>',
                status=301,
                headers=[("Location", request.path + "/")],
            )
        if self.whole_as_206 and served is not None and request.header("Range") is None:
            request = dataclasses.replace(request, headers={**request.headers, "Range": "bytes=0-"})
        return file_response(request, served, latency_per_mb=self.latency_per_mb, chunk_size=self.chunk_size)
