"""The known values of the free-text dimensions — agents, teams, tags — kept in the small
`dimension_values` table so that reading a question's vocabulary is one cheap query, not a
scan of every ticket. The import records the values of what it staged; `refresh` recomputes
the table from the tickets (for the migration, and for tickets written by other means).
"""

from __future__ import annotations

import sqlalchemy as sa

from kpi_engine.storage.schema import dimension_values, ticket_tags, tickets
from kpi_engine.vocabulary import Dimension

# The dimensions whose values are free text, and where each one's values live.
FREE_TEXT_DIMENSIONS = (Dimension.AGENT, Dimension.TEAM, Dimension.TAG)


def _value_column(dimension: Dimension, tickets_table: sa.FromClause,
                  tags_table: sa.FromClause) -> sa.ColumnElement:
    if dimension is Dimension.TAG:
        return tags_table.c.tag
    return tickets_table.c[dimension.value]


def record_dimension_values(connection: sa.Connection, tickets_table: sa.FromClause,
                            tags_table: sa.FromClause) -> None:
    """Add the values found in `tickets_table`/`tags_table` (shaped like the real tables, e.g.
    an import's staging tables) that `dimension_values` does not have yet."""
    known = dimension_values
    for dimension in FREE_TEXT_DIMENSIONS:
        column = _value_column(dimension, tickets_table, tags_table)
        connection.execute(known.insert().from_select(
            ["dimension", "value"],
            sa.select(sa.literal(dimension.value, sa.String(16)), column)
            .where(column.is_not(None), column != "",
                   ~sa.exists().where(known.c.dimension == dimension.value,
                                      known.c.value == column))
            .distinct(),
        ))


def refresh_dimension_values(connection: sa.Connection) -> None:
    """Recompute the table from every ticket and tag."""
    connection.execute(sa.delete(dimension_values))
    record_dimension_values(connection, tickets, ticket_tags)


def read_dimension_values(connection: sa.Connection) -> dict[Dimension, tuple[str, ...]]:
    """Each free-text dimension's known values, sorted."""
    values: dict[Dimension, list[str]] = {dimension: [] for dimension in FREE_TEXT_DIMENSIONS}
    rows = connection.execute(
        sa.select(dimension_values.c.dimension, dimension_values.c.value)
        .order_by(dimension_values.c.dimension, dimension_values.c.value)
    )
    for dimension, value in rows:
        values[Dimension(dimension)].append(value)
    return {dimension: tuple(found) for dimension, found in values.items()}
