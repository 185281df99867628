"""MP4 of framed frames: jet_render (FITS -> frames in memory -> x264) vs sunpy Maps through FFMpegWriter.

Workload (BENCHMARKS.md): "render an MP4 of the same 200 frames" (the 600x500 AIA
cutout of ``render.py``, its CRPIX drifting 0.05 px/frame as real cutouts do), target
>= 10x the anchor's frames/s.

Input (untimed): 200 synthetic 600x500 AIA 304 Å frames with a jet
(``render.make_frames``), written once as FITS files into a temporary folder. Both sides
start from these FITS files and end with a finished 1920x1440 H.264 MP4.

Anchor: the seed's way of making a movie: a matplotlib figure of 6.4x4.8 in, and
``matplotlib.animation.FFMpegWriter`` (libx264, yuv420p, CRF 20, preset veryfast, 10
fps) saving at 300 dpi; per frame ``sunpy.map.Map(path)`` is drawn on fresh WCSAxes
(``Map.plot``, the seed's title and axis labels) and ``grab_frame`` pipes the RGBA
canvas to ffmpeg. ``animation.ffmpeg_path`` points at imageio-ffmpeg's bundled binary
(there is no system ffmpeg). It manages a few frames/s, so by default it runs on the
first 40 frames (``--anchor-frames``) and the sides are compared in frames/s.

Ours, timed from the FITS files too: ``jet_render.movie.render_movie``: each frame is
rendered in memory (furniture cache cleared before each round, so it is drawn as a
fresh run would) and sent to ffmpeg as yuv420p while ffmpeg encodes the previous ones;
no PNG is written or decoded. x264 ``ultrafast``, CRF 23, its rate capped at what keeps
a subject's movie (15 frames) under Panoptes' 1 MiB (``max_bytes`` = 1 MiB x frames /
15), 10 fps. ffmpeg uses its default threads on both sides.

Checked (untimed): both movies exist, are non-empty and 1920x1440; a 15-frame subject
movie made by ``render_movie`` with its defaults fits in 1 MiB (its size is reported).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Result, alternate, common_parser, human_bytes, report, skip

WORKLOAD = "render an MP4 of {n} framed 1920x1440 frames of a 600x500 AIA cutout"
ANCHOR = "seed: sunpy Map per frame on WCSAxes + matplotlib FFMpegWriter (libx264)"
DEFAULT_FRAMES, DEFAULT_ANCHOR = 200, 40
QUICK_FRAMES, QUICK_ANCHOR = 4, 2
FPS, CRF = 10.0, 20
SUBJECT_FRAMES, SUBJECT_BYTES = 15, 1024 * 1024


def anchor_movie(paths: Sequence[Path], out: Path) -> None:
    """The seed's way: every FITS file as a sunpy Map drawn in one figure, piped to ffmpeg."""
    import imageio_ffmpeg
    import matplotlib
    import matplotlib.pyplot as plt
    import sunpy.map
    from matplotlib.animation import FFMpegWriter

    matplotlib.rcParams["animation.ffmpeg_path"] = imageio_ffmpeg.get_ffmpeg_exe()
    fig = plt.figure(figsize=(6.4, 4.8))
    writer = FFMpegWriter(
        fps=FPS,
        codec="libx264",
        extra_args=["-pix_fmt", "yuv420p", "-crf", str(CRF), "-preset", "veryfast"],
    )
    try:
        with warnings.catch_warnings(), writer.saving(fig, str(out), dpi=300):
            warnings.simplefilter("ignore")
            for path in paths:
                fig.clear()
                m = sunpy.map.Map(path)
                ax = fig.add_subplot(projection=m)
                m.plot(axes=ax)
                ax.set_title(f"SDO-AIA   {m.date.to_datetime():%Y-%b-%d %H:%M:%S}")
                ax.set_xlabel("Solar X (arcsec)")
                ax.set_ylabel("Solar Y (arcsec)")
                writer.grab_frame()
    finally:
        plt.close(fig)


def ours_movie(paths: Sequence[Path], out: Path, results: list[Any]) -> Any:
    """Ours: ``render_movie`` of the FITS files, at a subject movie's rate (1 MiB per 15 frames)."""
    from jet_render.movie import render_movie

    budget = SUBJECT_BYTES * len(paths) // SUBJECT_FRAMES
    movie = render_movie(paths, out, fps=FPS, max_bytes=budget)
    results.append(movie)
    return movie


def _movie_size(path: Path) -> tuple[int, int]:
    import imageio_ffmpeg

    reader = imageio_ffmpeg.read_frames(str(path))
    try:
        meta = next(reader)
    finally:
        reader.close()
    width, height = meta["size"]
    return int(width), int(height)


def run(args: Any) -> list[Result]:
    """Time both sides alternately and build the result row."""
    import matplotlib

    matplotlib.use("Agg")
    from jet_render.furniture import clear_cache
    from jet_render.movie import render_movie
    from render import DRIFT, make_frames

    n = args.frames or (QUICK_FRAMES if args.quick else DEFAULT_FRAMES)
    n_anchor = min(n, args.anchor_frames or (QUICK_ANCHOR if args.quick else DEFAULT_ANCHOR))
    rounds = args.rounds or (1 if args.quick else 3)
    work = Path(tempfile.mkdtemp(prefix="jet-bench-movie-", dir=args.tmp_dir))
    try:
        paths = make_frames(n, work / "fits", drift=DRIFT)
        anchor_out, ours_out = work / "seed.mp4", work / "ours.mp4"
        made: list[Any] = []

        def prep_anchor(_r: int) -> Callable[[], object]:
            anchor_out.unlink(missing_ok=True)
            return lambda: anchor_movie(paths[:n_anchor], anchor_out)

        def prep_ours(_r: int) -> Callable[[], object]:
            clear_cache()
            ours_out.unlink(missing_ok=True)
            return lambda: ours_movie(paths, ours_out, made)

        timings = alternate(prep_anchor, prep_ours, rounds, label="movie", verbose=not args.quiet)
        sizes = {"anchor": _movie_size(anchor_out), "ours": _movie_size(ours_out)}
        for side, size in sizes.items():
            if size != (1920, 1440):
                raise AssertionError(f"{side} movie is {size[0]}x{size[1]}, not 1920x1440")
        anchor_bytes, ours_bytes = anchor_out.stat().st_size, ours_out.stat().st_size
        subject = render_movie(paths[:SUBJECT_FRAMES], work / "subject.mp4", fps=FPS)
        if subject.size_bytes > SUBJECT_BYTES:
            raise AssertionError(f"a subject's movie is {subject.size_bytes} bytes, over 1 MiB")
        files_left = sorted(p.name for p in work.iterdir() if p.suffix == ".png")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    degraded = sorted({step for m in made for step in m.degraded})
    steps = "; " + ", ".join(degraded) if degraded else ""
    note = (
        f"both from FITS files to a 1920x1440 H.264 MP4, {FPS:g} fps; anchor CRF {CRF} veryfast; ours "
        f"render_movie (frames in memory -> yuv420p -> x264 {made[-1].preset}, CRF {made[-1].crf}, rate "
        f"capped at a subject's 1 MiB per {SUBJECT_FRAMES} frames{steps}); movie "
        f"{human_bytes(ours_bytes)} ours vs {human_bytes(anchor_bytes)} anchor ({n} vs {n_anchor} frames); "
        f"a {SUBJECT_FRAMES}-frame subject movie: {human_bytes(subject.size_bytes)} (limit 1 MiB); "
        f"anchor on {n_anchor} frames, compared in frames/s"
    )
    extra = {
        "frames": n,
        "anchor_frames": n_anchor,
        "anchor_movie_bytes": anchor_bytes,
        "ours_movie_bytes": ours_bytes,
        "anchor_crf": CRF,
        "ours_crf": made[-1].crf,
        "ours_preset": made[-1].preset,
        "fps": FPS,
        "subject_movie_bytes": subject.size_bytes,
        "ours_includes_rendering": True,
        "png_files_written": len(files_left),
        "crpix_drift_px_per_frame": DRIFT,
    }
    return [
        Result.from_timings(
            *timings,
            workload=WORKLOAD.format(n=n),
            anchor=ANCHOR,
            target=">= 10x",
            target_ratio=10.0,
            note=note,
            unit="frames",
            anchor_count=n_anchor,
            ours_count=n,
            extra=extra,
            quick=bool(args.quick),
            benchmark="movie.py",
        )
    ]


def build_parser() -> Any:
    """The command line: the common options plus sizes and the temp folder."""
    parser = common_parser(__doc__.split("\n", 1)[0] if __doc__ else "movie benchmark")
    parser.add_argument(
        "--frames", type=int, default=None, help=f"frames in our movie (default {DEFAULT_FRAMES})"
    )
    parser.add_argument(
        "--anchor-frames",
        type=int,
        default=None,
        help=f"frames in the anchor's movie (default {DEFAULT_ANCHOR})",
    )
    parser.add_argument(
        "--tmp-dir", type=Path, default=None, help="where the frames go (default: system temp)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, append its row to the results, print the table."""
    args = build_parser().parse_args(argv)
    try:
        import imageio_ffmpeg  # noqa: F401
        import matplotlib  # noqa: F401
        import sunpy.map  # noqa: F401
    except ImportError:
        skip("sunpy[map], matplotlib and imageio-ffmpeg (the anchor) are not installed")
    return report(run(args), args.results_dir)


if __name__ == "__main__":
    raise SystemExit(main())
