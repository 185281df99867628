"""Uploading subjects to Panoptes: each exactly once, with every file, safe to kill and re-run.

:func:`upload_subjects` takes every stored subject not yet linked to the target subject
set and carries it through ``created`` (it has a Zooniverse id) -> ``uploaded`` (its
media are on Panoptes and verified) -> ``linked`` (it is in the set), recording each
step in the store. Work is shared through store claims (``Store.claim``), so two
uploaders, or a re-run after a kill, never work on one subject at once; a claim whose
owner died expires and is taken over.

Defences (see :mod:`zoo_bridge.connection` for the client's own faults):

* before anything is created: every file and every subject's metadata are checked
  (:func:`zoo_bridge.media.require_valid`), the project must exist, and the user's
  subject limit (``subject_limit - uploaded_subjects_count``) must hold the subjects
  still to create;
* a subject is created already linked to its set (``links.subject_sets``), which
  saves the ``SubjectSet.add`` round trips (one GET and one POST per subject in the
  client); the POST is sent once. When its answer is lost (504, reset, timeout), the
  set's subjects are listed and matched on ``#subject_key``: a match without its media
  is an orphan and is deleted, and the subject is created again;
* a subject recorded as created, or found on Panoptes with our key (a killed run), is
  kept only if its media are there with the right SHA-256; otherwise it is deleted
  and made again. Duplicates with our key are deleted, the verified one is kept;
* every media PUT is retried and then verified by reading it back (the client drops
  failed PUTs silently);
* ``dry_run`` does all the checks, signs in, finds the project and the set, checks the
  limit, and creates nothing.

Examples
--------
>>> UploadOptions(project_id=11265, subject_set="June 2010").workers
4
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jet_store import Store, Subject, SubjectState
from jet_store.errors import UserError

from zoo_bridge.connection import AnswerLost, PanoptesConnection
from zoo_bridge.errors import MediaMissing, PanoptesError, PanoptesNotFound, SubjectLimitExceeded
from zoo_bridge.media import mime_type, require_valid, sha256_file

__all__ = ["UploadOptions", "UploadSummary", "upload_subjects", "claim_subjects"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class UploadOptions:
    """What to upload where, and how.

    Parameters
    ----------
    project_id
        The Panoptes project.
    subject_set
        The subject set's display name (created when missing).
    workers
        Subjects in flight at once (threads).
    dry_run
        Check everything, create nothing.
    lease
        Seconds a claim on a subject lasts (renewed while it is worked on).
    batch
        Subjects claimed at a time.
    attempts
        Times a subject is made again (lost answers, missing media) before it is given up.
    owner
        The claim owner (``host:pid`` by default).
    media_per_subject
        Media transfers of one subject in flight at once (PUTs, read-backs).
    """

    project_id: int
    subject_set: str
    workers: int = 4
    dry_run: bool = False
    lease: float = 120.0
    batch: int = 16
    attempts: int = 4
    owner: str | None = None
    media_per_subject: int = 4

    def __post_init__(self) -> None:
        if min(self.workers, self.batch, self.attempts, self.media_per_subject) < 1:
            raise UserError("workers, batch, attempts and media_per_subject must be >= 1")
        if not self.subject_set.strip():
            raise UserError("the subject set needs a name")


@dataclass
class UploadSummary:
    """What an upload did."""

    project_id: int
    subject_set: str
    subject_set_id: int | None = None
    dry_run: bool = False
    pending: int = 0
    created: int = 0
    adopted: int = 0
    deleted: int = 0
    lost_answers: int = 0
    remade: int = 0
    linked: int = 0
    failed: int = 0
    already: int = 0
    messages: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, name: str, n: int = 1) -> None:
        """Count something (thread-safe)."""
        with self._lock:
            setattr(self, name, getattr(self, name) + n)

    def note(self, message: str) -> None:
        """Record a message (thread-safe)."""
        with self._lock:
            self.messages.append(message)

    def line(self) -> str:
        """One summary line for the CLI."""
        if self.dry_run:
            return (
                f"dry run: {self.pending} subjects would go to set {self.subject_set!r} "
                f"({'id ' + str(self.subject_set_id) if self.subject_set_id else 'to be created'}) of "
                f"project {self.project_id}; files, metadata, credentials, project and limit checked"
            )
        return (
            f"{self.linked} subjects linked to set {self.subject_set!r} (id {self.subject_set_id}): "
            f"{self.created} created, {self.adopted} found from earlier runs, {self.remade} made again, "
            f"{self.deleted} orphans/duplicates deleted, {self.lost_answers} lost answers; "
            f"{self.already} already done, {self.failed} failed"
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        names = ("project_id", "subject_set", "subject_set_id", "dry_run", "pending", "created", "adopted",
                 "deleted", "lost_answers", "remade", "linked", "failed", "already", "messages")  # fmt: skip
        return {n: getattr(self, n) for n in names}

    @property
    def exit_code(self) -> int:
        """2 when some subject could not be uploaded, else 0."""
        return 2 if self.failed else 0


# --------------------------------------------------------------------------- checks


def _user_room(conn: PanoptesConnection) -> tuple[int, int]:
    answer = conn.request("GET", f"/users/{conn.user_id}")
    user = (answer.body or {}).get("users", [{}])[0]
    limit = int(user.get("subject_limit") or 10_000)
    used = int(user.get("uploaded_subjects_count") or 0)
    return limit, used


def _check_project(conn: PanoptesConnection, project_id: int) -> dict[str, Any]:
    try:
        answer = conn.request("GET", f"/projects/{project_id}")
    except PanoptesNotFound:
        raise PanoptesNotFound(
            f"project {project_id} does not exist or is not visible to this user"
        ) from None
    projects = (answer.body or {}).get("projects") or []
    if not projects:
        raise PanoptesNotFound(f"project {project_id} does not exist or is not visible to this user")
    project: dict[str, Any] = projects[0]
    return project


def _find_sets(conn: PanoptesConnection, project_id: int, name: str) -> list[int]:
    found = conn.pages("/subject_sets", "subject_sets", {"project_id": project_id, "display_name": name})
    return sorted(int(s["id"]) for s in found if s.get("display_name") == name)


def _subject_set(conn: PanoptesConnection, project_id: int, name: str) -> int:
    """The set's id: found by name, else created (a race of two creators keeps the oldest)."""
    existing = _find_sets(conn, project_id, name)
    if existing:
        return existing[0]
    body = {"subject_sets": {"display_name": name, "links": {"project": str(project_id)}}}
    mine: int | None = None
    try:
        answer = conn.create("/subject_sets", body)
        mine = int(answer.body["subject_sets"][0]["id"])
    except AnswerLost as err:
        logger.info("creating subject set %r: %s; looking it up", name, err)
    found = _find_sets(conn, project_id, name)
    if not found:
        raise PanoptesError(f"subject set {name!r} was not created and cannot be found")
    for extra in found[1:]:
        if extra == mine:  # another uploader made the same set first: ours goes
            _delete(conn, "subject_sets", extra)
    return found[0]


def _delete(conn: PanoptesConnection, kind: str, ident: int) -> bool:
    """Delete one resource (GET for its ETag, DELETE with If-Match); False if it was gone."""
    try:
        got = conn.request("GET", f"/{kind}/{ident}")
        conn.request("DELETE", f"/{kind}/{ident}", etag=got.etag, ok=(200, 204, 404))
    except PanoptesNotFound:
        return False
    return True


# --------------------------------------------------------------------------- claims


def claim_subjects(store: Store, keys: Sequence[str], owner: str | None, limit: int, lease: float) -> Any:
    """The one place subjects are claimed: a context manager over up to ``limit`` of these
    subject keys that nobody else holds (in their order).

    The claims are renewed while the block runs and released when it ends
    (``Store.claiming_keys``, in the same namespace as ``Store.claim(Subject)``).
    """
    return store.claiming_keys(Subject, keys, owner=owner, limit=limit, lease=lease)


# --------------------------------------------------------------------------- one subject


@dataclass
class _Context:
    store: Store
    conn: PanoptesConnection
    root: Path
    options: UploadOptions
    set_id: int
    summary: UploadSummary
    remote: dict[str, list[int]]
    media_pool: ThreadPoolExecutor
    remote_lock: threading.Lock = field(default_factory=threading.Lock)


def _local_media(ctx: _Context, subject: Subject) -> list[tuple[bytes, str, str]]:
    out = []
    for rel in subject.media_paths:
        path = ctx.root / rel
        data = path.read_bytes()
        kind = mime_type(path)
        assert kind is not None  # checked up front
        out.append((data, kind, sha256_file(path)))
    return out


def _remote_media_ok(ctx: _Context, ident: int, expected: Sequence[str]) -> tuple[bool, Any]:
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


def _link(ctx: _Context, ident: int) -> None:
    try:
        path = f"/subject_sets/{ctx.set_id}/links/subjects"
        ctx.conn.request("POST", path, json={"subjects": [str(ident)]}, ok=(200, 201, 204))
    except PanoptesError as err:
        if getattr(err, "status", None) == 422:  # already linked: that is what we wanted
            return
        raise


def _list_ours(ctx: _Context, key: str) -> list[int]:
    found = []
    for remote in ctx.conn.pages("/subjects", "subjects", {"subject_set_id": ctx.set_id}):
        if (remote.get("metadata") or {}).get("#subject_key") == key:
            found.append(int(remote["id"]))
    return sorted(found)


def _create(ctx: _Context, subject: Subject, media: list[tuple[bytes, str, str]]) -> int:
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
            if _delete(ctx.conn, "subjects", orphan):
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


def _upload_one(ctx: _Context, subject: Subject) -> None:
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
        elif _delete(ctx.conn, "subjects", ident):
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
            if _delete(ctx.conn, "subjects", ident):
                ctx.summary.add("deleted")
            ctx.summary.add("remade")
    if not _in_set(keep_remote, ctx.set_id):  # media verified; the link is still to make
        ctx.store.update(Subject, subject.key, zooniverse_id=keep, subject_set_id=ctx.set_id,
                         state=SubjectState.UPLOADED, updated_at=datetime.now(UTC))  # fmt: skip
        _link(ctx, keep)
    ctx.store.update(Subject, subject.key, zooniverse_id=keep, subject_set_id=ctx.set_id,
                     state=SubjectState.LINKED, message=None, updated_at=datetime.now(UTC))  # fmt: skip
    ctx.summary.add("linked")


def _work(ctx: _Context, subject: Subject) -> None:
    try:
        _upload_one(ctx, subject)
    except (PanoptesError, OSError) as err:  # recorded on the subject; the stage goes on
        ctx.summary.add("failed")
        ctx.summary.note(f"{subject.key}: {err}")
        logger.warning("subject %s not uploaded: %s", subject.key, err)
        ctx.store.update(Subject, subject.key, message=str(err), updated_at=datetime.now(UTC))


# --------------------------------------------------------------------------- the stage


def upload_subjects(
    store: Store,
    data_dir: str | os.PathLike[str],
    conn: PanoptesConnection,
    options: UploadOptions,
    *,
    progress: bool = True,
    wait: Callable[[float], None] = time.sleep,
) -> UploadSummary:
    """Upload every subject not yet linked (see the module doc); return what was done.

    Raises
    ------
    BadSubjectFiles
        A file or a subject's metadata that Panoptes or the contract would refuse
        (before anything is created).
    PanoptesAuthError, PanoptesNotFound, SubjectLimitExceeded, PanoptesUnavailable
        Credentials, project, the user's limit or the service (before anything is
        created, except the last).
    """
    from jet_store.progress import progress_bar

    root = Path(data_dir)
    summary = UploadSummary(
        project_id=options.project_id, subject_set=options.subject_set, dry_run=options.dry_run
    )
    pending = store.filter(Subject, where=[("state", "!=", SubjectState.LINKED)])
    summary.pending = len(pending)
    summary.already = store.count(Subject, state=SubjectState.LINKED)
    require_valid(pending, root)
    if conn.client is None:
        conn.connect()
    _check_project(conn, options.project_id)
    limit, used = _user_room(conn)
    to_create = sum(1 for s in pending if s.zooniverse_id is None)
    if used + to_create > limit:
        raise SubjectLimitExceeded(
            f"uploading {to_create} new subjects would go over your Panoptes subject limit: you have "
            f"uploaded {used} of {limit}; ask the Zooniverse team for a higher limit or upload fewer subjects"
        )
    if options.dry_run:
        found = _find_sets(conn, options.project_id, options.subject_set)
        summary.subject_set_id = found[0] if found else None
        return summary
    if not pending:
        found = _find_sets(conn, options.project_id, options.subject_set)
        summary.subject_set_id = found[0] if found else None
        return summary
    set_id = _subject_set(conn, options.project_id, options.subject_set)
    summary.subject_set_id = set_id
    remote: dict[str, list[int]] = defaultdict(list)
    for item in conn.pages("/subjects", "subjects", {"subject_set_id": set_id}):
        key = (item.get("metadata") or {}).get("#subject_key")
        if key:
            remote[str(key)].append(int(item["id"]))
    media_pool = ThreadPoolExecutor(
        max_workers=options.workers * options.media_per_subject, thread_name_prefix="media"
    )
    ctx = _Context(store, conn, root, options, set_id, summary, remote, media_pool)
    with (
        media_pool,
        progress_bar(len(pending), enabled=progress, desc="upload", unit="subject") as bar,
        ThreadPoolExecutor(max_workers=options.workers, thread_name_prefix="upload") as pool,
    ):
        _drain(ctx, pool, wait, lambda: bar.update(summary.linked + summary.failed - bar.n))
    _reconcile(ctx)
    return summary


def _drain(
    ctx: _Context, pool: ThreadPoolExecutor, wait: Callable[[float], None], tick: Callable[[], object]
) -> None:
    """Claim batches of unlinked subjects and upload them until none is left to try.

    Subjects held by another uploader are waited for (their claims end when it finishes
    or dies); each subject is tried once per run.
    """
    store, options = ctx.store, ctx.options
    tried: set[str] = set()
    idle_since: float | None = None
    while True:
        unlinked = store.filter(Subject, where=[("state", "!=", SubjectState.LINKED)],
                                order_by=["event_id", "index", "key"])  # fmt: skip
        waiting = [s.key for s in unlinked if s.key not in tried]
        if not waiting:
            return
        limit = options.batch * options.workers
        with claim_subjects(store, waiting, options.owner, limit, options.lease) as keys:
            tried.update(keys)
            current = [store.get(Subject, k) for k in keys]
            todo = [s for s in current if s is not None and s.state != SubjectState.LINKED]
            list(pool.map(lambda s: _work(ctx, s), todo))
        tick()
        if keys:
            idle_since = None
            continue
        idle_since = idle_since or time.monotonic()
        if time.monotonic() - idle_since > options.lease * 2 + 30:
            ctx.summary.note(f"{len(waiting)} subjects stayed claimed by another uploader; run again later")
            return
        wait(min(1.0, options.lease / 10))


def _reconcile(ctx: _Context) -> None:
    """Delete every subject of the set that carries one of our keys but is not the one we kept.

    A request that timed out may still be carried out by the server after we looked for
    what it created; this last listing catches such late duplicates.
    """
    kept = {s.key: s.zooniverse_id for s in ctx.store.filter(Subject, subject_set_id=ctx.set_id)}
    for remote in ctx.conn.pages("/subjects", "subjects", {"subject_set_id": ctx.set_id}):
        key = (remote.get("metadata") or {}).get("#subject_key")
        ident = int(remote["id"])
        if (
            key in kept
            and kept[key] is not None
            and kept[key] != ident
            and _delete(ctx.conn, "subjects", ident)
        ):
            ctx.summary.add("deleted")
            logger.info("deleted late duplicate %d of subject %s", ident, key)
