"""Each ticket's tags in one value on its row (`tickets.tag_list`: a JSON array, sorted; NULL
when it has none), filled from `ticket_tags` for the tickets already stored. A change explained
groups by tag from it, without joining the tag rows (sql/explain_change.py).

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# Each backend's JSON array of a ticket's tags `tt.tag`, in code point order and without spaces,
# as `tag_list_text` writes it (so re-importing the same file finds the same list).
_SORTED_ARRAY = {
    "postgresql": """'[' || string_agg(to_json(tt.tag)::text, ','
                                       ORDER BY tt.tag COLLATE "C") || ']'""",
    "duckdb": "to_json(list(tt.tag ORDER BY tt.tag))::VARCHAR",
    "sqlite": None,  # json_group_array over a sorted inner select, below
}


def upgrade() -> None:
    op.add_column("tickets", sa.Column("tag_list", sa.Text()))
    dialect = op.get_bind().dialect.name
    array = _SORTED_ARRAY.get(dialect)
    if array is None:
        of_ticket = ("(SELECT json_group_array(tag) FROM (SELECT tt.tag FROM ticket_tags tt "
                     "WHERE tt.source = tickets.source AND tt.ticket_id = tickets.id "
                     "ORDER BY tt.tag))")
    else:
        of_ticket = (f"(SELECT {array} FROM ticket_tags tt "
                     "WHERE tt.source = tickets.source AND tt.ticket_id = tickets.id)")
    op.execute(f"UPDATE tickets SET tag_list = {of_ticket} WHERE EXISTS (SELECT 1 FROM "
               "ticket_tags tt WHERE tt.source = tickets.source AND tt.ticket_id = tickets.id)")


def downgrade() -> None:
    op.drop_column("tickets", "tag_list")
