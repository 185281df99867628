"""hek search log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 20:32:20.044917
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON()  # json, not jsonb, on PostgreSQL: jsonb rewrites numbers


def upgrade() -> None:
    op.create_table(
        "searches",
        sa.Column("key", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("fingerprint", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("start_time", sa.DateTime(), autoincrement=False, nullable=False),
        sa.Column("end_time", sa.DateTime(), autoincrement=False, nullable=False),
        sa.Column("base_url", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("params", JSON, autoincrement=False, nullable=False),
        sa.Column("started_at", sa.DateTime(), autoincrement=False, nullable=True),
        sa.Column("finished_at", sa.DateTime(), autoincrement=False, nullable=True),
        sa.Column("pages", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("found", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("new", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("skipped", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("complete", sa.Boolean(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("searches", schema=None) as batch_op:
        batch_op.create_index("ix_searches_fingerprint", ["fingerprint"], unique=False)
        batch_op.create_index("ix_searches_start_time", ["start_time"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("searches", schema=None) as batch_op:
        batch_op.drop_index("ix_searches_start_time")
        batch_op.drop_index("ix_searches_fingerprint")

    op.drop_table("searches")
