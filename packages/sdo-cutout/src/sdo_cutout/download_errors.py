"""Errors raised by sdo-cutout's downloader (download, names, fitsmeta, verify).

They derive from :class:`sdo_cutout.errors.CutoutError`, the package's base, and from
one category of :mod:`jet_store.errors` so that the command line maps them to an exit
code: a remote name or a stored path that would write outside the data folder, a file
that is not FITS, a header without an observation time are
:class:`~jet_store.errors.DataError` (exit 3); a local folder that cannot be written is
a :class:`~jet_store.errors.UserError` (exit 1); a file server that keeps failing is a
:class:`~jet_store.errors.ServiceError` (exit 2).

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

from jet_store.errors import DataError, ServiceError, UserError

from sdo_cutout.errors import CutoutError

__all__ = [
    "DownloadError",
    "UnsafeName",
    "UnsafePath",
    "InvalidFits",
    "HeaderError",
    "DownloadFailed",
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


class DownloadFailed(DownloadError, ServiceError):
    """One file could not be downloaded after every retry.

    Attributes
    ----------
    url : str
        The file's URL.
    attempts : int
        Requests made.
    permanent : bool
        True when the server said the file cannot be had (404, 410, 403...), False when
        retries ran out on transient failures.
    """

    def __init__(self, message: str, *, url: str = "", attempts: int = 0, permanent: bool = False) -> None:
        super().__init__(message)
        self.url = url
        self.attempts = attempts
        self.permanent = permanent


class LocalWriteError(DownloadError, UserError):
    """The data folder cannot be written (permissions, disk full, not a folder)."""
