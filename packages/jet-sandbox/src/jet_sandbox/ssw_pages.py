"""The SSW service's answers as text: submit answer, error, building and index pages, ``.list`` files."""

from __future__ import annotations

import html

from jet_sandbox.ssw_job import MALICIOUS_LINES, READY_MARKER, REMOTE_DATA_DIR, SswJob

__all__ = ["index_page", "list_text", "BUILDING_PAGE", "ERROR_PAGE", "SUBMIT_ANSWER"]

ERROR_PAGE = """<html>
<head><title>SSW Service -- error</title></head>
<body>
<h2>ssw_service_track_fov: request not queued</h2>
<p><b>Error:</b> {message}</p>
<p>Usage: ssw_service_track_fov.sh?xcen=X&amp;ycen=Y&amp;fovx=FX&amp;fovy=FY&amp;starttime=T0&amp;endtime=T1
&amp;waves=W1,W2[&amp;max_frames=N][&amp;notrack=1][&amp;queue_job=1]</p>
</body>
</html>
"""


SUBMIT_ANSWER = """<!-- ssw_service_track_fov.sh: job queued -->
<ssw_service>
<param name="JobID">{job}</param>
<param name="Status">queued</param>
<param name="Service">ssw_service_track_fov</param>
<param name="Waves">{waves}</param>
<param name="JobURL">{url}</param>
</ssw_service>
"""


BUILDING_PAGE = """<html>
<head><title>SSW Cutout Service -- {job}</title></head>
<body>
<h2>SSW Cutout Service: job {job}</h2>
<p>Status: running; cutouts are being made, this page is updated when they are done.</p>
</body>
</html>
"""


_INDEX_PAGE = """<html>
<head><title>SSW Cutout Service -- {job}</title></head>
<body>
<h2>SSW Cutout Service: job {job}</h2>
<p>Request: {request}</p>
<p>Status: done; {count} FITS files.</p>
<h3>{marker}</h3>
<ul>
{lists}
</ul>
<h3>FITS files</h3>
<ul>
{files}
</ul>
</body>
</html>
"""


def index_page(job: SswJob) -> str:
    """The job folder's page once the cutouts are done: the lists, then the FITS files."""
    lists = "\n".join(
        f'<li><a href="{job.list_name(w)}">AIA {w}</a> ({len(job.file_names(w))} files)</li>'
        for w in job.waves
    )
    files = "\n".join(f'<li><a href="{n}">{n}</a></li>' for n in job.file_names())
    shown = ("xcen", "ycen", "fovx", "fovy", "starttime", "endtime", "waves", "max_frames")
    request = " ".join(f"{k}={html.escape(job.params[k])}" for k in shown if k in job.params)
    return _INDEX_PAGE.format(
        job=job.job_id,
        request=request,
        count=len(job.cutout.frames),
        marker=READY_MARKER,
        lists=lists,
        files=files,
    )


def list_text(job: SswJob, wave: int, *, malicious: bool = False) -> str:
    """The ``.list`` of one wavelength: the files' paths on the service's disk (then bait lines)."""
    lines = [f"{REMOTE_DATA_DIR}{job.job_id}/{name}" for name in job.file_names(wave)]
    if malicious:
        lines += [line.format(job=job.job_id, wave=wave) for line in MALICIOUS_LINES]
    return "\n".join(lines) + "\n"
