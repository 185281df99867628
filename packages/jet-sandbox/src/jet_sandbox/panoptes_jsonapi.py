"""JSON-API pieces of the Panoptes replica: bodies, errors, paging, ETags, the resources.

Panoptes (the Zooniverse API, a Rails app serialising with RestPack) answers
``Content-Type: application/vnd.api+json; version=1`` bodies such as
``{"subjects": [{...}], "links": {...}, "meta": {"subjects": {"page": 1, "page_size": 20,
"count": 41, "page_count": 3, "next_page": 2, "next_href": "/subjects?page=2&...", ...}}}``.
Ids are strings, links hold ids (strings) or lists of ids, errors are
``{"errors": [{"message": "..."}]}``. Pages hold 20 resources unless ``page_size`` asks
otherwise, and never more than 100 (the API's ``PAGE_SIZE_LIMIT``).

Examples
--------
>>> meta = page_meta("subjects", count=41, page=1, page_size=20, params={"project_id": "7"})
>>> meta["page_count"], meta["next_page"], meta["next_href"]
(3, 2, '/subjects?page=2&project_id=7')
>>> error_response(403, "User has uploaded 3 subjects of 3 maximum").body
b'{"errors": [{"message": "User has uploaded 3 subjects of 3 maximum"}]}'
>>> iso_time(0.0)
'1970-01-01T00:00:00.000Z'
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from jet_sandbox.errors import SandboxError
from jet_sandbox.server import Response

__all__ = [
    "API_CONTENT_TYPE",
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "PanoptesApiError",
    "api_response",
    "error_response",
    "etag_of",
    "iso_time",
    "page_meta",
    "page_of",
    "parse_page",
]

API_CONTENT_TYPE = "application/vnd.api+json; version=1"
"""The media type of every API answer."""
DEFAULT_PAGE_SIZE = 20
"""Resources per page when ``page_size`` is not given (RestPack's default in Panoptes)."""
MAX_PAGE_SIZE = 100
"""Largest page Panoptes serves (``PAGE_SIZE_LIMIT``); larger ``page_size`` values are capped."""


class PanoptesApiError(SandboxError):
    """A request the replica refuses; answered with ``status`` and a JSON-API error body.

    Examples
    --------
    >>> err = PanoptesApiError(404, "Couldn't find Subject with 'id'=5")
    >>> err.status, str(err)
    (404, "Couldn't find Subject with 'id'=5")
    """

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def iso_time(moment: float) -> str:
    """A POSIX time as Rails writes it in JSON (``2022-03-01T14:02:11.123Z``)."""
    when = datetime.fromtimestamp(moment, UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def etag_of(resources: Iterable[Mapping[str, Any]]) -> str:
    """A strong ETag for resources: quoted MD5 of their ids and update times.

    Examples
    --------
    >>> etag_of([{"id": "1", "updated_at": "t"}]) == etag_of([{"id": "1", "updated_at": "t"}])
    True
    >>> etag_of([{"id": "1", "updated_at": "t"}]) == etag_of([{"id": "1", "updated_at": "u"}])
    False
    """
    key = json.dumps([[r.get("id"), r.get("updated_at")] for r in resources])
    return '"' + hashlib.md5(key.encode(), usedforsecurity=False).hexdigest() + '"'


def api_response(
    doc: Mapping[str, Any],
    *,
    status: int = 200,
    etag: str | None = None,
    headers: Iterable[tuple[str, str]] = (),
) -> Response:
    """A JSON-API answer (``application/vnd.api+json; version=1``), with an ETag if given."""
    extra = [*headers] + ([] if etag is None else [("ETag", etag)])
    body = json.dumps(doc, ensure_ascii=False).encode("utf-8")
    return Response(status, body, API_CONTENT_TYPE, tuple(extra))


def error_response(status: int, message: str, *, headers: Iterable[tuple[str, str]] = ()) -> Response:
    """``{"errors": [{"message": ...}]}`` with ``status``, as ``json_api_render`` writes errors."""
    return api_response({"errors": [{"message": message}]}, status=status, headers=headers)


def parse_page(params: Mapping[str, str]) -> tuple[int, int]:
    """``(page, page_size)`` from the query: 1-based page, size capped at :data:`MAX_PAGE_SIZE`.

    Raises
    ------
    PanoptesApiError
        422 for a zero page size (Kaminari's ``ZeroPerPageOperation``), 400 for junk.

    Examples
    --------
    >>> parse_page({"page": "3", "page_size": "500"})
    (3, 100)
    >>> parse_page({})
    (1, 20)
    """
    try:
        page = int(params.get("page", "1") or "1")
        size = int(params.get("page_size", str(DEFAULT_PAGE_SIZE)) or DEFAULT_PAGE_SIZE)
    except ValueError:
        raise PanoptesApiError(400, "page and page_size must be whole numbers") from None
    if size == 0:
        raise PanoptesApiError(
            422, "Current page was incalculable. Perhaps you supplied 'page_size: 0' as a param?"
        )
    return max(page, 1), min(max(size, 1), MAX_PAGE_SIZE)


def page_meta(
    key: str, *, count: int, page: int, page_size: int, params: Mapping[str, str], path: str | None = None
) -> dict[str, Any]:
    """RestPack's ``meta.<key>`` block: counts and the hrefs of the neighbouring pages.

    ``params`` are the filters to repeat in the hrefs (``page`` and ``page_size`` are
    written by this function; ``page_size`` only when it is not the default).
    """
    page_count = max(1, math.ceil(count / page_size)) if page_size else 1
    base = path or f"/{key}"
    filters = {k: v for k, v in params.items() if k not in ("page", "page_size")}

    def href(number: int | None) -> str | None:
        if number is None:
            return None
        query: dict[str, Any] = {}
        if number != 1:
            query["page"] = number
        if page_size != DEFAULT_PAGE_SIZE:
            query["page_size"] = page_size
        query.update(filters)
        return base + ("?" + urlencode(query) if query else "")

    previous_page = page - 1 if page > 1 else None
    next_page = page + 1 if page < page_count else None
    return {
        "page": page,
        "page_size": page_size,
        "count": count,
        "include": [],
        "page_count": page_count,
        "previous_page": previous_page,
        "next_page": next_page,
        "first_href": href(1),
        "previous_href": href(previous_page),
        "next_href": href(next_page),
        "last_href": href(page_count),
    }


def page_of(
    key: str,
    resources: Sequence[dict[str, Any]],
    params: Mapping[str, str],
    *,
    links: Mapping[str, Any] | None = None,
    path: str | None = None,
) -> Response:
    """One page of ``resources`` as a JSON-API index answer, with its ETag.

    Examples
    --------
    >>> answer = page_of("subjects", [{"id": str(i)} for i in range(30)], {"page_size": "25", "page": "2"})
    >>> doc = json.loads(answer.body)
    >>> [s["id"] for s in doc["subjects"]], doc["meta"]["subjects"]["next_href"]
    (['25', '26', '27', '28', '29'], None)
    """
    page, size = parse_page(params)
    chosen = list(resources[(page - 1) * size : page * size])
    meta = page_meta(key, count=len(resources), page=page, page_size=size, params=params, path=path)
    doc = {key: chosen, "links": dict(links or {}), "meta": {key: meta}}
    return api_response(doc, etag=etag_of(chosen))
