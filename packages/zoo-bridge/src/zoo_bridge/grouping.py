"""Grouping an event's frames into flipbook subjects (pure: no I/O).

An event's frames, in time order, are cut into windows of ``frames_per_subject`` (N)
frames, each starting ``N - overlap`` frames after the previous one (Solar Jet Hunter:
N = 15, overlap 2). A short tail is not a subject of its own: it is replaced by the
last N frames of the event. An event with at most N frames is one subject of all its
frames.

A subject's key (:func:`subject_key`) is a hash of what it shows (the product and the
frames' identities, their URLs) and nothing else, so re-running the grouping gives the
same keys, and re-rendering the images (new paths) does not orphan the subjects.

Examples
--------
>>> from zoo_bridge.grouping import GroupingOptions, windows
>>> [(w.start, w.stop) for w in windows(40, GroupingOptions())]
[(0, 15), (13, 28), (25, 40)]
>>> [(w.start, w.stop) for w in windows(30, GroupingOptions())]   # tail 26..30 -> last 15
[(0, 15), (13, 28), (15, 30)]
>>> [(w.start, w.stop) for w in windows(7, GroupingOptions())]
[(0, 7)]
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from zoo_bridge.errors import GroupingError

__all__ = ["GroupingOptions", "MEDIA_MODES", "windows", "subject_key"]

MEDIA_MODES = ("frames", "movie", "both")
"""What a subject uploads: its frames (one file each), one MP4 of them, or both."""


@dataclass(frozen=True, slots=True)
class GroupingOptions:
    """How subjects are made.

    Parameters
    ----------
    frames_per_subject
        N, frames per subject (15 in Solar Jet Hunter).
    overlap
        Frames shared by consecutive subjects, ``0 <= overlap < N`` (2).
    wavelength
        Only frames of this wavelength (Angstrom); one wavelength per subject set.
    kind
        Only renderings of this product (``framed`` or ``bare``, as jet-render names them).
    media
        ``frames``, ``movie`` (one MP4 per subject, made with ``jet_render.movie``) or ``both``.

    Examples
    --------
    >>> GroupingOptions(frames_per_subject=3, overlap=3)
    Traceback (most recent call last):
    ...
    zoo_bridge.errors.GroupingError: overlap must be 0..2 for 3 frames per subject, not 3
    """

    frames_per_subject: int = 15
    overlap: int = 2
    wavelength: float | None = 304.0
    kind: str = "framed"
    media: str = "frames"

    def __post_init__(self) -> None:
        if self.frames_per_subject < 1:
            raise GroupingError(f"frames per subject must be >= 1, not {self.frames_per_subject}")
        if not 0 <= self.overlap < self.frames_per_subject:
            raise GroupingError(
                f"overlap must be 0..{self.frames_per_subject - 1} for {self.frames_per_subject} "
                f"frames per subject, not {self.overlap}"
            )
        if self.media not in MEDIA_MODES:
            raise GroupingError(f"media must be one of {', '.join(MEDIA_MODES)}, not {self.media!r}")

    @property
    def product(self) -> str:
        """The product name that goes into subject keys (kind and wavelength)."""
        wave = "any" if self.wavelength is None else format(float(self.wavelength), "g")
        return f"{self.kind}/{wave}"


def windows(n_frames: int, options: GroupingOptions) -> list[range]:
    """The frame index ranges of an event's subjects, in order.

    Every frame is in at least one window; consecutive windows share exactly
    ``overlap`` frames, except the last when it replaces a short tail (it then shares
    more); every window has N frames unless the event has fewer (then one window).

    Examples
    --------
    >>> windows(0, GroupingOptions())
    []
    >>> [(w.start, w.stop) for w in windows(16, GroupingOptions(frames_per_subject=5, overlap=0))]
    [(0, 5), (5, 10), (10, 15), (11, 16)]
    """
    n, size = int(n_frames), options.frames_per_subject
    if n <= 0:
        return []
    if n <= size:
        return [range(0, n)]
    step = size - options.overlap
    out = [range(start, start + size) for start in range(0, n - size + 1, step)]
    if out[-1].stop < n:
        out.append(range(n - size, n))
    return out


def subject_key(event_id: str | None, product: str, frame_urls: Sequence[str]) -> str:
    """A stable key from what a subject shows: event, product and frame identities.

    Examples
    --------
    >>> subject_key("ivo://cj1", "framed/304", ["https://x/a.fts", "https://x/b.fts"])
    'sjh-44b5cfefa40cb9e604dce549'
    """
    doc = json.dumps({"event": event_id, "product": product, "frames": list(frame_urls)}, sort_keys=True)
    return "sjh-" + hashlib.sha256(doc.encode()).hexdigest()[:24]
