"""claims and frame message

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 09:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "claims",
        sa.Column("kind", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("key", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("owner", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("claimed_at", sa.DateTime(), autoincrement=False, nullable=False),
        sa.Column("expires_at", sa.DateTime(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("kind", "key"),
    )
    op.create_index("ix_claims_owner", "claims", ["owner"], unique=False)
    with op.batch_alter_table("frames", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message", sa.Text(), autoincrement=False, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("frames", schema=None) as batch_op:
        batch_op.drop_column("message")
    op.drop_index("ix_claims_owner", table_name="claims")
    op.drop_table("claims")
