"""The look of a framed frame: figure geometry, labels, title.

The defaults reproduce the seed's frames: a 6.4 x 4.8 in matplotlib figure saved at
300 dpi (1920 x 1440 px), axes labelled ``Solar X (arcsec)`` / ``Solar Y (arcsec)`` and
the title ``SDO-AIA   2012-Jul-08 13:05:43``, whose first part is the observatory
and instrument of the frame's header (:func:`source_name`: ``TELESCOP`` / ``INSTRUME``).
Another image size keeps the figure width of 6.4 in and changes the dpi (``dpi = 300 *
width / 1920``), so text and lines keep their size relative to the image, and the
figure height follows the requested aspect.

``title_format`` is a :meth:`str.format` template with the fields ``time`` (a
``datetime``, format it as you like), ``source`` (``SDO-AIA``, from the header),
``wavelength`` (Å, an int, or ``""`` when unknown) and ``instrument`` (``INSTRUME`` as
written); e.g. ``"{source} {wavelength} Å   {time:%Y-%b-%d %H:%M:%S}"``.

Examples
--------
>>> from datetime import datetime
>>> from jet_render.style import Style, source_name
>>> s = Style()
>>> s.title(datetime(2012, 7, 8, 13, 5, 43), 304, source="SDO-AIA")
'SDO-AIA   2012-Jul-08 13:05:43'
>>> s.title(datetime(2012, 7, 8, 13, 5, 43), 195, source=source_name({"TELESCOP": "SOHO", "INSTRUME": "EIT"}))
'SOHO-EIT   2012-Jul-08 13:05:43'
>>> Style(title_format="AIA {wavelength} Å {time:%H:%M}").title(datetime(2012, 7, 8, 13, 5), 304.0)
'AIA 304 Å 13:05'
>>> s.dpi_for(1920), s.figsize_for(960, 960)
(300.0, (6.4, 6.4))
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

__all__ = ["Style", "DEFAULT_SIZE", "MAX_BYTES", "source_name"]

logger = logging.getLogger(__name__)

DEFAULT_SIZE = (1920, 1440)
"""Width and height (px) of a framed frame, as the seed saved them."""
MAX_BYTES = 1024 * 1024
"""Panoptes refuses files over 1 MiB: every image is kept under this by default."""


@dataclass(frozen=True, slots=True)
class Style:
    """Figure geometry and text of a framed frame (hashable: it keys the furniture cache)."""

    title_format: str = "{source}   {time:%Y-%b-%d %H:%M:%S}"
    xlabel: str = "Solar X (arcsec)"
    ylabel: str = "Solar Y (arcsec)"
    base_width_in: float = 6.4
    base_dpi: float = 300.0
    grid: bool = True
    """Keep sunpy's dotted coordinate grid over the data (as the seed's frames had it)."""

    def dpi_for(self, width: int) -> float:
        """Figure dpi for an image ``width`` px wide."""
        return self.base_dpi * width / (self.base_width_in * self.base_dpi)

    def figsize_for(self, width: int, height: int) -> tuple[float, float]:
        """Figure size (in) for an image of ``width`` x ``height`` px."""
        return (self.base_width_in, self.base_width_in * height / width)

    def title(
        self, time: datetime | None, wavelength: float | None = None, instrument: str = "", source: str = ""
    ) -> str:
        """The title text of one frame (``source``: see :func:`source_name`)."""
        wave: Any = "" if wavelength is None else round(float(wavelength))
        fmt = self.title_format if time is not None else self.title_format.split("{time", 1)[0]
        return fmt.format(time=time, wavelength=wave, instrument=instrument, source=source).strip()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (stored in a Rendering's params)."""
        return asdict(self)


def source_name(header: Any) -> str:
    """Observatory and instrument of a frame, as Solar Jet Hunter titles name them.

    ``TELESCOP = 'SDO/AIA'`` and ``INSTRUME = 'AIA_4'`` give ``SDO-AIA``; the
    instrument's ``_<n>`` camera suffix is dropped; either card alone is enough.

    Examples
    --------
    >>> source_name({"TELESCOP": "SDO/AIA", "INSTRUME": "AIA_4"})
    'SDO-AIA'
    >>> source_name({"TELESCOP": "SDO", "INSTRUME": "HMI_FRONT2"}), source_name({"INSTRUME": "AIA_3"})
    ('SDO-HMI', 'AIA')
    >>> source_name({})
    ''
    """
    telescope = str(header.get("TELESCOP") or "").strip()
    instrument = str(header.get("INSTRUME") or "").strip()
    observatory, _, detector = telescope.partition("/")
    name = re.split(r"[_\s]", instrument, maxsplit=1)[0] or detector.strip()
    parts = [observatory.strip(), name]
    if parts[0].upper() == parts[1].upper():
        parts = parts[:1]
    return "-".join(part for part in parts if part)
