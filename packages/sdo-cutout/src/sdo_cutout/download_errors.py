"""Errors raised by sdo-cutout's downloader (download, names, fitsmeta, verify).

They derive from :class:`sdo_cutout.errors.CutoutError`, the package's base, and from
one category of :mod:`jet_store.errors` so that the command line maps them to an exit
code: a remote name or a stored path that would write outside the data folder, a file
that is not FITS, a header without an observation time are
:class:`~jet_store.errors.DataError` (exit 3); a local folder that cannot be written is
a :class:`~jet_store.errors.UserError` (exit 1). A file server that keeps failing is not
an exception: the download stage records it per file and reports it in its summary.

Examples
--------
>>> from jet_store import DataError
>>> from sdo_cutout.errors import CutoutError
>>> from sdo_cutout.download_errors import UnsafeName
>>> err = UnsafeName("'..' names no file")
>>> isinstance(err, CutoutError), isinstance(err, DataError), isinstance(err, ValueError)
(True, True, True)
"""

from __future__ import annotations

from jet_store.errors import DataError, UserError

from sdo_cutout.errors import CutoutError

__all__ = [
    "DownloadError",
    "UnsafeName",
    "UnsafePath",
    "InvalidFits",
    "HeaderError",
    "LocalWriteError",
]


class DownloadError(CutoutError):
    """Base class of the downloader's errors."""


class UnsafeName(DownloadError, DataError, ValueError):
    """A remote file name from which no safe local name can be made (empty, only dots)."""


class UnsafePath(DownloadError, DataError, ValueError):
    """A path that would resolve outside the data folder (``..``, absolute, a symlink out)."""


class InvalidFits(DownloadError, DataError):
    """A downloaded file that is not a complete, readable FITS file (the message says why)."""


class HeaderError(DownloadError, DataError, ValueError):
    """A FITS header without the cards a frame record needs (e.g. no ``DATE-OBS``)."""


class LocalWriteError(DownloadError, UserError):
    """The data folder cannot be written (permissions, disk full, not a folder)."""
