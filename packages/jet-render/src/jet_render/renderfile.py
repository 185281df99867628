"""One FITS file rendered as a :class:`RenderRequest` says: in memory, to a file, or many files.

:func:`render_file` writes the image to a temporary name and renames it into place,
and returns the geometry and parameters a :class:`~jet_store.Rendering` records;
:func:`render_files` renders many on a process pool (:mod:`jet_render.pool`). The store
stage around them is :mod:`jet_render.stage`.

Examples
--------
>>> from jet_render.renderfile import RenderRequest
>>> RenderRequest(fmt="JPG").fmt, RenderRequest().size, RenderRequest(kind="bare").size
('jpeg', (1920, 1440), None)
>>> RenderRequest(kind="thumbnail")
Traceback (most recent call last):
...
ValueError: unknown kind 'thumbnail'; use framed or bare
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jet_render.bare import render_bare
from jet_render.colors import cmap_name
from jet_render.encode import FORMATS, RenderedImage, encode
from jet_render.framed import read_fits, render_framed
from jet_render.normalize import Normalization
from jet_render.pool import pooled
from jet_render.style import DEFAULT_SIZE, MAX_BYTES, Style

__all__ = [
    "KINDS",
    "RenderRequest",
    "file_sha256",
    "pool_furniture",
    "render_file",
    "render_files",
    "render_image",
]

KINDS = ("framed", "bare")
"""The kinds of image: ``framed`` (axes, labels, colour bar) or ``bare`` (the data only)."""


@dataclass(frozen=True)
class RenderRequest:
    """What to render: kind, format, size, look and size limit (stored in ``params``)."""

    kind: str = "framed"
    fmt: str = "png"
    size: tuple[int, int] | None = None
    style: Style = field(default_factory=Style)
    norm: Normalization = field(default_factory=Normalization)
    cmap: str | None = None
    max_bytes: int | None = MAX_BYTES

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}; use framed or bare")
        fmt = self.fmt.lower().replace("jpg", "jpeg")
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {self.fmt!r}; use png or jpeg")
        object.__setattr__(self, "fmt", fmt)
        if self.kind == "framed" and self.size is None:
            object.__setattr__(self, "size", DEFAULT_SIZE)
        if self.size is not None:
            object.__setattr__(self, "size", (int(self.size[0]), int(self.size[1])))

    def params(self) -> dict[str, Any]:
        """The request as stored in a Rendering's ``params["request"]`` (compared on re-runs)."""
        out: dict[str, Any] = {
            "kind": self.kind,
            "format": self.fmt,
            "size": None if self.size is None else list(self.size),
            "norm": self.norm.to_dict(),
            "cmap": self.cmap,
            "max_bytes": self.max_bytes,
        }
        if self.kind == "framed":
            out["style"] = self.style.to_dict()
        return out


def _render(raw: bytes, request: RenderRequest) -> tuple[RenderedImage, Any]:
    if raw[:2] == b"\x1f\x8b":  # a gzipped FITS file (astropy only sniffs this on paths)
        raw = gzip.decompress(raw)
    data, header = read_fits(io.BytesIO(raw))
    if request.kind == "framed":
        assert request.size is not None
        image = render_framed(
            data, header, size=request.size, style=request.style, norm=request.norm, cmap=request.cmap
        )
    else:
        image = render_bare(data, header, size=request.size, norm=request.norm, cmap=request.cmap)
    return image, header


def render_image(fits_path: str | os.PathLike[str], request: RenderRequest | None = None) -> RenderedImage:
    """One FITS file rendered as ``request`` says, in memory (what :func:`render_file` encodes)."""
    return _render(Path(fits_path).read_bytes(), request or RenderRequest())[0]


def render_file(
    fits_path: str | os.PathLike[str], out_path: str | os.PathLike[str], request: RenderRequest | None = None
) -> dict[str, Any]:
    """Render one FITS file to ``out_path`` (temp name + rename); return the geometry and params.

    The result has ``width``, ``height``, ``im_ll_x``, ``im_ll_y``, ``im_ur_x``,
    ``im_ur_y``, ``format``, ``size_bytes``, ``sha256`` and ``params`` (with
    ``frame_sha256``, the hash of the FITS bytes rendered).
    """
    request = request or RenderRequest()
    raw = Path(fits_path).read_bytes()
    image, header = _render(raw, request)
    encoded = encode(image, request.fmt, max_bytes=request.max_bytes)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    tmp.write_bytes(encoded.data)
    os.replace(tmp, out)
    ll_x, ll_y, ur_x, ur_y = image.fractions
    params = {
        "request": request.params(),
        "cmap": cmap_name(header.get("WAVELNTH"), request.cmap),
        "encoding": encoded.params,
        "degraded": encoded.degraded,
        "frame_sha256": hashlib.sha256(raw).hexdigest(),
    }
    return {
        "format": encoded.format,
        "width": encoded.width,
        "height": encoded.height,
        "im_ll_x": ll_x,
        "im_ll_y": ll_y,
        "im_ur_x": ur_x,
        "im_ur_y": ur_y,
        "size_bytes": len(encoded.data),
        "sha256": hashlib.sha256(encoded.data).hexdigest(),
        "params": params,
    }


def file_sha256(path: str | os.PathLike[str]) -> str | None:
    """The SHA-256 of a file (hex), or None if it cannot be read."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def pool_furniture(request: RenderRequest) -> tuple[tuple[int, int], Style] | None:
    """The size and style whose furniture a pool warms (None: bare images have none).

    Examples
    --------
    >>> pool_furniture(RenderRequest(kind="bare")) is None, pool_furniture(RenderRequest())[0]
    (True, (1920, 1440))
    """
    if request.kind != "framed" or request.size is None:
        return None
    return request.size, request.style


def _render_chunk(items: list[tuple[str, str, RenderRequest]]) -> list[dict[str, Any]]:
    return [render_file(src, out, request) for src, out, request in items]


def render_files(
    pairs: Sequence[tuple[str | os.PathLike[str], str | os.PathLike[str]]],
    request: RenderRequest | None = None,
    *,
    workers: int = 1,
) -> list[dict[str, Any]]:
    """Render ``(fits_path, out_path)`` pairs; return :func:`render_file`'s records, in order.

    With ``workers > 1`` the files are rendered on a process pool as :func:`render_frames`
    does (furniture drawn once here and inherited, chunks of paths per task, only the
    small records sent back). The images are byte-identical to a serial run.
    """
    request = request or RenderRequest()
    items = [(str(src), str(out), request) for src, out in pairs]
    if workers <= 1 or len(items) <= 1:
        return _render_chunk(items)
    return list(
        pooled(_render_chunk, items, [src for src, _out, _req in items], pool_furniture(request), workers)
    )
