"""Framed frames: the seed's sunpy + matplotlib look, drawn fast.

Per frame: normalise the data (:class:`~jet_render.normalize.Normalization`, sunpy's
AIA default: min..max, asinh 0.01), look the values up in the palette's colour map
entries (numpy), resample them nearest-neighbour into the data area of the cached
furniture (:mod:`jet_render.furniture`), and draw the title with Pillow in
matplotlib's font, size and place. The geometry (``RenderedImage.fractions``) is the
data area matplotlib itself laid out.

Examples
--------
>>> import numpy as np
>>> from jet_render.framed import data_indices
>>> from jet_render.normalize import Normalization
>>> data_indices(np.array([[0.0, 25.0, 100.0]]), Normalization(stretch="linear")).tolist()
[[0, 48, 191]]
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from functools import lru_cache
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt

from jet_render.colors import DATA_LEVELS, grey_index, palette_for
from jet_render.encode import RenderedImage
from jet_render.furniture import Furniture, font_path, furniture_for
from jet_render.normalize import Normalization
from jet_render.style import DEFAULT_SIZE, Style, source_name

__all__ = ["render_framed", "data_indices", "read_fits", "header_time", "draw_title"]

logger = logging.getLogger(__name__)


def read_fits(path: str | os.PathLike[str] | BinaryIO) -> tuple[npt.NDArray[np.float32], Any]:
    """The image and header of a FITS file or file object (the first HDU with data; compressed too)."""
    from astropy.io import fits

    with fits.open(path, memmap=False) as hdul:
        for hdu in hdul:
            if hdu.data is not None and getattr(hdu.data, "ndim", 0) == 2:
                return np.asarray(hdu.data, dtype=np.float32), hdu.header  # parsed: outlives the file
    raise ValueError(f"{path}: no 2-D image in this FITS file")


def header_time(header: Any) -> datetime | None:
    """``DATE-OBS`` (else ``T_OBS``) of a header as a datetime, or None."""
    for card in ("DATE-OBS", "T_OBS", "DATE_OBS"):
        value = header.get(card)
        if value:
            text = str(value).strip().rstrip("Z").replace("_", "T")
            try:
                return datetime.fromisoformat(text)
            except ValueError:
                continue
    return None


def data_indices(data: npt.ArrayLike, norm: Normalization | None = None) -> npt.NDArray[np.uint8]:
    """Palette indices ``0..DATA_LEVELS-1`` of the data (NaN -> 0)."""
    return (norm or Normalization()).indices(data, DATA_LEVELS)


@lru_cache(maxsize=8)
def _font(size_px: float) -> Any:
    from PIL import ImageFont

    return ImageFont.truetype(str(font_path()), size=size_px)


def draw_title(index: npt.NDArray[np.uint8], furniture: Furniture, text: str) -> None:
    """Draw ``text`` as the title, in place, antialiased in the palette's greys."""
    from PIL import Image, ImageDraw

    top, bottom = furniture.title_band
    if not text or bottom <= top:
        return
    mask = Image.new("L", (furniture.width, bottom - top), 0)
    x, y = furniture.title_xy
    ImageDraw.Draw(mask).text((x, y - top), text, fill=255, font=_font(furniture.title_px), anchor="ms")
    cover = np.asarray(mask)
    ink = cover > 0
    band = index[top:bottom]
    band[ink] = grey_index(1.0 - cover[ink] / np.float32(255.0))


def render_framed(
    data: npt.ArrayLike,
    header: Any,
    *,
    size: tuple[int, int] = DEFAULT_SIZE,
    style: Style | None = None,
    norm: Normalization | None = None,
    cmap: str | None = None,
    time: datetime | None = None,
) -> RenderedImage:
    """A framed frame (axes in arcsec, title, colour map) of one image and its header.

    Parameters
    ----------
    data
        The ``(naxis2, naxis1)`` image; row 0 is drawn at the bottom (y up on the Sun).
    header
        Its FITS header (astropy ``Header`` or dict; the WCS and ``WAVELNTH`` are used).
    size
        ``(width, height)`` of the image in pixels (default 1920 x 1440, the seed's).
    style, norm, cmap
        Look, normalisation and colour map (default: ``sdoaia<WAVELNTH>``).
    time
        The time in the title (default: the header's ``DATE-OBS``).
    """
    style = style or Style()
    arr = np.asarray(data)
    placement = furniture_for(header, size, style)
    furniture = placement.furniture
    wave = header.get("WAVELNTH")
    palette = palette_for(wave, cmap)
    idx = data_indices(arr, norm)
    out = furniture.index.copy()
    # nearest-pixel resampling as two 1-D takes: ~4x faster than one 2-D fancy index
    picked = np.take(np.take(idx, furniture.src_rows, axis=0), furniture.src_cols, axis=1)
    out[furniture.rows, furniture.cols] = picked
    covered, values = furniture.covered  # the few spine pixels over the data area's edge
    out.reshape(-1)[covered] = values
    placement.paint(out)  # ticks, labels and the grid over the data, where matplotlib puts them
    when = time if time is not None else header_time(header)
    text = style.title(when, wave, str(header.get("INSTRUME") or ""), source=source_name(header))
    draw_title(out, furniture, text)
    return RenderedImage(index=out, palette=palette, fractions=furniture.fractions)
