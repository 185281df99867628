"""The classify stage in the sandbox: the simulated crowd of :mod:`jet_sandbox.volunteers_panoptes`.

:func:`sandbox_crowd` gives the ``crowd`` of :class:`jet_hunter.stages.ChainOptions`: as
the project owner it links the project's subject sets to the workflows (what the
project builder does), reads the truth of every stored SSW cutout job from the replica
(``<ssw data url><job id>/truth.json``, or ``truths`` given in-process) and lets the
crowd classify on the configured Panoptes replica, journalling in the data folder so a
re-run continues where a killed one stopped.

Examples
--------
>>> from jet_hunter.crowd import truth_url
>>> truth_url("http://127.0.0.1:9/data/", "ssw_service_1")
'http://127.0.0.1:9/data/ssw_service_1/truth.json'
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence

from jet_sandbox.aia import CutoutTruth
from jet_sandbox.volunteers import DEFAULT_CROWD
from jet_sandbox.volunteers_panoptes import classify_on_panoptes, link_workflows
from jet_store import CutoutJob, ServiceError, Store, UserError

from jet_hunter.config import Settings

__all__ = ["sandbox_crowd", "stored_truths", "truth_url"]

log = logging.getLogger(__name__)


def truth_url(data_url: str, job_id: str) -> str:
    """Where the SSW replica serves a job's truth."""
    return f"{data_url.rstrip('/')}/{job_id}/truth.json"


def stored_truths(settings: Settings, store: Store) -> list[CutoutTruth]:
    """The truth of every stored SSW cutout job, read from the SSW replica."""
    truths = []
    for job in store.filter(CutoutJob, where=[("backend", "=", "ssw")], order_by="key"):
        if not job.remote_id:
            continue
        url = truth_url(settings.ssw_data_url, job.remote_id)
        try:
            with urllib.request.urlopen(url, timeout=30) as answer:
                truths.append(CutoutTruth.from_dict(json.load(answer)))
        except (urllib.error.URLError, OSError, ValueError) as err:
            raise ServiceError(
                f"cannot read the truth of {job.remote_id} from the SSW replica: {err}"
            ) from None
    return truths


def sandbox_crowd(
    *, crowd: Sequence[str] = DEFAULT_CROWD, seed: int = 0, truths: Sequence[CutoutTruth] | None = None
) -> Callable[[Settings, Store], str]:
    """The classify stage of a sandbox run: the simulated crowd on the configured replica."""

    def classify(settings: Settings, store: Store) -> str:
        secrets = settings.secrets
        if not secrets.panoptes_username or not secrets.panoptes_password:
            raise UserError("the simulated crowd needs the owner's PANOPTES_USERNAME and PANOPTES_PASSWORD")
        link_workflows(settings.panoptes_url, secrets.panoptes_username, secrets.panoptes_password)
        known = list(truths) if truths is not None else stored_truths(settings, store)
        summary = classify_on_panoptes(
            settings.panoptes_url,
            known,
            crowd=crowd,
            seed=seed,
            journal=settings.data_dir / "crowd" / "journal.jsonl",
        )
        return summary.line()

    return classify
