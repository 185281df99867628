"""The HEK replica: ``GET /hek/her`` over real HTTP on loopback, with a fault plan.

Usage
-----
Start it in a ``with`` block; ``srv.url`` is the full search URL (what
``JET_HUNTER_HEK_URL`` or a client's ``base_url`` should be), and
``srv.expected(...)`` is the truth for a query, to compare a client's result with::

    from jet_sandbox.hek import HekServer
    from jet_sandbox.faults import Fault, FaultPlan

    plan = FaultPlan([Fault.status(503, times=2), Fault.html(every=7)], latency=0.05)
    with HekServer(seed=0, faults=plan) as srv:
        events = my_client(base_url=srv.url).search("2011-01-01", "2012-01-01", "cj")
        assert {e.kb_archivid for e in events} == srv.expected("2011-01-01", "2012-01-01", event_types="cj")
        print(srv.requests[-1].status, srv.requests[-1].faults)

From a shell: ``jet-hunter sandbox serve hek --fault 503:2 --latency 0.1``.

What it serves: the 16 recorded June-2010 coronal-jet reports (exact field values),
plus deterministic synthetic jet reports (3 jets a week on average, each in 1-3 AIA
channels) everywhere outside June 2010, for any years (``synthetic=False`` for the
recorded ones only, ``events=[...]`` for your own). Query semantics follow HEK (see
:mod:`jet_sandbox.hek_query`): required ``cmd=search&type=column&cosec=2``,
``event_type``, ``event_starttime``/``event_endtime`` (overlap), optional
``event_coordsys=helioprojective`` + ``x1,y1,x2,y2``, ``paramN/opN/valueN``,
``result_limit`` (default 100), 1-based ``page``, ``return``. Unknown parameters are
ignored, as HEK ignores them. Answers are ``{"result": [...], "overmax": bool,
"association": []}``, sorted by (``event_starttime``, ``kb_archivid``). A bad query gets
400 with a text message; POST gets a 200 HTML page (as the real service does).

Faults: every kind of :mod:`jet_sandbox.faults` applies to ``/hek/her``; the data
faults act like this: ``bad_utf8`` puts the latin-1 byte ``0xEE`` ("Lemaître") into a
text field (``event_description`` by default) of the first event of the page, the
answer being otherwise correct; ``mixed_keys`` drops some optional keys from every
third row and adds extra keys to the next one (still valid data); ``empty`` answers
no events.

Examples
--------
>>> import json, urllib.request
>>> from jet_sandbox.hek import HekServer
>>> with HekServer(synthetic=False) as srv:
...     params = "cmd=search&type=column&cosec=2&event_type=cj&event_starttime=2010-06-01T00:00:00"
...     params += "&event_endtime=2010-07-01T00:00:00&param0=obs_channelid&op0==&value0=304"
...     doc = json.load(urllib.request.urlopen(srv.url + "?" + params))
...     ids = {e["kb_archivid"] for e in doc["result"]}
...     ids == srv.expected("2010-06-01", "2010-07-01", filters=[("obs_channelid", "=", "304")])
True
>>> len(ids), doc["overmax"]
(6, False)
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar, Literal

from jet_sandbox.errors import BadQuery
from jet_sandbox.faults import KINDS, Fault, FaultPlan
from jet_sandbox.hek_catalog import HekAnswer, HekCatalog
from jet_sandbox.hek_query import DEFAULT_LIMIT, AttributeFilter, HekQuery
from jet_sandbox.hek_synthetic import DEFAULT_JETS_PER_WEEK
from jet_sandbox.server import Request, Response, Route, SandboxServer

__all__ = ["HekServer", "HEK_PATH"]

logger = logging.getLogger(__name__)

HEK_PATH = "/hek/her"
"""Path of the HEK search endpoint."""

_POST_PAGE = """<!DOCTYPE html>
<html><head><title>HEK: Heliophysics Events Knowledgebase</title></head>
<body>
<h1>Heliophysics Events Knowledgebase</h1>
<p>The event registry is queried with HTTP GET requests, e.g.
<code>/hek/her?cmd=search&amp;type=column&amp;cosec=2&amp;event_type=cj&amp;...</code></p>
</body></html>
"""

_LATIN1_NAME = "Lema\udceetre"  # "Lemaître" with the î as the latin-1 byte 0xEE (surrogate-escaped)
_TEXT_FIELDS = ("event_description", "event_title", "frm_contact", "frm_name", "frm_institute")
_DROPPABLE = (
    "event_peaktime",
    "gs_thumburl",
    "gs_imageurl",
    "gs_movieurl",
    "gs_galleryid",
    "hgc_bbox",
    "hgs_bbox",
    "hrc_bbox",
    "refs",
    "event_probability",
    "obs_meanwavel",
    "search_channelid",
    "comment_count",
    "hpc_geom",
    "frm_identifier",
    "event_avg_rating",
)
_EXTRA_KEYS: dict[str, Any] = {
    "frm_specificid2": "",
    "event_importance_comment": None,
    "obs_title_long": "AIA full-disk, 12 s cadence",
}


class HekServer(SandboxServer):
    """The HEK replica (see the module docstring for what it serves and how).

    Parameters
    ----------
    events
        Recorded events to serve instead of the packaged June-2010 answer.
    synthetic
        Serve synthetic jets as well.
    seed
        Seed of the synthetic events.
    jets_per_week
        Mean number of synthetic jets per week.
    recorded_span
        Window kept free of synthetic events (June 2010 by default with the packaged
        events, none with ``events``).
    default_limit
        Page size when a query has no ``result_limit``.
    max_limit
        Cap on ``result_limit`` (None: no cap).
    faults, latency, host, port
        As for :class:`~jet_sandbox.server.SandboxServer`.

    Attributes
    ----------
    catalog : HekCatalog
        The events and the query logic (usable without HTTP).
    """

    name: ClassVar[str] = "hek"
    label: ClassVar[str] = "HEK replica"
    env_var: ClassVar[str | None] = "JET_HUNTER_HEK_URL"
    entry_path: ClassVar[str] = HEK_PATH

    def __init__(
        self,
        events: Iterable[Mapping[str, Any]] | None = None,
        *,
        synthetic: bool = True,
        seed: int = 0,
        jets_per_week: float = DEFAULT_JETS_PER_WEEK,
        recorded_span: tuple[Any, Any] | Literal["auto"] | None = "auto",
        default_limit: int = DEFAULT_LIMIT,
        max_limit: int | None = None,
        faults: FaultPlan | Iterable[Fault | str] | None = None,
        latency: float | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(faults=faults, latency=latency, host=host, port=port)
        self.catalog = HekCatalog(
            events, synthetic=synthetic, seed=seed, jets_per_week=jets_per_week, recorded_span=recorded_span
        )
        self.default_limit = default_limit
        self.max_limit = max_limit

    def routes(self) -> Sequence[Route]:
        """``/hek/her`` (GET searches, POST gets an HTML page); every fault kind applies."""
        return [Route(HEK_PATH, self._her, methods=frozenset({"GET", "POST"}), accepts=KINDS)]

    def expected(
        self,
        start: Any,
        end: Any,
        *,
        event_types: str | Sequence[str] = "**",
        box: Sequence[float] | None = None,
        filters: Iterable[AttributeFilter | Sequence[str]] = (),
    ) -> set[str]:
        """The ``kb_archivid`` set a query returns over all its pages (see :meth:`HekCatalog.expected`).

        Examples
        --------
        >>> srv = HekServer(synthetic=False)  # no need to start it
        >>> len(srv.expected("2010-06-20T11:00:00", "2010-06-20T12:00:00", event_types="cj"))
        3
        """
        return self.catalog.expected(start, end, event_types=event_types, box=box, filters=filters)

    def search(self, query: HekQuery) -> HekAnswer:
        """One page of the answer to ``query``, without HTTP and without faults."""
        return self.catalog.search(query)

    def _her(self, request: Request) -> Response:
        if request.method == "POST":
            return Response.html(_POST_PAGE)
        try:
            query = HekQuery.from_params(
                request.params, default_limit=self.default_limit, max_limit=self.max_limit
            )
        except BadQuery as err:
            logger.info("bad HEK query %s: %s", request.params, err)
            return Response.text(f"Error: {err}\n", status=400)
        empty = "empty" in request.transforms
        answer = HekAnswer([], False, 0) if empty else self.catalog.search(query)
        rows = answer.result
        if "mixed_keys" in request.transforms:
            rows = _mix_keys(rows)
        if "bad_utf8" in request.transforms:
            _add_latin1(rows)
        return Response.json(answer.to_doc() | {"result": rows})


def _mix_keys(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every third row loses some optional keys; the row after it gains extra keys."""
    mixed = []
    for i, row in enumerate(rows):
        if i % 3 == 0:
            row = {k: v for k, v in row.items() if k not in _DROPPABLE}
        elif i % 3 == 1:
            row = {**row, **_EXTRA_KEYS}
        mixed.append(row)
    return mixed


def _add_latin1(rows: list[dict[str, Any]]) -> None:
    """Append a name with a latin-1 byte to the first text field of the first row that has one."""
    for row in rows:
        for field in _TEXT_FIELDS:
            value = row.get(field)
            if isinstance(value, str) and value:
                row[field] = f"{value} ({_LATIN1_NAME})"
                return
