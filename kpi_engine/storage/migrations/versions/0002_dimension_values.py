"""The known agents, teams and tags (the vocabulary of questions), filled from the tickets.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from kpi_engine.storage.dimension_values import refresh_dimension_values

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dimension_values",
        sa.Column("dimension", sa.String(16), primary_key=True),
        sa.Column("value", sa.String(256), primary_key=True),
    )
    refresh_dimension_values(op.get_bind())


def downgrade() -> None:
    op.drop_table("dimension_values")
