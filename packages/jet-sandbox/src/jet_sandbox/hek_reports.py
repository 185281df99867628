"""The full HEK reports of a synthetic jet: the 138 fields of the recorded answer, with its quirks."""

from __future__ import annotations

import math
import random
import struct
from collections.abc import Sequence
from datetime import timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from jet_sandbox.draws import index, uniform
from jet_sandbox.hek_annotators import ANNOTATORS, DESCRIPTIONS, IDENTIFIERS, TITLES
from jet_sandbox.hek_data import template_event
from jet_sandbox.hek_sun import DAY_SECONDS, sun_geometry
from jet_sandbox.hek_times import format_time

if TYPE_CHECKING:
    from jet_sandbox.hek_synthetic import SyntheticJet

__all__ = ["jet_reports"]


def _num(value: float, digits: int = 6) -> str:
    """A number as HEK writes it in WKT: integers bare, others with up to ``digits`` decimals."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.{digits}f}".rstrip("0").rstrip(".")


def _polygon(points: Sequence[tuple[float, float]], digits: int = 6) -> str:
    ring = [*points, points[0]]
    return "POLYGON((" + ",".join(f"{_num(x, digits)} {_num(y, digits)}" for x, y in ring) + "))"


def _wkb_polygon(points: Sequence[tuple[float, float]]) -> str:
    ring = [*points, points[0]]
    blob = struct.pack("<BIII", 1, 3, 1, len(ring)) + b"".join(struct.pack("<dd", x, y) for x, y in ring)
    return blob.hex().upper()


def _wrap180(angle: float) -> float:
    return (angle + 180.0) % 360.0 - 180.0


def _hrc(x: float, y: float, radius: float) -> tuple[float, float]:
    return math.hypot(x, y) / radius, math.degrees(math.atan2(-x, y)) % 360.0


@lru_cache(maxsize=1)
def _empty_keys() -> tuple[str, ...]:
    template = template_event()
    return tuple(k for k, v in template.items() if v in ("", None) and k not in _SET_KEYS)


_SET_KEYS = frozenset(
    {
        "gs_thumburl",
        "hpc_bbox",
        "hgc_coord",
        "hpc_coord",
        "gs_imageurl",
        "hrc_coord",
        "event_starttime",
        "event_type",
        "obs_meanwavel",
        "hpc_geom",
        "hgc_bbox",
        "obs_channelid",
        "SOL_standard",
        "event_avg_rating",
        "frm_name",
        "frm_identifier",
        "event_description",
        "boundbox_c2ur",
        "boundbox_c2ll",
        "frm_institute",
        "hrc_bbox",
        "gs_movieurl",
        "event_probability",
        "frm_daterun",
        "hpc_y",
        "hpc_x",
        "kb_archivdate",
        "kb_archivist",
        "kb_archivid",
        "boundbox_c1ur",
        "boundbox_c1ll",
        "event_c2error",
        "hrc_r",
        "hgs_y",
        "hgs_x",
        "event_title",
        "event_c1error",
        "hpc_radius",
        "event_endtime",
        "event_importance",
        "event_coord2",
        "event_coord1",
        "hgc_x",
        "hrc_a",
        "event_peaktime",
        "hgc_y",
        "gs_galleryid",
        "hgs_coord",
        "search_channelid",
        "hgs_bbox",
        "refs",
    }
)


def jet_reports(jet: SyntheticJet) -> tuple[dict[str, Any], ...]:
    """The HEK reports of ``jet``, cached and shared: read them, never modify them.

    Examples
    --------
    >>> from jet_sandbox.hek_synthetic import synthetic_jets
    >>> jet = next(synthetic_jets("2016-01-01", "2016-02-01"))
    >>> [r["kb_archivid"] for r in jet_reports(jet)] == list(jet.kb_archivids)
    True
    """
    return _reports(jet)


@lru_cache(maxsize=16384)
def _reports(jet: SyntheticJet) -> tuple[dict[str, Any], ...]:
    rng = random.Random(f"jet-sandbox-hek-details:{jet.seed}:{jet.day}:{jet.number}")
    template = template_event()
    who = ANNOTATORS[jet.annotator]
    radius, _, l0 = sun_geometry(jet.start)
    archive = jet.end + timedelta(seconds=round(uniform(rng, 2 * 3600, 3 * DAY_SECONDS)))
    x, y = float(jet.hpc_x), float(jet.hpc_y)
    width, height = uniform(rng, 120, 450), uniform(rng, 100, 350)
    x1 = round(x - width * uniform(rng, 0.3, 0.7))
    y1 = round(y - height * uniform(rng, 0.3, 0.7))
    x2, y2 = x1 + round(width), y1 + round(height)
    swapped = rng.random() < 0.8
    corners = [(x1, y1), (x2, y1), (x2, y2), (x1, y2)]
    lat = jet.hgs_lat
    hgc_lon = round(_wrap180(jet.hgs_lon + l0), 6)
    dlon = math.degrees(width / 2 / radius) / max(math.cos(math.radians(lat)), 0.2)
    dlat = math.degrees(height / 2 / radius)
    hgs_box = [
        (jet.hgs_lon - dlon, max(lat - dlat, -90.0)),
        (jet.hgs_lon + dlon, max(lat - dlat, -90.0)),
        (jet.hgs_lon + dlon, min(lat + dlat, 90.0)),
        (jet.hgs_lon - dlon, min(lat + dlat, 90.0)),
    ]
    hgc_box = [(_wrap180(lon + l0), la) for lon, la in hgs_box]
    hrc_r, hrc_a = _hrc(x, y, radius)
    hrc_box = [_hrc(cx, cy, radius) for cx, cy in corners]
    carrington = round(hgc_lon % 360.0) % 360
    sol = f"SOL{jet.start:%Y-%m-%dT%H:%M:%S}L{carrington:03d}C{round(90 - lat):03d}"
    description: str | None = DESCRIPTIONS[index(rng, len(DESCRIPTIONS))]
    if rng.random() < 0.03:
        description = None if rng.random() < 0.5 else ""
    title = TITLES[index(rng, len(TITLES))]
    importance = (0.2, 0.4, 0.6, 0.8, 1)[index(rng, 5)]
    probability = 1 if rng.random() < 0.3 else None
    identifier = IDENTIFIERS[index(rng, len(IDENTIFIERS))]
    gallery_time = archive - timedelta(hours=7, seconds=round(uniform(rng, 0, 600)))
    gallery = f"pod_{who.archivist}_{gallery_time:%Y%m%dT%H:%M:%S}.{index(rng, 1000):03d}"
    channels_desc = list(reversed(jet.channels))
    panorama = (
        f"panorama_{who.frm_name}_{'_'.join(f'AIA-{c}' for c in channels_desc)}_"
        f"{jet.start:%Y%m%dT%H%M%S}_at_{archive - timedelta(seconds=65):%Y%m%dT%H%M%S}.jpg"
    )
    pod_url = f"http://www.lmsal.com/hpkb/podimages/{quote(gallery, safe='')}"
    movie = (
        f"http://sdowww.lmsal.com/sdomedia/h264/{jet.start:%Y/%m/%d}/AVC_{who.display}_"
        f"{jet.start:%Y%m%dT%H%M%S}-{jet.end:%Y%m%dT%H%M%S}_SDO_{'-'.join(map(str, channels_desc))}_"
        f"{uniform(rng, 150, 400):.1f}_{archive:%Y%m%d_%H%M%S}.mov"
    )
    shared = {
        "gs_thumburl": f"{pod_url}/thumb/{panorama}",
        "hpc_bbox": _polygon(corners),
        "hgc_coord": f"POINT({_num(hgc_lon)} {_num(lat)})",
        "hpc_coord": f"POINT({_num(x, 2)} {_num(y, 2)})",
        "gs_imageurl": f"{pod_url}/{panorama}",
        "hrc_coord": f"POINT({hrc_r:.15g} {hrc_a:.15g})",
        "event_starttime": format_time(jet.start),
        "event_type": "CJ",
        "hpc_geom": _wkb_polygon([(float(cx), float(cy)) for cx, cy in corners]),
        "hgc_bbox": _polygon(hgc_box),
        "SOL_standard": sol,
        "event_avg_rating": importance,
        "frm_name": who.frm_name,
        "frm_identifier": identifier,
        "event_description": description,
        "boundbox_c2ur": y1 if swapped else y2,
        "boundbox_c2ll": y2 if swapped else y1,
        "frm_institute": who.institute,
        "hrc_bbox": _polygon(hrc_box),
        "gs_movieurl": movie,
        "event_probability": probability,
        "frm_daterun": format_time(archive - timedelta(seconds=4)),
        "hpc_y": jet.hpc_y,
        "hpc_x": jet.hpc_x,
        "kb_archivist": who.archivist,
        "boundbox_c1ur": x2,
        "boundbox_c1ll": x1,
        "event_c2error": round(height / 2, 2),
        "hrc_r": hrc_r,
        "hgs_y": lat,
        "hgs_x": jet.hgs_lon,
        "event_title": title,
        "event_c1error": round(width / 2, 2),
        "hpc_radius": f"{math.hypot(x, y):.14f}",
        "event_endtime": format_time(jet.end),
        "event_importance": importance,
        "event_coord2": jet.hpc_y,
        "event_coord1": jet.hpc_x,
        "hgc_x": hgc_lon,
        "hrc_a": hrc_a,
        "hgc_y": lat,
        "gs_galleryid": gallery,
        "hgs_coord": f"POINT({_num(jet.hgs_lon)} {_num(lat)})",
        "hgs_bbox": _polygon(hgs_box),
    }
    ids = jet.kb_archivids
    reports = []
    for k, channel in enumerate(jet.channels):
        report = dict(template)
        report.update(shared)
        report["kb_archivid"] = ids[k]
        report["kb_archivdate"] = format_time(archive + timedelta(seconds=k + 1))
        report["obs_channelid"] = str(channel) if rng.random() < 0.75 else channel
        report["search_channelid"] = str(channel)
        report["obs_meanwavel"] = float(f"{channel}e-8")
        report["event_peaktime"] = "" if rng.random() < 0.8 else None
        report["refs"] = [
            *(
                {"ref_name": "CJ:  HER Entry", "ref_type": "ivorn", "ref_url": other}
                for other in ids
                if other != ids[k]
            ),
            {"ref_name": "Movie", "ref_type": "movie", "ref_url": movie},
            {"ref_name": "Event_MapURL", "ref_type": "unknown", "ref_url": ""},
            {"ref_name": "FRM_URL", "ref_type": "unknown", "ref_url": "n/a"},
        ]
        for key in _empty_keys():
            if rng.random() < 0.12:
                report[key] = None if report[key] == "" else ""
        reports.append(report)
    return tuple(reports)
