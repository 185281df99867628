"""Cutout requests from events: the seed's defaults, overrides, one job per jet, stable keys."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import astropy.units as u
import pytest
from astropy.time import Time
from hypothesis import given, settings
from hypothesis import strategies as st
from jet_store import CutoutJob, HekEvent, JobState, Store
from sdo_cutout import (
    CutoutParams,
    CutoutRequestError,
    add_jobs,
    jet_group_key,
    request_for_event,
    requests_for_events,
)
from sdo_cutout.request import as_utc, as_waves

T0 = datetime(2010, 6, 20, 11, 14, 44, tzinfo=timezone.utc)
SOL = "SOL2010-06-20T11:14:44L031C130"


def event(n: int = 0, **fields: object) -> HekEvent:
    base: dict[str, object] = {
        "kb_archivid": f"ivo://x/CJ{n}",
        "event_type": "CJ",
        "start_time": T0,
        "end_time": T0 + timedelta(minutes=20),
        "hpc_x": 100.0,
        "hpc_y": -200.0,
    }
    base.update(fields)
    return HekEvent(**base)  # type: ignore[arg-type]


def test_june_2010_reports_become_one_job_per_jet(june_events: list[HekEvent]) -> None:
    assert len(june_events) == 16
    jobs = requests_for_events(june_events)
    assert len(jobs) == len({jet_group_key(e) for e in june_events}) == 8
    assert len({job.key for job in jobs}) == 8
    (jet,) = [job for job in jobs if job.sol_standard == SOL]
    assert jet.params["kb_archivids"] == sorted(e.kb_archivid for e in june_events if e.sol_standard == SOL)
    assert len(jet.params["kb_archivids"]) == 3
    assert jet.params["channels"] == ["171", "193", "211"]
    # the seed's defaults: centre = hpc, fov = max(120, bbox), window = start..end, 304, 12 s
    assert (jet.center_x, jet.center_y) == (813.0, -683.0)
    assert (jet.fov_x, jet.fov_y) == (239.0, 221.0)
    assert jet.start_time == T0 and jet.end_time == datetime(2010, 6, 20, 11, 54, 26, tzinfo=timezone.utc)
    assert jet.wavelengths == (304,) and jet.cadence == 12.0 and jet.track is False
    assert jet.max_frames == math.ceil(2382 / 12)
    assert jet.backend == "ssw" and jet.key.startswith("ssw:") and jet.state == JobState.NEW
    assert jet.event_id in jet.params["kb_archivids"]


def test_the_primary_report_is_the_one_in_a_requested_channel(june_events: list[HekEvent]) -> None:
    jobs = requests_for_events(june_events, waves=[211, 304])
    (jet,) = [job for job in jobs if job.sol_standard == SOL]
    assert jet.event_id is not None and "CJ211" in jet.event_id


def test_report_order_does_not_change_anything(june_events: list[HekEvent]) -> None:
    shuffled = list(june_events)
    random.Random(4).shuffle(shuffled)
    assert requests_for_events(shuffled) == requests_for_events(june_events)


def test_one_report_alone_is_the_same_cutout_as_its_group(june_events: list[HekEvent]) -> None:
    group = [e for e in june_events if e.sol_standard == SOL]
    assert request_for_event(group[0]).key == requests_for_events(group)[0].key


def test_union_of_boxes_and_windows() -> None:
    a = event(
        1, sol_standard=SOL, bbox_x1=0.0, bbox_y1=0.0, bbox_x2=100.0, bbox_y2=50.0, hpc_x=50.0, hpc_y=20.0
    )
    b = event(
        2,
        sol_standard=SOL,
        start_time=T0 + timedelta(minutes=5),
        end_time=T0 + timedelta(minutes=40),
        bbox_x1=-100.0,
        bbox_y1=-20.0,
        bbox_x2=80.0,
        bbox_y2=200.0,
        hpc_x=70.0,
        hpc_y=40.0,
    )
    (job,) = requests_for_events([a, b], min_fov=10)
    assert (job.fov_x, job.fov_y) == (200.0, 220.0)
    assert (job.center_x, job.center_y) == (60.0, 30.0)
    assert (job.start_time, job.end_time) == (T0, T0 + timedelta(minutes=40))
    assert job.params["bbox"] == [-100.0, -20.0, 100.0, 200.0]


def test_every_parameter_can_be_overridden() -> None:
    ev = event(bbox_x1=0.0, bbox_y1=0.0, bbox_x2=10.0, bbox_y2=10.0)
    job = request_for_event(
        ev,
        backend="jsoc",
        waves=[171, "304"],
        min_fov=2 * u.arcmin,
        padding=1 * u.min,
        cadence=24 * u.s,
        track=True,
        max_frames=7,
    )
    assert job.backend == "jsoc" and job.key.startswith("jsoc:")
    assert job.wavelengths == (171, 304) and job.track is True and job.max_frames == 7
    assert job.cadence == 24.0 and (job.fov_x, job.fov_y) == (120.0, 120.0)
    assert job.start_time == T0 - timedelta(minutes=1)
    assert job.end_time == T0 + timedelta(minutes=21)
    assert job.params["padding_s"] == 60.0
    other = request_for_event(
        ev,
        center=(1 * u.arcmin, -30),
        fov=(300 * u.arcsec, 200),
        start=Time("2010-06-20T11:00:00", scale="utc"),
        end="2010-06-20T11:06:00",
        padding=timedelta(seconds=30),
    )
    assert (other.center_x, other.center_y, other.fov_x, other.fov_y) == (60.0, -30.0, 300.0, 200.0)
    assert other.start_time == datetime(2010, 6, 20, 10, 59, 30, tzinfo=timezone.utc)
    assert other.max_frames == 35  # 7 minutes at 12 s


def test_skycoord_centre() -> None:
    from astropy.coordinates import SkyCoord
    from sunpy.coordinates import frames

    coord = SkyCoord(
        -350 * u.arcsec, 120 * u.arcsec, frame=frames.Helioprojective, obstime=T0, observer="earth"
    )
    p = CutoutParams.build(T0, T0 + timedelta(minutes=1), center=coord)
    assert (p.center_x, p.center_y) == (-350.0, 120.0)


def test_explicit_parameters_and_float_noise_share_a_key() -> None:
    a = CutoutParams.build("2010-06-20T11:14:44", "2010-06-20T11:54:26", center=(813, -683))
    b = CutoutParams.build(
        T0 + timedelta(microseconds=1) - timedelta(microseconds=1),
        Time("2010-06-20T11:54:25.6", scale="utc"),  # the end is rounded up to whole seconds
        center=(813.0000001, -682.99999999),
        fov=120.0,
        waves=(304, 304),
    )
    assert a == b and a.key == b.key
    assert a.key != replace(a, backend="jsoc").key
    assert a.key != replace(a, wavelengths=(171, 304)).key
    assert CutoutParams.from_job(a.to_job()) == a


def test_zero_length_reports_get_one_frame() -> None:
    job = request_for_event(event(end_time=T0))
    assert job.end_time - job.start_time == timedelta(seconds=12) and job.max_frames == 1


def test_events_without_a_position_are_skipped_with_a_reason() -> None:
    bare = event(3, hpc_x=None, hpc_y=None)
    boxed = event(4, hpc_x=None, hpc_y=None, bbox_x1=0.0, bbox_y1=0.0, bbox_x2=200.0, bbox_y2=100.0)
    reasons: list[str] = []
    jobs = requests_for_events([bare, boxed, event(5)], skipped=reasons)
    assert len(jobs) == 2 and len(reasons) == 1 and "ivo://x/CJ3" in reasons[0]
    assert {(j.center_x, j.center_y) for j in jobs} == {(100.0, 50.0), (100.0, -200.0)}
    with pytest.raises(CutoutRequestError, match="neither a position nor a bounding box"):
        request_for_event(bare)
    assert request_for_event(bare, center=(1, 2)).center_x == 1.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"backend": "sdac"}, "unknown cutout backend"),
        ({"waves": [305]}, "no 305 Angstrom channel"),
        ({"waves": []}, "no wavelength"),
        ({"waves": ["blue"]}, "not a wavelength"),
        ({"backend": "jsoc", "waves": [1600]}, "only the EUV channels"),
        ({"padding": -1}, "padding must be >= 0"),
        ({"cadence": 0}, "cadence must be > 0"),
        ({"cadence": 1 * u.m}, "units of s"),
        ({"fov": -5}, "field of view must be > 0"),
        ({"min_fov": "wide"}, "must be a number"),
        ({"max_frames": 0}, "max_frames"),
        ({"start": "not a time"}, "not a time"),
        ({"start": T0 + timedelta(hours=1), "end": T0}, "must end after it starts"),
    ],
)
def test_impossible_requests_say_why(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(CutoutRequestError, match=match):
        request_for_event(event(), **kwargs)  # type: ignore[arg-type]


def test_conversions() -> None:
    assert as_waves("171, 193 304") == (171, 193, 304)
    assert as_waves(1600 * u.AA) == (1600,)
    assert as_utc("2010/06/20 11:14:44") == T0
    assert as_utc("2010-06-20T13:14:44+02:00") == T0
    assert as_utc(datetime(2010, 6, 20, 11, 14, 44)) == T0
    with pytest.raises(CutoutRequestError, match="one time"):
        as_utc(Time(["2010-06-20", "2010-06-21"]))


NOT_FINITE = ["inf", "-inf", "nan", "171,inf", float("inf"), [304, float("nan")], float("inf") * u.AA]


@pytest.mark.parametrize("value", NOT_FINITE, ids=str)
def test_a_wavelength_that_is_not_finite_is_a_request_error(value: object) -> None:
    with pytest.raises(CutoutRequestError, match="must be finite"):
        as_waves(value)


def test_add_jobs_is_idempotent_and_keeps_progress(june_events: list[HekEvent]) -> None:
    store = Store("sqlite://")
    jobs = requests_for_events(june_events)
    assert add_jobs(store, jobs).new == 8
    first = jobs[0]
    store.update(CutoutJob, first.key, state=str(JobState.SUBMITTED), remote_id="ssw_service_1", attempts=1)
    again = add_jobs(store, requests_for_events(june_events))
    assert (again.new, again.existing, again.merged) == (0, 8, 0)
    kept = store.get(CutoutJob, first.key)
    assert kept is not None and kept.state == JobState.SUBMITTED and kept.remote_id == "ssw_service_1"
    assert store.count(CutoutJob) == 8
    # a failed job is reset only when asked
    store.update(CutoutJob, first.key, state=str(JobState.FAILED), message="expired")
    assert add_jobs(store, jobs).reset == 0
    assert add_jobs(store, jobs, retry_failed=True).reset == 1
    reset = store.get(CutoutJob, first.key)
    assert reset is not None and reset.state == JobState.NEW and reset.remote_id is None
    assert reset.attempts == 0 and reset.params["previous_remote_ids"] == ["ssw_service_1"]


# -- properties ----------------------------------------------------------------------

coords = st.floats(-1500, 1500, allow_nan=False)
sizes = st.floats(0, 600, allow_nan=False)


@st.composite
def reports(draw: st.DrawFn) -> list[HekEvent]:
    n = draw(st.integers(1, 8))
    out = []
    for i in range(n):
        start = T0 + timedelta(seconds=draw(st.integers(0, 3 * 86400)))
        x, y, w, h = draw(coords), draw(coords), draw(sizes), draw(sizes)
        out.append(
            event(
                i,
                sol_standard=draw(st.sampled_from([None, "SOL_A", "SOL_B", ""])),
                start_time=start,
                end_time=start + timedelta(seconds=draw(st.integers(0, 7200))),
                hpc_x=x,
                hpc_y=y,
                bbox_x1=x - w / 2,
                bbox_x2=x + w / 2,
                bbox_y1=y - h / 2,
                bbox_y2=y + h / 2,
                channel=draw(st.sampled_from(["171", "193", "304"])),
            )
        )
    return out


@settings(max_examples=60, deadline=None)
@given(reports(), st.floats(0, 600), st.sampled_from(["ssw", "jsoc"]))
def test_jobs_cover_every_report(events: list[HekEvent], padding: float, backend: str) -> None:
    jobs = requests_for_events(events, padding=padding, backend=backend)
    groups = {jet_group_key(e) for e in events}
    assert 1 <= len(jobs) <= len(groups)
    covered: set[str] = set()
    for job in jobs:
        members = [e for e in events if e.kb_archivid in job.params["kb_archivids"]]
        covered.update(e.kb_archivid for e in members)
        assert job.fov_x >= 120.0 - 1e-3 and job.fov_y >= 120.0 - 1e-3
        for e in members:
            assert job.start_time <= e.start_time - timedelta(seconds=padding) + timedelta(seconds=1)
            assert job.end_time >= e.end_time + timedelta(seconds=padding) - timedelta(seconds=1)
            assert e.bbox_x2 is not None and e.bbox_x1 is not None
            assert job.fov_x >= e.bbox_x2 - e.bbox_x1 - 1e-3
        assert job.max_frames is not None and job.max_frames >= 1
        assert job.max_frames == max(
            1, math.ceil((job.end_time - job.start_time).total_seconds() / 12 - 1e-9)
        )
    assert covered == {e.kb_archivid for e in events}
    # deterministic, and independent of order
    assert requests_for_events(list(reversed(events)), padding=padding, backend=backend) == jobs
