"""Bare frames (size, orientation) and encoding under the 1 MiB limit (and its degrade path)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from jet_render.bare import render_bare
from jet_render.colors import palette_for
from jet_render.encode import EncodeError, RenderedImage, encode
from jet_render.framed import read_fits
from PIL import Image

from .conftest import Cutout


def test_bare_exact_size_and_row_zero_at_the_bottom(cutout: Cutout) -> None:
    data, header = read_fits(cutout.paths[0])
    native = render_bare(data, header)
    assert (native.width, native.height) == (600, 500)
    assert native.fractions == (0.0, 0.0, 1.0, 1.0)
    ramp = np.tile(np.arange(50.0)[:, None], (1, 40))  # grows with the row: bright at the top
    img = render_bare(ramp, size=(123, 77))
    assert (img.width, img.height) == (123, 77)
    assert img.index[0, 0] > img.index[-1, 0]
    assert (np.diff(img.index[:, 5].astype(int)) <= 0).all()


def test_palette_png_and_degrade_path() -> None:
    rng = np.random.default_rng(1)
    noisy = RenderedImage(index=rng.integers(0, 240, (600, 800), dtype=np.uint8), palette=palette_for(304))
    plain = encode(noisy, "png", max_bytes=None)
    small = encode(noisy, "png", max_bytes=len(plain.data) // 3)
    assert len(small.data) <= len(plain.data) // 3
    assert small.degraded and "png zlib level 9" in small.degraded
    with Image.open(io.BytesIO(small.data)) as im:
        assert im.mode == "P"
        assert im.size == (small.width, small.height)
    jpeg = encode(noisy, "jpeg", max_bytes=40_000)
    assert len(jpeg.data) <= 40_000 and jpeg.degraded
    with pytest.raises(EncodeError):
        encode(noisy, "png", max_bytes=100)
    with pytest.raises(EncodeError):
        encode(noisy, "gif")
