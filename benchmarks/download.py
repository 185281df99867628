"""Download FITS files: sdo-cutout's download stage vs parfive, on the file replica.

Workload (BENCHMARKS.md): "download 300 FITS files of 2 MB from a replica with 20 ms
latency"; target: >= 1x parfive's throughput, and after a kill mid-run 0 complete files
fetched again and 0 truncated files kept (parfive keeps them).

Files (untimed setup): 300 FITS files of 1000x500 float32 (2,004,480 bytes each, with
CHECKSUM/DATASUM as JSOC writes them, an AIA-like header), named as the SSW cutout
service names them, in one job folder. Seeded: every run serves the same bytes.

Server: ``jet-hunter sandbox serve files --root DIR --latency 0.02`` (jet_sandbox's
FileServer: Range, ETag, 20 ms before every answer) in a process of its own, as a real
server would be, so its CPU does not compete with the clients' interpreter.

Anchor: ``parfive.Downloader(max_conn=5)`` (what sunpy's Fido uses), every URL enqueued
with ``enqueue_file(url, path=DIR, filename=NAME)``, then ``download()``; parfive's
defaults otherwise (it asks each file's headers, then fetches it in up to 5 ranges).
Ours: ``sdo_cutout.download_frames(store, DIR, workers=5)``, the download stage as
``jet-hunter download --workers 5`` runs it: 5 connections to the host, each file to a
``.part``, size and FITS checked (CHECKSUM too), SHA-256 computed, fsynced, renamed, and
recorded with its header in a SQLite store. Timed: the whole call, for both. Creating
the store and adding the pending frames is setup, untimed. Rounds alternate A B A B; the
ratio is anchor median / ours median (same bytes on both sides). After every round each
file is compared with the source (untimed).

Kill experiment (untimed, once per side): the same download runs in a child process
against an in-process FileServer whose log we read (bodies paced to 0.1 s per MB so files
are in flight); the child is SIGKILLed once a third of the files are complete while
others are in flight (on disk but short, or a ``.part``), then the same download runs
again to the end. Reported: files complete and files truncated on
disk at the kill (a truncated file has the final name and the wrong bytes), complete
files fetched again by the re-run (it asked for at least their size in bytes), and
truncated files kept after the re-run (parfive skips a file that exists, whatever its
size: ``overwrite=False`` is its default).

Run ``hatch run bench:python benchmarks/download.py`` (``--quick``: 24 files of 200 kB).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # _common, when imported from elsewhere

from _common import Result, alternate, append_result, common_parser, human_bytes, skip

WORKLOAD = "download {n} FITS files of {size} from a replica with {ms:g} ms latency"
ANCHOR = "parfive Downloader(max_conn=5), defaults (HEAD, then up to 5 ranges per file)"
TARGET_RATIO = 1.0
LATENCY = 0.02
FILES = 300
SHAPE = (1000, 500)  # NAXIS1, NAXIS2: 2,000,000 data bytes
QUICK_FILES = 24
QUICK_SHAPE = (250, 200)
CONNECTIONS = 5
JOB = "ssw_service_120708_130000_12345"
#: pacing of the bodies in the kill experiment, seconds per 10**6 bytes
KILL_PACING = 0.1


# -- input files ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Source:
    """One served file: its name, size and SHA-256."""

    name: str
    size: int
    sha256: str


def make_files(folder: Path, n: int, shape: tuple[int, int], seed: int = 20120708) -> list[Source]:
    """``n`` FITS files with AIA-like headers and CHECKSUM/DATASUM in ``folder/JOB/``."""
    import numpy as np
    from astropy.io import fits

    out = folder / JOB
    out.mkdir(parents=True, exist_ok=True)
    start = datetime(2012, 7, 8, 13, 0, 7, 120000, tzinfo=UTC)
    waves = (171, 193, 304)
    sources = []
    for i in range(n):
        wave = waves[i % 3]
        moment = start + timedelta(seconds=12 * (i // 3))
        name = f"ssw_cutout_{moment:%Y%m%d_%H%M%S}_AIA_{wave}_.fts"
        rng = np.random.default_rng([seed, i])
        data = (rng.standard_normal((shape[1], shape[0]), dtype=np.float32) * 20 + 100).astype(np.float32)
        hdu = fits.PrimaryHDU(data)
        header = hdu.header
        header["DATE-OBS"] = f"{moment:%Y-%m-%dT%H:%M:%S.%f}"[:-4]
        header["T_OBS"] = f"{moment + timedelta(seconds=1):%Y-%m-%dT%H:%M:%S.%f}"[:-4] + "Z"
        header["TELESCOP"], header["INSTRUME"] = "SDO/AIA", "AIA_4"
        header["WAVELNTH"], header["WAVEUNIT"], header["EXPTIME"] = wave, "angstrom", 2.0
        for key, value in (("CTYPE1", "HPLN-TAN"), ("CTYPE2", "HPLT-TAN"), ("CUNIT1", "arcsec")):
            header[key] = value
        header["CUNIT2"] = "arcsec"
        header["CDELT1"] = header["CDELT2"] = 0.6
        header["CRPIX1"], header["CRPIX2"] = (shape[0] + 1) / 2, (shape[1] + 1) / 2
        header["CRVAL1"], header["CRVAL2"], header["CROTA2"] = -420.0, 310.0, 0.0
        header["DSUN_OBS"], header["RSUN_OBS"] = 1.5206e11, 944.1
        header["HGLN_OBS"], header["HGLT_OBS"] = 0.0, 3.2
        buffer = io.BytesIO()
        # a fixed `when`: by default the CHECKSUM comment holds the current time
        hdu.add_checksum(when="2012-07-08T13:00:00")
        hdu.writeto(buffer)
        blob = buffer.getvalue()
        (out / name).write_bytes(blob)
        sources.append(Source(name, len(blob), hashlib.sha256(blob).hexdigest()))
    return sources


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def check_outputs(folder: Path, sources: Sequence[Source]) -> None:
    """Every file at its place with the source's bytes (raises AssertionError otherwise)."""
    found = {p.name: p for p in folder.rglob("*.fts")}
    bad = [s.name for s in sources if s.name not in found or _digest(found[s.name]) != s.sha256]
    if bad:
        raise AssertionError(f"{len(bad)} files missing or wrong in {folder}, e.g. {bad[:3]}")


# -- the two sides ---------------------------------------------------------------------------


def anchor_download(urls: Sequence[tuple[str, str]], out: Path) -> None:
    """parfive, as a user's script runs it."""
    import parfive

    dl = parfive.Downloader(max_conn=CONNECTIONS, progress=False)
    for url, name in urls:
        dl.enqueue_file(url, path=out, filename=name)
    results = dl.download()
    if results.errors:
        raise RuntimeError(f"parfive: {len(results.errors)} errors, e.g. {results.errors[0]}")


def prepare_store(db: Path, base_url: str, sources: Sequence[Source]) -> None:
    """A store with one pending frame per file (the state after ``cutouts fetch``)."""
    from jet_store import FitsFrame, Store

    store = Store(db)
    store.add([FitsFrame(url=f"{base_url}{JOB}/{s.name}", job_key=JOB) for s in sources])
    store.close()


def ours_download(db: Path, out: Path) -> Any:
    """The download stage, as ``jet-hunter download --workers 5`` runs it."""
    from jet_store import Store
    from sdo_cutout.download import download_frames

    store = Store(db)
    try:
        summary = download_frames(store, out, workers=CONNECTIONS, progress=False)
    finally:
        store.close()
    if summary.downloaded != summary.frames:
        raise RuntimeError(f"ours: {summary.line()}")
    return summary


# -- servers -------------------------------------------------------------------------------

SERVE = [sys.executable, "-m", "jet_hunter", "sandbox", "serve", "files"]


@contextmanager
def replica_process(root: Path, latency: float) -> Iterator[str]:
    """``jet-hunter sandbox serve files`` in a subprocess; yields its base URL."""
    proc = subprocess.Popen(
        [*SERVE, "--root", str(root), "--latency", str(latency)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"(http://\S+/)", line)
        if not match:
            raise RuntimeError(f"the file replica did not print its URL: {line!r}")
        yield match.group(1)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


# -- the kill experiment ---------------------------------------------------------------------

CHILD = {
    "anchor": """
import json, sys
sys.path.insert(0, sys.argv[3])
from download import anchor_download
from pathlib import Path
anchor_download(json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2]))
""",
    "ours": """
import sys
sys.path.insert(0, sys.argv[3])
import astropy.io.fits  # noqa: F401  (as the command line has it imported)
from download import ours_download
from pathlib import Path
ours_download(Path(sys.argv[1]), Path(sys.argv[2]))
""",
}


@dataclass
class KillReport:
    """What one side left after a SIGKILL, and what its re-run did."""

    complete_at_kill: int = 0
    truncated_at_kill: int = 0
    parts_at_kill: int = 0
    fetched_again: int = 0
    truncated_kept: int = 0
    wrong_after_rerun: int = 0
    seconds_to_kill: float = 0.0


def _snapshot(out: Path, sources: Sequence[Source]) -> tuple[set[str], set[str], int]:
    """Names complete (right bytes), names truncated (final name, wrong bytes), .part count."""
    expected = {s.name: s.sha256 for s in sources}
    complete, truncated = set(), set()
    for path in out.rglob("*.fts"):
        (complete if _digest(path) == expected.get(path.name) else truncated).add(path.name)
    return complete, truncated, sum(1 for _ in out.rglob("*.part"))


def _midway(out: Path, sizes: dict[str, int]) -> bool:
    """A third of the files at full size, and some file in flight (short, or a ``.part``)."""
    complete = in_flight = 0
    for path in out.rglob("*"):
        try:
            size = path.stat().st_size
        except FileNotFoundError:  # renamed while we looked
            continue
        if path.name.endswith(".part"):
            in_flight += 1
        elif path.name in sizes:
            if size == sizes[path.name]:
                complete += 1
            else:
                in_flight += 1
    return complete >= len(sizes) // 3 and in_flight > 0


def kill_experiment(
    side: str, work: Path, root: Path, sources: Sequence[Source], verbose: bool
) -> KillReport:
    """Kill one side mid-run, run it again, and count what it fetched twice or kept broken."""
    from jet_sandbox.files import FileServer

    out = work / f"kill-{side}"
    db = work / f"kill-{side}.db"
    sizes = {s.name: s.size for s in sources}
    report = KillReport()
    with FileServer(root, latency=LATENCY, latency_per_mb=KILL_PACING) as srv:
        urls = [(f"{srv.url}{JOB}/{s.name}", s.name) for s in sources]
        (work / "urls.json").write_text(json.dumps(urls))
        prepare_store(db, srv.url, sources)
        args = [
            str(work / "urls.json") if side == "anchor" else str(db),
            str(out),
            str(Path(__file__).parent),
        ]
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-c", CHILD[side], *args], stderr=subprocess.PIPE)
        deadline = started + 600
        while proc.poll() is None and not (out.exists() and _midway(out, sizes)):
            if time.monotonic() > deadline:
                break
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate(timeout=60)
        if proc.returncode != -signal.SIGKILL:
            raise RuntimeError(f"{side}: the child ended before the kill ({proc.returncode}): {err[-500:]!r}")
        killed_at = time.time()
        report.seconds_to_kill = time.monotonic() - started
        complete, truncated, parts = _snapshot(out, sources)
        report.complete_at_kill, report.truncated_at_kill, report.parts_at_kill = (
            len(complete),
            len(truncated),
            parts,
        )
        if side == "anchor":
            anchor_download(urls, out)
        else:
            ours_download(db, out)
        sent: dict[str, int] = {}
        for entry in srv.requests:
            if entry.received > killed_at and entry.method == "GET":
                name = entry.path.rsplit("/", 1)[1]
                sent[name] = sent.get(name, 0) + entry.sent_bytes
    report.fetched_again = sum(1 for name in complete if sent.get(name, 0) >= sizes[name])
    after_complete, after_truncated, _ = _snapshot(out, sources)
    report.truncated_kept = len(after_truncated & truncated)
    report.wrong_after_rerun = len(after_truncated) + len(set(sizes) - after_complete - after_truncated)
    if verbose:
        print(f"  kill {side}: {asdict(report)}", file=sys.stderr)
    return report


# -- main ------------------------------------------------------------------------------------


def build_parser() -> Any:
    parser = common_parser(__doc__.splitlines()[0] if __doc__ else "download benchmark")
    parser.add_argument(
        "--files", type=int, default=None, help=f"files (default {FILES}; quick {QUICK_FILES})"
    )
    parser.add_argument("--latency", type=float, default=LATENCY, help="replica latency per answer, s")
    parser.add_argument(
        "--tmp-dir", type=Path, default=None, help="where the files go (default: system temp)"
    )
    parser.add_argument("--no-kill", action="store_true", help="skip the kill experiment")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, append its row to the results, print a summary line."""
    args = build_parser().parse_args(argv)
    try:
        import parfive  # noqa: F401 - only to skip cleanly without the anchor
    except ImportError:
        skip("parfive (the anchor) is not installed: use the bench environment")
    n = args.files or (QUICK_FILES if args.quick else FILES)
    shape = QUICK_SHAPE if args.quick else SHAPE
    rounds = args.rounds or (2 if args.quick else 3)
    verbose = not args.quiet
    work = Path(tempfile.mkdtemp(prefix="jet-hunter-bench-download-", dir=args.tmp_dir))
    try:
        root = work / "remote"
        if verbose:
            print(f"  making {n} FITS files of {shape[0]}x{shape[1]} float32 in {root}", file=sys.stderr)
        sources = make_files(root, n, shape)
        size = sources[0].size
        total = sum(s.size for s in sources)

        with replica_process(root, args.latency) as url:
            urls = [(f"{url}{JOB}/{s.name}", s.name) for s in sources]

            def fresh(name: str) -> Path:
                folder = work / name
                if folder.exists():
                    check_outputs(folder, sources)  # the previous round's result, untimed
                    shutil.rmtree(folder)
                return folder

            def prepare_anchor(round_no: int) -> Callable[[], object]:
                out = fresh("anchor")
                return lambda: anchor_download(urls, out)

            def prepare_ours(round_no: int) -> Callable[[], object]:
                out = fresh("ours")
                db = work / f"ours-{round_no}.db"
                prepare_store(db, url, sources)
                return lambda: ours_download(db, out)

            anchor_timing, ours_timing = alternate(
                prepare_anchor, prepare_ours, rounds, label="download", verbose=verbose
            )
            fresh("anchor")
            fresh("ours")

        kills: dict[str, KillReport] = {}
        if not args.no_kill:
            for side in ("anchor", "ours"):
                kills[side] = kill_experiment(side, work, root, sources, verbose)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    note = f"{n} x {human_bytes(size)} ({human_bytes(total)}); {CONNECTIONS} connections each"
    if kills:
        a, o = kills["anchor"], kills["ours"]
        note += (
            f"; after a kill: parfive had {a.truncated_at_kill} truncated files on disk, kept "
            f"{a.truncated_kept} after its re-run, fetched {a.fetched_again} complete files again; ours "
            f"had {o.truncated_at_kill} truncated ({o.parts_at_kill} .part), kept {o.truncated_kept}, "
            f"fetched {o.fetched_again} again"
        )
    result = Result.from_timings(
        anchor_timing,
        ours_timing,
        workload=WORKLOAD.format(n=n, size=human_bytes(size), ms=args.latency * 1000),
        anchor=ANCHOR,
        target=f">= {TARGET_RATIO:g}x; after a kill 0 fetched again, 0 truncated kept",
        target_ratio=TARGET_RATIO,
        note=note,
        unit="MB",
        anchor_count=round(total / 1e6),
        ours_count=round(total / 1e6),
        extra={
            "files": n,
            "file_bytes": size,
            "total_bytes": total,
            "latency_s": args.latency,
            "connections": CONNECTIONS,
            "kill": {side: asdict(report) for side, report in kills.items()},
            "kill_pacing_s_per_mb": KILL_PACING,
        },
        quick=args.quick,
        benchmark=Path(__file__).name,
    )
    md = append_result(result, args.results_dir)
    print(
        f"{result.workload}: parfive {result.anchor_median_s:.2f} s, ours {result.ours_median_s:.2f} s, "
        f"ratio {result.ratio:.2f}x (target {TARGET_RATIO:g}x {'met' if result.met else 'NOT met'}); {md}"
    )
    if kills:
        print(f"kill: {json.dumps({side: asdict(r) for side, r in kills.items()})}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
