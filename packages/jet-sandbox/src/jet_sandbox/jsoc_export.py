"""One JSOC export (:class:`JsocExport`): built from a request's parameters; its status answers."""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from jet_sandbox.aia import CutoutTruth, SyntheticAiaError
from jet_sandbox.errors import BadQuery
from jet_sandbox.jobdata import SyntheticCutout
from jet_sandbox.jsoc_protocol import NO_DATA_FILE, file_name, parse_process, parse_record_set, record_name

__all__ = ["JsocExport", "build_export", "status_answer", "ExportState"]


@dataclasses.dataclass(frozen=True, slots=True)
class JsocExport:
    """One export request.

    Attributes
    ----------
    request_id
        ``JSOC_YYYYMMDD_NNN``.
    email
        The ``notify`` address.
    params
        The request's parameters as sent (first value of each).
    record_set, im_patch
        The ``ds`` and the parsed ``im_patch`` arguments.
    cutout
        Its synthetic data.
    records
        ``(record, filename)`` of every record, ``NoDataFile`` ones included.
    dir
        The export folder (``/SUM12/D1183744826/S00000``).
    submitted
        POSIX seconds of the request.
    """

    request_id: str
    email: str
    params: Mapping[str, str]
    record_set: str
    im_patch: Mapping[str, str]
    cutout: SyntheticCutout
    records: tuple[tuple[str, str], ...]
    dir: str
    submitted: float

    @property
    def files(self) -> list[str]:
        """The file names served (``NoDataFile`` entries left out)."""
        return [name for _, name in self.records if name != NO_DATA_FILE]

    @property
    def size_mb(self) -> int:
        """The export's size in MB, as JSOC estimates it."""
        frame = 4 * self.cutout.spec.nx * self.cutout.spec.ny + 3 * 2880
        return max(1, round(frame * len(self.files) / 1e6))

    def truth(self) -> CutoutTruth:
        """The truth of the frames served (JSOC file names)."""
        served = set(self.files)
        truth = self.cutout.truth(file_name)
        return dataclasses.replace(truth, frames=tuple(f for f in truth.frames if f.file in served))


@dataclasses.dataclass(slots=True)
class ExportState:
    """Where one export stands on the replica: polls, status steps, done, expired."""

    started: float  # time.monotonic() of the request
    polls: int = 0
    steps: int = 0
    done: bool = False
    expired: bool = False


def _expiry(submitted: float) -> str:
    moment = datetime.fromtimestamp(submitted, UTC) + timedelta(days=3)
    return f"{moment:%Y-%m-%d %H:%M:%S}Z"


def build_export(
    params: Mapping[str, str],
    email: str,
    *,
    seed: int,
    shape: tuple[int, int] | None = None,
    no_data_files: int = 1,
) -> JsocExport:
    """The export an ``exp_request`` asks for (no request id or folder yet: the server gives them).

    ``seed`` and ``shape`` go to :meth:`SyntheticCutout.build`; ``no_data_files`` records
    get ``NoDataFile`` as their file name.

    Raises
    ------
    BadQuery
        If the record set, the ``process`` or the method cannot be exported.

    Examples
    --------
    >>> export = build_export(
    ...     {"ds": "aia.lev1_euv_12s[2012-07-08T13:05:00Z/1m][304]{image}",
    ...      "process": "n=0|im_patch,x=-300,y=200,width=60,height=60"},
    ...     "jets@example.org", seed=0, shape=(32, 32))
    >>> len(export.records), export.records[1][1], len(export.files)
    (5, 'NoDataFile', 4)
    """
    ds = params.get("ds", "").strip()
    if not ds:
        raise BadQuery("An export requires a record set (ds).")
    method = params.get("method", "url").strip().lower()
    if method not in ("url", "url_quick"):
        raise BadQuery(f"method '{method}' is not supported by this replica (use url)")
    protocol = params.get("protocol", "fits").strip().lower()
    if protocol not in ("fits", "as-is"):
        raise BadQuery(f"protocol '{protocol}' is not supported (use fits)")
    start, end, waves = parse_record_set(ds)
    patch = parse_process(params.get("process", ""))
    try:
        cutout = SyntheticCutout.build(
            xcen=float(patch["x"]),
            ycen=float(patch["y"]),
            fovx=float(patch["width"]),
            fovy=float(patch["height"]),
            start=start,
            end=end,
            waves=waves,
            seed=seed,
            shape=shape,
        )
    except SyntheticAiaError as err:
        raise BadQuery(str(err)) from None
    records = [(record_name(w, t), file_name(w, t)) for w, t in cutout.frames]
    if no_data_files and records:
        rng = random.Random(f"jet_sandbox.jsoc.nodata:{cutout.key}")
        if len(records) == 1:
            wave, moment = cutout.frames[0]
            records.append((record_name(wave, moment + timedelta(seconds=12)), NO_DATA_FILE))
        else:
            for i in rng.sample(range(1, len(records)), min(no_data_files, len(records) - 1)):
                records[i] = (records[i][0], NO_DATA_FILE)
    return JsocExport(
        request_id="",
        email=email,
        params=dict(params),
        record_set=ds,
        im_patch=patch,
        cutout=cutout,
        records=tuple(records),
        dir="",
        submitted=float(int(time.time())),
    )


def status_answer(export: JsocExport, status: int, wait: float) -> dict[str, Any]:
    """The ``exp_status`` answer of ``export`` at ``status`` (0 done, 1/2 processing, else an error).

    Examples
    --------
    >>> asked = {"ds": "aia.lev1_euv_12s[2012-07-08T13:05:00Z/30s][171]{image}",
    ...          "process": "n=0|im_patch,x=0,y=0,width=40,height=40"}
    >>> export = build_export(asked, "jets@example.org", seed=1, shape=(32, 32), no_data_files=0)
    >>> status_answer(export, 2, 10.0)["count"], status_answer(export, 0, 10.0)["wait"]
    (2, 0)
    """
    request_id = export.request_id
    base = {"requestid": request_id, "method": "url", "protocol": "FITS", "wait": wait}
    if status == 0:
        return {
            "status": 0,
            **base,
            "wait": 0,
            "dir": export.dir,
            "size": export.size_mb,
            "count": len(export.records),
            "rcount": len(export.records),
            "exptime": _expiry(export.submitted),
            "data": [{"record": record, "filename": name} for record, name in export.records],
        }
    if status == 6:
        return {"status": 6, **base, "error": f"Request {request_id} not found yet; try again"}
    if status in (1, 2):
        return {
            "status": status,
            **base,
            "dir": None,
            "size": export.size_mb,
            "count": len(export.records),
        }
    return {"status": status, **base, "error": f"Export {request_id} ended with status {status}"}
