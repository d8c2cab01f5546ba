"""The last question of each conversation, so follow-ups survive restarts and span processes.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from kpi_engine.storage.schema import Timestamp

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("conversation", sa.String(255), primary_key=True),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("updated_at", Timestamp(), nullable=False),
    )
    op.create_index("ix_conversations_updated_at", "conversations", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_conversations_updated_at", table_name="conversations")
    op.drop_table("conversations")
