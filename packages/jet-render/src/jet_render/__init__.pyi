"""The public names of jet_render (imported lazily by ``__init__.py``, see :mod:`jet_store.lazy`)."""

from .bare import render_bare
from .coords import (
    FrameWcs,
    ImageBox,
    WorldBox,
    box_to_world,
    display_scale,
    frame_wcs,
    pixel_to_world,
    rectangle_corners,
    world_box_to_image,
    world_to_pixel,
)
from .encode import Encoded, EncodeError, RenderedImage, encode
from .framed import read_fits, render_framed
from .geometry import CoordinateError, CoordinateInputError, GeometryError, ImageGeometry, WcsError
from .movie import MovieResult, event_movies, make_movie, render_movie
from .normalize import Normalization
from .overlay import (
    Circle,
    Overlay,
    OverlayInputError,
    OverlayStyle,
    Point,
    Rectangle,
    RotatedRectangle,
    Text,
    annotations_overlay,
    draw_overlays,
)
from .stage import RenderRequest, RenderSummary, render_file, render_frames, render_image
from .style import DEFAULT_SIZE, MAX_BYTES, Style

__version__: str

__all__ = [
    "__version__",
    "ImageGeometry",
    "FrameWcs",
    "WorldBox",
    "ImageBox",
    "CoordinateError",
    "CoordinateInputError",
    "GeometryError",
    "WcsError",
    "frame_wcs",
    "pixel_to_world",
    "world_to_pixel",
    "box_to_world",
    "world_box_to_image",
    "rectangle_corners",
    "display_scale",
    "Overlay",
    "OverlayStyle",
    "OverlayInputError",
    "Point",
    "Rectangle",
    "RotatedRectangle",
    "Circle",
    "Text",
    "draw_overlays",
    "annotations_overlay",
    "DEFAULT_SIZE",
    "MAX_BYTES",
    "EncodeError",
    "Encoded",
    "MovieResult",
    "Normalization",
    "RenderRequest",
    "RenderSummary",
    "RenderedImage",
    "Style",
    "encode",
    "event_movies",
    "make_movie",
    "read_fits",
    "render_bare",
    "render_file",
    "render_frames",
    "render_image",
    "render_movie",
    "render_framed",
]
