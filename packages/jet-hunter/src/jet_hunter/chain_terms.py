"""The terms of the chain, as plain values: its stages in order, a range of them, the demo's dates.

They live apart from :mod:`jet_hunter.stages`, :mod:`jet_hunter.pipeline` and
:mod:`jet_hunter.demo` (which re-export them) because the command line's parser needs
them (``--from``/``--until`` choices, the demo's defaults) and must not import the
packages those modules run.

Examples
--------
>>> stage_range("upload", "import")
('upload', 'classify', 'fetch', 'import')
>>> stage_range(None, "download")
('hek', 'cutouts', 'download')
"""

from __future__ import annotations

from jet_store.errors import UserError

__all__ = ["PREPARE_STEPS", "STAGES", "stage_range", "DEMO_START", "DEMO_END"]

PREPARE_STEPS: tuple[str, ...] = ("hek", "cutouts", "download", "render")
"""The steps of :func:`jet_hunter.pipeline.prepare`, in order (each a stage of ``jet-hunter run``)."""

STAGES: tuple[str, ...] = (
    *PREPARE_STEPS,
    "subjects",
    "upload",
    "classify",
    "fetch",
    "import",
    "aggregate",
    "catalogue",
    "report",
)
"""The stages in order."""

DEMO_START = "2010-06-01"
"""Start of the demo's HEK search (``jet-hunter demo``)."""
DEMO_END = "2010-07-01"
"""End of the demo's HEK search."""


def stage_range(first: str | None, last: str | None) -> tuple[str, ...]:
    """The stages from ``first`` to ``last`` (inclusive; None = the ends)."""
    for name in (first, last):
        if name is not None and name not in STAGES:
            raise UserError(f"unknown stage {name!r}; stages: {', '.join(STAGES)}")
    start = STAGES.index(first) if first else 0
    stop = STAGES.index(last) if last else len(STAGES) - 1
    if start > stop:
        raise UserError(f"--from {first} comes after --until {last}")
    return STAGES[start : stop + 1]
