"""The simulated crowd: kinds of volunteers (careful, sloppy, random, anonymous, repeat) and their names."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

__all__ = ["KINDS", "DEFAULT_CROWD", "VolunteerKind", "volunteer_user"]


@dataclass(frozen=True, slots=True)
class VolunteerKind:
    """How one kind of volunteer marks (sigmas are 1-sigma Gaussian errors).

    ``base_px`` in AIA pixels; ``length``/``width`` relative; ``angle`` degrees;
    ``frame_slip`` the probability of marking one frame off; ``skip`` the probability
    of leaving out a tool; ``random`` marks anywhere.
    """

    name: str
    base_px: float = 0.3
    length: float = 0.03
    width: float = 0.1
    angle: float = 1.5
    frame_slip: float = 0.0
    skip: float = 0.0
    random: bool = False
    anonymous: bool = False
    repeats: int = 1


KINDS: dict[str, VolunteerKind] = {
    "careful": VolunteerKind("careful"),
    "sloppy": VolunteerKind(
        "sloppy", base_px=1.2, length=0.08, width=0.25, angle=5.0, frame_slip=0.3, skip=0.15
    ),
    "random": VolunteerKind("random", random=True),
    "anonymous": VolunteerKind("anonymous", anonymous=True),
    "repeat": VolunteerKind("repeat", repeats=2),
}
"""The volunteer kinds by name."""


DEFAULT_CROWD: tuple[str, ...] = (
    ("careful",) * 8 + ("sloppy",) * 3 + ("random",) * 2 + ("anonymous",) * 2 + ("repeat",)
)
"""16 volunteers: 8 careful, 3 sloppy, 2 random, 2 anonymous, 1 repeat classifier."""


def volunteer_user(index: int, kind: VolunteerKind) -> tuple[str, int | None]:
    """The user name and id (None when not logged in) of volunteer number ``index``."""
    if kind.anonymous:
        return f"not-logged-in-{hashlib.sha1(str(index).encode()).hexdigest()[:20]}", None
    return f"sim-{kind.name}-{index:02d}", 100_000 + index
