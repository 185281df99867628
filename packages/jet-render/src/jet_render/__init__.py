"""jet-render: AIA cutouts as framed/bare PNG/JPEG frames and MP4 movies, with exact geometry.

The main entry points: :func:`render_framed` / :func:`render_bare` (an array and its
header -> a :class:`RenderedImage`), :func:`encode` (-> palette PNG or JPEG under
1 MiB), :func:`render_frames` (the store stage), :func:`make_movie` (an MP4 of frames in
memory, image files or Rendering records) and :func:`render_movie` (FITS files straight
into an MP4).

Examples
--------
>>> import jet_render
>>> jet_render.__version__
'0.2.0'
"""

from jet_render.bare import render_bare
from jet_render.coords import (
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
from jet_render.encode import Encoded, EncodeError, RenderedImage, encode
from jet_render.framed import read_fits, render_framed
from jet_render.geometry import CoordinateError, CoordinateInputError, GeometryError, ImageGeometry, WcsError
from jet_render.movie import MovieResult, event_movies, make_movie, render_movie
from jet_render.normalize import Normalization
from jet_render.overlay import (
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
from jet_render.stage import RenderRequest, RenderSummary, render_file, render_frames, render_image
from jet_render.style import DEFAULT_SIZE, MAX_BYTES, Style

__version__ = "0.2.0"

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
