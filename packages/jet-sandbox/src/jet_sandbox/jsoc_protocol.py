"""What JSOC export requests say: record sets, ``im_patch`` processing, record and file names.

The protocol (as jsoc.stanford.edu answers it)
------------------------------------------------
``GET /cgi-bin/ajax/checkAddress.sh?address=<email>&checkonly=1``
    ``{"status": 2, "msg": ...}`` for a registered address, ``4`` for one that is not
    validated (in ``unvalidated``, or unknown), ``-2`` for something that is not an
    e-mail address. Without ``checkonly`` an unknown address is "registered": the
    answer is ``1`` (validation mail sent) and the address counts as not validated.
``GET /cgi-bin/ajax/jsoc_fetch?op=exp_request&format=json&ds=..&notify=..&method=url&process=..``
    ``ds`` is ``aia.lev1_euv_12s[<start>/<duration>][<waves>]{image}`` (start as
    ``2012-07-08T13:05:00Z``, ``2012-07-08T13:05Z`` or ``2012.07.08_13:05:00_TAI``;
    duration ``30m``, ``2382s``, ``1h``, ``1d``; waves a comma list), ``process`` is
    ``n=0|im_patch,t_ref=..,t=1,r=0,c=0,locunits=arcsec,boxunits=arcsec,x=..,y=..,
    width=..,height=..``, raw or percent-encoded (``|``, ``,`` and ``=`` as ``%7C``,
    ``%2C``, ``%3D``; encoded twice is understood too). ``requestor`` and ``requester``
    are both accepted (and ignored, like ``filenamefmt``); POST with a form body works
    like GET. Answers ``{"status": 2, "requestid": "JSOC_20140325_334", "wait": 10,
    "method": "url", "protocol": "FITS", "size": MB, "count": N, ...}``. Refusals: an
    unregistered or unvalidated ``notify`` -> status 4 with an ``error`` that says so
    (as JSOC does; the export is not queued); a second export for an e-mail that has
    one pending (not done, submitted less than ``pending_timeout`` s ago) -> status 7;
    more than ``max_records`` records -> status 3; an unreadable ``ds``/``process``,
    another series, a segment other than ``image``, a wavelength the replica cannot
    make, ``method`` other than ``url``/``url_quick``, a missing ``process`` (full-disk
    exports are not replicated) -> status 4 with an ``error``.
``GET /cgi-bin/ajax/jsoc_fetch?op=exp_status&requestid=...``
    Each poll answers the next status of ``status_sequence`` (default 6, 2, 1, 0: not
    found yet, queued, processing, done) and then stays at the last one; with
    ``transient_error_every=K`` every K-th poll of an export not yet done answers 4
    (a transient error) without moving on. An unknown ``requestid`` answers 6 (as JSOC
    answers for an id it does not know, also briefly for a new one); an export
    :meth:`JsocServer.expire`-d answers 5. Done: ``{"status": 0, "dir":
    "/SUM12/D1183744826/S00000", "data": [{"record":
    "aia.lev1_euv_12s[2012-07-08T13:05:43Z][304]", "filename":
    "aia.lev1_euv_12s.2012-07-08T130543Z.304.image.fits"}, ...], "count", "size", ...}``
    with ``no_data_files`` entries (default 1) whose filename is ``NoDataFile`` (a frame
    JSOC lacks; not served, not in the truth).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

from jet_sandbox.errors import BadQuery
from jet_sandbox.jobdata import SUPPORTED_WAVES, supported_wave

__all__ = [
    "CHECK_PATH",
    "FETCH_PATH",
    "SERIES",
    "NO_DATA_FILE",
    "parse_record_set",
    "parse_process",
    "record_name",
    "file_name",
    "REGISTER_URL",
    "EMAIL_PATTERN",
]

CHECK_PATH = "/cgi-bin/ajax/checkAddress.sh"
"""Path of the address check CGI."""


FETCH_PATH = "/cgi-bin/ajax/jsoc_fetch"
"""Path of the export CGI."""


SERIES = "aia.lev1_euv_12s"
"""The one series the replica exports."""


NO_DATA_FILE = "NoDataFile"
"""The filename JSOC gives a record without data."""


REGISTER_URL = "http://jsoc.stanford.edu/ajax/register_email.html"


EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


_RECORD_SET = re.compile(
    r"^\s*(?P<series>[A-Za-z0-9_.]+)\s*\[(?P<time>[^\]/]+)(?:/(?P<duration>[^\]]*))?\]"
    r"\s*(?:\[(?P<waves>[^\]]*)\])?\s*(?:\{(?P<segment>[^}]*)\})?\s*$"
)


_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?)\s*([smhd]?)\s*$", re.IGNORECASE)


_UNIT_SECONDS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


# TAI - UTC (s) from these UTC dates on (the leap seconds of AIA's life)
_LEAPS = (
    (datetime(2009, 1, 1, tzinfo=UTC), 34),
    (datetime(2012, 7, 1, tzinfo=UTC), 35),
    (datetime(2015, 7, 1, tzinfo=UTC), 36),
    (datetime(2017, 1, 1, tzinfo=UTC), 37),
)


_IM_PATCH_NUMBERS = ("x", "y", "width", "height")


def _tai_to_utc(moment: datetime) -> datetime:
    offset = 34
    for since, seconds in _LEAPS:
        if moment - timedelta(seconds=seconds) >= since:
            offset = seconds
    return moment - timedelta(seconds=offset)


def _drms_time(text: str) -> datetime:
    """A DRMS time: ISO (``Z`` optional), or ``2012.07.08_13:05:00[_UTC|_TAI|Z]``."""
    clean = text.strip()
    scale = "UTC"
    for suffix in ("_UTC", "_TAI", "_UT"):
        if clean.upper().endswith(suffix):
            scale = "TAI" if suffix == "_TAI" else "UTC"
            clean = clean[: -len(suffix)]
            break
    if clean.endswith(("Z", "z")):
        clean = clean[:-1]
    if "." in clean[:10] or "_" in clean:
        date, _, clock = clean.partition("_")
        clean = date.replace(".", "-") + ("T" + clock if clock else "")
    try:
        moment = datetime.fromisoformat(clean)
    except ValueError:
        raise BadQuery(f"cannot read the time {text.strip()!r}") from None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return _tai_to_utc(moment) if scale == "TAI" else moment


def parse_record_set(ds: str) -> tuple[datetime, datetime, tuple[int, ...]]:
    """Window and wavelengths of an ``aia.lev1_euv_12s[<start>/<duration>][<waves>]{image}`` record set.

    Raises
    ------
    BadQuery
        If it cannot be read, names another series or segment, or a wavelength the
        replica cannot make.

    Examples
    --------
    >>> start, end, waves = parse_record_set("aia.lev1_euv_12s[2012-07-08T13:05:00Z/30m][171,304]{image}")
    >>> start.isoformat(), end.isoformat(), waves
    ('2012-07-08T13:05:00+00:00', '2012-07-08T13:35:00+00:00', (171, 304))
    >>> parse_record_set("aia.lev1_euv_12s[2012.07.08_13:05:35_TAI/2382s][304]")[0].isoformat()
    '2012-07-08T13:05:00+00:00'
    """
    match = _RECORD_SET.match(ds)
    if match is None:
        raise BadQuery(f"cannot parse the record set {ds!r}")
    if match["series"].lower() != SERIES:
        raise BadQuery(f"series {match['series']!r} is not exported by this replica (only {SERIES})")
    segment = (match["segment"] or "image").strip()
    if segment.lower() != "image":
        raise BadQuery(f"segment {{{segment}}} does not exist in {SERIES} (use {{image}})")
    start = _drms_time(match["time"])
    if match["duration"] is None:
        seconds = 12.0
    else:
        found = _DURATION.match(match["duration"])
        if found is None:
            raise BadQuery(f"cannot read the duration {match['duration']!r} (use 30m, 2382s, 1h, 1d)")
        seconds = float(found[1]) * _UNIT_SECONDS[found[2].lower()]
    if not 0 < seconds < math.inf:
        raise BadQuery(f"the duration {match['duration']!r} is empty")
    wave_text = (match["waves"] or "").strip()
    waves: list[int] = []
    for item in wave_text.split(",") if wave_text else [str(w) for w in SUPPORTED_WAVES]:
        if not item.strip().isdigit():
            raise BadQuery(f"cannot read the wavelength {item.strip()!r} in {ds!r}")
        waves.append(supported_wave(int(item), "this replica"))
    return start, start + timedelta(seconds=seconds), tuple(dict.fromkeys(waves))


def parse_process(process: str) -> dict[str, str]:
    """The arguments of the ``im_patch`` step of a ``process`` value (raw or percent-encoded).

    Raises
    ------
    BadQuery
        Without an ``im_patch`` step, with units other than arcsec, or without a
        numeric ``x``, ``y``, ``width`` and ``height``.

    Examples
    --------
    >>> raw = ("n=0|im_patch,t_ref=2012-07-08T13:05:00,t=1,r=0,c=0,locunits=arcsec,boxunits=arcsec,"
    ...        "x=-300,y=2,width=60,height=50")
    >>> parse_process(raw)["width"], parse_process(raw.replace("|", "%7C").replace(",", "%2C"))["x"]
    ('60', '-300')
    """
    text = process.strip()
    for _ in range(2):  # encoded once or twice
        if "|" in text or "," in text or "%" not in text:
            break
        text = unquote(text)
    args: dict[str, str] | None = None
    for step in text.split("|"):
        name, _, rest = step.strip().partition(",")
        if name.strip().lower() != "im_patch":
            continue
        args = {}
        for item in rest.split(","):
            key, eq, value = item.partition("=")
            if eq:
                args[key.strip().lower()] = value.strip()
    if args is None:
        raise BadQuery(
            f"process {process[:80]!r} has no im_patch step (full-disk exports are not replicated)"
        )
    for key in ("locunits", "boxunits"):
        if args.get(key, "arcsec").lower() != "arcsec":
            raise BadQuery(f"im_patch {key}={args[key]!r}: this replica only takes arcsec")
    for key in _IM_PATCH_NUMBERS:
        try:
            number = float(args[key])
        except KeyError:
            raise BadQuery(f"im_patch needs {key}=") from None
        except ValueError:
            raise BadQuery(f"im_patch {key}={args[key]!r} is not a number") from None
        if not math.isfinite(number) or (key in ("width", "height") and number <= 0):
            raise BadQuery(f"im_patch {key}={args[key]!r} is out of range")
    return args


def record_name(wave: int, moment: datetime) -> str:
    """The record of one frame: ``aia.lev1_euv_12s[2012-07-08T13:05:43Z][304]`` (T_REC to the second).

    Examples
    --------
    >>> record_name(304, datetime(2012, 7, 8, 13, 5, 43, 120000, tzinfo=UTC))
    'aia.lev1_euv_12s[2012-07-08T13:05:43Z][304]'
    """
    return f"{SERIES}[{moment:%Y-%m-%dT%H:%M:%S}Z][{wave}]"


def file_name(wave: int, moment: datetime) -> str:
    """The exported file of one frame: ``aia.lev1_euv_12s.2012-07-08T130543Z.304.image.fits``.

    Examples
    --------
    >>> file_name(304, datetime(2012, 7, 8, 13, 5, 43, 120000, tzinfo=UTC))
    'aia.lev1_euv_12s.2012-07-08T130543Z.304.image.fits'
    """
    return f"{SERIES}.{moment:%Y-%m-%dT%H%M%S}Z.{wave}.image.fits"
