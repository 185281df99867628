"""annotations on the Sun, import reports

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 09:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON()  # json, not jsonb, on PostgreSQL: jsonb rewrites numbers

_ANNOTATION_COLUMNS = (
    ("answer_index", sa.BigInteger),
    ("x2", sa.Double),
    ("y2", sa.Double),
    ("hpc_x", sa.Double),
    ("hpc_y", sa.Double),
    ("hpc_width", sa.Double),
    ("hpc_height", sa.Double),
    ("hpc_angle", sa.Double),
    ("frame_time", sa.DateTime),
)


def upgrade() -> None:
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        for name, type_ in _ANNOTATION_COLUMNS:
            batch_op.add_column(sa.Column(name, type_(), autoincrement=False, nullable=True))
    op.create_table(
        "import_reports",
        sa.Column("key", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("export", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("source", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("sha256", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("options", JSON, autoincrement=False, nullable=False),
        sa.Column("rows", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("added", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("unchanged", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("filtered", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("skipped", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("filtered_counts", JSON, autoincrement=False, nullable=False),
        sa.Column("skip_counts", JSON, autoincrement=False, nullable=False),
        sa.Column("skipped_rows", JSON, autoincrement=False, nullable=False),
        sa.Column("started_at", sa.DateTime(), autoincrement=False, nullable=True),
        sa.Column("finished_at", sa.DateTime(), autoincrement=False, nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("import_reports", schema=None) as batch_op:
        batch_op.create_index("ix_import_reports_export", ["export"], unique=False)
        batch_op.create_index("ix_import_reports_sha256", ["sha256"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("import_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_import_reports_sha256")
        batch_op.drop_index("ix_import_reports_export")
    op.drop_table("import_reports")
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        for name, _ in reversed(_ANNOTATION_COLUMNS):
            batch_op.drop_column(name)
