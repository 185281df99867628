"""Who writes the synthetic HEK reports (fictional annotators) and the words they use."""

from __future__ import annotations

import dataclasses

__all__ = ["Annotator", "ANNOTATORS", "DESCRIPTIONS", "IDENTIFIERS", "IVO", "TITLES"]

IVO = "ivo://helio-informatics.org/"


@dataclasses.dataclass(frozen=True, slots=True)
class Annotator:
    """Who reports a synthetic jet (fictional HEK accounts named after solar astronomers)."""

    frm_name: str
    archivist: str
    display: str
    institute: str


ANNOTATORS: tuple[Annotator, ...] = (
    Annotator("carrington", "carrington_richard", "RichardCarrington", "LMSAL"),
    Annotator("hale", "hale_george", "GeorgeHale", "LMSAL"),
    Annotator("secchi", "secchi_angelo", "AngeloSecchi", "SAO"),
    Annotator("maunder", "maunder_annie", "AnnieMaunder", "LMSAL"),
    Annotator("lockyer", "lockyer_norman", "NormanLockyer", "NSO"),
    Annotator("evershed", "evershed_john", "JohnEvershed", "LMSAL"),
)
"""The fictional annotators of synthetic reports."""


DESCRIPTIONS = (
    "Coronal jet at the east limb.",
    "Polar jet in the north polar coronal hole.",
    "Blowout jet with a twisting spire.",
    "Small standard jet from an emerging bipole.",
    "Jet with retraction",
    "Recurrent jet from the same bright point, third in two hours.",
    "Jet-like eruption above the west limb, faint in 304.",
    "Narrow collimated jet along open field lines.",
    "Coronal jet associated with a mini-filament eruption just to the south.",
    "Two-sided loop jet near an active region.",
)


TITLES = ("Coronal jet", "Polar Jet", "Jet", "Limb jet", "Blowout jet", "Coronal cusp/jet")


IDENTIFIERS = ("Annotator", "Annotator-build_20100621-avc", "Annotator-build_20100621-ext")
