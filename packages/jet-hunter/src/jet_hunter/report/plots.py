"""The report's plots as static PNG images (matplotlib, Agg backend).

Per jet, :func:`height_time_plot`: the volunteers' box heights along the jet's axis
(grey dots) and each subject's consensus height with its -sigma/+sigma bounds (error
bars) at its frame time, the catalogue's maximum height with its bounds, the start and
end times with their spread, and the velocity as the line from the start to the peak.
For the whole catalogue, :func:`summary_plots`: the base points on the solar disk
(WCS axes with the heliographic Stonyhurst grid and the limb, drawn by sunpy.visualization), and histograms
of durations, maximum heights, velocities and volunteer agreement.

Static images because a report is opened years later on any machine: PNGs need no
JavaScript library, weigh little and look the same in every browser and in print.

Examples
--------
>>> from jet_hunter.report.plots import finite
>>> finite([1.0, None, float("nan"), 2.5])
[1.0, 2.5]
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import astropy.units as u
import matplotlib.dates as mdates
import numpy as np
from matplotlib.figure import Figure

from jet_hunter.report.model import ReportJet

__all__ = [
    "SUMMARY_PLOTS",
    "disk_figure",
    "finite",
    "height_time_figure",
    "height_time_plot",
    "histogram_figure",
    "summary_figures",
    "summary_plots",
]

log = logging.getLogger(__name__)

SUMMARY_PLOTS = {
    "disk": "Base points on the solar disk",
    "durations": "Durations",
    "heights": "Maximum heights",
    "velocities": "Velocities",
    "agreement": "Volunteer agreement",
}
"""The summary plots: file stem -> title."""

_ACCENT = "#1f6fb2"
_DPI = 110


def finite(values: Iterable[float | None]) -> list[float]:
    """The values that are numbers (not None, not NaN)."""
    return [float(v) for v in values if v is not None and math.isfinite(float(v))]


def _t(moment: datetime) -> float:
    """A datetime as a matplotlib date number (typed for the axes' methods)."""
    return float(mdates.date2num(moment))  # type: ignore[no-untyped-call]


def _figure(size: tuple[float, float], axes: tuple[float, float, float, float], **kwargs: Any) -> Any:
    """A figure of ``size`` inches with one axes at ``axes`` = (left, bottom, width, height) inches.

    Fixed margins (room for the title, the labels and the tick labels) instead of a
    tight bounding box measured at save time, which draws every figure twice. A bare
    :class:`~matplotlib.figure.Figure`, not pyplot's: nothing global to close, safe in
    threads.
    """
    fig = Figure(figsize=size, facecolor="white")
    width, height = size
    left, bottom, w, h = axes
    return fig, fig.add_axes((left / width, bottom / height, w / width, h / height), **kwargs)


def _save(fig: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=_DPI, facecolor="white")


def height_time_plot(item: ReportJet, path: Path) -> Path:
    """The height-time plot of one jet (:func:`height_time_figure`), written as PNG to ``path``."""
    _save(height_time_figure(item), path)
    return path


def height_time_figure(item: ReportJet) -> Any:
    """The height-time plot of one jet, a matplotlib figure."""
    jet = item.jet
    fig, ax = _figure((6.5, 3.9), (0.72, 0.5, 5.43, 3.08))
    if item.heights:
        ax.plot(
            [_t(s.time) for s in item.heights],
            [s.height for s in item.heights],
            "o",
            ms=3,
            color="0.6",
            alpha=0.7,
            label="volunteers' boxes",
        )
    for sample in item.consensus:
        lower = sample.height - (sample.lower if sample.lower is not None else sample.height)
        upper = (sample.upper if sample.upper is not None else sample.height) - sample.height
        ax.errorbar(
            [_t(sample.time)],
            [sample.height],
            yerr=[[lower], [upper]],
            fmt="s",
            ms=6,
            capsize=4,
            color=_ACCENT,
            label="consensus box (+-sigma)" if sample is item.consensus[0] else None,
        )
    if jet.max_height is not None:
        lo = jet.max_height + (jet.lower_height or 0.0)
        hi = jet.max_height + (jet.upper_height or 0.0)
        ax.axhline(jet.max_height, color="#c0392b", lw=1, ls="--", label=f'max height {jet.max_height:.1f}"')
        ax.axhspan(lo, hi, color="#c0392b", alpha=0.08)
    for moment, spread, name in (
        (jet.start_time, jet.start_error, "start"),
        (jet.end_time, jet.end_error, "end"),
    ):
        ax.axvline(_t(moment), color="#27ae60" if name == "start" else "#8e44ad", lw=1.2, label=name)
        if spread:
            ax.axvspan(
                _t(moment - timedelta(seconds=spread)), _t(moment + timedelta(seconds=spread)), alpha=0.1
            )
    if jet.peak_time is not None and jet.max_height is not None and jet.velocity is not None:
        ax.plot(
            [_t(jet.start_time), _t(jet.peak_time)],
            [0.0, jet.max_height],
            ":",
            color="k",
            lw=1,
            label=f"velocity {jet.velocity:.0f} km/s",
        )
    ax.set_ylim(bottom=0.0)
    ax.set_xlabel("time (UTC)")
    ax.set_ylabel("height along the jet axis (arcsec)")
    ax.set_title(f"{item.row['#sjh_ID']}  height-time")
    ax.xaxis_date()
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M:%S"))  # type: ignore[no-untyped-call]
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right", framealpha=0.85)
    return fig


def disk_figure(items: Sequence[ReportJet]) -> Any:
    """The jets' base points on the solar disk, a matplotlib figure (WCS axes, Stonyhurst grid)."""
    from astropy.coordinates import SkyCoord
    from astropy.wcs.utils import wcs_to_celestial_frame
    from jet_render.wcs import frame_wcs
    from sunpy.coordinates import get_earth
    from sunpy.visualization import drawing, wcsaxes_compat

    # a WCS of the whole disk seen from Earth (astropy + sunpy.coordinates: sunpy.map, whose
    # import alone costs seconds, is not needed for a blank map)
    obstime = items[0].jet.start_time if items else "2010-06-01"
    earth = get_earth(obstime)
    shape = (90, 90)
    wcs = frame_wcs(
        {
            "CRPIX1": (shape[1] + 1) / 2,
            "CRPIX2": (shape[0] + 1) / 2,
            "CRVAL1": 0.0,
            "CRVAL2": 0.0,
            "CDELT1": 24.0,
            "CDELT2": 24.0,
            "DATE-OBS": earth.obstime.isot,
            "HGLN_OBS": earth.lon.to_value(u.deg),
            "HGLT_OBS": earth.lat.to_value(u.deg),
            "DSUN_OBS": earth.radius.to_value(u.m),
        }
    ).wcs
    frame = wcs_to_celestial_frame(wcs)
    observer = SkyCoord(frame.observer)
    fig, ax = _figure((5.5, 5.25), (0.95, 0.55, 4.3, 4.3), projection=wcs)
    ax.imshow(np.zeros(shape), cmap="Greys", vmin=0, vmax=1, origin="lower")
    drawing.limb(ax, observer, color="k", lw=1.2)
    wcsaxes_compat.wcsaxes_heliographic_overlay(
        ax, grid_spacing=15 * u.deg, obstime=frame.obstime, observer=observer, color="0.5", lw=0.5
    )
    for item in items:
        point = SkyCoord(item.jet.base_x * u.arcsec, item.jet.base_y * u.arcsec, frame=frame)
        ax.plot_coord(point, "o", color="#e67e22", ms=6, mec="k")
        east = item.jet.base_x <= 0  # labels point towards the disk centre: they stay in the axes
        ax.annotate(
            str(item.row["#sjh_ID"]),
            xy=ax.wcs.world_to_pixel(point),
            fontsize=6,
            xytext=(4 if east else -4, 4),
            ha="left" if east else "right",
            textcoords="offset points",
        )
    ax.set_xlabel("Solar X (arcsec)")
    ax.set_ylabel("Solar Y (arcsec)")
    ax.set_title("base points (heliographic Stonyhurst grid, 15 deg)")
    return fig


def histogram_figure(values: Sequence[float], xlabel: str, title: str) -> Any:
    """A histogram of ``values`` (a note when there is none), a matplotlib figure."""
    fig, ax = _figure((4.75, 3.46), (0.64, 0.52, 3.56, 2.62))
    if values:
        bins = max(3, min(20, int(math.sqrt(len(values))) + 2))
        ax.hist(values, bins=bins, color=_ACCENT, edgecolor="white")
    else:
        ax.text(0.5, 0.5, "no values", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("jets")
    ax.set_title(f"{title} (n = {len(values)})")
    ax.grid(alpha=0.3, axis="y")
    return fig


def summary_plots(items: Sequence[ReportJet], folder: Path) -> dict[str, Path]:
    """Write the summary plots into ``folder``; return ``{stem: path}`` as :data:`SUMMARY_PLOTS`."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {name: folder / f"{name}.png" for name in SUMMARY_PLOTS}
    for name, fig in summary_figures(items).items():
        _save(fig, out[name])
    return out


def summary_figures(items: Sequence[ReportJet]) -> dict[str, Any]:
    """The summary plots as matplotlib figures, ``{stem: figure}`` as :data:`SUMMARY_PLOTS`."""
    return {
        "disk": disk_figure(items),
        "durations": histogram_figure(
            finite(i.jet.duration_min for i in items), "duration (min)", "Durations"
        ),
        "heights": histogram_figure(
            finite(i.jet.max_height for i in items), "maximum height (arcsec)", "Heights"
        ),
        "velocities": histogram_figure(
            finite(i.jet.velocity for i in items), "velocity (km/s)", "Velocities"
        ),
        "agreement": histogram_figure(
            finite(i.agreement for i in items),
            "fraction of the subjects' volunteers who marked the jet",
            "Agreement",
        ),
    }
