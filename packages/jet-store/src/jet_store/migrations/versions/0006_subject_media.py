"""subject frames, media and message

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-01 09:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON()  # json, not jsonb, on PostgreSQL: jsonb rewrites numbers


def upgrade() -> None:
    with op.batch_alter_table("subjects", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("frame_urls", JSON, autoincrement=False, nullable=False, server_default="[]")
        )
        batch_op.add_column(
            sa.Column("media_paths", JSON, autoincrement=False, nullable=False, server_default="[]")
        )
        batch_op.add_column(sa.Column("message", sa.Text(), autoincrement=False, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subjects", schema=None) as batch_op:
        batch_op.drop_column("message")
        batch_op.drop_column("media_paths")
        batch_op.drop_column("frame_urls")
