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
>>> from sdo_cutout.request import CutoutParams
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

import json
import logging
import os
import posixpath
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
from jet_store import CutoutJob
from jet_store.retry import RetryPolicy, Transient

from sdo_cutout.backend import FileRef, Outcome
from sdo_cutout.errors import (
    CutoutRequestError,
    JsocAddressError,
    JsocAnswerError,
    JsocStatusError,
)
from sdo_cutout.http import DEFAULT_TIMEOUT, mask_email
from sdo_cutout.names import safe_fits_name
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

log = logging.getLogger(__name__)

SERIES = "aia.lev1_euv_12s"
"""The JSOC series of AIA's EUV level-1 images."""

FETCH_PATH = "/cgi-bin/ajax/jsoc_fetch"
"""Path of the export CGI below the site root."""

CHECK_PATH = "/cgi-bin/ajax/checkAddress.sh"
"""Path of the address check CGI below the site root."""

EMAIL_ENV = "JET_HUNTER_JSOC_EMAIL"
"""Environment variable holding the registered notification e-mail."""

REGISTER_URL = "http://jsoc.stanford.edu/ajax/register_email.html"
"""Where an e-mail address is registered for JSOC exports."""

_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")
_DIR = re.compile(r"^/?[A-Za-z0-9_.+-]+(/[A-Za-z0-9_.+-]+)*/?$")
_RECORD_WAVE = re.compile(r"\]\s*\[\s*(\d{2,4})\s*\]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# -- requests ---------------------------------------------------------------------------


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(round(float(value), 3))


def duration_text(seconds: float) -> str:
    """A DRMS duration: whole minutes as ``30m``, else seconds as ``2382s``.

    Examples
    --------
    >>> duration_text(1800), duration_text(2382), duration_text(7200)
    ('30m', '2382s', '120m')
    """
    whole = round(seconds)
    return f"{whole // 60}m" if whole % 60 == 0 else f"{whole}s"


def _check_job(job: CutoutJob) -> None:
    if job.backend != "jsoc":
        raise CutoutRequestError(f"job {job.key} is for {job.backend}, not JSOC")


def record_set(job: CutoutJob) -> str:
    """The DRMS record set of a job: ``aia.lev1_euv_12s[<start>/<duration>][<waves>]{image}``.

    Examples
    --------
    >>> from sdo_cutout.request import CutoutParams
    >>> record_set(CutoutParams.build("2010-06-20T11:14:44", "2010-06-20T11:54:26", center=(0, 0),
    ...                               backend="jsoc", waves=[304, 171]).to_job())
    'aia.lev1_euv_12s[2010-06-20T11:14:44Z/2382s][171,304]{image}'
    """
    _check_job(job)
    start = job.start_time.strftime("%Y-%m-%dT%H:%M:%SZ")
    duration = duration_text((job.end_time - job.start_time).total_seconds())
    waves = ",".join(str(int(w)) for w in sorted(job.wavelengths))
    return f"{SERIES}[{start}/{duration}][{waves}]{{image}}"


def im_patch(job: CutoutJob) -> str:
    """The ``process`` argument: ``n=0|im_patch,...`` (``t=1``: no tracking, unless ``job.track``).

    Examples
    --------
    >>> from sdo_cutout.request import CutoutParams
    >>> im_patch(CutoutParams.build("2010-06-20T11:14:44", "2010-06-20T11:54:26", center=(813, -683),
    ...                             backend="jsoc", track=True).to_job())  # doctest: +NORMALIZE_WHITESPACE
    'n=0|im_patch,t_ref=2010-06-20T11:14:44,t=0,r=0,c=0,locunits=arcsec,boxunits=arcsec,x=813,y=-683,width=120,height=120'
    """
    _check_job(job)
    parts = [
        f"t_ref={job.start_time.strftime('%Y-%m-%dT%H:%M:%S')}",
        f"t={0 if job.track else 1}",
        "r=0",
        "c=0",
        "locunits=arcsec",
        "boxunits=arcsec",
        f"x={_num(job.center_x)}",
        f"y={_num(job.center_y)}",
        f"width={_num(job.fov_x)}",
        f"height={_num(job.fov_y)}",
    ]
    return "n=0|im_patch," + ",".join(parts)


def export_params(job: CutoutJob, email: str) -> dict[str, str]:
    """The ``exp_request`` parameters of a job.

    Examples
    --------
    >>> from sdo_cutout.request import CutoutParams
    >>> job = CutoutParams.build("2012-07-08T13:05", "2012-07-08T13:35", center=(0, 0),
    ...                          backend="jsoc").to_job()
    >>> p = export_params(job, "jane@example.org")
    >>> p["op"], p["ds"]
    ('exp_request', 'aia.lev1_euv_12s[2012-07-08T13:05:00Z/30m][304]{image}')
    >>> p["method"], p["protocol"], p["notify"]
    ('url', 'fits', 'jane@example.org')
    """
    return {
        "op": "exp_request",
        "format": "json",
        "ds": record_set(job),
        "notify": email,
        "method": "url",
        "protocol": "fits",
        "process": im_patch(job),
    }


def status_params(request_id: str) -> dict[str, str]:
    """The ``exp_status`` parameters.

    Examples
    --------
    >>> status_params("JSOC_20140325_334")
    {'op': 'exp_status', 'requestid': 'JSOC_20140325_334', 'format': 'json'}
    """
    return {"op": "exp_status", "requestid": request_id, "format": "json"}


def address_params(email: str) -> dict[str, str]:
    """The ``checkAddress.sh`` parameters.

    Examples
    --------
    >>> address_params("jane@example.org")
    {'address': 'jane@example.org', 'checkonly': '1'}
    """
    return {"address": email, "checkonly": "1"}


# -- answers ----------------------------------------------------------------------------


def parse_json(body: bytes | str) -> dict[str, Any]:
    """A JSOC answer as a dict.

    Raises
    ------
    JsocAnswerError
        For an HTML page, broken JSON or JSON that is not an object.

    Examples
    --------
    >>> parse_json(b'{"status": 2, "requestid": "JSOC_1"}')
    {'status': 2, 'requestid': 'JSOC_1'}
    >>> parse_json(b"<html><h1>Service unavailable</h1></html>")
    Traceback (most recent call last):
    ...
    sdo_cutout.errors.JsocAnswerError: JSOC answered an HTML page instead of JSON: 'Service unavailable'
    """
    text = body if isinstance(body, str) else body.decode("utf-8", errors="replace")
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("<"):
        plain = " ".join(re.sub(r"<[^>]*>", " ", stripped).split())[:120]
        raise JsocAnswerError(f"JSOC answered an HTML page instead of JSON: {plain!r}")
    try:
        doc = json.loads(stripped)
    except (ValueError, RecursionError) as err:
        raise JsocAnswerError(f"JSOC answered broken JSON ({err}): {stripped[:80]!r}") from None
    if not isinstance(doc, dict):
        raise JsocAnswerError(f"JSOC answered JSON that is not an object: {stripped[:80]!r}")
    return doc


def _status(doc: Mapping[str, Any]) -> int:
    value = doc.get("status")
    if isinstance(value, bool) or value is None:
        raise JsocAnswerError(f"JSOC answered without a status: {json.dumps(doc)[:120]}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise JsocAnswerError(f"JSOC answered a status that is not a number: {value!r}") from None
    if not number.is_integer():
        raise JsocAnswerError(f"JSOC answered a status that is not a whole number: {value!r}")
    return int(number)


def _wait(doc: Mapping[str, Any]) -> float | None:
    value: Any = doc.get("wait")
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if 0 <= number < 1e6 else None


def _error_text(doc: Mapping[str, Any]) -> str:
    for name in ("error", "message", "statusMessage"):
        value = doc.get(name)
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())[:200]
    return ""


def read_address(doc: Mapping[str, Any], email: str) -> None:
    """Check a ``checkAddress.sh`` answer: fine when the e-mail is registered (status 2).

    Raises
    ------
    JsocAddressError
        When it is not validated (4) or not an address (-2), or another status.

    Examples
    --------
    >>> read_address({"status": 2}, "jane@example.org")
    >>> read_address({"status": 4}, "jane@example.org")
    Traceback (most recent call last):
    ...
    sdo_cutout.errors.JsocAddressError: JSOC has not validated j***@example.org yet: answer the \
confirmation e-mail JSOC sent, or register at http://jsoc.stanford.edu/ajax/register_email.html
    """
    status = _status(doc)
    who = mask_email(email)
    if status == 2:
        return
    if status == 4:
        raise JsocAddressError(
            f"JSOC has not validated {who} yet: answer the confirmation e-mail JSOC sent, "
            f"or register at {REGISTER_URL}"
        )
    if status == -2:
        raise JsocAddressError(
            f"JSOC says {who} is not an e-mail address; set {EMAIL_ENV} to a registered one"
        )
    raise JsocAddressError(
        f"JSOC does not accept {who} (address check status {status}); register it at {REGISTER_URL}"
    )


def read_export(doc: Mapping[str, Any]) -> Outcome:
    """What an ``exp_request`` answer means.

    ``submitted`` (status 0, 1 or 2, with a ``requestid``), ``deferred`` (7: this
    e-mail already has a pending export) or ``failed`` (3 too large, 5, ...).

    Raises
    ------
    JsocStatusError
        Status 4 (an error JSOC often recovers from: the caller retries it), a status
        outside the protocol, or an accepted request without a usable ``requestid``.

    Examples
    --------
    >>> read_export({"status": 2, "requestid": "JSOC_20140325_334", "wait": 10})
    Outcome(kind='submitted', remote_id='JSOC_20140325_334', files=(), message=None, wait=10.0, rejected=())
    >>> read_export({"status": 7, "error": "pending export"}).kind
    'deferred'
    >>> read_export({"status": 3}).message  # doctest: +ELLIPSIS
    'JSOC refused the export as too large...'
    """
    status = _status(doc)
    wait = _wait(doc)
    detail = _error_text(doc)
    suffix = f" ({detail})" if detail else ""
    if status in (0, 1, 2):
        rid = doc.get("requestid")
        if not isinstance(rid, str) or not _REQUEST_ID.match(rid.strip()):
            raise JsocStatusError(f"JSOC accepted the export but gave no usable requestid: {rid!r}", status)
        return Outcome.submitted(rid.strip(), wait=wait)
    if status == 7:
        return Outcome.deferred(
            "JSOC: this e-mail already has a pending export; submitting again when it is done" + suffix, wait
        )
    if status == 3:
        return Outcome.failed(
            "JSOC refused the export as too large; ask for a shorter window, fewer wavelengths or a smaller "
            "field of view" + suffix
        )
    if status == 4:
        raise JsocStatusError("JSOC reported an error for the export request" + suffix, status)
    return Outcome.failed(f"JSOC refused the export request with status {status}" + suffix)


def file_refs(doc: Mapping[str, Any], site_url: str) -> tuple[tuple[FileRef, ...], tuple[str, ...]]:
    """File URLs of a finished export (``site + dir + "/" + filename``) and refused entries.

    ``NoDataFile`` entries are skipped silently; file names are reduced to a safe
    FITS basename (see :func:`sdo_cutout.names.safe_fits_name`).

    Raises
    ------
    JsocAnswerError
        When ``dir`` is missing or not a plain path, or ``data`` is not a list.

    Examples
    --------
    >>> files, refused = file_refs({"dir": "/SUM1/D2/S00000", "data": [
    ...     {"record": "aia.lev1_euv_12s[2010-06-20T11:14:45Z][171]", "filename": "a.171.fits"},
    ...     {"record": "aia.lev1_euv_12s[2010-06-20T11:14:57Z][171]", "filename": "NoDataFile"},
    ...     {"record": "x", "filename": "/etc/passwd"}]}, "http://jsoc.test")
    >>> [(f.url, f.wavelength) for f in files], refused
    ([('http://jsoc.test/SUM1/D2/S00000/a.171.fits', 171.0)], ("'passwd' is not a FITS file name",))
    """
    folder = doc.get("dir")
    if not isinstance(folder, str) or not _DIR.match(folder.strip()):
        raise JsocAnswerError(f"JSOC's finished export has no usable dir: {str(folder)[:80]!r}")
    if any(part in (".", "..") for part in folder.strip().split("/")):
        raise JsocAnswerError(f"JSOC's finished export has no usable dir: {folder[:80]!r}")
    data = doc.get("data", [])
    if data is None:
        data = []
    if not isinstance(data, list):
        raise JsocAnswerError(f"JSOC's finished export has data that is not a list: {str(data)[:80]!r}")
    clean = posixpath.normpath("/" + folder.strip().strip("/"))
    base = site_url.rstrip("/") + clean.rstrip("/") + "/"
    files: dict[str, FileRef] = {}
    rejected: list[str] = []
    for entry in data:
        if not isinstance(entry, Mapping):
            rejected.append(f"entry {str(entry)[:60]!r} is not an object")
            continue
        raw = entry.get("filename")
        if not isinstance(raw, str):
            rejected.append(f"entry without a filename: {str(entry)[:60]}")
            continue
        if raw.strip() == "NoDataFile":
            continue
        try:
            name = safe_fits_name(raw)
        except ValueError as err:
            rejected.append(str(err))
            log.warning("JSOC export entry refused: %s", err)
            continue
        record = entry.get("record")
        match = _RECORD_WAVE.search(record) if isinstance(record, str) else None
        wave = float(match.group(1)) if match else None
        files.setdefault(base + name, FileRef(base + name, wave))
    return tuple(files.values()), tuple(rejected)


def classify_status(
    doc: Mapping[str, Any],
    site_url: str,
    *,
    not_found: int = 0,
    errors: int = 0,
    max_not_found: int = 5,
    max_status_errors: int = 3,
) -> Outcome:
    """What an ``exp_status`` answer means for the job (the table in the module docstring).

    Parameters
    ----------
    doc : mapping
        The answer.
    site_url : str
        The JSOC site root the file URLs start with.
    not_found, errors : int
        How many status 6 / status 4 answers this request had before this one.
    max_not_found, max_status_errors : int
        How many of them are taken as "pending" before the request is given up and
        the job submitted again.

    Raises
    ------
    JsocAnswerError
        For an answer without a status, a finished export without a usable ``dir``, or
        a status outside the protocol.

    Examples
    --------
    >>> classify_status({"status": 1, "wait": 3}, "http://j").wait
    3.0
    >>> classify_status({"status": 6}, "http://j", not_found=5).kind
    'resubmit'
    >>> classify_status({"status": 5}, "http://j").kind
    'failed'
    """
    status = _status(doc)
    wait = _wait(doc)
    detail = _error_text(doc)
    suffix = f" ({detail})" if detail else ""
    if status == 0:
        files, rejected = file_refs(doc, site_url)
        if not files:
            return Outcome.failed(
                "JSOC finished the export without any file (only NoDataFile): no AIA data in this window"
                + (f"; {len(rejected)} entries refused" if rejected else "")
            )
        return Outcome.ready(files, rejected=rejected)
    if status in (1, 2):
        return Outcome.pending("JSOC: " + ("processing" if status == 1 else "queued"), wait)
    if status == 6:
        if not_found < max_not_found:
            return Outcome.pending("JSOC does not know the request yet", wait)
        return Outcome.resubmit(f"JSOC still does not know the request after {not_found + 1} polls", wait)
    if status == 7:
        return Outcome.resubmit("JSOC: this e-mail already has a pending export" + suffix, wait)
    if status == 4:
        if errors < max_status_errors:
            return Outcome.pending("JSOC reported an error, asking again" + suffix, wait)
        return Outcome.resubmit(f"JSOC reported an error {errors + 1} times" + suffix, wait)
    if status == 3:
        return Outcome.failed(
            "JSOC: the export is too large; ask for a shorter window, fewer wavelengths or a smaller "
            "field of view" + suffix
        )
    if status == 5:
        return Outcome.failed(
            "JSOC: the export expired and its files are deleted; reset the job "
            "(cutouts request --retry-failed) to export again" + suffix
        )
    raise JsocAnswerError(f"JSOC answered exp_status with status {status}, which its protocol does not have")


# -- the client -------------------------------------------------------------------------


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
