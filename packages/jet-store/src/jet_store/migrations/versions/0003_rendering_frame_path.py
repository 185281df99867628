"""rendering frame path

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 22:15:30.842500
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON()  # json, not jsonb, on PostgreSQL: jsonb rewrites numbers


def upgrade() -> None:
    with op.batch_alter_table("renderings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("frame_path", sa.Text(), autoincrement=False, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("renderings", schema=None) as batch_op:
        batch_op.drop_column("frame_path")
