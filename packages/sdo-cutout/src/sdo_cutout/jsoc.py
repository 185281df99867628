"""JSOC export with ``im_patch``: its protocol (pure parsers) and :class:`JsocClient`.

All requests go to ``<site>/cgi-bin/ajax/``:

* ``checkAddress.sh?address=<email>&checkonly=1``: ``{"status": 2}`` registered, 4 not
  validated yet, -2 not an address (:func:`address_params`, :func:`read_address`).
* ``jsoc_fetch?op=exp_request&format=json&ds=aia.lev1_euv_12s[<start>/<duration>][<waves>]{image}
  &notify=<email>&method=url&protocol=fits&process=n=0|im_patch,...`` (:func:`export_params`)
  answers ``{"status": 2, "requestid": "JSOC_...", "wait": 10}`` (:func:`read_export`).
* ``jsoc_fetch?op=exp_status&requestid=...&format=json`` (:func:`status_params`) answers
  a status (:func:`classify_status`):

  ====  ============================================  ===============================
  0     done: ``dir`` and ``data: [{record, filename}]``  ready; files ``site + dir + / + filename``,
                                                       ``NoDataFile`` skipped
  1, 2  processing, queued                          pending (``wait`` honoured)
  6     not found yet                               pending, ``max_not_found`` times; then resubmit
  7     this e-mail already has a pending request   resubmit after a wait (never a crash)
  4     error, often transient                      pending, ``max_status_errors`` times; then resubmit
  3     too large                                   failed: ask for less
  5     expired                                     failed: files deleted; ask again
  ====  ============================================  ===============================

JSOC allows one pending export per e-mail, asks for one connection per client and
blocks abusers: the client keeps ONE connection (``max_connections=1``), runs one job
at a time by default, honours ``429 Retry-After``, and (``one_pending=True``) does not
submit while it knows of a pending export of its own, so it does not provoke status 7.

The notification e-mail comes from the ``email`` argument or ``JET_HUNTER_JSOC_EMAIL``;
it is only needed to submit (polling works without it), is checked once per client,
never stored in the database, and masked in every log line and message (including
httpx's request logs).

Examples
--------
>>> from sdo_cutout.params import CutoutParams
>>> job = CutoutParams.build("2012-07-08T13:05", "2012-07-08T13:35", center=(-350.5, 120), fov=(200, 150),
...                          backend="jsoc", waves=[304]).to_job()
>>> record_set(job)
'aia.lev1_euv_12s[2012-07-08T13:05:00Z/30m][304]{image}'
>>> im_patch(job)
'n=0|im_patch,t_ref=2012-07-08T13:05:00,t=1,r=0,c=0,locunits=arcsec,boxunits=arcsec,x=-350.5,y=120,width=200,height=150'
>>> doc = {"status": 0, "dir": "/SUM1/D123/S00000", "data": [
...     {"record": "aia.lev1_euv_12s[2012-07-08T13:05:02Z][304]", "filename": "aia.304.a.fits"},
...     {"record": "aia.lev1_euv_12s[2012-07-08T13:05:14Z][304]", "filename": "NoDataFile"}]}
>>> outcome = classify_status(doc, "http://jsoc.test")
>>> outcome.kind, [f.url for f in outcome.files], outcome.files[0].wavelength
('ready', ['http://jsoc.test/SUM1/D123/S00000/aia.304.a.fits'], 304.0)
>>> classify_status({"status": 7}, "http://jsoc.test").kind
'resubmit'
"""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import urlsplit

import httpx
from jet_store import CutoutJob
from jet_store.retry import RetryPolicy, Transient

from sdo_cutout.backend import Outcome
from sdo_cutout.errors import CutoutRequestError, JsocAddressError, JsocAnswerError, JsocStatusError
from sdo_cutout.http import DEFAULT_TIMEOUT, mask_email
from sdo_cutout.jsoc_parse import classify_status, file_refs, parse_json, read_address, read_export
from sdo_cutout.jsoc_query import (
    CHECK_PATH,
    EMAIL_ENV,
    FETCH_PATH,
    REGISTER_URL,
    SERIES,
    address_params,
    duration_text,
    export_params,
    im_patch,
    record_set,
    status_params,
)
from sdo_cutout.service import ServiceClient

__all__ = [
    "JsocClient",
    "SERIES",
    "FETCH_PATH",
    "CHECK_PATH",
    "EMAIL_ENV",
    "REGISTER_URL",
    "record_set",
    "duration_text",
    "im_patch",
    "export_params",
    "status_params",
    "address_params",
    "parse_json",
    "read_address",
    "read_export",
    "classify_status",
    "file_refs",
]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class JsocClient(ServiceClient):
    """Client of JSOC's export service with ``im_patch`` cutouts (backend ``"jsoc"``).

    Parameters
    ----------
    site_url : str
        The JSOC site root (``sdo_cutout.JSOC_URL``, or a replica's ``url``).
    email : str, optional
        The registered notification e-mail; ``JET_HUNTER_JSOC_EMAIL`` by default. Only
        submitting needs it.
    check_address : bool
        Ask ``checkAddress.sh`` once before the first submission.
    one_pending : bool
        Do not submit while this client knows of a pending export (JSOC allows one per
        e-mail); the job is ``deferred`` instead of provoking status 7.
    max_not_found, max_status_errors : int
        Status 6 / status 4 answers taken as pending before the job is submitted again.
    transport, timeout, retry
        As in :class:`~sdo_cutout.service.ServiceClient`.
    concurrency : int
        Jobs at once (1: JSOC takes one pending export per e-mail).

    Examples
    --------
    >>> c = JsocClient("http://127.0.0.1:8000", email="jane@example.org")
    >>> c
    JsocClient('http://127.0.0.1:8000', email='j***@example.org')
    >>> c.fetch_url, c.max_connections
    ('http://127.0.0.1:8000/cgi-bin/ajax/jsoc_fetch', 1)
    """

    name = "jsoc"
    label = "JSOC export service"
    rank = 1

    def __init__(
        self,
        site_url: str | None = None,
        *,
        email: str | None = None,
        check_address: bool = True,
        one_pending: bool = True,
        max_not_found: int = 5,
        max_status_errors: int = 3,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        concurrency: int = 1,
    ) -> None:
        from sdo_cutout import JSOC_URL

        super().__init__(
            transport=transport, timeout=timeout, retry=retry, concurrency=concurrency, max_connections=1
        )
        site = site_url or JSOC_URL
        parts = urlsplit(site)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise CutoutRequestError(f"the JSOC URL must be http(s)://host, not {site!r}")
        self.site_url = site.rstrip("/")
        self.fetch_url = self.site_url + FETCH_PATH
        self.check_url = self.site_url + CHECK_PATH
        self.email = (email if email is not None else os.environ.get(EMAIL_ENV, "")).strip() or None
        self.check_address = check_address
        self.one_pending = one_pending
        self.max_not_found = max_not_found
        self.max_status_errors = max_status_errors
        self._address_ok = False
        self._pending: set[str] = set()
        self._not_found: dict[str, int] = {}
        self._errors: dict[str, int] = {}

    def __repr__(self) -> str:
        who = mask_email(self.email) if self.email else None
        return f"JsocClient({self.site_url!r}, email={who!r})"

    def _secrets(self) -> list[str]:
        return [self.email] if self.email else []

    def _json(self, response: httpx.Response, what: str) -> dict[str, Any]:
        if response.status_code >= 400:
            raise JsocStatusError(
                f"JSOC answered HTTP {response.status_code} to {what} at {self.site_url}; "
                "check the jsoc_url setting"
            )
        try:
            return parse_json(response.content)
        except JsocAnswerError as err:
            raise Transient(str(err)) from None

    def _need_email(self) -> str:
        if not self.email:
            raise CutoutRequestError(
                f"JSOC exports need a registered e-mail: set {EMAIL_ENV} (register it at {REGISTER_URL})"
            )
        if not _EMAIL.match(self.email):
            raise JsocAddressError(f"{mask_email(self.email)} is not an e-mail address; fix {EMAIL_ENV}")
        return self.email

    async def check(self) -> None:
        """Ask JSOC whether the e-mail is registered (once per client).

        Raises
        ------
        JsocAddressError
            When it is not registered or not validated.
        """
        email = self._need_email()
        if self._address_ok:
            return
        doc = await self._get(
            self.check_url,
            lambda r: self._json(r, "the address check"),
            params=address_params(email),
            what="address check",
        )
        read_address(doc, email)
        self._address_ok = True

    async def submit(self, job: CutoutJob) -> Outcome:
        """Ask for the export (after the address check); its requestid becomes the remote id."""
        email = self._need_email()
        if self.one_pending and self._pending:
            return Outcome.deferred(
                f"JSOC takes one pending export per e-mail; waiting for {sorted(self._pending)[0]}"
            )
        if self.check_address:
            await self.check()
        params = export_params(job, email)

        def read(response: httpx.Response) -> Outcome:
            doc = self._json(response, "the export request")
            try:
                return read_export(doc)
            except JsocStatusError as err:
                if err.status == 4:  # JSOC's generic error: often gone on the next try
                    raise Transient(str(err)) from None
                raise

        outcome = await self._get(self.fetch_url, read, params=params, what=f"exp_request for {job.key}")
        if outcome.kind == "submitted" and outcome.remote_id is not None:
            self._pending.add(outcome.remote_id)
        return outcome

    async def poll(self, job: CutoutJob) -> Outcome:
        """Ask ``exp_status`` and classify the answer (see :func:`classify_status`)."""
        rid = job.remote_id
        if rid is None:
            raise CutoutRequestError(f"job {job.key} has no JSOC request id to poll")
        doc = await self._get(
            self.fetch_url,
            lambda r: self._json(r, "the status request"),
            params=status_params(rid),
            what=f"exp_status of {rid}",
        )
        status = doc.get("status")
        outcome = classify_status(
            doc,
            self.site_url,
            not_found=self._not_found.get(rid, 0),
            errors=self._errors.get(rid, 0),
            max_not_found=self.max_not_found,
            max_status_errors=self.max_status_errors,
        )
        if status == 6:
            self._not_found[rid] = self._not_found.get(rid, 0) + 1
        elif status == 4:
            self._errors[rid] = self._errors.get(rid, 0) + 1
        if outcome.kind == "pending":
            self._pending.add(rid)
        else:
            self._pending.discard(rid)
            self._not_found.pop(rid, None)
            self._errors.pop(rid, None)
        return outcome
