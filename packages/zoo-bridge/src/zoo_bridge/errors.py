"""The errors of zoo-bridge: one base class, each subclass in one of the three categories.

:class:`ZooBridgeError` is the base; every concrete error also inherits
:class:`~jet_store.errors.UserError`, :class:`~jet_store.errors.ServiceError` or
:class:`~jet_store.errors.DataError`, so the command line maps it to exit code 1, 2 or 3.

Examples
--------
>>> from jet_store import DataError
>>> from zoo_bridge.errors import MetadataError
>>> isinstance(MetadataError("subject metadata has no '#crpix1'"), DataError)
True
"""

from __future__ import annotations

from jet_store.errors import DataError, JetHunterError, ServiceError, UserError

__all__ = [
    "ZooBridgeError",
    "MetadataError",
    "GroupingError",
    "ManifestError",
    "BadSubjectFiles",
    "PanoptesError",
    "PanoptesUnavailable",
    "PanoptesAuthError",
    "PanoptesNotFound",
    "SubjectLimitExceeded",
    "MediaMissing",
]


class ZooBridgeError(JetHunterError):
    """Base class of every error raised by :mod:`zoo_bridge`."""


class MetadataError(ZooBridgeError, DataError, KeyError):
    """Subject metadata that lacks a key of the contract or holds an unreadable value."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class GroupingError(ZooBridgeError, UserError, ValueError):
    """Grouping options that cannot work (frames per subject < 1, overlap >= frames)."""


class ManifestError(ZooBridgeError, DataError):
    """Subjects that cannot be written to a manifest (no renderings, unknown frames)."""


class BadSubjectFiles(ZooBridgeError, DataError):
    """Files that Panoptes would refuse: missing, empty, of a type it does not take or
    over its size limit. ``problems`` lists one line per bad file."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        shown = "; ".join(self.problems[:10])
        more = f" (and {len(self.problems) - 10} more)" if len(self.problems) > 10 else ""
        super().__init__(f"{len(self.problems)} file(s) cannot be uploaded: {shown}{more}")


class PanoptesError(ZooBridgeError):
    """Base class of the errors met while talking to Panoptes."""


class PanoptesUnavailable(PanoptesError, ServiceError):
    """Panoptes failed (5xx, resets, timeouts) after every retry."""


class PanoptesAuthError(PanoptesError, UserError):
    """Missing or refused credentials (``PANOPTES_USERNAME`` / ``PANOPTES_PASSWORD``)."""


class PanoptesNotFound(PanoptesError, UserError):
    """A project or subject set that does not exist or is not visible to this user."""


class SubjectLimitExceeded(PanoptesError, UserError):
    """The upload would go over the user's Panoptes subject limit."""


class MediaMissing(PanoptesError, ServiceError):
    """A subject's media did not arrive on Panoptes although the upload reported success."""
