"""The offline demo: the whole pipeline against local replicas of the services.

:func:`run_demo` starts the HEK and SSW cutout replicas of :mod:`jet_sandbox` on
loopback, points the settings at them, and runs :func:`jet_hunter.pipeline.prepare`
into one folder (``./jet-hunter-demo`` by default): a SQLite database and the data
folder with the downloaded FITS files, the framed PNG frames volunteers would see
and one MP4 movie per jet.
The replicas serve the real HEK answer of June 2010 (16 reports of 8 jets) and
synthetic AIA cutouts with a known jet in each.

Examples
--------
>>> from jet_hunter.demo import DEMO_START, DEMO_END
>>> DEMO_START, DEMO_END
('2010-06-01', '2010-07-01')
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path

from jet_sandbox.hek import HekServer
from jet_sandbox.ssw import SswServer
from jet_store import Store, UserError

from jet_hunter.config import Settings
from jet_hunter.pipeline import PrepareSummary, prepare

__all__ = ["run_demo", "DEMO_START", "DEMO_END", "MARKER"]

log = logging.getLogger(__name__)

DEMO_START = "2010-06-01"
DEMO_END = "2010-07-01"
MARKER = ".jet-hunter-demo"
"""File that marks a folder as the demo's own, so a re-run may clear it."""


def _fresh_folder(folder: Path) -> None:
    # every run starts clean: the replicas' job ids live only as long as the replicas
    if folder.exists():
        if not (folder / MARKER).exists():
            if any(folder.iterdir()):
                raise UserError(f"{folder} exists and was not made by the demo; choose another folder")
        else:
            shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text("made by `jet-hunter demo`; removed and rebuilt by each run\n")


def run_demo(
    folder: str | Path = "jet-hunter-demo",
    *,
    max_frames: int = 20,
    frame_shape: tuple[int, int] = (300, 250),
    progress: bool = True,
    echo: Callable[[str], None] = print,
) -> PrepareSummary:
    """Run the preparation chain offline into ``folder``; return what each step did.

    Parameters
    ----------
    folder : path
        Output folder (cleared first if an earlier demo made it).
    max_frames : int
        Frames per cutout job the SSW replica makes (keeps the demo quick).
    frame_shape : (nx, ny)
        Largest frame the SSW replica makes, in pixels.
    progress : bool
        Progress bars on stderr.
    echo : callable
        Where the report lines go.
    """
    folder = Path(folder)
    _fresh_folder(folder)
    db = f"sqlite:///{folder / 'jet-hunter.db'}"
    with (
        HekServer(seed=0) as hek,
        SswServer(seed=0, pending_polls=1, max_frames_cap=max_frames, shape=frame_shape) as ssw,
    ):
        settings = Settings(
            db=db,
            data_dir=folder / "data",
            hek_url=hek.url,
            ssw_url=ssw.submit_url,
            ssw_data_url=ssw.data_url,
        )
        echo(f"HEK replica at {hek.url}; SSW cutout replica at {ssw.submit_url}")
        with Store(db) as store:
            summary = prepare(
                settings,
                store,
                DEMO_START,
                DEMO_END,
                poll_interval=0.2,
                max_poll_interval=1.0,
                timeout=600.0,
                render="framed",
                movies=True,
                progress=progress,
            )
            counts = store.counts()
    for line in summary.lines():
        echo(line)
    echo(
        f"database:  {folder / 'jet-hunter.db'}  ({counts['events']['total']} events, "
        f"{counts['cutouts']['total']} cutout jobs, {counts['frames']['total']} frames)"
    )
    echo(f"FITS files: {folder / 'data' / 'cutouts'}")
    echo(f"frames:     {folder / 'data' / 'renderings'}")
    for movie in summary.movies:
        echo(f"movie:      {movie.path}")
    echo(f"look around: jet-hunter --db {folder / 'jet-hunter.db'} status")
    echo(f"             jet-hunter --db {folder / 'jet-hunter.db'} query frames --limit 3 --json")
    return summary
