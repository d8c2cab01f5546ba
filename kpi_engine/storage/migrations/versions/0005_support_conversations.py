"""Support conversations in Slack: the support channels, the messages of their threads that
counted, and the surveys posted in them.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from kpi_engine.storage.schema import FOREIGN_KEY_DIALECTS, Timestamp

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "support_channels",
        sa.Column("channel_id", sa.String(32), primary_key=True),
        sa.Column("team", sa.String(128)),
        sa.Column("tier", sa.SmallInteger(), nullable=False, server_default="1"),
        sa.Column("added_at", Timestamp(), nullable=False),
    )
    op.create_table(
        "support_messages",
        sa.Column("channel_id", sa.String(32), primary_key=True),
        sa.Column("ts", sa.String(32), primary_key=True),
        sa.Column("thread_ts", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("message_at", Timestamp(), nullable=False),
    )
    references = []
    if bind.dialect.name in FOREIGN_KEY_DIALECTS:
        references.append(sa.ForeignKeyConstraint(
            ["source", "ticket_id"], ["tickets.source", "tickets.id"], ondelete="CASCADE"))
    op.create_table(
        "surveys",
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("ticket_id", sa.String(128), primary_key=True),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("thread_ts", sa.String(32), nullable=False),
        sa.Column("message_ts", sa.String(32)),
        sa.Column("customer", sa.String(64), nullable=False),
        sa.Column("sent_at", Timestamp(), nullable=False),
        sa.Column("expires_at", Timestamp(), nullable=False),
        sa.Column("step", sa.String(8), nullable=False),
        sa.Column("with_nps", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("closed", sa.Boolean(), nullable=False, server_default=sa.false()),
        *references,
    )
    op.create_index("ix_surveys_message", "surveys", ["channel_id", "message_ts"])
    op.create_index("ix_surveys_customer_sent_at", "surveys", ["customer", "sent_at"])


def downgrade() -> None:
    op.drop_index("ix_surveys_customer_sent_at", table_name="surveys")
    op.drop_index("ix_surveys_message", table_name="surveys")
    op.drop_table("surveys")
    op.drop_table("support_messages")
    op.drop_table("support_channels")
