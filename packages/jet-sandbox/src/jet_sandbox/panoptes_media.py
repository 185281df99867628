"""Signed media URLs of the Panoptes replica, as Panoptes hands them out for blob storage.

A new subject's locations come back as signed PUT URLs (on zooniverse.org: Azure blob
SAS URLs, ``...blob.core.windows.net/...png?sv=...&se=...&sp=cw&sig=...``). The replica
serves them itself: ``/uploads/<key>?sv=2019-12-12&sr=b&sp=cw&se=<expiry>&sig=<hmac>``.
A PUT there must carry a valid, unexpired signature (else 403, as Azure answers) and
the ``Content-Type`` the location was created with (else 400); the bytes are recorded
with their sha256. Public reads are at ``/media/<key>`` (GET, with Range), like
``panoptes-uploads.zooniverse.org/<key>``; exports are read from signed
``/exports/<file>?...`` URLs the same way.

Examples
--------
>>> signer = MediaSigner(b"k", clock=lambda: 100.0)
>>> query = signer.sign("/uploads/subject_location/a.png", "cw", lifetime=60)
>>> signer.verify("/uploads/subject_location/a.png", {k: [v] for k, v in query.items()}, "cw")
True
>>> signer.verify("/uploads/subject_location/b.png", {k: [v] for k, v in query.items()}, "cw")
False
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable, Mapping

__all__ = ["MediaSigner", "UPLOAD_PREFIX", "MEDIA_PREFIX", "EXPORT_PREFIX", "MAX_MEDIA_BYTES"]

UPLOAD_PREFIX = "/uploads/"
"""Path prefix of the signed PUT URLs of subject media."""
MEDIA_PREFIX = "/media/"
"""Path prefix of the public GET URLs of subject media."""
EXPORT_PREFIX = "/exports/"
"""Path prefix of the signed GET URLs of exports."""
MAX_MEDIA_BYTES = 1 << 20
"""Largest subject medium accepted (1 MiB, the Zooniverse limit)."""

_SERVICE_VERSION = "2019-12-12"


class MediaSigner:
    """Signs and checks URLs with an HMAC over path, permission and expiry.

    Parameters
    ----------
    secret
        The key (a fresh random one per server).
    clock
        Returns the current POSIX time.
    """

    def __init__(self, secret: bytes, *, clock: Callable[[], float] = time.time) -> None:
        self._secret = secret
        self.clock = clock

    def _signature(self, path: str, permission: str, expiry: str) -> str:
        message = f"{path}\n{permission}\n{expiry}".encode()
        digest = hmac.new(self._secret, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def sign(self, path: str, permission: str, *, lifetime: float = 3600.0) -> dict[str, str]:
        """The query parameters that authorise ``permission`` (``cw`` write, ``r`` read) on ``path``."""
        expiry = str(int(self.clock() + lifetime))
        return {
            "sv": _SERVICE_VERSION,
            "sr": "b",
            "sp": permission,
            "se": expiry,
            "sig": self._signature(path, permission, expiry),
        }

    def verify(self, path: str, query: Mapping[str, list[str]], permission: str) -> bool:
        """Whether the query signs ``permission`` on ``path`` and has not expired."""
        expiry = (query.get("se") or [""])[0]
        given = (query.get("sig") or [""])[0]
        if (query.get("sp") or [""])[0] != permission or not expiry.isdigit():
            return False
        if int(expiry) < self.clock():
            return False
        return hmac.compare_digest(given, self._signature(path, permission, expiry))


AUTH_FAILED = (
    '<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code><Message>Server failed '
    "to authenticate the request. Make sure the value of Authorization header is formed correctly including "
    "the signature.</Message></Error>"
)
"""The body of Azure's 403 for a bad or expired signature."""
TOO_LARGE = (
    '<?xml version="1.0" encoding="utf-8"?><Error><Code>RequestBodyTooLarge</Code><Message>The request body '
    "is too large and exceeds the maximum permissible limit.</Message></Error>"
)
"""The body of the 413 for a medium over :data:`MAX_MEDIA_BYTES`."""
