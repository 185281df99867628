"""What JSOC's answers mean (pure): JSON, the address check, export and status answers.

An ``exp_status`` answer is classified as in the table of :mod:`sdo_cutout.jsoc`
(:func:`classify_status`); a finished export's file list is made safe by
:func:`file_refs`.

Examples
--------
>>> from sdo_cutout.jsoc_parse import classify_status, parse_json
>>> doc = parse_json(b'{"status": 0, "dir": "/SUM1/D1/S0", "data": [{"record": "r", "filename": "a.fits"}]}')
>>> [f.url for f in classify_status(doc, "http://jsoc.test").files]
['http://jsoc.test/SUM1/D1/S0/a.fits']
"""

from __future__ import annotations

import json
import logging
import posixpath
import re
from collections.abc import Mapping
from typing import Any

from sdo_cutout.backend import FileRef, Outcome
from sdo_cutout.errors import JsocAddressError, JsocAnswerError, JsocStatusError
from sdo_cutout.http import mask_email
from sdo_cutout.jsoc_query import EMAIL_ENV, REGISTER_URL
from sdo_cutout.names import safe_fits_name

__all__ = ["parse_json", "read_address", "read_export", "classify_status", "file_refs"]

log = logging.getLogger(__name__)

_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")
_DIR = re.compile(r"^/?[A-Za-z0-9_.+-]+(/[A-Za-z0-9_.+-]+)*/?$")
_RECORD_WAVE = re.compile(r"\]\s*\[\s*(\d{2,4})\s*\]")


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


def _status_parts(doc: Mapping[str, Any]) -> tuple[int, float | None, str]:
    """An export/status answer's status, ``wait`` and error text as a message suffix."""
    status, wait = _status(doc), _wait(doc)
    for name in ("error", "message", "statusMessage"):
        value = doc.get(name)
        if isinstance(value, str) and value.strip():
            return status, wait, f" ({' '.join(value.split())[:200]})"
    return status, wait, ""


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
    status, wait, suffix = _status_parts(doc)
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
    status, wait, suffix = _status_parts(doc)
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
