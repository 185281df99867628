"""jet-render: render AIA cutouts into framed frames, MP4 movies and exact pixel <-> helioprojective coordinates (arrives with issue 5).

Examples
--------
>>> import jet_render
>>> jet_render.__version__
'0.1.0'
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
