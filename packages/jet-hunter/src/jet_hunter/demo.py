"""The offline demo: the whole chain against local replicas of the services.

:func:`run_demo` starts the HEK, SSW cutout and Panoptes replicas of :mod:`jet_sandbox`
on loopback, points the settings at them, and runs every stage of
:func:`jet_hunter.stages.run_chain` into one folder (``./jet-hunter-demo`` by default):
HEK search -> cutouts -> downloads -> framed frames (and one MP4 per jet) -> subjects
-> upload to the Panoptes replica -> the simulated crowd classifies there -> the
classification export -> import -> aggregation -> the catalogue (CSV, ECSV, JSON),
then prints each synthetic jet's error against its truth.
The replicas serve the real HEK answer of June 2010 (16 reports of 8 jets) and
synthetic AIA cutouts with a known jet in each.

Examples
--------
>>> from jet_hunter.demo import DEMO_START, DEMO_END
>>> DEMO_START, DEMO_END
('2010-06-01', '2010-07-01')
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import datetime
from pathlib import Path

from jet_sandbox.hek import HekServer
from jet_sandbox.panoptes import PanoptesServer
from jet_sandbox.ssw import SswServer
from jet_sandbox.volunteers_panoptes import crowd_users
from jet_store import CutoutJob, HekEvent, Jet, Store, UserError
from jet_store.store import masked_url

from jet_hunter.chain_terms import DEMO_END, DEMO_START
from jet_hunter.config import Secrets, Settings
from jet_hunter.crowd import sandbox_crowd
from jet_hunter.pipeline import prepare
from jet_hunter.scoring import JetScore, score_catalogue, score_table
from jet_hunter.stages import ChainOptions, ChainSummary, run_chain

__all__ = ["run_demo", "DemoResult", "DEMO_START", "DEMO_END", "MARKER"]

log = logging.getLogger(__name__)

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


@dataclasses.dataclass
class DemoResult:
    """What the demo did: each stage's summary and every synthetic jet's score."""

    chain: ChainSummary
    scores: list[JetScore]
    folder: Path

    @property
    def exit_code(self) -> int:
        return self.chain.exit_code


def _open_store(db: str | None, folder: Path) -> Store:
    """The folder's SQLite store, or the empty store at ``db`` (a team's PostgreSQL)."""
    store = Store(db or f"sqlite:///{folder / 'jet-hunter.db'}")
    if db and store.count(HekEvent):
        store.close()
        # the stored cutout jobs would name jobs of replicas that are gone
        raise UserError(f"the demo needs an empty database; {masked_url(store.url)} already holds events")
    return store


def run_demo(
    folder: str | Path = "jet-hunter-demo",
    *,
    db: str | None = None,
    max_frames: int = 20,
    frame_shape: tuple[int, int] = (300, 250),
    start: str | datetime = DEMO_START,
    end: str | datetime = DEMO_END,
    movies: bool = True,
    report: bool = True,
    seed: int = 0,
    executor: Executor | None = None,
    progress: bool = True,
    echo: Callable[[str], None] = print,
    on_stage: Callable[[str], None] | None = None,
) -> DemoResult:
    """Run the whole chain offline into ``folder``; return what each stage did and the scores.

    Parameters
    ----------
    folder : path
        Output folder (cleared first if an earlier demo made it).
    db : str, optional
        Database URL of an empty store (``postgresql://...``); default the folder's
        SQLite file ``jet-hunter.db``.
    max_frames : int
        Frames per cutout job the SSW replica makes (keeps the demo quick).
    frame_shape : (nx, ny)
        Largest frame the SSW replica makes, in pixels.
    start, end : str or datetime
        The HEK search (June 2010); a shorter range keeps fewer of the 8 jets.
    movies, report : bool
        Make one MP4 per jet; build the HTML report (else end at the catalogue).
    seed : int
        Seeds the replicas and the simulated crowd.
    executor : Executor, optional
        Runs download, render, subjects and aggregate on its workers (a Dask cluster).
    progress : bool
        Progress bars on stderr.
    echo : callable
        Where the report lines go.
    on_stage : callable, optional
        Called with each stage's name as it starts.
    """
    folder = Path(folder)
    _fresh_folder(folder)
    with (
        HekServer(seed=seed) as hek,
        SswServer(seed=seed, pending_polls=1, max_frames_cap=max_frames, shape=frame_shape) as ssw,
        PanoptesServer(users=crowd_users()) as panoptes,
    ):
        store = _open_store(db, folder)
        settings = Settings(
            db=store.url,
            data_dir=folder / "data",
            hek_url=hek.url,
            ssw_url=ssw.submit_url,
            ssw_data_url=ssw.data_url,
            panoptes_url=panoptes.url,
            secrets=Secrets(panoptes_username=panoptes.username, panoptes_password=panoptes.password),
        )
        echo(f"replicas: HEK {hek.url}, SSW {ssw.submit_url}, Panoptes {panoptes.url}")
        options = ChainOptions(
            subject_set="June 2010 demo", out_dir=folder / "catalogue", crowd=sandbox_crowd(seed=seed)
        )
        with store:

            def first_half(steps: tuple[str, ...]) -> object:
                return prepare(
                    settings,
                    store,
                    start,
                    end,
                    poll_interval=0.2,
                    max_poll_interval=1.0,
                    timeout=600.0,
                    render="framed",
                    movies=movies,
                    progress=progress,
                    executor=executor,
                    steps=steps,
                    on_step=on_stage,
                )

            chain = run_chain(
                settings,
                store,
                first_half,
                options,
                last=None if report else "catalogue",
                progress=progress,
                executor=executor,
                on_stage=on_stage,
            )
            counts = store.counts()
            jets = store.filter(Jet)
            cutouts = [ssw.truth(j.remote_id) for j in store.filter(CutoutJob) if j.remote_id]
    shown = [(c.jet, max((f.height for f in c.frames if f.intensity > 0), default=None)) for c in cutouts]
    truths = [(jet, seen) for jet, seen in shown if jet is not None]
    scores = score_catalogue(jets, [jet for jet, _ in truths], seen_heights=[seen for _, seen in truths])
    for line in chain.lines():
        echo(line)
    where = masked_url(store.url) if db else str(folder / "jet-hunter.db")
    echo(
        f"database:  {where}  ({counts['events']['total']} events, "
        f"{counts['cutouts']['total']} cutout jobs, {counts['frames']['total']} frames)"
    )
    found = sum(s.jet_id is not None for s in scores)
    echo(f"synthetic jets against their truth ({found} of {len(scores)} found):")
    for line in score_table(scores):
        echo("  " + line)
    echo(f"FITS files: {folder / 'data' / 'cutouts'}")
    echo(f"frames:     {folder / 'data' / 'renderings'}")
    if chain.prepared is not None:
        for movie in chain.prepared.movies:
            echo(f"movie:      {movie.path}")
    for path in chain.catalogue.values():
        echo(f"catalogue:  {path}")
    if chain.report is not None:
        echo(f"report:     {chain.report}")
    echo(f"look around: jet-hunter --db {where} status")
    echo(f"             jet-hunter --db {where} query jets --limit 3 --json")
    return DemoResult(chain, scores, folder)
