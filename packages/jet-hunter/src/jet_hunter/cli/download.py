"""``jet-hunter download`` and ``jet-hunter verify``: the frames' FITS files on disk.

``download [--workers N] [--retry-failed]`` fetches every pending (and missing) frame
into the data folder (``--data-dir``, ``cutouts/<job>/<file>``), resuming ``.part``
files left by an interrupted run, and records each verified file. ``verify`` checks
every downloaded frame's file against the store (size and SHA-256; ``--quick``: size
only), marks the bad ones missing and fetches them again (``--no-refetch``: report only).
Both print one summary line (``--json``: one JSON document) and can be interrupted and
run again. Exit code 2 when some file could not be had (the server kept failing or
refused it), 3 when ``verify --no-refetch`` found files missing or corrupt.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import TYPE_CHECKING, Any

from jet_hunter.cli.app import App, Reported, common_options
from jet_hunter.cli.argtypes import workers

if TYPE_CHECKING:
    from sdo_cutout.download import DownloadSummary
    from sdo_cutout.verify import VerifySummary

__all__ = ["register", "run_download", "run_verify"]


def register(commands: Any) -> None:
    download = commands.add_parser(
        "download",
        help="download the frames' FITS files (resumable, verified)",
        description=(
            "Download every pending or missing frame into the data folder: .part files, resumed when a run "
            "was interrupted, checked (size, FITS, checksums) and renamed into place; each file is recorded "
            "with its SHA-256 and header. Interrupt and run again at any time."
        ),
        epilog="Example: jet-hunter download --workers 6",
        parents=[common_options(defaults=False)],
    )
    download.add_argument(
        "--workers", type=workers, default=4, metavar="N", help="files at once per host (default 4)"
    )
    download.add_argument("--retry-failed", action="store_true", help="also retry frames marked failed")
    download.add_argument("--json", action="store_true", help="print one JSON document")
    download.set_defaults(func=run_download)

    verify = commands.add_parser(
        "verify",
        help="check downloaded files against the store; re-fetch missing or corrupt ones",
        description=(
            "Check that every downloaded frame's file is on disk with its recorded size and SHA-256; mark "
            "the others missing and download them again."
        ),
        parents=[common_options(defaults=False)],
    )
    verify.add_argument("--no-refetch", action="store_true", help="only report and mark, download nothing")
    verify.add_argument("--quick", action="store_true", help="compare sizes only (no hashing)")
    verify.add_argument("--workers", type=workers, default=4, metavar="N", help="files at once (default 4)")
    verify.add_argument("--json", action="store_true", help="print one JSON document")
    verify.set_defaults(func=run_verify)


def _download_code(summary: DownloadSummary | None) -> int:
    if summary is None:
        return 0
    return 2 if summary.errors or summary.failed else 0


def run_download(app: App, args: argparse.Namespace) -> int:
    from sdo_cutout.download import download_frames

    store = app.store(create=False)
    with app.executor() as executor:  # the Dask cluster of --scheduler, else this process
        summary = download_frames(
            store,
            app.settings.data_dir,
            executor=executor,
            workers=args.workers,
            retry_failed=args.retry_failed,
            progress=app.progress,
        )
    extra = {"data_dir": str(app.settings.data_dir)}
    return app.report(Reported(summary, _download_code(summary), extra), as_json=args.json)


def run_verify(app: App, args: argparse.Namespace) -> int:
    from sdo_cutout.verify import verify_frames

    store = app.store(create=False)
    summary = verify_frames(
        store,
        app.settings.data_dir,
        refetch=not args.no_refetch,
        checksum=not args.quick,
        workers=args.workers,
        progress=app.progress,
    )
    if args.no_refetch:
        code = 3 if summary.missing + summary.corrupt + summary.unsafe else 0
    else:
        code = _download_code(summary.refetch)
    return app.report(_Verified(summary, code, str(app.settings.data_dir)), as_json=args.json)


@dataclasses.dataclass(frozen=True)
class _Verified:
    """:class:`sdo_cutout.verify.VerifySummary` in the summary protocol (its messages are ``problems``)."""

    summary: VerifySummary
    exit_code: int
    data_dir: str

    @property
    def messages(self) -> list[str]:
        return list(self.summary.problems)

    def line(self) -> str:
        return self.summary.line()

    def to_dict(self) -> dict[str, Any]:
        return {"data_dir": self.data_dir, **self.summary.to_dict()}
