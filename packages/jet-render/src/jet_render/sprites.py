"""What a framed frame's furniture is made of, and when it can be moved rather than redrawn.

A :class:`Furniture` is the static part of a framed frame (spines, axis labels, the
data area and where the title goes) plus one :class:`Sprite` per tick: the pixels that
move with that tick (its marks, its label, its grid line). Real AIA cutouts jitter by
fractions of a pixel from frame to frame (``CRPIX`` drifts), which moves every tick and
grid line by the same amount in display pixels; :meth:`Furniture.place` moves each
tick's sprite by whole pixels, to exactly the pixel where matplotlib's Agg renderer
would put that tick (``floor(x + 0.5)``), as long as no tick enters or leaves the axes
and the image is not rotated enough for the shift to tilt. No matplotlib here: the
drawing is :mod:`jet_render.furniture`'s.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from jet_render.colors import blend_table

__all__ = ["Sprite", "Furniture", "Placement"]

logger = logging.getLogger(__name__)

_EDGE_PX = 2.0
"""A tick this close (display px) to a corner of the axes may appear or vanish: redraw."""
_TILT_PX = 0.25
"""Largest tick displacement (px) a shift may induce through the image's rotation."""


@dataclass(frozen=True, eq=False)
class Sprite:
    """The pixels that move with one tick: its marks, its label and its grid line.

    Attributes
    ----------
    axis
        0: an x tick (moves along image columns); 1: a y tick (along rows).
    position
        The tick's display position along that axis, as matplotlib computed it (px;
        x to the right, y up, origin bottom-left).
    grey_flat, grey_value
        Flat indices into the image and the grey palette index written there.
    blend_flat
        Flat indices where the data shows through the grid (60 % white).
    """

    axis: int
    position: float
    grey_flat: npt.NDArray[np.intp]
    grey_value: npt.NDArray[np.uint8]
    blend_flat: npt.NDArray[np.intp]


@dataclass(frozen=True, eq=False)
class Furniture:
    """A framed frame without data and title, and where the data, title and ticks go.

    Attributes
    ----------
    index
        ``(height, width)`` ``uint8`` palette indices (greys) of the static furniture.
    box
        The data area in display pixels, origin bottom-left: ``(x0, y0, x1, y1)``.
    rows, cols
        Image rows ``r0..r1`` and columns ``c0..c1`` covered by the data, as slices.
    src_rows, src_cols
        For each of those image rows / columns, the data array row / column shown
        (nearest neighbour; row 0 of the data is the bottom of the image).
    data_mask
        ``(r1 - r0, c1 - c0)`` bool: where the data shows (False under the spines).
    title_xy
        The title's anchor (horizontal centre, baseline) in image pixels, y down.
    title_px
        The title's font size in pixels.
    sprites
        What moves with each tick (see :class:`Sprite`).
    crpix
        The reference pixel (``CRPIX1``, ``CRPIX2``) it was drawn for.
    scale
        Display pixels per data pixel along x and y.
    ticks
        Display positions of the x ticks (x) and of the y ticks (y).
    tilt
        ``|sin|`` of the image's rotation (0 for north up).
    """

    width: int
    height: int
    index: npt.NDArray[np.uint8]
    box: tuple[float, float, float, float]
    rows: slice
    cols: slice
    src_rows: npt.NDArray[np.intp]
    src_cols: npt.NDArray[np.intp]
    data_mask: npt.NDArray[np.bool_]
    title_xy: tuple[float, float]
    title_px: float
    title_band: tuple[int, int]
    sprites: tuple[Sprite, ...] = ()
    crpix: tuple[float, float] = (0.0, 0.0)
    scale: tuple[float, float] = (1.0, 1.0)
    ticks: tuple[tuple[float, ...], tuple[float, ...]] = ((), ())
    tilt: float = 0.0

    @cached_property
    def covered(self) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.uint8]]:
        """Flat indices and values of the static furniture over the data area (spine edges)."""
        rows, cols = np.nonzero(~self.data_mask)
        flat = ((rows + self.rows.start) * self.width + cols + self.cols.start).astype(np.intp)
        return flat, self.index.reshape(-1)[flat]

    @property
    def fractions(self) -> tuple[float, float, float, float]:
        """``(im_ll_x, im_ll_y, im_ur_x, im_ur_y)``: the data area in image fractions."""
        x0, y0, x1, y1 = self.box
        return (x0 / self.width, y0 / self.height, x1 / self.width, y1 / self.height)

    def _fits(self, positions: tuple[float, ...], shift: float, low: float, high: float) -> bool:
        """Whether the ticks at ``positions`` moved by ``shift`` are the same ticks."""
        if shift == 0.0:
            return True
        if len(positions) < 2:
            return False
        spacing = min(b - a for a, b in pairwise(positions))
        inside = all(low + _EDGE_PX < p + shift < high - _EDGE_PX for p in positions)
        outside = positions[0] - spacing + shift < low - _EDGE_PX
        return inside and outside and positions[-1] + spacing + shift > high + _EDGE_PX

    def place(self, crpix: tuple[float, float]) -> Placement | None:
        """This furniture for a frame whose reference pixel is ``crpix``, or None.

        None when moving the ticks is not exact enough: a tick would enter or leave
        the axes, or the image's rotation would tilt the shift by ``_TILT_PX`` or more.

        Examples
        --------
        >>> import numpy as np
        >>> f = Furniture(width=100, height=80, index=np.zeros((80, 100), np.uint8),
        ...               box=(10.0, 10.0, 90.0, 70.0), rows=slice(10, 70), cols=slice(10, 90),
        ...               src_rows=np.arange(60), src_cols=np.arange(80),
        ...               data_mask=np.ones((60, 80), bool), title_xy=(50.0, 5.0), title_px=8.0,
        ...               title_band=(0, 8), crpix=(40.0, 30.0), scale=(1.0, 1.0),
        ...               ticks=((35.0, 65.0), (25.0, 55.0)))
        >>> f.place((40.3, 29.6)).shift
        (0.3, -0.4)
        >>> f.place((58.0, 30.0)) is None  # the next tick, at x = 5, would come in at x = 23
        True
        """
        sx = (crpix[0] - self.crpix[0]) * self.scale[0]
        sy = (crpix[1] - self.crpix[1]) * self.scale[1]
        sx, sy = round(sx, 9), round(sy, 9)
        if self.tilt * max(abs(sx), abs(sy)) >= _TILT_PX:
            return None
        x0, y0, x1, y1 = self.box
        if not (self._fits(self.ticks[0], sx, x0, x1) and self._fits(self.ticks[1], sy, y0, y1)):
            return None
        return Placement(self, (sx, sy))


@dataclass(frozen=True, eq=False)
class Placement:
    """A :class:`Furniture` with its ticks moved by ``shift`` display pixels ``(x, y up)``."""

    furniture: Furniture
    shift: tuple[float, float] = (0.0, 0.0)

    def offsets(self) -> list[int]:
        """Per sprite, the flat index offset that puts it where matplotlib would."""
        f, (sx, sy) = self.furniture, self.shift
        out = []
        for sprite in f.sprites:
            p = sprite.position
            if sprite.axis == 0:
                out.append(math.floor(p + sx + 0.5) - math.floor(p + 0.5))
            else:  # rows count down from the top
                h = f.height
                out.append((math.floor(h - p - sy + 0.5) - math.floor(h - p + 0.5)) * f.width)
        return out

    def paint(self, out: npt.NDArray[np.uint8]) -> None:
        """Draw the ticks, labels and grid into ``out`` (the data already in place)."""
        sprites = self.furniture.sprites
        if not sprites:
            return
        flat = out.reshape(-1)
        offsets = self.offsets()
        blend = np.concatenate([s.blend_flat + o for s, o in zip(sprites, offsets, strict=True)])
        grey = np.concatenate([s.grey_flat + o for s, o in zip(sprites, offsets, strict=True)])
        value = np.concatenate([s.grey_value for s in sprites])
        keep = (grey >= 0) & (grey < flat.size)
        blend = blend[(blend >= 0) & (blend < flat.size)]
        flat[blend] = blend_table()[flat[blend]]
        flat[grey[keep]] = value[keep]

    def image(self) -> npt.NDArray[np.uint8]:
        """The furniture alone (data area black), as palette indices: for checks and tests."""
        f = self.furniture
        out = f.index.copy()
        region = out[f.rows, f.cols]
        region[f.data_mask] = 0
        self.paint(out)
        return out
