"""Scheduled digests, the claims that post each digest and alert exactly once, alert states,
and APScheduler's job table.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from kpi_engine.storage.schema import Timestamp

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digests",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("name_key", sa.String(80), nullable=False, unique=True),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("created_at", Timestamp(), nullable=False),
        sa.Column("updated_at", Timestamp(), nullable=False),
    )
    op.create_table(
        "post_claims",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("first_claimed_at", Timestamp(), nullable=False),
        sa.Column("claimed_at", Timestamp(), nullable=False),
        sa.Column("token", sa.String(32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("posted_at", Timestamp()),
        sa.Column("posted_ts", sa.String(32)),
    )
    op.create_index("ix_post_claims_posted_at", "post_claims", ["posted_at"])
    op.create_table(
        "alert_states",
        sa.Column("digest_id", sa.String(32), primary_key=True),
        sa.Column("metric", sa.String(32), primary_key=True),
        sa.Column("rule", sa.String(16), primary_key=True),
        sa.Column("firing", sa.Boolean(), nullable=False),
        sa.Column("episode", sa.Integer(), nullable=False),
        sa.Column("changed_at", Timestamp(), nullable=False),
    )
    op.create_table(
        "apscheduler_jobs",
        sa.Column("id", sa.Unicode(191), primary_key=True),
        sa.Column("next_run_time", sa.Float(25)),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_apscheduler_jobs_next_run_time", "apscheduler_jobs", ["next_run_time"])


def downgrade() -> None:
    op.drop_index("ix_apscheduler_jobs_next_run_time", table_name="apscheduler_jobs")
    op.drop_table("apscheduler_jobs")
    op.drop_table("alert_states")
    op.drop_index("ix_post_claims_posted_at", table_name="post_claims")
    op.drop_table("post_claims")
    op.drop_table("digests")
