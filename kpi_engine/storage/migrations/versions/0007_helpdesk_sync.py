"""Helpdesk sync: where each stream of a helpdesk's sync stands (`sync_state`), and the
helpdesk's own reply and resolution minutes of each ticket, calendar and business
(`helpdesk_metrics`).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from kpi_engine.storage.schema import Timestamp

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_state",
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("stream", sa.String(64), primary_key=True),
        sa.Column("cursor", sa.Text()),
        sa.Column("updated_at", Timestamp(), nullable=False),
        sa.Column("last_success_at", Timestamp()),
        sa.Column("last_error", sa.Text()),
    )
    # No foreign key to tickets: written only with its ticket and removed with it by the
    # helpdesk import (a bulk load is not one reference check per row).
    op.create_table(
        "helpdesk_metrics",
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("ticket_id", sa.String(128), primary_key=True),
        sa.Column("reply_calendar_minutes", sa.Integer()),
        sa.Column("reply_business_minutes", sa.Integer()),
        sa.Column("resolution_calendar_minutes", sa.Integer()),
        sa.Column("resolution_business_minutes", sa.Integer()),
    )


def downgrade() -> None:
    op.drop_table("helpdesk_metrics")
    op.drop_table("sync_state")
