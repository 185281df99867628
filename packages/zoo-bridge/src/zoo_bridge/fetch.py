"""Fetch a project's export from Panoptes: generate or reuse the latest, wait, download.

The calls of panoptes-client's ``Exportable`` (``describe_export`` /
``generate_export``, what ``Project.get_export`` runs), sent through the one
:class:`~zoo_bridge.connection.PanoptesConnection` (timeouts on every call, token
refresh under a lock, retries), find or start the export; the file is then streamed
to disk with httpx, into ``<out>.part`` with its medium recorded beside it, so an
interrupted download resumes with an HTTP ``Range`` request where it stopped (a
server that ignores the range is read from the start again), and the finished file is
renamed into place. Fetching again an export already downloaded whole costs one
describe and no download.

The caller signs in first: ``PanoptesConnection(PanoptesConfig(endpoint, username,
password)).connect()``, the credentials from the environment.

Examples
--------
>>> from zoo_bridge.fetch import EXPORT_KINDS, FetchResult
>>> EXPORT_KINDS
('classifications', 'subjects', 'workflows')
>>> print(FetchResult(kind="workflows", path="w.csv", size_bytes=2048, medium_id="7",
...                   generated=False, downloaded=2048, resumed_from=0).line())
workflows export 7: w.csv, 2.0 kB (downloaded 2048 bytes, reused the latest export)
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from jet_store import UserError

from zoo_bridge.connection import PanoptesConnection
from zoo_bridge.errors import FetchError, PanoptesError, PanoptesNotFound
from zoo_bridge.export_kinds import EXPORT_KINDS

__all__ = ["EXPORT_KINDS", "FetchResult", "fetch_export", "describe_latest"]

log = logging.getLogger(__name__)

_READY = ("ready", "finished")
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What :func:`fetch_export` did."""

    kind: str
    path: str
    size_bytes: int
    medium_id: str
    generated: bool
    downloaded: int
    resumed_from: int

    def line(self) -> str:
        """The one-line summary the command line prints."""
        how = "generated a new export" if self.generated else "reused the latest export"
        resumed = f", resumed at byte {self.resumed_from}" if self.resumed_from else ""
        return (
            f"{self.kind} export {self.medium_id}: {self.path}, {self.size_bytes / 1024:.1f} kB "
            f"(downloaded {self.downloaded} bytes{resumed}, {how})"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {name: getattr(self, name) for name in self.__slots__}


def _medium(description: dict[str, Any]) -> dict[str, Any]:
    media = description.get("media") or []
    if not media or not isinstance(media[0], dict) or not media[0].get("src"):
        raise FetchError("Panoptes described the export without a file to download")
    return media[0]


def _export_path(project_id: int, kind: str) -> str:
    return f"/projects/{int(project_id)}/{kind}_export"


def describe_latest(
    connection: PanoptesConnection, project_id: int, kind: str, *, generate: bool
) -> tuple[dict[str, Any], bool]:
    """The export's medium, generating one when asked or when none exists yet.

    Returns the medium and whether it was generated now. The calls are panoptes-client's
    ``Exportable.describe_export`` / ``generate_export`` (GET / POST of
    ``/projects/<id>/<kind>_export``), sent through the connection (timeouts, retries).
    """
    path = _export_path(project_id, kind)
    if not generate:
        try:
            return _medium(connection.request("GET", path).body or {}), False
        except PanoptesNotFound:
            log.info("project %s has no %s export yet; generating one", project_id, kind)
        except PanoptesError as err:
            raise FetchError(f"cannot describe the {kind} export: {err}") from None
    try:
        # asking again for an export is harmless, so a lost answer may be retried
        answer = connection.request("POST", path, json={"media": {"content_type": "text/csv"}})
    except PanoptesError as err:
        raise FetchError(f"Panoptes did not start a {kind} export: {err}") from None
    return _medium(answer.body or {}), True


def _wait(
    connection: PanoptesConnection,
    project_id: int,
    kind: str,
    medium: dict[str, Any],
    timeout: float,
    poll_interval: float,
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while (medium.get("metadata") or {}).get("state", "ready") not in _READY:
        if time.monotonic() >= deadline:
            raise FetchError(f"the {kind} export was not ready within {timeout:g} s; fetch again later")
        time.sleep(poll_interval)
        medium = _medium(connection.request("GET", _export_path(project_id, kind)).body or {})
    return medium


def _download(src: str, out: Path, medium_id: str, progress: bool, client: httpx.Client) -> tuple[int, int]:
    part = out.with_name(out.name + ".part")
    marker = out.with_name(out.name + ".part.json")
    start = 0
    if part.exists() and marker.exists():
        try:
            if json.loads(marker.read_text()).get("medium_id") == medium_id:
                start = part.stat().st_size
        except (OSError, ValueError):
            start = 0
    if start == 0:
        part.unlink(missing_ok=True)
    marker.write_text(json.dumps({"medium_id": medium_id, "src": src.split("?")[0]}))
    headers = {"Range": f"bytes={start}-"} if start else {}
    downloaded = 0
    try:
        with client.stream("GET", src, headers=headers) as response:
            if response.status_code == 416 and start:  # the part file already holds everything
                response.read()
            elif response.status_code not in (200, 206):
                raise FetchError(f"downloading the export answered HTTP {response.status_code}")
            else:
                if response.status_code == 200:
                    start = 0  # the server ignored the range: read it all again
                total = int(response.headers.get("content-length") or 0) + start or None
                bar = _bar(progress, total, start, out.name)
                with part.open("ab" if start else "wb") as fh:
                    for chunk in response.iter_bytes(_CHUNK):
                        fh.write(chunk)
                        downloaded += len(chunk)
                        if bar is not None:
                            bar.update(len(chunk))
                if bar is not None:
                    bar.close()
    except httpx.HTTPError as err:
        raise FetchError(
            f"downloading the export failed after {downloaded} bytes (fetch again to resume): {err}"
        ) from None
    os.replace(part, out)
    marker.unlink(missing_ok=True)
    return downloaded, start


def _bar(progress: bool, total: int | None, start: int, name: str) -> Any:
    if not progress:
        return None
    from tqdm import tqdm

    return tqdm(total=total, initial=start, unit="B", unit_scale=True, desc=name, leave=False)


def fetch_export(
    connection: PanoptesConnection,
    project_id: int,
    kind: str,
    out: str | Path,
    *,
    generate: bool = False,
    timeout: float = 3600.0,
    poll_interval: float = 5.0,
    progress: bool = True,
    client: httpx.Client | None = None,
) -> FetchResult:
    """Download a project's export to ``out``.

    Parameters
    ----------
    connection
        A signed-in :class:`~zoo_bridge.connection.PanoptesConnection` (a project
        owner's login): every API call goes through it, with its timeouts and retries.
    project_id
        The Zooniverse project (Solar Jet Hunter is 11265).
    kind
        ``classifications``, ``subjects`` or ``workflows``.
    out
        Where the CSV goes (written as ``<out>.part``, renamed when complete).
    generate
        Ask Panoptes for a new export and wait for it; otherwise the latest is reused
        (and one is generated when the project has none).
    timeout, poll_interval
        How long to wait for an export being made, and how often to look (s).
    progress
        Show a progress bar in bytes.
    client
        The httpx client for the download (one with explicit timeouts by default).

    Raises
    ------
    UserError
        An unknown ``kind``.
    PanoptesNotFound
        No such project (or not visible to this user).
    FetchError
        The export was not ready in time, or the download failed (a later call resumes it).
    """
    if kind not in EXPORT_KINDS:
        raise UserError(f"unknown export {kind!r}; choose one of {', '.join(EXPORT_KINDS)}")
    try:
        connection.request("GET", f"/projects/{int(project_id)}")
    except PanoptesNotFound as err:
        raise PanoptesNotFound(f"no Zooniverse project {project_id} visible to this user: {err}") from None
    medium, generated = describe_latest(connection, project_id, kind, generate=generate)
    medium = _wait(connection, project_id, kind, medium, timeout, poll_interval)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    medium_id = str(medium.get("id") or "")
    stamp = out.with_name(out.name + ".medium.json")
    version = {"medium_id": medium_id, "updated_at": medium.get("updated_at") or medium.get("created_at")}
    if out.exists() and stamp.exists() and not generated:
        try:
            if json.loads(stamp.read_text()) == version:
                return FetchResult(kind, str(out), out.stat().st_size, medium_id, False, 0, 0)
        except (OSError, ValueError):
            pass
    own = client is None
    http = client or httpx.Client(timeout=httpx.Timeout(30.0, read=300.0), follow_redirects=True)
    try:
        downloaded, resumed_from = _download(str(medium["src"]), out, medium_id, progress, http)
    finally:
        if own:
            http.close()
    stamp.write_text(json.dumps(version))
    return FetchResult(kind, str(out), out.stat().st_size, medium_id, generated, downloaded, resumed_from)
