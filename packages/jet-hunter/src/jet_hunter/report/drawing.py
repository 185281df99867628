"""The frames of every subject of a report, drawn here or on an executor's workers.

:class:`FrameJobs` makes one job per subject (:func:`~jet_hunter.report.frames.write_subject_frames`,
a module-level function of picklable arguments, so a process pool or a Dask cluster
can run it). Submitted at once, the workers draw while the caller makes the plots; the
results come back per jet, in the jets' and subjects' order, whatever order the
workers finish in.

Examples
--------
>>> from pathlib import Path
>>> jobs = FrameJobs([], Path("r"), None, None)
>>> jobs.results(progress=False)
[]
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import Executor, Future
from pathlib import Path

from tqdm import tqdm

from jet_hunter.report.frames import FrameImage, write_subject_frames
from jet_hunter.report.model import ReportJet
from jet_hunter.report.reuse import record_frames, reuse_frames, subject_key

__all__ = ["FrameJobs"]

log = logging.getLogger(__name__)


class FrameJobs:
    """Every subject's frames (:func:`write_subject_frames`), one job per subject.

    Subjects whose frames the ``previous`` report holds for the same inputs are linked
    from it (:mod:`~jet_hunter.report.reuse`); the others are submitted to ``executor``
    when there is one (its workers draw while this process makes the plots), else drawn
    here by :meth:`results`. A subject that fails is written as a message on its jet;
    the jet's other subjects go on.
    """

    def __init__(
        self,
        items: Sequence[ReportJet],
        root: Path,
        data_dir: Path | None,
        executor: Executor | None,
        *,
        previous: Path | None = None,
    ):
        self.items = items
        self.root = root
        self.data_dir = data_dir
        self.jobs = [(n, view) for n, item in enumerate(items) for view in item.subjects]
        self.keys = [subject_key(view, data_dir) for _, view in self.jobs]
        self.reused: dict[int, list[FrameImage]] = {}
        if previous is not None:
            for k, (n, view) in enumerate(self.jobs):
                frames = reuse_frames(previous, root, self._folder(n), view.subject_id, self.keys[k])
                if frames is not None:
                    self.reused[k] = frames
        self.futures: dict[int, Future[list[FrameImage]]] = {}
        if executor is not None:
            for k, (n, view) in enumerate(self.jobs):
                if k not in self.reused:
                    self.futures[k] = executor.submit(
                        write_subject_frames, view, self._folder(n), data_dir, relative_to=root
                    )

    def _folder(self, n: int) -> Path:
        return self.root / "frames" / self.items[n].slug

    def _one(self, k: int) -> list[FrameImage]:
        if k in self.reused:
            return self.reused[k]
        n, view = self.jobs[k]
        if k in self.futures:
            frames = self.futures[k].result()
        else:
            frames = write_subject_frames(view, self._folder(n), self.data_dir, relative_to=self.root)
        record_frames(self._folder(n), view.subject_id, self.keys[k], frames)
        return frames

    def results(self, *, progress: bool) -> list[tuple[list[FrameImage], list[str]]]:
        """Per jet, in order: its frames (subject by subject) and its messages."""
        out: list[tuple[list[FrameImage], list[str]]] = [([], []) for _ in self.items]
        bar = tqdm(range(len(self.jobs)), desc="report", unit="subject", disable=not progress)
        for k in bar:
            n, view = self.jobs[k]
            try:
                out[n][0].extend(self._one(k))
            except Exception as exc:  # one subject's frames failing must not lose the report
                sid = self.items[n].row["#sjh_ID"]
                log.warning("%s: subject %s: frames not drawn (%s)", sid, view.subject_id, exc)
                out[n][1].append(f"{sid}: frames of subject {view.subject_id} not drawn ({exc})")
        return out
