"""MP4 of framed frames: jet_render (render + make_movie) vs sunpy Maps through FFMpegWriter.

Workload (BENCHMARKS.md): "render an MP4 of the same 200 frames" (the 600x500 AIA
cutout of ``render.py``), target >= 10x the anchor's frames/s.

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

Ours, timed from the FITS files too: ``jet_render.stage.render_files`` on one worker
(the framed PNGs, furniture cache cleared before each round so the furniture is drawn
once per round) then ``jet_render.movie.make_movie`` of those PNGs with the same codec
settings (libx264, yuv420p, CRF 20, veryfast, 10 fps). So ours *includes* rendering the
frames. ffmpeg uses its default threads on both sides.

Checked (untimed): both movies exist, are non-empty and 1920x1440.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
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


def ours_movie(paths: Sequence[Path], frames_dir: Path, out: Path, split: list[tuple[float, float]]) -> Any:
    """Ours: render the framed PNGs (one worker), then ``make_movie`` of them.

    Appends ``(render s, make_movie s)`` of this call to ``split`` (where the time goes).
    """
    from jet_render.movie import make_movie
    from jet_render.stage import render_files

    pngs = [frames_dir / f"{p.stem}.png" for p in paths]
    start = time.perf_counter()
    render_files(list(zip(paths, pngs, strict=True)), workers=1)
    rendered = time.perf_counter()
    movie = make_movie(pngs, out, fps=FPS, crf=CRF)
    split.append((rendered - start, time.perf_counter() - rendered))
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
    from render import make_frames

    n = args.frames or (QUICK_FRAMES if args.quick else DEFAULT_FRAMES)
    n_anchor = min(n, args.anchor_frames or (QUICK_ANCHOR if args.quick else DEFAULT_ANCHOR))
    rounds = args.rounds or (1 if args.quick else 3)
    work = Path(tempfile.mkdtemp(prefix="jet-bench-movie-", dir=args.tmp_dir))
    try:
        paths = make_frames(n, work / "fits")
        anchor_out, ours_out, frames_dir = work / "seed.mp4", work / "ours.mp4", work / "ours"
        frames_dir.mkdir()
        split: list[tuple[float, float]] = []

        def prep_anchor(_r: int) -> Callable[[], object]:
            anchor_out.unlink(missing_ok=True)
            return lambda: anchor_movie(paths[:n_anchor], anchor_out)

        def prep_ours(_r: int) -> Callable[[], object]:
            clear_cache()
            ours_out.unlink(missing_ok=True)
            for png in frames_dir.glob("*.png"):
                png.unlink()
            return lambda: ours_movie(paths, frames_dir, ours_out, split)

        timings = alternate(prep_anchor, prep_ours, rounds, label="movie", verbose=not args.quiet)
        sizes = {"anchor": _movie_size(anchor_out), "ours": _movie_size(ours_out)}
        for side, size in sizes.items():
            if size != (1920, 1440):
                raise AssertionError(f"{side} movie is {size[0]}x{size[1]}, not 1920x1440")
        anchor_bytes, ours_bytes = anchor_out.stat().st_size, ours_out.stat().st_size
        render_s = statistics.median(r for r, _m in split)
        movie_s = statistics.median(m for _r, m in split)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    note = (
        f"both from FITS files to a 1920x1440 H.264 MP4 (CRF {CRF}, veryfast, {FPS:g} fps); ours includes "
        "rendering the frames (render_files on 1 worker, then make_movie of the PNGs); "
        f"movie {human_bytes(ours_bytes)} ours vs {human_bytes(anchor_bytes)} anchor "
        f"({n} vs {n_anchor} frames); ours split: render {render_s:.2f} s, make_movie {movie_s:.2f} s "
        f"(x264 + PNG decode); anchor on {n_anchor} frames, compared in frames/s"
    )
    extra = {
        "frames": n,
        "anchor_frames": n_anchor,
        "anchor_movie_bytes": anchor_bytes,
        "ours_movie_bytes": ours_bytes,
        "crf": CRF,
        "fps": FPS,
        "ours_includes_rendering": True,
        "ours_render_median_s": render_s,
        "ours_make_movie_median_s": movie_s,
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
