"""The scheduler's heartbeat: each running scheduler (`kpibot serve`'s, or `kpibot scheduler`)
records when it was last seen, every minute, so `kpibot doctor` can say whether one is running.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

from kpi_engine.storage.schema import Timestamp

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduler_heartbeats",
        sa.Column("id", sa.String(160), primary_key=True),
        sa.Column("host", sa.String(128), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", Timestamp(), nullable=False),
        sa.Column("seen_at", Timestamp(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("scheduler_heartbeats")
