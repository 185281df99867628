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
import html
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import ClassVar
from urllib.parse import quote, unquote

from jet_sandbox.errors import SandboxError
from jet_sandbox.faults import Fault, FaultPlan
from jet_sandbox.files_ranges import parse_range
from jet_sandbox.files_response import file_response, full_downloads, not_found
from jet_sandbox.files_served import CHUNK_SIZE, Reader, ServedFile, content_type_for, http_date
from jet_sandbox.files_sources import Content, DirectorySource, FileSource, FileStore, safe_parts
from jet_sandbox.server import Request, Response, Route, SandboxServer

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
    "Reader",
    "Content",
]

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
