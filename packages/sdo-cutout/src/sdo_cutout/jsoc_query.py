"""What to ask JSOC's export CGIs (pure): the record set, ``im_patch`` and the query parameters.

Examples
--------
>>> from sdo_cutout.jsoc_query import export_params
>>> from sdo_cutout.params import CutoutParams
>>> job = CutoutParams.build("2012-07-08T13:05", "2012-07-08T13:35", center=(-350.5, 120), fov=(200, 150),
...                          backend="jsoc", waves=[304]).to_job()
>>> params = export_params(job, "jane@example.org")
>>> params["ds"]
'aia.lev1_euv_12s[2012-07-08T13:05:00Z/30m][304]{image}'
>>> params["process"]
'n=0|im_patch,t_ref=2012-07-08T13:05:00,t=1,r=0,c=0,locunits=arcsec,boxunits=arcsec,x=-350.5,y=120,width=200,height=150'
"""

from __future__ import annotations

from jet_store import CutoutJob

from sdo_cutout.convert import number_text
from sdo_cutout.errors import CutoutRequestError

__all__ = [
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
]

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
    >>> from sdo_cutout.params import CutoutParams
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
    >>> from sdo_cutout.params import CutoutParams
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
        f"x={number_text(job.center_x)}",
        f"y={number_text(job.center_y)}",
        f"width={number_text(job.fov_x)}",
        f"height={number_text(job.fov_y)}",
    ]
    return "n=0|im_patch," + ",".join(parts)


def export_params(job: CutoutJob, email: str) -> dict[str, str]:
    """The ``exp_request`` parameters of a job.

    Examples
    --------
    >>> from sdo_cutout.params import CutoutParams
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
