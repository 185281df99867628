"""One subject carried to Panoptes: created linked to its set, media PUT and verified, linked.

Each step is recorded in the store (``created`` -> ``uploaded`` -> ``linked``); a subject
found on Panoptes with our key is kept only with every medium of the right SHA-256, and
anything else with our key is deleted and made again (see :mod:`zoo_bridge.upload`).
A failure is recorded on the subject (:func:`work`) and the stage goes on.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jet_store import Store, Subject, SubjectState

from zoo_bridge.connection import AnswerLost, PanoptesConnection
from zoo_bridge.errors import MediaMissing, PanoptesError, PanoptesNotFound
from zoo_bridge.media import mime_type, sha256_file
from zoo_bridge.resources import delete
from zoo_bridge.uploadtypes import UploadOptions, UploadSummary

__all__ = ["UploadContext", "work"]

logger = logging.getLogger(__name__)


@dataclass
class UploadContext:
    """What every subject's upload in one run shares: store, connection, set, pools, summary."""

    store: Store
    conn: PanoptesConnection
    root: Path
    options: UploadOptions
    set_id: int
    summary: UploadSummary
    remote: dict[str, list[int]]
    media_pool: ThreadPoolExecutor
    remote_lock: threading.Lock = field(default_factory=threading.Lock)


def _local_media(ctx: UploadContext, subject: Subject) -> list[tuple[bytes, str, str]]:
    out = []
    for rel in subject.media_paths:
        path = ctx.root / rel
        data = path.read_bytes()
        kind = mime_type(path)
        assert kind is not None  # checked up front
        out.append((data, kind, sha256_file(path)))
    return out


def _remote_media_ok(ctx: UploadContext, ident: int, expected: Sequence[str]) -> tuple[bool, Any]:
    """Whether subject ``ident`` is ours, in the set, with every medium of the right SHA-256."""
    try:
        answer = ctx.conn.request("GET", f"/subjects/{ident}")
    except PanoptesNotFound:
        return False, None
    subjects = (answer.body or {}).get("subjects") or []
    if not subjects:
        return False, None
    remote = subjects[0]
    locations = remote.get("locations") or []
    if len(locations) != len(expected):
        return False, remote
    urls = [next(iter(loc.values())) if isinstance(loc, dict) and loc else None for loc in locations]
    if not all(urls):
        return False, remote
    got = list(ctx.media_pool.map(lambda url: ctx.conn.media_sha256(str(url)), urls))
    return got == list(expected), remote


def _in_set(remote: Any, set_id: int) -> bool:
    links = (remote or {}).get("links") or {}
    return str(set_id) in {str(s) for s in links.get("subject_sets") or []}


def _link(ctx: UploadContext, ident: int) -> None:
    try:
        path = f"/subject_sets/{ctx.set_id}/links/subjects"
        ctx.conn.request("POST", path, json={"subjects": [str(ident)]}, ok=(200, 201, 204))
    except PanoptesError as err:
        if getattr(err, "status", None) == 422:  # already linked: that is what we wanted
            return
        raise


def _list_ours(ctx: UploadContext, key: str) -> list[int]:
    found = []
    for remote in ctx.conn.pages("/subjects", "subjects", {"subject_set_id": ctx.set_id}):
        if (remote.get("metadata") or {}).get("#subject_key") == key:
            found.append(int(remote["id"]))
    return sorted(found)


def _create(ctx: UploadContext, subject: Subject, media: list[tuple[bytes, str, str]]) -> int:
    """Create the subject linked to the set and PUT its media; its id. Lost answers: look and clean."""
    body = {
        "subjects": {
            "locations": [kind for _data, kind, _sha in media],
            "metadata": dict(subject.metadata),
            "links": {"project": str(ctx.options.project_id), "subject_sets": [str(ctx.set_id)]},
        }
    }
    try:
        answer = ctx.conn.create("/subjects", body)
    except AnswerLost as err:
        ctx.summary.add("lost_answers")
        logger.info("subject %s: %s; looking for what it created", subject.key, err)
        for orphan in _list_ours(ctx, subject.key):  # created without media: delete, then try again
            if delete(ctx.conn, "subjects", orphan):
                ctx.summary.add("deleted")
        raise
    created = answer.body["subjects"][0]
    ident = int(created["id"])
    ctx.store.update(Subject, subject.key, zooniverse_id=ident, subject_set_id=ctx.set_id,
                     state=SubjectState.CREATED, updated_at=datetime.now(UTC))  # fmt: skip
    ctx.summary.add("created")
    puts = [
        (str(location.get(kind) or next(iter(location.values()))), data, kind)
        for location, (data, kind, _sha) in zip(created.get("locations") or [], media, strict=True)
    ]
    list(ctx.media_pool.map(lambda put: ctx.conn.put_media(*put), puts))
    return ident


def _upload_one(ctx: UploadContext, subject: Subject) -> None:
    media = _local_media(ctx, subject)
    expected = [sha for _d, _k, sha in media]
    candidates: list[int] = []
    if subject.zooniverse_id is not None:
        candidates.append(subject.zooniverse_id)
    with ctx.remote_lock:
        candidates += [i for i in ctx.remote.pop(subject.key, []) if i not in candidates]
    keep: int | None = None
    keep_remote: Any = None
    for ident in sorted(candidates):
        ok, remote = _remote_media_ok(ctx, ident, expected) if keep is None else (False, None)
        if ok:
            keep, keep_remote = ident, remote
            if ident != subject.zooniverse_id:
                ctx.summary.add("adopted")
        elif delete(ctx.conn, "subjects", ident):
            ctx.summary.add("deleted")
    attempts = 0
    while keep is None:
        attempts += 1
        if attempts > ctx.options.attempts:
            raise MediaMissing(
                f"subject {subject.key}: not uploaded completely after {ctx.options.attempts} attempts"
            )
        try:
            ident = _create(ctx, subject, media)
        except AnswerLost:
            continue
        ok, remote = _remote_media_ok(ctx, ident, expected)
        if ok:
            keep, keep_remote = ident, remote
        else:  # a medium did not arrive: delete it and make it again
            logger.info("subject %s (%d): media missing after upload; making it again", subject.key, ident)
            if delete(ctx.conn, "subjects", ident):
                ctx.summary.add("deleted")
            ctx.summary.add("remade")
    if not _in_set(keep_remote, ctx.set_id):  # media verified; the link is still to make
        ctx.store.update(Subject, subject.key, zooniverse_id=keep, subject_set_id=ctx.set_id,
                         state=SubjectState.UPLOADED, updated_at=datetime.now(UTC))  # fmt: skip
        _link(ctx, keep)
    ctx.store.update(Subject, subject.key, zooniverse_id=keep, subject_set_id=ctx.set_id,
                     state=SubjectState.LINKED, message=None, updated_at=datetime.now(UTC))  # fmt: skip
    ctx.summary.add("linked")


def work(ctx: UploadContext, subject: Subject) -> None:
    """Upload one subject; a failure is counted, noted and recorded on the subject."""
    try:
        _upload_one(ctx, subject)
    except (PanoptesError, OSError) as err:  # recorded on the subject; the stage goes on
        ctx.summary.add("failed")
        ctx.summary.note(f"{subject.key}: {err}")
        logger.warning("subject %s not uploaded: %s", subject.key, err)
        ctx.store.update(Subject, subject.key, message=str(err), updated_at=datetime.now(UTC))
