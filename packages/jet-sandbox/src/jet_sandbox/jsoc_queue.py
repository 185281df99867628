"""The exports a JSOC replica holds and where each stands: queued, polled, done, expired.

:class:`ExportQueue` is thread-safe; it numbers the exports (``JSOC_YYYYMMDD_NNN`` from
a fictitious clock and the seed, with a seeded ``/SUM..`` folder), refuses a second
export of an e-mail address while one is pending, and answers ``exp_status`` polls
along a status sequence. :class:`~jet_sandbox.jsoc.JsocServer` passes its policy (the
sequence, the transient error rate, the pending timeout) at each call, so changing it
on a running replica takes effect at once.

Examples
--------
>>> from jet_sandbox.jsoc_export import build_export
>>> asked = {"ds": "aia.lev1_euv_12s[2012-07-08T13:05:00Z/30s][171]{image}",
...          "process": "n=0|im_patch,x=0,y=0,width=40,height=40"}
>>> queue = ExportQueue(seed=0)
>>> export, queued = queue.queue(build_export(asked, "a@b.org", seed=0, shape=(32, 32), no_data_files=0),
...                              now=0.0, pending_timeout=None)
>>> export.request_id, queued
('JSOC_20140325_334', True)
>>> [queue.status(export.request_id, (2, 1, 0), None, wait=1.0)["status"] for _ in range(4)]
[2, 1, 0, 0]
>>> queue.served(export.dir, export.files[0]) is not None, queue.polls(export.request_id)
(True, 4)
"""

from __future__ import annotations

import dataclasses
import random
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from jet_sandbox.errors import SandboxError
from jet_sandbox.jsoc_export import ExportState, JsocExport, status_answer

__all__ = ["ExportQueue"]


class ExportQueue:
    """The exports of one JSOC replica and their states (see the module docstring)."""

    def __init__(self, *, seed: int) -> None:
        self.seed = seed
        self._exports: dict[str, JsocExport] = {}
        self._states: dict[str, ExportState] = {}
        self._dirs: dict[str, str] = {}
        self._count = 0
        self._lock = threading.Lock()

    @property
    def exports(self) -> dict[str, JsocExport]:
        """Every export queued so far, by request id."""
        with self._lock:
            return dict(self._exports)

    def export(self, request_id: str) -> JsocExport:
        """One export.

        Raises
        ------
        SandboxError
            If there is no such request id.
        """
        with self._lock:
            try:
                return self._exports[request_id]
            except KeyError:
                raise SandboxError(f"no JSOC export {request_id!r} on this replica") from None

    def polls(self, request_id: str) -> int:
        """How many times an export's status was asked for."""
        with self._lock:
            state = self._states.get(request_id)
            return 0 if state is None else state.polls

    def expire(self, request_id: str) -> None:
        """Delete an export's files: its status becomes 5, its files 404."""
        self.export(request_id)
        with self._lock:
            self._states[request_id].expired = True

    def finish(self, request_id: str, steps: int) -> None:
        """Make an export done now (its next status is the last of a sequence of ``steps``)."""
        self.export(request_id)
        with self._lock:
            state = self._states[request_id]
            state.done, state.steps = True, steps - 1

    def queue(
        self, export: JsocExport, *, now: float, pending_timeout: float | None
    ) -> tuple[JsocExport, bool]:
        """Queue ``export`` (read at ``now``, monotonic): it with its request id and folder,
        and True; or the export of the same e-mail address still pending, and False.

        An export is pending until done or expired, or ``pending_timeout`` seconds after
        it was requested (None: until done or expired).
        """
        with self._lock:
            for other in self._exports.values():
                state = self._states[other.request_id]
                recent = pending_timeout is None or now - state.started < pending_timeout
                if (
                    other.email.lower() == export.email.lower()
                    and not state.done
                    and not state.expired
                    and recent
                ):
                    return other, False
            self._count += 1
            rng = random.Random(f"jet_sandbox.jsoc:{self.seed}:{self._count}")
            day = datetime(2014, 3, 25) + timedelta(days=self.seed % 365)
            request_id = f"JSOC_{day:%Y%m%d}_{333 + self._count}"
            folder = f"/SUM{rng.randint(1, 99)}/D{rng.randrange(10**9, 2 * 10**9)}/S00000"
            export = dataclasses.replace(export, request_id=request_id, dir=folder)
            self._exports[request_id] = export
            self._states[request_id] = ExportState(now)
            self._dirs[folder] = request_id
        return export, True

    def status(
        self, request_id: str, sequence: Sequence[int], transient_every: int | None, *, wait: float
    ) -> dict[str, Any]:
        """The ``exp_status`` answer of one poll: the next status of ``sequence`` (the last
        repeats), status 4 every ``transient_every`` polls of an export not done, 5 once
        expired, 6 for an unknown request id; ``wait`` is the suggested wait."""
        with self._lock:
            export = self._exports.get(request_id)
            state = self._states.get(request_id)
            if export is None or state is None:
                return {
                    "status": 6,
                    "requestid": request_id,
                    "error": f"Bad RequestID {request_id!r}: not found",
                }
            state.polls += 1
            if state.expired:
                return {
                    "status": 5,
                    "requestid": request_id,
                    "error": f"Request {request_id} has expired; its files were deleted. Submit it again.",
                }
            if not state.done and transient_every is not None and state.polls % transient_every == 0:
                return {
                    "status": 4,
                    "requestid": request_id,
                    "error": "Export failed: could not reach the storage unit; try again later.",
                }
            status = sequence[min(state.steps, len(sequence) - 1)]
            state.steps += 1
            if status == 0:
                state.done = True
        return status_answer(export, status, wait)

    def served(self, folder: str, name: str) -> JsocExport | None:
        """The export whose folder serves the file ``name`` now (done, not expired), or None."""
        with self._lock:
            request_id = self._dirs.get(folder)
            export = self._exports.get(request_id or "")
            state = self._states.get(request_id or "")
            available = state is not None and state.done and not state.expired
        if export is None or not available or name not in export.files:
            return None
        return export
