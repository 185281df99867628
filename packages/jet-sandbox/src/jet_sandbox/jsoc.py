"""The JSOC export replica: address check, ``exp_request`` with ``im_patch``, ``exp_status``, files.

Usage
-----
``srv.url`` is the site root (``JET_HUNTER_JSOC_URL``); the CGIs are below
``/cgi-bin/ajax/`` and the exported files below ``/SUM...``::

    with JsocServer(registered=("jets@example.org",), wait=0, shape=(64, 64)) as srv:
        files = my_client(srv.url, email="jets@example.org").export(...)
        truth = srv.truth(request_id)

From a shell: ``jet-hunter sandbox serve jsoc --registered me@example.org --wait 1``.

The protocol, as jsoc.stanford.edu answers it and the replica replicates it, is described in
:mod:`jet_sandbox.jsoc_protocol`.

Files
    ``srv.url + dir + "/" + filename``, served by :func:`jet_sandbox.files.file_response`
    (Range, ETag, If-Range, 416), only once the export is done and until it expires.

One connection per client: while more than ``max_connections`` requests from one IP
address are being answered (a file body being sent counts), further requests get
``429`` with ``Retry-After: busy_retry_after`` (logged like any answer).

Faults: ``faults``/``latency`` apply to the CGIs, and to the files unless
``file_faults`` is given (see :mod:`jet_sandbox.files`); the data come from
:class:`~jet_sandbox.jobdata.SyntheticCutout` (the same synthetic AIA frames as the SSW
replica, with a jet inside the field of view), made on first request.

Examples
--------
>>> import json, urllib.request
>>> from urllib.parse import urlencode
>>> from jet_sandbox.jsoc import JsocServer
>>> with JsocServer(wait=0, shape=(32, 32)) as srv:
...     ajax = srv.url + "cgi-bin/ajax/"
...     get = lambda cgi, **p: json.load(urllib.request.urlopen(ajax + cgi + "?" + urlencode(p)))
...     print(get("checkAddress.sh", address="jets@example.org", checkonly=1)["status"])
...     process = ("n=0|im_patch,t_ref=2012-07-08T13:05:00,t=1,r=0,c=0,locunits=arcsec,boxunits=arcsec,"
...                "x=-300,y=200,width=60,height=60")
...     asked = get("jsoc_fetch", op="exp_request", format="json", notify="jets@example.org",
...                 ds="aia.lev1_euv_12s[2012-07-08T13:05:00Z/1m][304]{image}", method="url",
...                 protocol="fits", process=process)
...     print(asked["status"], asked["requestid"])
...     print([get("jsoc_fetch", op="exp_status", requestid=asked["requestid"])["status"] for _ in range(4)])
...     done = get("jsoc_fetch", op="exp_status", requestid=asked["requestid"])
...     names = [d["filename"] for d in done["data"]]
...     blob = urllib.request.urlopen(srv.url + done["dir"].lstrip("/") + "/" + names[0]).read()
2
2 JSOC_20140325_334
[6, 2, 1, 0]
>>> names[:2], blob[:9]
(['aia.lev1_euv_12s.2012-07-08T130507Z.304.image.fits', 'NoDataFile'], b'SIMPLE  =')
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar
from urllib.parse import parse_qs

from jet_sandbox.aia import CutoutTruth
from jet_sandbox.errors import BadQuery, SandboxError
from jet_sandbox.faults import Fault, FaultPlan
from jet_sandbox.files import FileStore, file_response, not_found
from jet_sandbox.jobdata import frame_shape
from jet_sandbox.jsoc_export import JsocExport, build_export
from jet_sandbox.jsoc_protocol import (
    CHECK_PATH,
    EMAIL_PATTERN,
    FETCH_PATH,
    NO_DATA_FILE,
    REGISTER_URL,
    SERIES,
    file_name,
    parse_process,
    parse_record_set,
    record_name,
)
from jet_sandbox.jsoc_queue import ExportQueue
from jet_sandbox.server import Request, Response, Route, SandboxServer
from jet_sandbox.server_faults import error_page, file_fault_plan, seconds_header

__all__ = [
    "JsocServer",
    "JsocExport",
    "CHECK_PATH",
    "FETCH_PATH",
    "SERIES",
    "NO_DATA_FILE",
    "parse_record_set",
    "parse_process",
    "record_name",
    "file_name",
]

logger = logging.getLogger(__name__)


class JsocServer(SandboxServer):
    """The JSOC export replica (see the module docstring).

    Parameters
    ----------
    registered
        Registered, validated notification addresses.
    unvalidated
        Addresses registered but not validated (``checkAddress`` answers 4).
    faults, latency
        Fault plan and latency of the CGIs (and of the files unless ``file_faults``).
    file_faults
        A separate fault plan (or faults / spec strings, with the server's latency)
        for the exported files.
    latency_per_mb
        Pacing of the files, seconds per 10**6 bytes.
    seed
        Seed of the request ids, folders and synthetic data.
    status_sequence
        The ``exp_status`` answers of successive polls; the last one repeats.
    transient_error_every
        Every this many polls of an export not done answer status 4 (None: never).
    max_connections
        Concurrent requests allowed per client address (None: no limit).
    busy_retry_after
        ``Retry-After`` seconds of the 429 past ``max_connections``.
    wait
        The ``wait`` (seconds) JSOC suggests before the next poll.
    shape
        Largest ``(nx, ny)`` of a frame (see :meth:`SyntheticCutout.build`).
    max_records
        More records than this in one export -> status 3 (too large).
    no_data_files
        ``NoDataFile`` entries per export.
    pending_timeout
        Seconds after which an export no longer blocks another from the same e-mail
        (status 7), even if nobody polled it to the end (None: never).
    root
        Folder where frames are written once made (else kept in memory).
    host, port
        Where to listen.
    """

    name: ClassVar[str] = "jsoc"
    label: ClassVar[str] = "JSOC export replica"
    env_var: ClassVar[str | None] = "JET_HUNTER_JSOC_URL"
    entry_path: ClassVar[str] = "/"

    def __init__(
        self,
        *,
        registered: Iterable[str] = ("jets@example.org",),
        unvalidated: Iterable[str] = ("pending@example.org",),
        faults: FaultPlan | Iterable[Fault | str] | None = None,
        latency: float | None = None,
        file_faults: FaultPlan | Iterable[Fault | str] | None = None,
        latency_per_mb: float | None = None,
        seed: int = 0,
        status_sequence: Sequence[int] = (6, 2, 1, 0),
        transient_error_every: int | None = None,
        max_connections: int | None = 1,
        busy_retry_after: float = 1.0,
        wait: float = 10.0,
        shape: tuple[int, int] | None = None,
        max_records: int = 20000,
        no_data_files: int = 1,
        pending_timeout: float | None = 600.0,
        root: str | os.PathLike[str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(faults=faults, latency=latency, host=host, port=port)
        if not status_sequence:
            raise SandboxError("status_sequence is empty")
        if transient_error_every is not None and transient_error_every < 1:
            raise SandboxError(f"transient_error_every must be >= 1, not {transient_error_every}")
        if max_connections is not None and max_connections < 1:
            raise SandboxError(f"max_connections must be >= 1, not {max_connections}")
        shape = frame_shape(shape)
        self.registered = {e.strip().lower() for e in registered}
        self.unvalidated = {e.strip().lower() for e in unvalidated} - self.registered
        self.file_plan = file_fault_plan(file_faults, self.fault_plan)
        self.latency_per_mb = float(latency_per_mb or 0.0)
        self.seed = seed
        self.status_sequence = tuple(int(s) for s in status_sequence)
        self.transient_error_every = transient_error_every
        self.max_connections = max_connections
        self.busy_retry_after = busy_retry_after
        self.wait_seconds = wait
        self.shape = shape
        self.max_records = max_records
        self.no_data_files = no_data_files
        self.pending_timeout = pending_timeout
        self.store = FileStore(cache_dir=root)
        self.queue = ExportQueue(seed=seed)
        self._state = threading.Lock()

    # -- addresses and state -----------------------------------------------------------

    @property
    def fetch_url(self) -> str:
        """URL of ``jsoc_fetch``."""
        return self.base_url + FETCH_PATH

    @property
    def check_url(self) -> str:
        """URL of ``checkAddress.sh``."""
        return self.base_url + CHECK_PATH

    @property
    def exports(self) -> dict[str, JsocExport]:
        """Every export queued so far, by request id."""
        return self.queue.exports

    def export(self, request_id: str) -> JsocExport:
        """One export.

        Raises
        ------
        SandboxError
            If there is no such request id.
        """
        return self.queue.export(request_id)

    def truth(self, request_id: str) -> CutoutTruth:
        """The truth of an export's files: spec, jet, where the jet is in each frame."""
        return self.export(request_id).truth()

    def polls(self, request_id: str) -> int:
        """How many times an export's status was asked for."""
        return self.queue.polls(request_id)

    def expire(self, request_id: str) -> None:
        """Delete an export's files: its status becomes 5, its files 404."""
        self.queue.expire(request_id)

    def finish(self, request_id: str) -> None:
        """Make an export done now (its next status is 0)."""
        self.queue.finish(request_id, len(self.status_sequence))

    # -- HTTP ----------------------------------------------------------------------------

    def routes(self) -> Sequence[Route]:
        """``checkAddress.sh``, ``jsoc_fetch`` (GET and POST) and the export folders ``/SUM*``."""
        return [
            Route(CHECK_PATH, self._check),
            Route(FETCH_PATH, self._fetch, methods=frozenset({"GET", "POST"})),
            Route("/SUM", self._file, prefix=True, faults=self.file_plan),
        ]

    def admit(self, request: Request) -> Response | None:
        """429 with ``Retry-After`` past ``max_connections`` requests in flight from one address."""
        if self.max_connections is None or self.in_flight(request.client) <= self.max_connections:
            return None
        logger.info(
            "JSOC replica: %s has more than %d requests in flight", request.client, self.max_connections
        )
        return Response.html(
            error_page(429, self.port),
            status=429,
            headers=[("Retry-After", seconds_header(self.busy_retry_after))],
        )

    def _check(self, request: Request) -> Response:
        address = (request.param("address") or "").strip()
        key = address.lower()
        if not EMAIL_PATTERN.match(address):
            return Response.json({"status": -2, "msg": f"'{address}' is not a valid email address."})
        if key in self.registered:
            return Response.json({"status": 2, "msg": f"{address} is registered and validated."})
        if request.param("checkonly", "0") in ("", "0") and key not in self.unvalidated:
            with self._state:
                self.unvalidated.add(key)
            return Response.json(
                {
                    "status": 1,
                    "msg": f"A validation email was sent to {address}; follow its link to validate.",
                }
            )
        return Response.json(
            {"status": 4, "msg": f"{address} has not been validated; register it at {REGISTER_URL}."}
        )

    def _fetch(self, request: Request) -> Response:
        params = dict(request.params)
        if request.method == "POST" and request.body:
            form = parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True)
            params.update({k: v[0] for k, v in form.items() if v})
        op = params.get("op", "")
        if op == "exp_request":
            return Response.json(self._request(params))
        if op == "exp_status":
            request_id = params.get("requestid", "").strip()
            answer = self.queue.status(
                request_id, self.status_sequence, self.transient_error_every, wait=self.wait_seconds
            )
            return Response.json(answer)
        return Response.json({"status": 4, "error": f"jsoc_fetch: op '{op}' is not supported here"})

    def _request(self, params: Mapping[str, str]) -> dict[str, Any]:
        email = params.get("notify", "").strip()
        if not email:
            return {"status": 4, "error": "An export requires a notify email address."}
        if email.lower() not in self.registered:
            return {
                "status": 4,
                "error": f"Email address {email} has not been registered or validated for exports; "
                f"register it at {REGISTER_URL}.",
            }
        try:
            export = build_export(
                params, email, seed=self.seed, shape=self.shape, no_data_files=self.no_data_files
            )
        except BadQuery as err:
            logger.info("JSOC export refused: %s", err)
            return {"status": 4, "error": str(err)}
        count = len(export.records)
        if count > self.max_records:
            return {
                "status": 3,
                "error": f"Request too large: {count} records, more than the {self.max_records} allowed.",
            }
        export, queued = self.queue.queue(export, now=time.monotonic(), pending_timeout=self.pending_timeout)
        if not queued:
            return {
                "status": 7,
                "error": f"User {email} has a pending export request {export.request_id}; "
                "please wait until it completes before submitting another.",
                "requestid": export.request_id,
            }
        request_id = export.request_id
        for wave, moment in export.cutout.frames:
            key = f"{export.cutout.key}/{file_name(wave, moment)}"
            if key not in self.store:
                self.store.add(key, export.cutout.maker(wave, moment), last_modified=export.submitted)
        logger.info("JSOC export %s queued: %d records", request_id, count)
        return {
            "status": 2,
            "requestid": request_id,
            "method": "url",
            "protocol": "FITS",
            "dir": None,
            "wait": self.wait_seconds,
            "size": export.size_mb,
            "count": count,
            "rcount": count,
            "error": None,
        }

    def _file(self, request: Request) -> Response:
        folder, _, name = request.path.rpartition("/")
        export = self.queue.served(folder, name)
        if export is None:
            return not_found(request.path)
        served = self.store.lookup(f"{export.cutout.key}/{name}")
        return file_response(request, served, latency_per_mb=self.latency_per_mb)
