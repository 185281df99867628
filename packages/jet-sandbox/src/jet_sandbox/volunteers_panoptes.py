"""Simulated volunteers classifying on the Panoptes replica, as a front end does.

:func:`classify_on_panoptes` lets a crowd (:data:`~jet_sandbox.volunteers.DEFAULT_CROWD`
kinds) work through the subjects the replica queues for workflow 19650 "Box the jets"
(T3 -> T1 points and box, T4 -> T5 a second jet) and 18563 "Jet or Not" (T0). Each
volunteer sees only what a front end has: the queued subject's metadata and its images
(read once per crowd through the replica's media URLs, their size going into
``metadata.subject_dimensions``), plus the truth of the synthetic jets
(:class:`~jet_sandbox.aia.CutoutTruth`), found for a subject by its time and field of
view. Marks come from :func:`jet_sandbox.volunteers.box_the_jets_marks` (the one mark
model), through the subject's own WCS metadata. Classifications are POSTed to
``/api/classifications`` with the annotations, metadata and links a front end sends;
logged-in volunteers sign in with ``/oauth/token`` (accounts from :func:`crowd_users`),
anonymous ones send no token.

Resumable: every classification sent is appended to a journal (one JSON line,
flushed) and skipped on a re-run; each volunteer's errors are seeded by the seed, the
volunteer and what the subject shows (its event and first frame time), so a re-run after a kill sends what the
uninterrupted run would have sent (a kill between a POST and its journal line sends
that one classification twice).

Examples
--------
>>> [u.login for u in crowd_users(("careful", "anonymous", "sloppy"))]
['sim-careful-00', 'sim-sloppy-02']
>>> subject_view({"#naxis1": "100", "#naxis2": "80", "#crpix1": "50.5", "#crpix2": "40.5",
...               "#crval1": "0.0", "#crval2": "0.0", "#cdelt1": "0.6", "#cdelt2": "0.6",
...               "#crota2": "0.0"}).center_x
0.0
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from astropy.wcs import WCS

from jet_sandbox.aia import CutoutTruth, JetTruth
from jet_sandbox.panoptes_records import PanoptesUser
from jet_sandbox.volunteers_crowd import DEFAULT_CROWD, KINDS, VolunteerKind
from jet_sandbox.volunteers_frontend import FrontEnd, Journal, link_workflows, subject_dimensions
from jet_sandbox.volunteers_marks import Marker, RenderedGeometry, box_the_jets_marks, visible_frames

__all__ = [
    "WORKFLOWS",
    "CrowdSummary",
    "SubjectView",
    "classify_on_panoptes",
    "crowd_users",
    "link_workflows",
    "subject_view",
]

log = logging.getLogger(__name__)

WORKFLOWS: dict[int, str] = {19650: "4.52", 18563: "5.19"}
"""The workflows the crowd classifies, with the version its front end runs."""

_ARCSEC = {"arcsec": 1.0, "arcmin": 60.0, "deg": 3600.0}
_FIRST_USER_ID = 2_100_000


def _password(login: str) -> str:
    return hashlib.sha256(f"jet-sandbox crowd {login}".encode()).hexdigest()[:16]


def _login(index: int, kind: VolunteerKind) -> str | None:
    return None if kind.anonymous else f"sim-{kind.name}-{index:02d}"


def crowd_users(crowd: Sequence[str] = DEFAULT_CROWD) -> list[PanoptesUser]:
    """The Zooniverse accounts of the crowd's logged-in volunteers (for ``PanoptesServer(users=...)``)."""
    users = []
    for index, name in enumerate(crowd):
        login = _login(index, KINDS[name])
        if login is not None:
            ident = _FIRST_USER_ID + int(hashlib.sha256(login.encode()).hexdigest()[:6], 16) % 800_000
            users.append(PanoptesUser(ident, login, _password(login), display_name=login))
    return users


@dataclass(frozen=True, slots=True)
class SubjectView:
    """A subject's frame as the volunteer's browser shows it: its WCS from the metadata."""

    nx: int
    ny: int
    cdelt: float
    center_x: float
    center_y: float
    wcs: WCS = field(repr=False, compare=False)

    def world_to_pixel(self, x: Any, y: Any) -> tuple[Any, Any]:
        """0-based pixel ``(x, y)`` of helioprojective arcsec."""
        px, py = self.wcs.all_world2pix(
            np.asarray(x, dtype=float) / 3600.0, np.asarray(y, dtype=float) / 3600.0, 0
        )
        if np.ndim(px) == 0:
            return float(px), float(py)
        return px, py


def subject_view(meta: dict[str, Any]) -> SubjectView:
    """The :class:`SubjectView` of a subject's metadata (its first frame's WCS keys)."""
    w = WCS(naxis=2)
    w.wcs.ctype = [str(meta.get("#ctype1", "HPLN-TAN")), str(meta.get("#ctype2", "HPLT-TAN"))]
    w.wcs.cunit = ["deg", "deg"]
    scale = [_ARCSEC[str(meta.get(f"#cunit{i}", "arcsec")).strip().lower()] for i in (1, 2)]
    cdelt = (float(meta["#cdelt1"]) * scale[0], float(meta["#cdelt2"]) * scale[1])
    w.wcs.cdelt = [cdelt[0] / 3600.0, cdelt[1] / 3600.0]
    w.wcs.crpix = [float(meta["#crpix1"]), float(meta["#crpix2"])]
    w.wcs.crval = [float(meta["#crval1"]) * scale[0] / 3600.0, float(meta["#crval2"]) * scale[1] / 3600.0]
    rot = math.radians(float(meta.get("#crota2", 0.0)))
    w.wcs.pc = [[math.cos(rot), -math.sin(rot)], [math.sin(rot), math.cos(rot)]]
    w.wcs.set()
    nx, ny = int(float(meta["#naxis1"])), int(float(meta["#naxis2"]))
    lon, lat = w.all_pix2world((nx - 1) / 2.0, (ny - 1) / 2.0, 0)
    cx = (float(lon) + 180.0) % 360.0 - 180.0
    return SubjectView(nx, ny, 0.5 * (cdelt[0] + cdelt[1]), cx * 3600.0, float(lat) * 3600.0, w)


def _geometry(meta: dict[str, Any]) -> RenderedGeometry:
    return RenderedGeometry(
        width=int(float(meta["#width"])),
        height=int(float(meta["#height"])),
        im_ll_x=float(meta["#im_ll_x"]),
        im_ll_y=float(meta["#im_ll_y"]),
        im_ur_x=float(meta["#im_ur_x"]),
        im_ur_y=float(meta["#im_ur_y"]),
    )


def _times(meta: dict[str, Any]) -> list[datetime]:
    out = []
    i = 0
    while f"#date-obs_{i}" in meta:
        out.append(datetime.fromisoformat(str(meta[f"#date-obs_{i}"])).replace(tzinfo=UTC))
        i += 1
    return out


def _truth_for(
    view: SubjectView, times: Sequence[datetime], truths: Sequence[CutoutTruth]
) -> CutoutTruth | None:
    """The synthetic cutout this subject shows: same time window, nearest field of view."""
    best: tuple[float, CutoutTruth] | None = None
    for truth in truths:
        spec = truth.spec
        if not (spec.start_time <= times[0] <= spec.end_time):
            continue
        off = math.hypot(spec.center_x - view.center_x, spec.center_y - view.center_y)
        if off <= 0.5 * min(spec.fov) and (best is None or off < best[0]):
            best = (off, truth)
    return None if best is None else best[1]


@dataclass
class CrowdSummary:
    """What a crowd run sent."""

    volunteers: int = 0
    subjects: int = 0
    classifications: int = 0
    already: int = 0
    without_truth: int = 0
    messages: list[str] = field(default_factory=list)

    def line(self) -> str:
        """One line for people."""
        return (
            f"{self.classifications} classifications by {self.volunteers} simulated volunteers on "
            f"{self.subjects} subjects ({self.already} sent before, "
            f"{self.without_truth} subjects without truth)"
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "volunteers": self.volunteers,
            "subjects": self.subjects,
            "classifications": self.classifications,
            "already": self.already,
            "without_truth": self.without_truth,
            "messages": list(self.messages),
        }


def _seed(seed: int, volunteer: int, key: str, workflow: int) -> np.random.Generator:
    digest = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
    return np.random.default_rng([seed, volunteer, digest, workflow])


def _mark_for_post(mark: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"tool": mark["tool"], "frame": mark["frame"]}
    out.update({k: float(mark[k]) for k in ("x", "y", "width", "height", "angle") if k in mark})
    out["details"] = []
    return out


def _box_the_jets(
    view: SubjectView,
    meta: dict[str, Any],
    truth: CutoutTruth | None,
    rng: np.random.Generator,
    kind: VolunteerKind,
) -> list[dict[str, Any]]:
    times = _times(meta)
    jets: list[JetTruth] = [] if truth is None or truth.jet is None else [truth.jet]
    present = [jet for jet in jets if visible_frames(jet, times)]
    answers, tasks = box_the_jets_marks(Marker(view, _geometry(meta)), jets, present, times, rng, kind)
    index = {"Yes": 0, "No": 1}
    drawn = dict(tasks)
    out: list[dict[str, Any]] = []
    for task, answer in answers:  # T3 -> T1 (first jet), T4 -> T5 (second jet)
        out.append({"task": task, "value": index[answer]})
        marks = drawn.get({"T3": "T1", "T4": "T5"}[task])
        if marks is not None:
            out.append({"task": {"T3": "T1", "T4": "T5"}[task], "value": [_mark_for_post(m) for m in marks]})
    return out


def _jet_or_not(
    truth: CutoutTruth | None, meta: dict[str, Any], rng: np.random.Generator, kind: VolunteerKind
) -> list[dict[str, Any]]:
    seen = truth is not None and truth.jet is not None and bool(visible_frames(truth.jet, _times(meta)))
    if kind.random:
        answer = int(rng.integers(0, 2))
    else:
        flip = rng.random() < kind.skip
        answer = 0 if seen != flip else 1
    return [{"task": "T0", "value": answer}]


def classify_on_panoptes(
    url: str,
    truths: Sequence[CutoutTruth],
    *,
    crowd: Sequence[str] = DEFAULT_CROWD,
    project_id: int = 11265,
    workflows: dict[int, str] | None = None,
    seed: int = 0,
    journal: str | os.PathLike[str] | None = None,
    timeout: float = 60.0,
) -> CrowdSummary:
    """Let ``crowd`` classify every subject the replica at ``url`` queues (see the module doc).

    Parameters
    ----------
    url
        The replica's endpoint (``PanoptesServer.url``); its accounts must include
        :func:`crowd_users` of ``crowd``.
    truths
        The synthetic cutouts' truth (``SswServer.truth`` or the ``truth.json`` files).
    crowd
        One :data:`~jet_sandbox.volunteers.KINDS` name per volunteer.
    workflows
        Workflow id -> version sent (default :data:`WORKFLOWS`).
    seed
        Seeds every volunteer's errors.
    journal
        File of the classifications sent (a re-run skips them); None keeps no journal.
    """
    summary = CrowdSummary(volunteers=len(crowd))
    done = Journal(None if journal is None else Path(journal))
    images: dict[str, tuple[int, int] | None] = {}
    seen_subjects: set[str] = set()
    for index, name in enumerate(crowd):
        kind = KINDS[name]
        http = FrontEnd(url, timeout)
        login = _login(index, kind)
        if login is not None:
            http.sign_in(login, _password(login))
        for workflow, version in (workflows or WORKFLOWS).items():
            tried: set[str] = set()
            for ident in done.unfinished(index, workflow, kind.repeats):  # shown again, e.g. from Talk
                doc = http.call("GET", f"/api/subjects/{ident}")["subjects"][0]
                tried.add(ident)
                _classify(
                    http, doc, workflow, version, project_id, index, kind, truths, seed, done, images, summary
                )
            while True:
                queued = http.call("GET", f"/api/subjects/queued?workflow_id={workflow}&page_size=100")[
                    "subjects"
                ]
                fresh = [s for s in queued if str(s["id"]) not in tried]
                if not fresh:
                    break
                for doc in fresh:
                    tried.add(str(doc["id"]))
                    _classify(
                        http,
                        doc,
                        workflow,
                        version,
                        project_id,
                        index,
                        kind,
                        truths,
                        seed,
                        done,
                        images,
                        summary,
                    )
                    seen_subjects.add(str(doc["metadata"].get("#subject_key", doc["id"])))
    summary.subjects = len(seen_subjects)
    return summary


def _classify(
    http: FrontEnd,
    doc: dict[str, Any],
    workflow: int,
    version: str,
    project_id: int,
    index: int,
    kind: VolunteerKind,
    truths: Sequence[CutoutTruth],
    seed: int,
    done: Journal,
    images: dict[str, tuple[int, int] | None],
    summary: CrowdSummary,
) -> None:
    meta = dict(doc.get("metadata") or {})
    key = str(meta.get("#subject_key", doc["id"]))
    # what the volunteer sees of the subject (its event and first frame), not our key or the Panoptes id
    rng = _seed(seed, index, f"{meta.get('#sol_standard', '')}|{meta.get('#date-obs_0', key)}", workflow)
    view = subject_view(meta)
    truth = _truth_for(view, _times(meta), truths)
    if truth is None and index == 0 and workflow == next(iter(WORKFLOWS)):
        summary.without_truth += 1
    dims: list[dict[str, int]] | None = None
    for n in range(kind.repeats):
        annotations = (
            _box_the_jets(view, meta, truth, rng, kind)
            if workflow == 19650
            else _jet_or_not(truth, meta, rng, kind)
        )
        entry = (index, workflow, key, n)
        if entry in done.done:
            summary.already += 1
            continue
        if dims is None:
            dims = subject_dimensions(http, doc, images)
        now = datetime.now(UTC).isoformat()
        body = {
            "classifications": {
                "annotations": annotations,
                "metadata": {
                    "workflow_version": version,
                    "source": "api",
                    "started_at": now,
                    "finished_at": now,
                    "user_agent": "jet-sandbox simulated volunteer",
                    "user_language": "en",
                    "utc_offset": "0",
                    "session": hashlib.sha256(f"{seed}:{index}".encode()).hexdigest()[:16],
                    "subject_dimensions": dims,
                    "subject_selection_state": {"retired": False, "selected_at": now, "already_seen": False},
                    "viewport": {"width": 1280, "height": 900},
                },
                "links": {
                    "project": str(project_id),
                    "workflow": str(workflow),
                    "subjects": [str(doc["id"])],
                },
                "completed": True,
            }
        }
        http.call("POST", "/api/classifications", body)
        done.add(entry, str(doc["id"]))
        summary.classifications += 1
