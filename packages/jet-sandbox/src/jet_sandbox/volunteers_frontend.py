"""What a front end does for the simulated volunteers: HTTP calls, images, the project setup, a journal.

:class:`FrontEnd` talks to the Panoptes replica as a browser front end does (JSON-API
calls, a bearer token from ``/oauth/token``, the subject images); :func:`link_workflows`
is the project owner's setup (the project's subject sets linked to the workflows);
:func:`subject_dimensions` is what the front end reports of the images it showed; and
:class:`Journal` records each classification sent, so a re-run skips it.

Examples
--------
>>> png_size(b"\\x89PNG\\r\\n\\x1a\\n" + bytes(8) + (1920).to_bytes(4, "big") + (1440).to_bytes(4, "big"))
(1920, 1440)
"""

from __future__ import annotations

import json
import os
import struct
import urllib.error
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from jet_sandbox.errors import SandboxError

__all__ = ["FrontEnd", "Journal", "link_workflows", "png_size", "subject_dimensions"]

_API = "application/vnd.api+json; version=1"


def png_size(data: bytes) -> tuple[int, int] | None:
    """The ``(width, height)`` of a PNG image (from its header), None for anything else."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or len(data) < 24:
        return None
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


class FrontEnd:
    """A front end's calls to the replica (stdlib HTTP, one bearer token)."""

    def __init__(self, url: str, timeout: float) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.token: str | None = None

    def call(self, method: str, path: str, body: Any = None, *, api: bool = True) -> Any:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Accept": _API if api else "application/json", "Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                raw = answer.read()
        except (urllib.error.URLError, OSError) as err:
            raise SandboxError(f"{method} {path} on the Panoptes replica failed: {err}") from None
        return json.loads(raw) if raw else None

    def sign_in(self, login: str, password: str) -> None:
        grant = self.call(
            "POST",
            "/oauth/token",
            {
                "grant_type": "password",
                "login": login,
                "password": password,
                "client_id": "jet-sandbox-crowd",
            },
            api=False,
        )
        self.token = str(grant["access_token"])

    def read(self, url: str) -> bytes:
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as answer:
                return bytes(answer.read())
        except (urllib.error.URLError, OSError) as err:
            raise SandboxError(f"cannot read the subject image {url}: {err}") from None


def link_workflows(
    url: str, login: str, password: str, project_id: int = 11265, workflows: Iterable[int] = (19650, 18563)
) -> list[int]:
    """As the project owner, link every subject set of the project to the workflows; return the set ids."""
    http = FrontEnd(url, 30.0)
    http.sign_in(login, password)
    sets = http.call("GET", f"/api/subject_sets?project_id={project_id}&page_size=100")["subject_sets"]
    ids = [int(s["id"]) for s in sets]
    if ids:
        for workflow in workflows:
            http.call(
                "POST",
                f"/api/workflows/{workflow}/links/subject_sets",
                {"subject_sets": [str(i) for i in ids]},
            )
    return ids


class Journal:
    """The classifications sent: ``(volunteer, workflow, subject key, repeat)`` and the subject id."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.done: set[tuple[int, int, str, int]] = set()
        self.ids: dict[tuple[int, int, str], str] = {}
        if path is not None and path.exists():
            for line in path.read_text().splitlines():
                try:
                    doc = json.loads(line)
                    entry = (int(doc["volunteer"]), int(doc["workflow"]), str(doc["subject"]), int(doc["n"]))
                    self.done.add(entry)
                    self.ids[entry[:3]] = str(doc["id"])
                except (ValueError, KeyError, TypeError):
                    continue  # a line cut short by a kill
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)

    def unfinished(self, volunteer: int, workflow: int, repeats: int) -> list[str]:
        """Subject ids this volunteer began and did not finish (a kill between repeats)."""
        return sorted(
            ident
            for (v, w, key), ident in self.ids.items()
            if v == volunteer
            and w == workflow
            and any((v, w, key, n) not in self.done for n in range(repeats))
        )

    def add(self, entry: tuple[int, int, str, int], ident: str) -> None:
        self.done.add(entry)
        self.ids[entry[:3]] = ident
        if self.path is None:
            return
        volunteer, workflow, subject, n = entry
        line = json.dumps(
            {"volunteer": volunteer, "workflow": workflow, "subject": subject, "n": n, "id": ident}
        )
        with self.path.open("a") as handle:
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())


def subject_dimensions(
    http: FrontEnd, doc: dict[str, Any], images: dict[str, tuple[int, int] | None]
) -> list[dict[str, int]]:
    """Each image's natural size and the size shown (960 px wide), read once per ``images`` cache."""
    dims = []
    for location in doc.get("locations") or []:
        for mime, src in location.items():
            if src not in images:
                images[src] = png_size(http.read(src)) if mime == "image/png" else None
            size = images[src] or (
                int(float(doc["metadata"].get("#width", 0))),
                int(float(doc["metadata"].get("#height", 0))),
            )
            scale = 960.0 / size[0] if size[0] else 1.0
            dims.append(
                {
                    "clientWidth": 960,
                    "clientHeight": round(size[1] * scale),
                    "naturalWidth": size[0],
                    "naturalHeight": size[1],
                }
            )
    return dims
