"""Answering a GET or HEAD for a served file (200, 206, 304, 416, 404); counting whole downloads."""

from __future__ import annotations

import collections
import html
from collections.abc import Iterable, Iterator

from jet_sandbox.errors import RangeNotSatisfiable
from jet_sandbox.files_ranges import if_range_holds, names_current_etag, parse_range
from jet_sandbox.files_served import CHUNK_SIZE, ServedFile, http_date
from jet_sandbox.server import LoggedRequest, Request, Response, StreamBody

__all__ = ["file_response", "not_found", "full_downloads"]

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
    if none_match is not None and names_current_etag(none_match, served):
        return Response(304, b"", served.content_type, tuple(common))
    first, last = 0, served.size - 1
    status = 200
    asked = request.header("Range")
    if asked is not None:
        condition = request.header("If-Range")
        if condition is None or if_range_holds(condition, served):
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
