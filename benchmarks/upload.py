"""Upload to Panoptes: zoo_bridge.upload vs the plain panoptes-client loop, on the replica.

Workload (BENCHMARKS.md): "upload 300 subjects x 15 frames to a Panoptes replica with 50
ms latency", target >= 5x faster, and the duplicates each side leaves under the 504
fault ("done but the answer was lost").

Input (untimed): 300 subjects of 15 small distinct PNGs each, with the metadata
contract (``tests/zoo_data.synthetic_subjects``). Each round starts a fresh replica
(``jet_sandbox.panoptes.PanoptesServer``, 50 ms latency on every request) in its own
process, so its threads do not compete for the uploader's GIL, and, for ours, a fresh
SQLite store holding the subjects.

Anchor: what the Panoptes CLI does, without its thread pool: sign in with
``Panoptes.connect``, create the subject set, then per subject ``Subject()``,
``links.project``, ``add_location(path, manual_mimetype="image/png")`` per frame,
``metadata.update``, ``save()`` (POST, then the client PUTs the media on its own 5
threads), and ``SubjectSet.add`` every 10 subjects (the CLI's link batch).

Ours: ``zoo_bridge.upload.upload_subjects`` with 16 workers: subjects created already
linked to the set, media PUT 4 at a time per subject, every medium read back and its
SHA-256 checked, each step recorded in the store.

Checked (untimed): after each side, every subject is on the replica once, linked once,
with all its media; the duplicates run (no latency, 40 subjects x 3 frames, 10 % of
subject POSTs answered 504 after creating the subject) counts per side the subjects
beyond one per key and the subjects without their media.
"""

from __future__ import annotations

import collections
import multiprocessing
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # zoo_data: the synthetic subjects

from _common import Result, alternate, common_parser, report

WORKLOAD = "upload {n} subjects x {f} frames to a Panoptes replica with {ms:g} ms latency"
ANCHOR = "panoptes-client loop: Subject.save per subject + SubjectSet.add per 10 (the CLI's way, no pool)"
PROJECT, SET_NAME = 11265, "benchmark"
DEFAULT, QUICK = (300, 15), (6, 3)


def anchor_upload(srv: Any, root: Path, subjects: Sequence[Any]) -> None:
    """The plain client loop (see the module doc)."""
    from panoptes_client import Panoptes, Project, Subject, SubjectSet

    Panoptes.connect(username=srv.username, password=srv.password, endpoint=srv.url)
    project = Project.find(PROJECT)
    subject_set = SubjectSet()
    subject_set.links.project = project
    subject_set.display_name = SET_NAME
    subject_set.save()
    batch: list[Any] = []
    for record in subjects:
        subject = Subject()
        subject.links.project = project
        for rel in record.media_paths:
            subject.add_location(str(root / rel), manual_mimetype="image/png")
        subject.metadata.update(record.metadata)
        subject.save()
        batch.append(subject)
        if len(batch) == 10:
            subject_set.add(batch)
            batch = []
    if batch:
        subject_set.add(batch)


def ours_store(db: Path, subjects: Sequence[Any]) -> Any:
    """A fresh store holding the subjects (untimed: creating the schema is not uploading)."""
    from jet_store import Store

    store = Store(f"sqlite:///{db}")
    store.add(subjects)
    return store


def ours_upload(srv: Any, root: Path, store: Any, workers: int) -> Any:
    """zoo_bridge's uploader, from a store holding the subjects."""
    from jet_store.retry import RetryPolicy
    from zoo_bridge.connection import PanoptesConfig, PanoptesConnection
    from zoo_bridge.upload import UploadOptions, upload_subjects

    conn = PanoptesConnection(
        PanoptesConfig(endpoint=srv.url, username=srv.username, password=srv.password,
                       retry=RetryPolicy(attempts=10, base_delay=0.05, max_delay=1.0))
    )  # fmt: skip
    options = UploadOptions(project_id=PROJECT, subject_set=SET_NAME, workers=workers)
    try:
        return upload_subjects(store, root, conn, options, progress=False)
    finally:
        store.close()


def census(srv: Any, n: int) -> dict[str, int]:
    """Subjects on the replica: per key, beyond the first (duplicates), and without media."""
    live = srv.subjects(project_id=PROJECT)
    keys = collections.Counter(s.metadata.get("#subject_key") for s in live)
    return {
        "subjects": len(live),
        "duplicates": sum(c - 1 for c in keys.values()),
        "without_media": sum(1 for s in live if not s.complete),
        "missing": n - len(keys),
    }


def _serve(pipe: Any, latency: float, lost: list[str]) -> None:
    """The replica in its own process (so its threads do not share our GIL), driven by ``pipe``."""
    from jet_sandbox.panoptes import PanoptesServer
    from jet_sandbox.panoptes_faults import PanoptesFaults

    faults = PanoptesFaults.parse(lost={"subjects": lost}, seed=11) if lost else None
    with PanoptesServer(latency=latency, panoptes_faults=faults) as srv:
        pipe.send((srv.url, srv.username, srv.password))
        while True:
            command, n = pipe.recv()
            if command == "stop":
                pipe.send(None)
                return
            counts = census(srv, n)
            sets = srv.subject_sets(PROJECT, SET_NAME)
            counts["linked"] = len(set(sets[0].subject_ids)) if sets else 0
            counts["lost_answers"] = len(srv.lost_answers)
            pipe.send(counts)


class Replica:
    """A :class:`~jet_sandbox.panoptes.PanoptesServer` served by a child process."""

    def __init__(self, latency: float = 0.0, lost: Sequence[str] = ()) -> None:
        context = multiprocessing.get_context("fork")
        self._pipe, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, latency, list(lost)), daemon=True)
        self._process.start()
        self.url, self.username, self.password = self._pipe.recv()

    def census(self, n: int) -> dict[str, int]:
        self._pipe.send(("census", n))
        counts: dict[str, int] = self._pipe.recv()
        return counts

    def stop(self) -> None:
        self._pipe.send(("stop", 0))
        self._pipe.recv()
        self._process.join(timeout=30)


def _check(srv: Replica, n: int, side: str) -> None:
    counts = srv.census(n)
    want = {"subjects": n, "duplicates": 0, "without_media": 0, "missing": 0, "linked": n}
    if {k: counts[k] for k in want} != want:
        raise AssertionError(f"{side} did not upload every subject exactly once: {counts}")


def duplicates_run(root: Path, subjects: Sequence[Any], work: Path) -> dict[str, dict[str, int]]:
    """Both sides once on a replica that loses 10 % of the subject POST answers (after creating)."""

    out = {}
    for side in ("anchor", "ours"):
        srv = Replica(lost=["504:p=0.1"])
        try:
            if side == "anchor":
                anchor_upload(srv, root, subjects)
            else:
                ours_upload(srv, root, ours_store(work / "dup.db", subjects), workers=8)
            out[side] = srv.census(len(subjects))
        finally:
            srv.stop()
    return out


def run(args: Any) -> list[Result]:
    """Time both sides alternately and build the result row."""
    from zoo_data import synthetic_subjects

    n, f = (args.subjects, args.frames) if args.subjects else (QUICK if args.quick else DEFAULT)
    rounds = args.rounds or 1
    latency = args.latency
    work = Path(tempfile.mkdtemp(prefix="jet-bench-upload-"))
    try:
        subjects = synthetic_subjects(work, n, f)
        servers: list[Replica] = []

        def fresh_server() -> Replica:
            for old in servers:
                old.stop()
            servers.clear()
            servers.append(Replica(latency=latency))
            return servers[0]

        def prep_anchor(_r: int) -> Callable[[], object]:
            srv = fresh_server()
            return lambda: (anchor_upload(srv, work, subjects), _check(srv, n, "anchor"))

        def prep_ours(r: int) -> Callable[[], object]:
            srv = fresh_server()
            store = ours_store(work / f"ours-{r}.db", subjects)
            return lambda: (ours_upload(srv, work, store, args.workers), _check(srv, n, "ours"))

        timings = alternate(prep_anchor, prep_ours, rounds, label="upload", verbose=not args.quiet)
        for old in servers:
            old.stop()
        dup_n, dup_f = (40, 3) if not args.quick else (10, 2)
        dup_work = work / "dup"
        dup_work.mkdir()
        dups = duplicates_run(dup_work, synthetic_subjects(dup_work, dup_n, dup_f), dup_work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    note = (
        f"both verified: {n} subjects once each, linked once, all media; ours: {args.workers} workers, "
        "created linked, media PUT and read back (sha256) 4 at a time per subject, state in SQLite; "
        f"under 504 on 10% of subject POSTs ({dup_n} x {dup_f}): anchor left "
        f"{dups['anchor']['duplicates']} duplicates ({dups['anchor']['without_media']} without media) "
        f"from {dups['anchor']['lost_answers']} lost answers, ours {dups['ours']['duplicates']} "
        f"({dups['ours']['without_media']} without media) from {dups['ours']['lost_answers']}"
    )
    return [
        Result.from_timings(
            *timings,
            workload=WORKLOAD.format(n=n, f=f, ms=latency * 1000),
            anchor=ANCHOR,
            target=">= 5x; 0 duplicates",
            target_ratio=5.0,
            note=note,
            extra={
                "subjects": n,
                "frames": f,
                "latency_s": latency,
                "workers": args.workers,
                "duplicates": dups,
            },
            quick=bool(args.quick),
            benchmark="upload.py",
        )
    ]


def build_parser() -> Any:
    """The command line: the common options plus sizes, latency and workers."""
    parser = common_parser(__doc__.split("\n", 1)[0] if __doc__ else "upload benchmark")
    parser.add_argument("--subjects", type=int, default=None, help=f"subjects (default {DEFAULT[0]})")
    parser.add_argument("--frames", type=int, default=DEFAULT[1], help=f"frames per subject ({DEFAULT[1]})")
    parser.add_argument("--latency", type=float, default=0.05, help="replica latency in s (default 0.05)")
    parser.add_argument("--workers", type=int, default=16, help="our workers (default 16)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return report(run(args), args.results_dir)


if __name__ == "__main__":
    raise SystemExit(main())
