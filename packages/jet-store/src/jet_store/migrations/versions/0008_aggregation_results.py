"""aggregation results: frame-level jet times and errors, run parameters

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 09:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON()  # json, not jsonb, on PostgreSQL: jsonb rewrites numbers

_JET_COLUMNS = (
    ("peak_time", sa.DateTime),
    ("subject_start", sa.DateTime),
    ("subject_end", sa.DateTime),
    ("start_error", sa.Double),
    ("end_error", sa.Double),
    ("direction_std", sa.Double),
    ("velocity_error", sa.Double),
    ("n_subjects", sa.BigInteger),
    ("n_volunteers", sa.BigInteger),
    ("params_hash", sa.Text),
)


def upgrade() -> None:
    with op.batch_alter_table("jets", schema=None) as batch_op:
        for name, kind in _JET_COLUMNS:
            batch_op.add_column(sa.Column(name, kind(), autoincrement=False, nullable=True))
    op.create_table(
        "aggregation_runs",
        sa.Column("params_hash", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("scope", sa.Text(), autoincrement=False, nullable=False),
        sa.Column("params", JSON, autoincrement=False, nullable=False),
        sa.Column("n_subjects", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("n_jets", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("params_hash", "scope"),
    )


def downgrade() -> None:
    op.drop_table("aggregation_runs")
    with op.batch_alter_table("jets", schema=None) as batch_op:
        for name, _kind in reversed(_JET_COLUMNS):
            batch_op.drop_column(name)
