"""Synthetic downloaded cutouts and a store's end state, for the Dask and multi-process tests."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from jet_sandbox.aia import CutoutSpec, write_cutout
from jet_store import FitsFrame, Rendering, Store, Subject
from sdo_cutout.fitsmeta import frame_fields_from_header, read_header


def frames_of_jobs(root: Path, minutes: int = 2) -> list[FitsFrame]:
    """Synthetic AIA 304 cutouts of two jobs, written under ``root`` (as the download stage leaves them)."""
    frames = []
    for n, job in enumerate(("job-a", "job-b")):
        spec = CutoutSpec(
            center_x=-400 + 50 * n,
            center_y=300,
            shape=(48, 40),
            start_time="2012-07-08T13:05",
            end_time=f"2012-07-08T13:{5 + minutes:02d}",
            seed=n,
        )
        for path in write_cutout(spec, None, root / "cutouts" / job):
            rel = str(path.relative_to(root))
            fields = frame_fields_from_header(read_header(path))  # what the download stage records
            url = f"https://x/{job}/{path.name}"
            frames.append(FitsFrame(url=url, job_key=job, state="downloaded", path=rel, **fields))
    return frames


def stored_state(store: Store, root: Path) -> dict[str, Any]:
    """What a run leaves: records without their clock fields, and every image file's hash."""
    renderings = sorted(
        tuple(sorted((k, repr(v)) for k, v in asdict(r).items() if k != "created_at"))
        for r in store.stream(Rendering)
    )
    subjects = sorted(
        tuple(sorted((k, repr(v)) for k, v in asdict(s).items() if k != "updated_at"))
        for s in store.stream(Subject)
    )
    files = {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((root / "renderings").rglob("*"))
        if p.is_file()
    }
    return {"renderings": renderings, "subjects": subjects, "files": files, "claims": store.claims()}


@contextlib.contextmanager
def local_cluster() -> Iterator[Any]:
    """Two worker processes, one thread each, small memory (as a laptop team would start)."""
    import distributed  # the callers importorskip it first

    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        memory_limit="1GiB",
        dashboard_address=None,
        host="127.0.0.1",
    ) as local:
        yield local
