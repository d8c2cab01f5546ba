"""Business hours: each ticket's business clock readings (`created_business`,
`first_response_business`, `solved_business`: business seconds from the calendar's epoch, NULL
until computed) and the calendars they were computed with (`business_calendars`). The readings
are computed by the first business-hours question, or `kpibot calendar recompute`.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from kpi_engine.storage.schema import Timestamp

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

READINGS = ("created_business", "first_response_business", "solved_business")


def upgrade() -> None:
    for name in READINGS:
        op.add_column("tickets", sa.Column(name, sa.BigInteger()))
    op.create_table(
        "business_calendars",
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("computed_at", Timestamp(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("business_calendars")
    for name in reversed(READINGS):
        op.drop_column("tickets", name)
