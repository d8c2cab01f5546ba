"""Feedback on answers: the answers kpibot posted in Slack, by their message (`answers`), and
one thumbs up or down per person per answer (`answer_feedback`).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

from kpi_engine.storage.schema import FOREIGN_KEY_DIALECTS, Timestamp

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "answers",
        sa.Column("channel_id", sa.String(32), primary_key=True),
        sa.Column("message_id", sa.String(32), primary_key=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("reading", sa.Text(), nullable=False),
        sa.Column("asked_by", sa.String(64), nullable=False),
        sa.Column("answered_at", Timestamp(), nullable=False),
    )
    references = ()
    if op.get_bind().dialect.name in FOREIGN_KEY_DIALECTS:
        references = (sa.ForeignKeyConstraint(
            ["channel_id", "message_id"], ["answers.channel_id", "answers.message_id"],
            ondelete="CASCADE"),)
    op.create_table(
        "answer_feedback",
        sa.Column("channel_id", sa.String(32), primary_key=True),
        sa.Column("message_id", sa.String(32), primary_key=True),
        sa.Column("voter", sa.String(64), primary_key=True),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("voted_at", Timestamp(), nullable=False),
        *references,
    )
    op.create_index("ix_answer_feedback_voted_at", "answer_feedback", ["voted_at"])


def downgrade() -> None:
    op.drop_index("ix_answer_feedback_voted_at", table_name="answer_feedback")
    op.drop_table("answer_feedback")
    op.drop_table("answers")
