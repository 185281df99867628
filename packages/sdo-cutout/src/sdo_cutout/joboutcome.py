"""What a cutout job's run decides without I/O: its backends, its age, what a ready job records.

Examples
--------
>>> from sdo_cutout.backend import FileRef, Outcome
>>> from sdo_cutout.joboutcome import ready_message
>>> ready_message(Outcome.ready([FileRef("http://x.test/a.fits", 171.0)], rejected=["b.exe"]))
"refused 1 unsafe file names: 'b.exe'"
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

from jet_store import CutoutJob, FitsFrame, FrameState

from sdo_cutout.backend import CutoutBackend, Outcome
from sdo_cutout.errors import CutoutRequestError
from sdo_cutout.jobs import utc_now

__all__ = [
    "Backends",
    "JobResult",
    "SUMMARY_FIELD",
    "backend_map",
    "job_age",
    "ready_frames",
    "ready_message",
]

Backends = Mapping[str, CutoutBackend] | Iterable[CutoutBackend]
"""Service clients by backend name, or a list of clients."""

JobResult = Literal["ready", "failed", "pending", "waiting", "error", "skipped", "busy"]
"""What became of one job in a run."""

SUMMARY_FIELD: dict[str, str] = {
    "ready": "ready",
    "failed": "failed",
    "pending": "pending",
    "waiting": "waiting",
    "error": "errors",
    "busy": "busy",
}


def backend_map(backends: Backends) -> dict[str, CutoutBackend]:
    """Service clients by backend name; two clients for one backend are refused."""
    if isinstance(backends, Mapping):
        return dict(backends)
    out: dict[str, CutoutBackend] = {}
    for backend in backends:
        if backend.name in out:
            raise CutoutRequestError(f"two clients for the {backend.name} backend")
        out[backend.name] = backend
    return out


def job_age(job: CutoutJob) -> float | None:
    """Seconds since the job's submission (None when it has no submission time)."""
    if job.submitted_at is None:
        return None
    return (utc_now() - job.submitted_at).total_seconds()


def ready_frames(job: CutoutJob, outcome: Outcome) -> list[FitsFrame]:
    """The frames (state ``pending``) of a ready job's files."""
    return [
        FitsFrame(
            url=ref.url,
            job_key=job.key,
            event_id=job.event_id,
            wavelength=ref.wavelength,
            state=str(FrameState.PENDING),
        )
        for ref in outcome.files
    ]


def ready_message(outcome: Outcome) -> str | None:
    """A ready job's message: the service's, and the unsafe file names refused (three shown)."""
    message = outcome.message
    if outcome.rejected:
        shown = ", ".join(repr(name) for name in outcome.rejected[:3])
        more = f" and {len(outcome.rejected) - 3} more" if len(outcome.rejected) > 3 else ""
        message = (f"{message}; " if message else "") + (
            f"refused {len(outcome.rejected)} unsafe file names: {shown}{more}"
        )
    return message
