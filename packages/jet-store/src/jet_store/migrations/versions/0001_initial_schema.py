"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 20:31:28.982054

One table per record kind of jet_store.records. Frozen here on purpose: later
schema changes are new revisions, never edits of this one. Datetimes are naive UTC
(jet_store.schema.UTCDateTime adds the zone back); dicts and tuples are JSON
text (json, not jsonb, on PostgreSQL).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON()  # json, not jsonb, on PostgreSQL: jsonb rewrites numbers


def upgrade() -> None:
    op.create_table(
        "annotations",
        sa.Column("classification_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("task", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("mark_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("subject_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("workflow_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("shape", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("user", sa.Text(), autoincrement=False, nullable=True),
        sa.Column("tool", sa.BigInteger(), autoincrement=False, nullable=True),
        sa.Column("tool_label", sa.Text(), autoincrement=False, nullable=True),
        sa.Column("answer", sa.Text(), autoincrement=False, nullable=True),
        sa.Column("frame", sa.BigInteger(), autoincrement=False, nullable=True),
        sa.Column("x", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("y", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("width", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("height", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("angle", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("display_time", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("details", JSON, autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("classification_id", "task", "mark_index"),
    )
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.create_index("ix_annotations_shape", ["shape"], unique=False)
        batch_op.create_index("ix_annotations_subject_id", ["subject_id"], unique=False)
        batch_op.create_index("ix_annotations_workflow_id", ["workflow_id"], unique=False)

    op.create_table(
        "classifications",
        sa.Column("classification_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("subject_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("workflow_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("workflow_version", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(), autoincrement=False, nullable=False),
        sa.Column("user_name", sa.Text(), autoincrement=False, nullable=True),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=True),
        sa.Column("workflow_name", sa.Text(), autoincrement=False, nullable=True),
        sa.Column("gold_standard", sa.Boolean(), autoincrement=False, nullable=True),
        sa.Column("expert", sa.Text(), autoincrement=False, nullable=True),
        sa.Column("metadata", JSON, autoincrement=False, nullable=False),
        sa.Column("annotations", JSON, autoincrement=False, nullable=False),
        sa.Column("subject_data", JSON, autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("classification_id"),
    )
    with op.batch_alter_table("classifications", schema=None) as batch_op:
        batch_op.create_index("ix_classifications_subject_id", ["subject_id"], unique=False)
        batch_op.create_index("ix_classifications_user_name", ["user_name"], unique=False)
        batch_op.create_index("ix_classifications_workflow_id", ["workflow_id"], unique=False)

    op.create_table(
        "clusters",
        sa.Column("key", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("subject_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("task", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("shape", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("x", sa.Double(), autoincrement=False, nullable=False),
        sa.Column("y", sa.Double(), autoincrement=False, nullable=False),
        sa.Column("width", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("height", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("angle", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("frame", sa.BigInteger(), autoincrement=False, nullable=True),
        sa.Column("sigma", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("n_marks", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("n_users", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("members", JSON, autoincrement=False, nullable=False),
        sa.Column("jet_id", sa.Text(), autoincrement=False, nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("clusters", schema=None) as batch_op:
        batch_op.create_index("ix_clusters_jet_id", ["jet_id"], unique=False)
        batch_op.create_index("ix_clusters_subject_id", ["subject_id"], unique=False)

    op.create_table(
        "cutouts",
        sa.Column("key", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("backend", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("start_time", sa.DateTime(), autoincrement=False, nullable=False),
        sa.Column("end_time", sa.DateTime(), autoincrement=False, nullable=False),
        sa.Column("center_x", sa.Double(), autoincrement=False, nullable=False),
        sa.Column("center_y", sa.Double(), autoincrement=False, nullable=False),
        sa.Column("fov_x", sa.Double(), autoincrement=False, nullable=False),
        sa.Column("fov_y", sa.Double(), autoincrement=False, nullable=False),
        sa.Column("wavelengths", JSON, autoincrement=False, nullable=False),
        sa.Column("event_id", sa.Text(), autoincrement=False, nullable=True),
        sa.Column("sol_standard", sa.Text(), autoincrement=False, nullable=True),
        sa.Column("max_frames", sa.BigInteger(), autoincrement=False, nullable=True),
        sa.Column("cadence", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("track", sa.Boolean(), autoincrement=False, nullable=False),
        sa.Column("params", JSON, autoincrement=False, nullable=False),
        sa.Column("state", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("remote_id", sa.Text(), autoincrement=False, nullable=True),
        sa.Column("message", sa.Text(), autoincrement=False, nullable=True),
        sa.Column("attempts", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("submitted_at", sa.DateTime(), autoincrement=False, nullable=True),
        sa.Column("updated_at", sa.DateTime(), autoincrement=False, nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("cutouts", schema=None) as batch_op:
        batch_op.create_index("ix_cutouts_event_id", ["event_id"], unique=False)
        batch_op.create_index("ix_cutouts_remote_id", ["remote_id"], unique=False)
        batch_op.create_index("ix_cutouts_state", ["state"], unique=False)

    op.create_table(
        "events",
        sa.Column("kb_archivid", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("event_type", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("start_time", sa.DateTime(), autoincrement=False, nullable=False),
        sa.Column("end_time", sa.DateTime(), autoincrement=False, nullable=False),
        sa.Column("sol_standard", sa.Text(), autoincrement=False, nullable=True),
        sa.Column("peak_time", sa.DateTime(), autoincrement=False, nullable=True),
        sa.Column("hpc_x", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("hpc_y", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("bbox_x1", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("bbox_y1", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("bbox_x2", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("bbox_y2", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("hgc_x", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("hgc_y", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("hgs_x", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("hgs_y", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("channel", sa.Text(), autoincrement=False, nullable=True),
        sa.Column("instrument", sa.Text(), autoincrement=False, nullable=True),
        sa.Column("frm_name", sa.Text(), autoincrement=False, nullable=True),
        sa.Column("description", sa.Text(), autoincrement=False, nullable=True),
        sa.Column("raw", JSON, autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("kb_archivid"),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_event_type", ["event_type"], unique=False)
        batch_op.create_index("ix_events_sol_standard", ["sol_standard"], unique=False)
        batch_op.create_index("ix_events_start_time", ["start_time"], unique=False)

    op.create_table(
        "frames",
        sa.Column("url", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("job_key", sa.Text(), autoincrement=False, nullable=True),
        sa.Column("event_id", sa.Text(), autoincrement=False, nullable=True),
        sa.Column("path", sa.Text(), autoincrement=False, nullable=True),
        sa.Column("state", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), autoincrement=False, nullable=True),
        sa.Column("sha256", sa.Text(), autoincrement=False, nullable=True),
        sa.Column("obs_time", sa.DateTime(), autoincrement=False, nullable=True),
        sa.Column("wavelength", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("exptime", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("naxis1", sa.BigInteger(), autoincrement=False, nullable=True),
        sa.Column("naxis2", sa.BigInteger(), autoincrement=False, nullable=True),
        sa.Column("ctype1", sa.Text(), autoincrement=False, nullable=True),
        sa.Column("ctype2", sa.Text(), autoincrement=False, nullable=True),
        sa.Column("cunit1", sa.Text(), autoincrement=False, nullable=True),
        sa.Column("cunit2", sa.Text(), autoincrement=False, nullable=True),
        sa.Column("crpix1", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("crpix2", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("crval1", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("crval2", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("cdelt1", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("cdelt2", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("crota2", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("dsun_obs", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("hgln_obs", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("hglt_obs", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("rsun_obs", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("header", JSON, autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("url"),
    )
    with op.batch_alter_table("frames", schema=None) as batch_op:
        batch_op.create_index("ix_frames_event_id", ["event_id"], unique=False)
        batch_op.create_index("ix_frames_job_key", ["job_key"], unique=False)
        batch_op.create_index("ix_frames_obs_time", ["obs_time"], unique=False)
        batch_op.create_index("ix_frames_path", ["path"], unique=False)
        batch_op.create_index("ix_frames_state", ["state"], unique=False)

    op.create_table(
        "jets",
        sa.Column("jet_id", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("start_time", sa.DateTime(), autoincrement=False, nullable=False),
        sa.Column("end_time", sa.DateTime(), autoincrement=False, nullable=False),
        sa.Column("base_x", sa.Double(), autoincrement=False, nullable=False),
        sa.Column("base_y", sa.Double(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.Text(), autoincrement=False, nullable=True),
        sa.Column("sol_standard", sa.Text(), autoincrement=False, nullable=True),
        sa.Column("subject_ids", JSON, autoincrement=False, nullable=False),
        sa.Column("std_x", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("std_y", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("base_lon", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("base_lat", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("direction", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("max_height", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("upper_height", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("lower_height", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("avg_width", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("std_width", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("velocity", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("sigma", sa.Double(), autoincrement=False, nullable=True),
        sa.Column("flags", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("cluster_keys", JSON, autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("jet_id"),
    )
    with op.batch_alter_table("jets", schema=None) as batch_op:
        batch_op.create_index("ix_jets_event_id", ["event_id"], unique=False)
        batch_op.create_index("ix_jets_sol_standard", ["sol_standard"], unique=False)
        batch_op.create_index("ix_jets_start_time", ["start_time"], unique=False)

    op.create_table(
        "renderings",
        sa.Column("path", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("frame_url", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("format", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("width", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("height", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("im_ll_x", sa.Double(), autoincrement=False, nullable=False),
        sa.Column("im_ll_y", sa.Double(), autoincrement=False, nullable=False),
        sa.Column("im_ur_x", sa.Double(), autoincrement=False, nullable=False),
        sa.Column("im_ur_y", sa.Double(), autoincrement=False, nullable=False),
        sa.Column("renderer", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("params", JSON, autoincrement=False, nullable=False),
        sa.Column("event_id", sa.Text(), autoincrement=False, nullable=True),
        sa.Column("obs_time", sa.DateTime(), autoincrement=False, nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), autoincrement=False, nullable=True),
        sa.Column("sha256", sa.Text(), autoincrement=False, nullable=True),
        sa.Column("created_at", sa.DateTime(), autoincrement=False, nullable=True),
        sa.PrimaryKeyConstraint("path"),
    )
    with op.batch_alter_table("renderings", schema=None) as batch_op:
        batch_op.create_index("ix_renderings_event_id", ["event_id"], unique=False)
        batch_op.create_index("ix_renderings_frame_url", ["frame_url"], unique=False)
        batch_op.create_index("ix_renderings_obs_time", ["obs_time"], unique=False)

    op.create_table(
        "subjects",
        sa.Column("key", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("rendering_paths", JSON, autoincrement=False, nullable=False),
        sa.Column("event_id", sa.Text(), autoincrement=False, nullable=True),
        sa.Column("sol_standard", sa.Text(), autoincrement=False, nullable=True),
        sa.Column("index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("state", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("zooniverse_id", sa.BigInteger(), autoincrement=False, nullable=True),
        sa.Column("subject_set_id", sa.BigInteger(), autoincrement=False, nullable=True),
        sa.Column("metadata", JSON, autoincrement=False, nullable=False),
        sa.Column("updated_at", sa.DateTime(), autoincrement=False, nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("subjects", schema=None) as batch_op:
        batch_op.create_index("ix_subjects_event_id", ["event_id"], unique=False)
        batch_op.create_index("ix_subjects_state", ["state"], unique=False)
        batch_op.create_index("ix_subjects_zooniverse_id", ["zooniverse_id"], unique=False)

    op.create_table(
        "workflows",
        sa.Column("workflow_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("display_name", sa.Text(), autoincrement=False, nullable=True),
        sa.Column("first_task", sa.Text(), autoincrement=False, nullable=True),
        sa.Column("tasks", JSON, autoincrement=False, nullable=False),
        sa.Column("strings", JSON, autoincrement=False, nullable=False),
        sa.Column("retirement", JSON, autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("workflow_id", "version"),
    )


def downgrade() -> None:
    op.drop_table("workflows")
    with op.batch_alter_table("subjects", schema=None) as batch_op:
        batch_op.drop_index("ix_subjects_zooniverse_id")
        batch_op.drop_index("ix_subjects_state")
        batch_op.drop_index("ix_subjects_event_id")

    op.drop_table("subjects")
    with op.batch_alter_table("renderings", schema=None) as batch_op:
        batch_op.drop_index("ix_renderings_obs_time")
        batch_op.drop_index("ix_renderings_frame_url")
        batch_op.drop_index("ix_renderings_event_id")

    op.drop_table("renderings")
    with op.batch_alter_table("jets", schema=None) as batch_op:
        batch_op.drop_index("ix_jets_start_time")
        batch_op.drop_index("ix_jets_sol_standard")
        batch_op.drop_index("ix_jets_event_id")

    op.drop_table("jets")
    with op.batch_alter_table("frames", schema=None) as batch_op:
        batch_op.drop_index("ix_frames_state")
        batch_op.drop_index("ix_frames_path")
        batch_op.drop_index("ix_frames_obs_time")
        batch_op.drop_index("ix_frames_job_key")
        batch_op.drop_index("ix_frames_event_id")

    op.drop_table("frames")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_start_time")
        batch_op.drop_index("ix_events_sol_standard")
        batch_op.drop_index("ix_events_event_type")

    op.drop_table("events")
    with op.batch_alter_table("cutouts", schema=None) as batch_op:
        batch_op.drop_index("ix_cutouts_state")
        batch_op.drop_index("ix_cutouts_remote_id")
        batch_op.drop_index("ix_cutouts_event_id")

    op.drop_table("cutouts")
    with op.batch_alter_table("clusters", schema=None) as batch_op:
        batch_op.drop_index("ix_clusters_subject_id")
        batch_op.drop_index("ix_clusters_jet_id")

    op.drop_table("clusters")
    with op.batch_alter_table("classifications", schema=None) as batch_op:
        batch_op.drop_index("ix_classifications_workflow_id")
        batch_op.drop_index("ix_classifications_user_name")
        batch_op.drop_index("ix_classifications_subject_id")

    op.drop_table("classifications")
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.drop_index("ix_annotations_workflow_id")
        batch_op.drop_index("ix_annotations_subject_id")
        batch_op.drop_index("ix_annotations_shape")

    op.drop_table("annotations")
