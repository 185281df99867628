"""Uploading subjects to Panoptes: each exactly once, with every file, safe to kill and re-run.

:func:`upload_subjects` takes every stored subject not yet linked to the target subject
set and carries it through ``created`` (it has a Zooniverse id) -> ``uploaded`` (its
media are on Panoptes and verified) -> ``linked`` (it is in the set), recording each
step in the store. Work is shared through store claims (``Store.claim``), so two
uploaders, or a re-run after a kill, never work on one subject at once; a claim whose
owner died on this machine is released at once (``Store.release_dead_claims``), one of
another machine expires and is taken over.

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
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from jet_store import Store, Subject, SubjectState

from zoo_bridge.connection import PanoptesConnection
from zoo_bridge.errors import SubjectLimitExceeded
from zoo_bridge.media import require_valid
from zoo_bridge.resources import check_project, delete, find_sets, subject_set, user_room
from zoo_bridge.subject_upload import UploadContext, work
from zoo_bridge.uploadtypes import UploadOptions, UploadSummary

__all__ = ["UploadOptions", "UploadSummary", "upload_subjects", "claim_subjects"]

logger = logging.getLogger(__name__)


def claim_subjects(store: Store, keys: Sequence[str], owner: str | None, limit: int, lease: float) -> Any:
    """The one place subjects are claimed: a context manager over up to ``limit`` of these
    subject keys that nobody else holds (in their order).

    The claims are renewed while the block runs and released when it ends
    (``Store.claiming_keys``, in the same namespace as ``Store.claim(Subject)``).
    """
    store.release_dead_claims(Subject)  # a killed uploader's subjects, at once
    return store.claiming_keys(Subject, keys, owner=owner, limit=limit, lease=lease)


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
    check_project(conn, options.project_id)
    limit, used = user_room(conn)
    to_create = sum(1 for s in pending if s.zooniverse_id is None)
    if used + to_create > limit:
        raise SubjectLimitExceeded(
            f"uploading {to_create} new subjects would go over your Panoptes subject limit: you have "
            f"uploaded {used} of {limit}; ask the Zooniverse team for a higher limit or upload fewer subjects"
        )
    if options.dry_run:
        found = find_sets(conn, options.project_id, options.subject_set)
        summary.subject_set_id = found[0] if found else None
        return summary
    if not pending:
        found = find_sets(conn, options.project_id, options.subject_set)
        summary.subject_set_id = found[0] if found else None
        return summary
    set_id = subject_set(conn, options.project_id, options.subject_set)
    summary.subject_set_id = set_id
    remote: dict[str, list[int]] = defaultdict(list)
    for item in conn.pages("/subjects", "subjects", {"subject_set_id": set_id}):
        key = (item.get("metadata") or {}).get("#subject_key")
        if key:
            remote[str(key)].append(int(item["id"]))
    media_pool = ThreadPoolExecutor(
        max_workers=options.workers * options.media_per_subject, thread_name_prefix="media"
    )
    ctx = UploadContext(store, conn, root, options, set_id, summary, remote, media_pool)
    with (
        media_pool,
        progress_bar(len(pending), enabled=progress, desc="upload", unit="subject") as bar,
        ThreadPoolExecutor(max_workers=options.workers, thread_name_prefix="upload") as pool,
    ):
        _drain(ctx, pool, wait, lambda: bar.update(summary.linked + summary.failed - bar.n))
    _reconcile(ctx)
    return summary


def _drain(
    ctx: UploadContext, pool: ThreadPoolExecutor, wait: Callable[[float], None], tick: Callable[[], object]
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
            list(pool.map(lambda s: work(ctx, s), todo))
        tick()
        if keys:
            idle_since = None
            continue
        idle_since = idle_since or time.monotonic()
        if time.monotonic() - idle_since > options.lease * 2 + 30:
            ctx.summary.note(f"{len(waiting)} subjects stayed claimed by another uploader; run again later")
            return
        wait(min(1.0, options.lease / 10))


def _reconcile(ctx: UploadContext) -> None:
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
            and delete(ctx.conn, "subjects", ident)
        ):
            ctx.summary.add("deleted")
            logger.info("deleted late duplicate %d of subject %s", ident, key)
