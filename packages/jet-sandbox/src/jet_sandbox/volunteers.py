"""Simulated Solar Jet Hunter volunteers marking synthetic jets of known truth.

:func:`simulate_event` splits a synthetic cutout's frames (:mod:`jet_sandbox.aia`)
into overlapping flipbook subjects and lets a crowd classify each subject the way the
"Box the jets" workflow asks: T3 "is there a jet" (and T4 "a second one"), then for
each jet (T1 the first, T5 the second) a point where its base first appears (tool 0),
a point where it is last visible (tool 1) and a rotated box in the frame of maximum
length (tool 2). Marks are image pixels of a framed 1920x1440 rendering (x right,
y down), built from the truth through the frame's WCS and the rendering's data area.

Volunteer kinds (:data:`KINDS`): ``careful`` (sub-pixel base, a few per cent on the
box), ``sloppy`` (pixels off, frames off by one, tools skipped), ``random`` (marks
anywhere, answers at random), ``anonymous`` (a careful volunteer not logged in:
``not-logged-in-<hash>``, no user id) and ``repeat`` (a careful volunteer who
classifies every subject twice). Output: ``jet_store`` records (Subject,
Classification, Annotation) and classification-export-shaped rows.

Pure numpy and astropy; deterministic for a seed.

Examples
--------
>>> from jet_sandbox.aia import CutoutSpec, make_jet
>>> from jet_sandbox.volunteers import simulate_event
>>> spec = CutoutSpec(center_x=-300.0, center_y=200.0, start_time="2012-07-08T13:00",
...                   end_time="2012-07-08T13:06")
>>> jet = make_jet(-320, 210, 45, "2012-07-08T13:01", "2012-07-08T13:03", "2012-07-08T13:05",
...                max_height=40, width=6)
>>> sim = simulate_event(spec, [jet], seed=1)
>>> len(sim.subjects), sim.subjects[1].metadata["#date-obs_0"] == sim.subjects[0].metadata["#date-obs_13"]
(3, True)
>>> sorted({a.shape for a in sim.annotations})
['point', 'question', 'rotateRectangle']
>>> sorted(sim.export_rows[0])[:3]
['annotations', 'classification_id', 'created_at']
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from jet_store import Annotation, Classification, Subject

from jet_sandbox.aia import CutoutSpec, JetTruth, observer_at
from jet_sandbox.panoptes_exports import CLASSIFICATION_COLUMNS
from jet_sandbox.volunteers_crowd import DEFAULT_CROWD, KINDS, VolunteerKind, volunteer_user
from jet_sandbox.volunteers_marks import (
    FrameView,
    Marker,
    RenderedGeometry,
    box_the_jets_marks,
    visible_frames,
)

__all__ = [
    "EXPORT_COLUMNS",
    "FrameView",
    "Marker",
    "box_the_jets_marks",
    "KINDS",
    "DEFAULT_CROWD",
    "RenderedGeometry",
    "SimulatedEvent",
    "VolunteerKind",
    "simulate_event",
    "subject_windows",
]

EXPORT_COLUMNS = CLASSIFICATION_COLUMNS
"""The columns of a Panoptes classification export, in order (the replica's own list)."""


@dataclass(frozen=True, slots=True)
class SimulatedEvent:
    """Everything a simulation made: records, export rows and the truth."""

    spec: CutoutSpec
    jets: tuple[JetTruth, ...]
    subjects: tuple[Subject, ...]
    classifications: tuple[Classification, ...]
    annotations: tuple[Annotation, ...]
    export_rows: tuple[dict[str, str], ...]
    volunteers: tuple[str, ...] = field(default=())


def subject_windows(n_frames: int, per_subject: int, overlap: int) -> list[range]:
    """Windows of ``per_subject`` frames sharing ``overlap``; a short tail becomes the last full window.

    Examples
    --------
    >>> from jet_sandbox.volunteers import subject_windows
    >>> [(w.start, w.stop) for w in subject_windows(30, 15, 2)]
    [(0, 15), (13, 28), (15, 30)]
    """
    if n_frames <= per_subject:
        return [range(n_frames)]
    step = per_subject - overlap
    windows = [range(s, s + per_subject) for s in range(0, n_frames - per_subject + 1, step)]
    if windows[-1].stop < n_frames:
        windows.append(range(n_frames - per_subject, n_frames))
    return windows


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


def _metadata(
    spec: CutoutSpec, times: Sequence[datetime], key: str, geometry: RenderedGeometry, sol: str
) -> dict[str, str]:
    wcs = spec.wcs().to_header()
    obs = observer_at(times[0])
    meta = {
        "#subject_key": key,
        "#sol_standard": sol,
        "#event_id": f"ivo://sandbox/{sol}",
        "#frame_per_sub": str(len(times)),
        "#wavelength": str(spec.waves[0]),
        "#width": str(geometry.width),
        "#height": str(geometry.height),
        "#im_ll_x": repr(geometry.im_ll_x),
        "#im_ll_y": repr(geometry.im_ll_y),
        "#im_ur_x": repr(geometry.im_ur_x),
        "#im_ur_y": repr(geometry.im_ur_y),
        "#naxis1": str(spec.nx),
        "#naxis2": str(spec.ny),
        "#dsun_obs": repr(obs.dsun_obs),
        "#hgln_obs": repr(obs.hgln_obs),
        "#hglt_obs": repr(obs.hglt_obs),
        "#rsun_obs": repr(obs.rsun_obs),
        "#crota2": repr(float(spec.crota2)),
    }
    for name in ("CRPIX1", "CRPIX2", "CRVAL1", "CRVAL2", "CDELT1", "CDELT2"):
        meta[f"#{name.lower()}"] = repr(float(wcs[name]))
    for name in ("CUNIT1", "CUNIT2", "CTYPE1", "CTYPE2"):
        meta[f"#{name.lower()}"] = str(wcs.get(name, "arcsec" if "UNIT" in name else "HPLN-TAN")).strip()
    for i, moment in enumerate(times):
        meta[f"#file_name_{i}"] = f"ssw_cutout_{moment:%Y%m%d_%H%M%S}_aia_{spec.waves[0]}_.png"
        meta[f"#date-obs_{i}"] = _iso(moment)
    meta["!SOL"] = sol
    return meta


def _export_value(mark: dict[str, Any]) -> dict[str, Any]:
    out = {"tool": mark["tool"], "frame": mark["frame"], "details": []}
    out.update({k: mark[k] for k in ("x", "y", "width", "height", "angle") if k in mark})
    out["tool_label"] = ("base first", "base last", "box")[mark["tool"]]
    return out


def simulate_event(
    spec: CutoutSpec,
    jets: Sequence[JetTruth],
    *,
    crowd: Sequence[str] = DEFAULT_CROWD,
    frames_per_subject: int = 15,
    overlap: int = 2,
    seed: int = 0,
    geometry: RenderedGeometry | None = None,
    workflow_id: int = 19650,
    workflow_version: str = "4.52",
    first_subject_id: int = 90_000_000,
    first_classification_id: int = 500_000_000,
    sol_standard: str | None = None,
) -> SimulatedEvent:
    """Simulate a crowd classifying every subject of one synthetic event.

    Parameters
    ----------
    spec, jets
        The synthetic cutout and its jets (at most two: the first is marked in T1,
        the second in T5); no jets simulates an event with nothing to see.
    crowd
        One :data:`KINDS` name per volunteer.
    frames_per_subject, overlap
        The flipbook grouping (Solar Jet Hunter: 15 frames, 2 shared).
    seed
        Seeds every volunteer's errors.
    geometry
        Where the data sit in the rendered images (default: the seed's framed layout).

    Returns
    -------
    SimulatedEvent
        Subjects (with the metadata contract), classifications, annotations and the
        export rows, in a stable order.
    """
    if len(jets) > 2:
        raise ValueError("the Box the jets workflow marks at most two jets per subject")
    geometry = geometry or RenderedGeometry()
    kinds = [KINDS[name] for name in crowd]
    rng = np.random.default_rng(seed)
    times = spec.frame_times()
    sol = sol_standard or f"SOL{spec.start_time:%Y-%m-%dT%H:%M:%S}L000C000"
    marker = Marker(spec, geometry)
    subjects: list[Subject] = []
    classifications: list[Classification] = []
    annotations: list[Annotation] = []
    rows: list[dict[str, str]] = []
    cid = first_classification_id
    for s, window in enumerate(subject_windows(len(times), frames_per_subject, overlap)):
        sub_times = [times[i] for i in window]
        sid = first_subject_id + s
        key = f"{sol}:{s}"
        meta = _metadata(spec, sub_times, key, geometry, sol)
        subjects.append(
            Subject(
                key=key,
                rendering_paths=tuple(meta[f"#file_name_{i}"] for i in range(len(sub_times))),
                event_id=meta["#event_id"],
                sol_standard=sol,
                index=s,
                zooniverse_id=sid,
                metadata=meta,
            )
        )
        present = [jet for jet in jets if visible_frames(jet, sub_times)]
        for v, kind in enumerate(kinds):
            user, user_id = volunteer_user(v, kind)
            for repeat in range(kind.repeats):
                created = sub_times[-1] + timedelta(days=400, minutes=v, seconds=repeat)
                answers, tasks = box_the_jets_marks(marker, jets, present, sub_times, rng, kind)
                value: list[dict[str, Any]] = [{"task": t, "task_label": t, "value": a} for t, a in answers]
                for task, marks in tasks:
                    value.append(
                        {"task": task, "task_label": task, "value": [_export_value(m) for m in marks]}
                    )
                for task, answer in answers:
                    annotations.append(
                        Annotation(
                            classification_id=cid,
                            task=task,
                            mark_index=0,
                            subject_id=sid,
                            workflow_id=workflow_id,
                            shape="question",
                            user=user,
                            answer=answer,
                        )
                    )
                for task, marks in tasks:
                    for m_index, mark in enumerate(marks):
                        shape = "rotateRectangle" if mark["tool"] == 2 else "point"
                        annotations.append(
                            Annotation(
                                classification_id=cid,
                                task=task,
                                mark_index=m_index,
                                subject_id=sid,
                                workflow_id=workflow_id,
                                shape=shape,
                                user=user,
                                tool=mark["tool"],
                                frame=mark["frame"],
                                x=mark["x"],
                                y=mark["y"],
                                width=mark.get("width"),
                                height=mark.get("height"),
                                angle=mark.get("angle"),
                            )
                        )
                classifications.append(
                    Classification(
                        classification_id=cid,
                        subject_id=sid,
                        workflow_id=workflow_id,
                        workflow_version=workflow_version,
                        created_at=created,
                        user_name=user,
                        user_id=user_id,
                        workflow_name="Box the jets",
                        annotations=tuple(value),
                        subject_data={str(sid): {"retired": None, **meta}},
                    )
                )
                dims = [
                    {
                        "clientWidth": 960,
                        "clientHeight": 720,
                        "naturalWidth": geometry.width,
                        "naturalHeight": geometry.height,
                    }
                ] * len(sub_times)
                rows.append(
                    {
                        "classification_id": str(cid),
                        "user_name": user,
                        "user_id": "" if user_id is None else str(user_id),
                        "user_ip": f"sim{v:02d}",
                        "workflow_id": str(workflow_id),
                        "workflow_name": "Box the jets",
                        "workflow_version": workflow_version,
                        "created_at": created.strftime("%Y-%m-%d %H:%M:%S UTC"),
                        "gold_standard": "",
                        "expert": "",
                        "metadata": json.dumps({"subject_dimensions": dims}),
                        "annotations": json.dumps(value),
                        "subject_data": json.dumps({str(sid): {"retired": None, **meta}}),
                        "subject_ids": str(sid),
                    }
                )
                cid += 1
    return SimulatedEvent(
        spec,
        tuple(jets),
        tuple(subjects),
        tuple(classifications),
        tuple(annotations),
        tuple(rows),
        tuple(crowd),
    )
