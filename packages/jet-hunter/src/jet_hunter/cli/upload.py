"""``jet-hunter upload --project ID --subject-set NAME [--workers N] [--dry-run]``.

Uploads every stored subject not yet linked to the subject set (created when missing,
found by name otherwise) through panoptes-client, each exactly once with all its media
verified, safe to interrupt and run again or to run twice at once (see
:mod:`zoo_bridge.upload`). Credentials come from ``PANOPTES_USERNAME`` and
``PANOPTES_PASSWORD``; the service from ``JET_HUNTER_PANOPTES_URL`` (setting
``services.panoptes_url``). ``--dry-run`` checks files, metadata, credentials, project
and the subject limit and uploads nothing. Exit code 2 when some subject failed.
"""

from __future__ import annotations

import argparse
from typing import Any

from jet_hunter.cli.app import App, common_options
from jet_hunter.cli.argtypes import positive_int, workers

__all__ = ["register", "run"]


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "upload",
        help="upload subjects to a Zooniverse subject set (exactly once, resumable)",
        description=(
            "Upload every subject not yet linked to the subject set through panoptes-client: created, "
            "media uploaded and verified, linked; each step recorded, so a re-run continues without "
            "duplicating anything. Credentials from PANOPTES_USERNAME / PANOPTES_PASSWORD."
        ),
        epilog="Example: jet-hunter upload --project 11265 --subject-set 'June 2010' --workers 4 --dry-run",
        parents=[common_options(defaults=False)],
    )
    parser.add_argument("--project", type=positive_int, required=True, metavar="ID", help="project id")
    parser.add_argument("--subject-set", required=True, metavar="NAME", help="subject set display name")
    parser.add_argument("--workers", type=workers, default=4, metavar="N",
                        help="subjects in flight at once (default %(default)s)")  # fmt: skip
    parser.add_argument("--dry-run", action="store_true", help="check everything, upload nothing")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(func=run)


def run(app: App, args: argparse.Namespace) -> int:
    from zoo_bridge.upload import UploadOptions, upload_subjects

    from jet_hunter.stages import panoptes_connection

    conn = panoptes_connection(app.settings)
    options = UploadOptions(
        project_id=args.project, subject_set=args.subject_set, workers=args.workers, dry_run=args.dry_run
    )
    summary = upload_subjects(
        app.store(create=False), app.settings.data_dir, conn, options, progress=app.progress
    )
    if args.json:
        app.emit_json(summary.to_dict())
    else:
        for message in summary.messages[:20]:
            app.echo(f"  {message}")
        app.echo(summary.line())
    return summary.exit_code
