"""Rendered images and their encoding as 8-bit palette PNG or JPEG, under a size limit.

A :class:`RenderedImage` is an array of palette indices plus the palette and its
geometry (the data area in image fractions). :func:`encode` writes it as a palette PNG
(zlib level 1: fast, and smaller than RGB) or as an RGB JPEG (quality 90). If the file
would exceed ``max_bytes`` (1 MiB by default: Panoptes refuses larger files), it
degrades step by step and says what it did: PNG at zlib level 9, then with the data
posterised to 120 and 60 colour levels, then scaled down by 0.85 per step; JPEG at
quality 80, 70, 60, 50, then scaled down. A scale-down keeps the data area's fractions
(the whole image is resampled), so the geometry record only changes in width/height.

Examples
--------
>>> import numpy as np
>>> from jet_render.colors import palette_for
>>> from jet_render.encode import RenderedImage, encode
>>> img = RenderedImage(index=np.zeros((20, 30), np.uint8), palette=palette_for(304))
>>> out = encode(img, "png")
>>> out.data[:8], out.width, out.height, out.degraded
(b'\\x89PNG\\r\\n\\x1a\\n', 30, 20, [])
>>> noisy = RenderedImage(index=np.random.default_rng(0).integers(0, 240, (400, 400), dtype=np.uint8),
...                       palette=palette_for(304))
>>> small = encode(noisy, "jpeg", max_bytes=20_000)
>>> len(small.data) <= 20_000, small.degraded[0]
(True, 'jpeg quality 80')
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from jet_render.colors import DATA_LEVELS
from jet_render.style import MAX_BYTES

__all__ = ["RenderedImage", "Encoded", "encode", "FORMATS", "EncodeError"]

logger = logging.getLogger(__name__)

FORMATS = {"png": ".png", "jpeg": ".jpg"}
"""Supported formats and their file suffixes."""


class EncodeError(ValueError):
    """An image could not be brought under the size limit, or the format is unknown."""


@dataclass(frozen=True, eq=False)
class RenderedImage:
    """Palette indices (``(height, width)`` ``uint8``), the 256x3 palette, the data area."""

    index: npt.NDArray[np.uint8]
    palette: npt.NDArray[np.uint8]
    fractions: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)
    """``(im_ll_x, im_ll_y, im_ur_x, im_ur_y)``, origin bottom-left."""

    @property
    def width(self) -> int:
        """Image width in pixels."""
        return int(self.index.shape[1])

    @property
    def height(self) -> int:
        """Image height in pixels."""
        return int(self.index.shape[0])

    def rgb(self) -> npt.NDArray[np.uint8]:
        """The ``(height, width, 3)`` RGB image."""
        return self.palette[self.index]


@dataclass
class Encoded:
    """An encoded image: its bytes, format, final size and what was degraded to fit."""

    data: bytes
    format: str
    width: int
    height: int
    params: dict[str, Any] = field(default_factory=dict)
    degraded: list[str] = field(default_factory=list)


def _png(index: npt.NDArray[np.uint8], palette: npt.NDArray[np.uint8], level: int) -> bytes:
    from PIL import Image

    h, w = index.shape
    img = Image.frombuffer("P", (w, h), np.ascontiguousarray(index), "raw", "P", 0, 1)  # no copy
    img.putpalette(palette.tobytes())
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=level, optimize=False)
    return buf.getvalue()


def _jpeg(rgb: npt.NDArray[np.uint8], quality: int) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def _posterise(index: npt.NDArray[np.uint8], levels: int) -> npt.NDArray[np.uint8]:
    step = DATA_LEVELS // levels
    data = index < DATA_LEVELS
    out = index.copy()
    out[data] = (index[data] // step) * step + step // 2
    return out


def _scaled(index: npt.NDArray[np.uint8], factor: float) -> npt.NDArray[np.uint8]:
    from PIL import Image

    h, w = index.shape
    size = (max(2, round(w * factor)), max(2, round(h * factor)))
    img = Image.frombytes("L", (w, h), np.ascontiguousarray(index).tobytes())
    return np.asarray(img.resize(size, Image.Resampling.NEAREST))


def encode(
    image: RenderedImage,
    fmt: str = "png",
    *,
    max_bytes: int | None = MAX_BYTES,
    quality: int = 90,
    compress_level: int = 1,
) -> Encoded:
    """Encode as ``"png"`` (8-bit palette) or ``"jpeg"``, degrading until under ``max_bytes``.

    ``max_bytes=None`` means no limit. Raises :class:`EncodeError` if even a 64 px wide
    image would not fit.
    """
    fmt = fmt.lower().replace("jpg", "jpeg")
    if fmt not in FORMATS:
        raise EncodeError(f"unknown image format {fmt!r}; use png or jpeg")
    index, palette = image.index, image.palette
    degraded: list[str] = []
    limit = max_bytes if max_bytes is not None else float("inf")
    if fmt == "png":
        steps: list[tuple[str, Any]] = [("", ("png", compress_level, None))]
        steps += [("png zlib level 9", ("png", 9, None))]
        steps += [(f"posterised to {n} levels", ("png", 9, n)) for n in (120, 60)]
    else:
        steps = [("", ("jpeg", quality, None))]
        steps += [(f"jpeg quality {q}", ("jpeg", q, None)) for q in (80, 70, 60, 50) if q < quality]
    factor = 1.0
    while True:
        for note, (kind, setting, levels) in steps:
            if note:
                degraded.append(note)
            work = _posterise(index, levels) if levels else index
            data = _png(work, palette, setting) if kind == "png" else _jpeg(palette[work], setting)
            if len(data) <= limit:
                h, w = index.shape
                params = {"compress_level" if kind == "png" else "quality": setting}
                if levels:
                    params["levels"] = levels
                if factor != 1.0:
                    params["scale"] = round(factor, 4)
                if degraded:
                    logger.info("image degraded to fit %s bytes: %s", max_bytes, "; ".join(degraded))
                return Encoded(data=data, format=fmt, width=w, height=h, params=params, degraded=degraded)
        if index.shape[1] * 0.85 < 64:
            raise EncodeError(f"cannot encode the image under {max_bytes} bytes even at 64 px wide")
        factor *= 0.85
        index = _scaled(image.index, factor)
        degraded.append(f"scaled to {index.shape[1]}x{index.shape[0]}")
        steps = steps[-1:]
