"""Import a large classification export: zoo_bridge's streamed importer vs pandas + json.loads.

Workload (issue 10): import throughput in rows/s and peak memory on a generated export
of about 1 GB (``--size-mb``, default 1024), memory not growing with the file.

Input: a generated "Box the jets" (19650 v4.52) export in the real column layout, each
row a T3 answer, three T1 marks (two points, one rotated box) on various frames and a
T4 answer, with 15-frame subject metadata of the jet-hunter metadata contract (WCS with
per-frame CRPIX overrides, so every mark is mapped to arcsec), ~16 volunteers per
subject; rows of about 4.5 kB, as real exports (``subject_data`` dominates).

Anchor: the team's notebooks' way, ``pandas.read_csv`` of the whole file, then
``json.loads`` of ``annotations``, ``metadata`` and ``subject_data`` row by row (kept,
as a notebook keeps its DataFrame). Ours: :func:`zoo_bridge.import_classifications`
into a fresh SQLite store: parsing, validation, the mapping to arcsec and the database
writes (so ours does strictly more work). Each side runs in its own process, whose
peak RSS (``ru_maxrss``) is reported; both are also run on the first quarter and half
of the file to show that ours does not grow with the file, while the anchor's does.
Each child also reports its CPU time (the steady number on a shared machine), and the
load average is recorded before and after each timed run.

pandas is only in the ``bench`` hatch environment. Run
``hatch run bench:python benchmarks/import_export.py --size-mb 200``.
"""

from __future__ import annotations

import csv
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # _common, when imported from elsewhere

from _common import Result, Timing, alternate, common_parser, human_bytes, report, skip

WORKLOAD = "import a {size} classification export ({rows:,} rows)"
ANCHOR = "team notebooks: pandas.read_csv + json.loads per row (annotations, metadata, subject_data)"
DEFAULT_SIZE_MB = 1024.0
QUICK_SIZE_MB = 2.0
COLUMNS = [
    "classification_id", "user_name", "user_id", "user_ip", "workflow_id", "workflow_name",
    "workflow_version", "created_at", "gold_standard", "expert", "metadata", "annotations",
    "subject_data", "subject_ids",
]  # fmt: skip
WORKFLOWS = (
    Path(__file__).resolve().parents[1] / "tests" / "data" / "zooniverse" / "solar-jet-hunter-workflows.csv"
)


def _subject_metadata(rng: random.Random, subject: int) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "retired": None,
        "#subject_key": f"SOL2012-07-08T13:05:00L100C080/304/{subject}",
        "#sol_standard": "SOL2012-07-08T13:05:00L100C080",
        "#event_id": f"ivo://helio-informatics.org/CJ_{subject}",
        "#frame_per_sub": "15",
        "#wavelength": "304",
        "#width": "1920",
        "#height": "1440",
        "#im_ll_x": "0.20027439024390248",
        "#im_ll_y": "0.10999999999999999",
        "#im_ur_x": "0.8247256097560975",
        "#im_ur_y": "0.88",
        "#naxis1": "600",
        "#naxis2": "500",
        "#crpix1": "300.5",
        "#crpix2": "250.5",
        "#crval1": repr(rng.uniform(-900, 900)),
        "#crval2": repr(rng.uniform(-900, 900)),
        "#cdelt1": "0.599489",
        "#cdelt2": "0.599489",
        "#cunit1": "arcsec",
        "#cunit2": "arcsec",
        "#ctype1": "HPLN-TAN",
        "#ctype2": "HPLT-TAN",
        "#crota2": "0.0",
        "#dsun_obs": "151846026489.0",
        "#hgln_obs": "0.0",
        "#hglt_obs": "3.2",
        "#rsun_obs": "945.4",
        "!SOL": "SOL2012-07-08T13:05:00L100C080",
    }
    for i in range(15):
        meta[f"#file_name_{i}"] = f"aia_304_20120708_13{i:02d}07_{subject}.png"
        meta[f"#date-obs_{i}"] = f"2012-07-08T13:{i:02d}:07.120"
        meta[f"#crpix1_{i}"] = repr(300.5 + rng.uniform(-0.3, 0.3))
        meta[f"#crpix2_{i}"] = repr(250.5 + rng.uniform(-0.3, 0.3))
    return meta


def _row(rng: random.Random, cid: int, subject: int, meta: dict[str, Any]) -> list[str]:
    frame = rng.randrange(15)
    marks = [
        {"x": rng.uniform(400, 1500), "y": rng.uniform(200, 1200), "tool": 0, "frame": frame, "details": [],
         "tool_label": "Base of Jet 1 in frame where it **first appears**"},
        {"x": rng.uniform(400, 1500), "y": rng.uniform(200, 1200), "tool": 1, "frame": min(14, frame + 3),
         "details": [], "tool_label": "Base of Jet 1 in frame where it's **last visible**"},
        {"x": rng.uniform(400, 1300), "y": rng.uniform(200, 1000), "width": rng.uniform(20, 300),
         "height": rng.uniform(20, 300), "angle": rng.uniform(-180, 180), "tool": 2, "frame": frame,
         "details": [], "tool_label": "Box Jet 1"},
    ]  # fmt: skip
    annotations = [
        {"task": "T3", "task_label": "Do you see one or several jets in this movie strip?", "value": "Yes"},
        {"task": "T1", "task_label": "Go to the frame in the movie strip in which a jet first appears.",
         "value": marks},
        {"task": "T4", "task_label": "Is there a second jet to mark?", "value": "No"},
    ]  # fmt: skip
    dims = {"clientWidth": 758, "clientHeight": 569, "naturalWidth": 1920, "naturalHeight": 1440}
    metadata = {
        "source": "api", "session": f"{rng.getrandbits(128):032x}",
        "viewport": {"width": 1280, "height": 632},
        "started_at": "2022-03-01T14:01:43.435Z", "finished_at": "2022-03-01T14:02:11.596Z",
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64; rv:98.0) Gecko/20100101 Firefox/98.0",
        "utc_offset": "0", "live_project": True, "user_language": "en", "user_group_ids": [],
        "subject_dimensions": [dims if i in (0, frame) else None for i in range(15)],
        "workflow_version": "4.52",
    }  # fmt: skip
    anonymous = rng.random() < 0.15
    user = f"not-logged-in-{rng.getrandbits(80):020x}" if anonymous else f"volunteer{rng.randrange(3000)}"
    return [
        str(cid), user, "" if anonymous else str(1000000 + rng.randrange(3000)),
        f"{rng.getrandbits(80):020x}",
        "19650", "Box the jets", "4.52",
        f"2022-03-{1 + cid % 28:02d} {cid % 24:02d}:{cid % 60:02d}:{(cid * 7) % 60:02d} UTC", "", "",
        json.dumps(metadata), json.dumps(annotations), json.dumps({str(subject): meta}), str(subject),
    ]  # fmt: skip


def generate(path: Path, size_mb: float, seed: int = 11265) -> int:
    """Write an export of about ``size_mb`` MB; return its rows."""
    rng = random.Random(seed)
    target = int(size_mb * 1024 * 1024)
    subjects: dict[int, dict[str, Any]] = {}
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        while fh.tell() < target:
            subject = 80_000_000 + rows // 16
            meta = subjects.get(subject)
            if meta is None:
                subjects.clear()  # one subject's metadata at a time: the generator stays small too
                meta = subjects[subject] = _subject_metadata(rng, subject)
            writer.writerow(_row(rng, 400_000_000 + rows, subject, meta))
            rows += 1
    return rows


def head(source: Path, path: Path, size_mb: float) -> int:
    """Write the first rows of ``source`` up to about ``size_mb`` MB (what :func:`generate`
    writes for that size: it writes the rows in order, whatever the size); return its rows.
    """
    target = int(size_mb * 1024 * 1024)
    rows = -1  # the header line
    with source.open("rb") as src, path.open("wb") as out:
        for line in src:  # a generated row has no newline inside a cell
            if out.tell() >= target:
                break
            out.write(line)
            rows += 1
    return rows


# -- the two sides, each in its own process -----------------------------------------


def _child_ours(export: Path, db: Path) -> dict[str, Any]:
    import astropy.wcs  # noqa: F401  (imports are start-up, as pandas' is for the anchor)
    import sunpy.coordinates  # noqa: F401
    from jet_store import Store
    from zoo_bridge import import_classifications

    store = Store(db)  # creating the schema is start-up too
    start, cpu = time.perf_counter(), time.process_time()
    summary = import_classifications(store, export, workflows=WORKFLOWS, progress=False)
    store.close()
    elapsed = time.perf_counter() - start
    return {
        "rows": summary.added,
        "annotations": summary.annotations,
        "skipped": summary.skipped,
        "s": elapsed,
        "cpu_s": time.process_time() - cpu,
    }


def _child_anchor(export: Path) -> dict[str, Any]:
    import pandas as pd

    start, cpu = time.perf_counter(), time.process_time()
    frame = pd.read_csv(export)
    parsed = [
        (json.loads(a), json.loads(m), json.loads(s))
        for a, m, s in zip(frame["annotations"], frame["metadata"], frame["subject_data"], strict=True)
    ]
    return {"rows": len(parsed), "s": time.perf_counter() - start, "cpu_s": time.process_time() - cpu}


def _peak_kib() -> int:
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux


def child_main(argv: Sequence[str]) -> int:
    """``--child ours|anchor EXPORT [DB]``: run one side, print its counts and peak RSS."""
    side, export = argv[0], Path(argv[1])
    doc = _child_ours(export, Path(argv[2])) if side == "ours" else _child_anchor(export)
    doc["peak_kib"] = _peak_kib()
    print(json.dumps(doc))
    return 0


def _run_child(*args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=7200,
    )
    if done.returncode != 0:
        raise RuntimeError(f"benchmark child {args[0]} failed:\n{done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["--child"]:
        return child_main(args_list[1:])
    parser = common_parser(__doc__.split("\n", 1)[0] if __doc__ else "")
    parser.add_argument(
        "--size-mb", type=float, default=None, help=f"export size (default {DEFAULT_SIZE_MB:g})"
    )
    parser.add_argument("--tmp-dir", type=Path, default=None, help="where the export and databases go")
    args = parser.parse_args(args_list)
    try:
        import pandas  # noqa: F401
    except ImportError:
        skip("pandas (the anchor) is not installed: run it in the bench hatch environment")
    size_mb = args.size_mb or (QUICK_SIZE_MB if args.quick else DEFAULT_SIZE_MB)
    rounds = args.rounds or (1 if args.quick else 2)  # a 1 GB round takes many minutes
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory(dir=args.tmp_dir, prefix="import-bench-") as tmp:
        folder = Path(tmp)
        big = folder / "export.csv"
        rows = generate(big, size_mb)
        parts = {"quarter": folder / "quarter.csv", "half": folder / "half.csv"}
        part_rows = {name: head(big, path, size_mb * (0.25 if name == "quarter" else 0.5))
                     for name, path in parts.items()}  # fmt: skip
        size = big.stat().st_size
        peaks: dict[str, list[int]] = {"anchor": [], "ours": []}
        cpu: dict[str, list[float]] = {"anchor": [], "ours": []}
        work = (Timing(), Timing())  # the children's own times: interpreter start-up and imports left out

        def side(name: str, *child_args: str) -> None:
            doc = _run_child(name, *child_args)
            if doc["rows"] != rows:
                raise RuntimeError(f"{name} read {doc['rows']} rows of {rows}")
            peaks[name].append(doc["peak_kib"])
            cpu[name].append(doc["cpu_s"])
            work[0 if name == "anchor" else 1].samples.append(doc["s"])
            loads.append(os.getloadavg()[0])

        def anchor(round_no: int) -> Any:
            return lambda: side("anchor", str(big))

        def ours(round_no: int) -> Any:
            return lambda: side("ours", str(big), str(folder / f"ours-{round_no}.db"))

        alternate(anchor, ours, rounds, label="import", verbose=not args.quiet)
        timings = work
        # peak memory on the smaller files (one run each; their times are not the result)
        part_peaks: dict[str, int] = {}
        for name, path in parts.items():
            part_peaks[f"ours_{name}"] = _run_child("ours", str(path), str(folder / f"{name}.db"))["peak_kib"]
            part_peaks[f"anchor_{name}"] = _run_child("anchor", str(path))["peak_kib"]
    ours_peak, anchor_peak = max(peaks["ours"]) * 1024, max(peaks["anchor"]) * 1024
    mib = {name: human_bytes(kib * 1024) for name, kib in part_peaks.items()}
    cpu_rate = {name: rows / statistics.median(times) for name, times in cpu.items()}
    note = (
        f"peak RSS: ours {mib['ours_quarter']} / {mib['ours_half']} / {human_bytes(ours_peak)} "
        f"on 1/4, 1/2, all of the file; anchor {mib['anchor_quarter']} / {mib['anchor_half']} / "
        f"{human_bytes(anchor_peak)}. Rows/s of CPU time: ours {cpu_rate['ours']:,.0f}, anchor "
        f"{cpu_rate['anchor']:,.0f}. Load average {min(loads):.1f}-{max(loads):.1f} on "
        f"{os.cpu_count()} CPUs; ours also validates, maps to arcsec and stores to SQLite"
    )
    result = Result.from_timings(
        *timings,
        workload=WORKLOAD.format(size=human_bytes(size), rows=rows),
        anchor=ANCHOR,
        target="rows/s, memory flat in file size",
        note=note,
        unit="rows",
        anchor_count=rows,
        ours_count=rows,
        extra={
            "size_bytes": size,
            "rows": rows,
            "part_rows": part_rows,
            "peak_bytes": {
                "ours": ours_peak,
                "anchor": anchor_peak,
                **{name: kib * 1024 for name, kib in part_peaks.items()},
            },
            "cpu_s": cpu,
            "cpu_rows_per_s": cpu_rate,
            "load_average": loads,
        },
        quick=args.quick,
        benchmark="import_export.py",
    )
    return report([result], args.results_dir)


if __name__ == "__main__":
    raise SystemExit(main())
