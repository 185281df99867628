"""The blob storage behind the Panoptes replica: media uploads and reads, export downloads.

Panoptes hands out signed URLs of its blob storage (Azure, for Zooniverse); these routes
check the signature and answer as the storage does (XML errors, ``ETag`` on upload).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from jet_sandbox.files import ServedFile, file_response
from jet_sandbox.panoptes_media import AUTH_FAILED, TOO_LARGE, MediaSigner
from jet_sandbox.panoptes_state import PanoptesState
from jet_sandbox.server import Request, Response

__all__ = ["BlobRoutes"]


class BlobRoutes:
    """Answers the upload, media and export download routes.

    Parameters
    ----------
    state
        The replica's records and media.
    signer
        Signs and checks the blob URLs.
    max_media_bytes
        Largest medium accepted (larger uploads answer 413).
    clock
        Returns the current POSIX time (``Last-Modified`` of media).
    """

    def __init__(
        self, state: PanoptesState, signer: MediaSigner, *, max_media_bytes: int, clock: Callable[[], float]
    ) -> None:
        self.state = state
        self.signer = signer
        self.max_media_bytes = max_media_bytes
        self.clock = clock

    def upload(self, request: Request, key: str, *, user: int | None) -> Response:
        """``PUT`` of a medium to its signed upload URL (type and size checked)."""
        if not self.signer.verify(request.path, request.query, "cw"):
            return Response(403, AUTH_FAILED.encode(), "application/xml")
        medium = self.state.media.get(key)
        if medium is None:
            return Response(404, b"", "application/xml")
        given = (request.header("Content-Type") or "").split(";")[0].strip()
        if given != medium.content_type:
            return Response.text(
                f"Content-Type {given or '(none)'} does not match the location's {medium.content_type}\n",
                status=400,
            )
        if len(request.body) > self.max_media_bytes:
            return Response(413, TOO_LARGE.encode(), "application/xml")
        self.state.media.store(key, request.body)
        return Response(201, b"", "application/xml", (("ETag", f'"{secrets.token_hex(8)}"'),))

    def media(self, request: Request, key: str, *, user: int | None) -> Response:
        """``GET`` of an uploaded medium (Range and ETag as a file server answers them)."""
        medium = self.state.media.get(key)
        data = self.state.media.read(key)
        if medium is None or data is None:
            return Response.text("The specified blob does not exist.\n", status=404)
        served = ServedFile.from_bytes(data, content_type=medium.content_type, last_modified=self.clock())
        return file_response(request, served)

    def download(self, request: Request, name: str, *, user: int | None) -> Response:
        """``GET`` of an export's CSV from its signed URL."""
        if not self.signer.verify(request.path, request.query, "r"):
            return Response(403, AUTH_FAILED.encode(), "application/xml")
        export = next((e for e in self.state.exports() if e.name == name), None)
        if export is None:
            return Response.text("The specified blob does not exist.\n", status=404)
        served = ServedFile.from_bytes(export.data, content_type="text/csv", last_modified=export.created_at)
        return file_response(request, served)
