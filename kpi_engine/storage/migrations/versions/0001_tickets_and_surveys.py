"""Tickets, their tags, survey requests and survey responses.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from kpi_engine.storage.schema import FOREIGN_KEY_DIALECTS, Timestamp

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _ticket_reference(bind) -> list[sa.ForeignKeyConstraint]:
    if bind.dialect.name not in FOREIGN_KEY_DIALECTS:
        return []
    return [sa.ForeignKeyConstraint(
        ["source", "ticket_id"], ["tickets.source", "tickets.id"], ondelete="CASCADE"
    )]


def _ticket_key() -> list[sa.Column]:
    return [
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("ticket_id", sa.String(128), primary_key=True),
    ]


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "tickets",
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("created_at", Timestamp(), nullable=False),
        sa.Column("first_response_at", Timestamp()),
        sa.Column("solved_at", Timestamp()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("priority", sa.String(16), nullable=False),
        sa.Column("tier", sa.SmallInteger(), nullable=False),
        sa.Column("team", sa.String(128)),
        sa.Column("agent", sa.String(256)),
        sa.Column("customer", sa.String(256), nullable=False),
        sa.Column("agent_replies", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("customer_messages", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("reopens", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("escalated", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("handle_time_seconds", sa.Integer()),
        sa.Column("hold_time_seconds", sa.Integer()),
        sa.Column("slack_channel", sa.String(32)),
        sa.Column("slack_thread_ts", sa.String(32)),
    )
    op.create_index("ix_tickets_created_at", "tickets", ["created_at"])
    op.create_index("ix_tickets_solved_at", "tickets", ["solved_at"])
    op.create_index("ix_tickets_customer_created_at", "tickets", ["customer", "created_at"])

    op.create_table(
        "ticket_tags",
        *_ticket_key(),
        sa.Column("tag", sa.String(128), primary_key=True),
        *_ticket_reference(bind),
    )
    op.create_index("ix_ticket_tags_tag", "ticket_tags", ["tag"])

    op.create_table(
        "survey_requests",
        *_ticket_key(),
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("sent_at", Timestamp(), nullable=False),
        *_ticket_reference(bind),
    )
    op.create_index("ix_survey_requests_sent_at", "survey_requests", ["sent_at"])

    op.create_table(
        "survey_responses",
        *_ticket_key(),
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("responded_at", Timestamp(), nullable=False),
        sa.Column("comment", sa.Text()),
        *_ticket_reference(bind),
    )
    op.create_index("ix_survey_responses_responded_at", "survey_responses", ["responded_at"])


def downgrade() -> None:
    for table in ("survey_responses", "survey_requests", "ticket_tags", "tickets"):
        op.drop_table(table)
