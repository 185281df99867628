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

from jet_store.lazy import attach_stub

__version__ = "0.2.0"

__getattr__, __dir__, __all__ = attach_stub(__name__, __file__)
