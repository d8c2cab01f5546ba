"""The staging side of an import: the TEMPORARY tables validated rows are loaded into (each
keeps its rows' line numbers), and the key each is looked up by. canonical.py drives an import;
how each backend loads a batch into these tables fast (binary COPY on PostgreSQL, a temporary
CSV read by read_csv on DuckDB, executemany on SQLite) is its backend's (sql/dialects/).
"""

from __future__ import annotations

import sqlalchemy as sa

from kpi_engine.ingest.rows import STAGED_SURVEY_COLUMNS, STAGED_TICKET_COLUMNS
from kpi_engine.storage.schema import (
    BUSINESS_READINGS,
    RECORD_COLUMNS,
    Timestamp,
    ticket_tags,
    tickets,
)

# --- staging tables: the real tables' column types, so each backend binds timestamps its way --

staging_metadata = sa.MetaData()


def _temporary(name: str, *columns: sa.Column) -> sa.Table:
    return sa.Table(name, staging_metadata, *columns, prefixes=["TEMPORARY"])


def _line() -> sa.Column:
    return sa.Column("line", sa.Integer(), nullable=False)


# A staged ticket: its line, the ticket record, then its business clock readings (computed as
# the row is staged when a calendar is stored: calendars/readings.py; NULL otherwise).
staged_tickets = _temporary(
    "kpibot_staged_tickets", _line(),
    *(sa.Column(c.name, c.type) for c in tickets.columns if c.name in RECORD_COLUMNS),
    *(sa.Column(name, tickets.c[name].type) for name in BUSINESS_READINGS),
)
staged_tags = _temporary(
    "kpibot_staged_tags", _line(), *(sa.Column(c.name, c.type) for c in ticket_tags.columns)
)
staged_surveys = _temporary(
    "kpibot_staged_surveys", _line(),
    sa.Column("source", sa.String(64)), sa.Column("ticket_id", sa.String(128)),
    sa.Column("kind", sa.String(8)), sa.Column("sent_at", Timestamp()),
    sa.Column("score", sa.SmallInteger()), sa.Column("responded_at", Timestamp()),
    sa.Column("comment", sa.Text()),
)
# Lines found bad by SQL: `first_line` of a duplicate, or the ticket a survey names in vain.
bad_lines = _temporary(
    "kpibot_bad_lines", sa.Column("file", sa.SmallInteger()), _line(),
    sa.Column("first_line", sa.Integer()), sa.Column("source", sa.String(64)),
    sa.Column("ticket_id", sa.String(128)),
)
removed_tags = _temporary(
    "kpibot_removed_tags", *(sa.Column(c.name, c.type) for c in ticket_tags.columns)
)
added_tags = _temporary(
    "kpibot_added_tags", *(sa.Column(c.name, c.type) for c in ticket_tags.columns)
)
assert tuple(staged_tickets.c.keys()) == STAGED_TICKET_COLUMNS + BUSINESS_READINGS
assert tuple(staged_surveys.c.keys()) == STAGED_SURVEY_COLUMNS

# Each staged table and the key the checks and merges look its rows up by.
STAGED_KEYS: tuple[tuple[sa.Table, tuple[str, ...]], ...] = (
    (staged_tickets, ("source", "id")),
    (staged_tags, ("source", "ticket_id", "tag")),
    (staged_surveys, ("source", "ticket_id", "kind")),
)
