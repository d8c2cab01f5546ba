"""Deliveries handled at most once: the keys of Slack events and interactions already taken on.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from kpi_engine.storage.schema import Timestamp

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handled_deliveries",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("handled_at", Timestamp(), nullable=False),
        sa.Column("expires_at", Timestamp(), nullable=False),
    )
    op.create_index("ix_handled_deliveries_expires_at", "handled_deliveries", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_handled_deliveries_expires_at", table_name="handled_deliveries")
    op.drop_table("handled_deliveries")
