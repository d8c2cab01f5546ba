"""The known agents, teams and tags (`dimension_values`): what the import records, what
`refresh_dimension_values` recomputes, what the 0002 migration fills, and the lexicon questions
are read with (`load_lexicon`). On SQLite, PostgreSQL and DuckDB.

Every expected value list is written out by hand from the hand-made tickets next to it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from kpi_engine.ingest import import_csv
from kpi_engine.question.lexicon import Lexicon, load_lexicon
from kpi_engine.storage.database import create_database_engine, migrate
from kpi_engine.storage.dimension_values import read_dimension_values, refresh_dimension_values
from kpi_engine.storage.schema import dimension_values, ticket_tags, tickets
from kpi_engine.vocabulary import Dimension
from tests.builders import add_tickets
from tests.kpi_engine.ingest.test_ingest import HEADER, ticket, write

U = UTC
NOTHING = {Dimension.AGENT: (), Dimension.TEAM: (), Dimension.TAG: ()}

# Four tickets: two agents (Asha twice), two teams, three tags; A4 has no agent and no team.
FIRST = (
    HEADER,
    ticket(id="A1", agent="Asha Rao", team="billing", tags="refund;vip"),
    ticket(id="A2", agent="Sam Lee", team="billing", tags="refund"),
    ticket(id="A3", agent="Asha Rao", team="technical"),
    ticket(id="A4", tags="bug"),
)
FIRST_VALUES = {
    Dimension.AGENT: ("Asha Rao", "Sam Lee"),
    Dimension.TEAM: ("billing", "technical"),
    Dimension.TAG: ("bug", "refund", "vip"),
}


def known(db: sa.Engine) -> dict[Dimension, tuple[str, ...]]:
    with db.connect() as connection:
        return read_dimension_values(connection)


def table_rows(db: sa.Engine) -> list[tuple[str, str]]:
    """Every row of dimension_values, as (dimension, value), duplicates kept."""
    with db.connect() as connection:
        return sorted(tuple(row) for row in connection.execute(
            sa.select(dimension_values.c.dimension, dimension_values.c.value)))


def ticket_row(id: str, **fields) -> dict:
    """A full tickets row for a direct `tickets.insert()`."""
    return {
        "source": "import", "id": id, "created_at": datetime(2026, 11, 10, 9, tzinfo=U),
        "first_response_at": None, "solved_at": None, "status": "open", "channel": "chat",
        "priority": "normal", "tier": 1, "team": None, "agent": None, "customer": f"c-{id}",
        "agent_replies": 0, "customer_messages": 1, "reopens": 0, "escalated": False,
        "handle_time_seconds": None, "hold_time_seconds": None, "slack_channel": None,
        "slack_thread_ts": None,
    } | fields


# --- the import records what it imported --------------------------------------------------------


def test_import_records_exactly_the_agents_teams_and_tags_of_the_file(db, tmp_path):
    import_csv(db, write(tmp_path, "tickets.csv", *FIRST))

    assert known(db) == FIRST_VALUES
    # Asha (twice), billing (twice) and refund (twice) are each one row; A4's empty agent and
    # team are no row at all: 2 agents + 2 teams + 3 tags = 7 rows.
    assert table_rows(db) == [
        ("agent", "Asha Rao"), ("agent", "Sam Lee"),
        ("tag", "bug"), ("tag", "refund"), ("tag", "vip"),
        ("team", "billing"), ("team", "technical"),
    ]


def test_a_second_import_adds_only_the_new_agent(db, tmp_path):
    import_csv(db, write(tmp_path, "first.csv", *FIRST))
    # One new agent; the team and the tag are already known.
    import_csv(db, write(tmp_path, "second.csv", HEADER,
                         ticket(id="B1", agent="Mei Chen", team="billing", tags="refund")))

    assert known(db) == FIRST_VALUES | {Dimension.AGENT: ("Asha Rao", "Mei Chen", "Sam Lee")}
    assert len(table_rows(db)) == 8


def test_importing_the_same_file_again_changes_nothing(db, tmp_path):
    path = write(tmp_path, "tickets.csv", *FIRST)
    import_csv(db, path)
    before = table_rows(db)

    import_csv(db, path)

    assert table_rows(db) == before
    assert known(db) == FIRST_VALUES


def test_a_file_with_no_agent_and_no_team_records_none(db, tmp_path):
    import_csv(db, write(tmp_path, "tickets.csv", HEADER, ticket(id="E1"), ticket(id="E2")))

    assert known(db) == NOTHING
    assert table_rows(db) == []


# --- refresh recomputes from the tickets --------------------------------------------------------


def test_refresh_recomputes_from_tickets_written_by_other_means(db):
    with db.begin() as connection:
        connection.execute(tickets.insert(), [
            ticket_row("D1", agent="Priya Nair", team="accounts"),
            ticket_row("D2", agent="Diego Alvarez", team="accounts"),
            ticket_row("D3", agent="", team=""),  # empty strings are no value either
        ])
        connection.execute(ticket_tags.insert(), [
            {"source": "import", "ticket_id": "D1", "tag": "outage"},
            {"source": "import", "ticket_id": "D2", "tag": "outage"},
            {"source": "import", "ticket_id": "D3", "tag": "complaint"},
        ])
    assert known(db) == NOTHING  # a direct insert records nothing by itself

    with db.begin() as connection:
        refresh_dimension_values(connection)

    assert known(db) == {
        Dimension.AGENT: ("Diego Alvarez", "Priya Nair"),
        Dimension.TEAM: ("accounts",),
        Dimension.TAG: ("complaint", "outage"),
    }
    assert len(table_rows(db)) == 5


def test_refresh_drops_values_no_ticket_has_any_more(db):
    add_tickets(db,
                dict(id="G1", created_at=datetime(2026, 11, 10, tzinfo=U), agent="Tom Becker",
                     team="onboarding", tags=["vip"]),
                dict(id="G2", created_at=datetime(2026, 11, 11, tzinfo=U), agent="Mei Chen",
                     team="billing"))
    with db.begin() as connection:
        connection.execute(ticket_tags.delete().where(ticket_tags.c.ticket_id == "G1"))
        connection.execute(tickets.delete().where(tickets.c.id == "G1"))
        refresh_dimension_values(connection)

    assert known(db) == {Dimension.AGENT: ("Mei Chen",), Dimension.TEAM: ("billing",),
                         Dimension.TAG: ()}


# --- the migration fills the table from existing tickets ----------------------------------------


def test_migrating_from_0001_fills_the_table_from_the_tickets(tmp_path):
    engine = create_database_engine(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        migrate(engine, "0001")
        with engine.begin() as connection:
            assert not sa.inspect(connection).has_table("dimension_values")
            connection.execute(tickets.insert(), [
                ticket_row("M1", agent="Asha Rao", team="billing"),
                ticket_row("M2", agent="Sam Ortiz", team="billing"),
                ticket_row("M3"),  # no agent, no team
            ])
            connection.execute(ticket_tags.insert(), [
                {"source": "import", "ticket_id": "M1", "tag": "refund"},
                {"source": "import", "ticket_id": "M3", "tag": "bug"},
            ])

        migrate(engine)

        assert known(engine) == {
            Dimension.AGENT: ("Asha Rao", "Sam Ortiz"),
            Dimension.TEAM: ("billing",),
            Dimension.TAG: ("bug", "refund"),
        }
    finally:
        engine.dispose()


# --- the lexicon questions are read with --------------------------------------------------------


def test_load_lexicon_knows_an_agent_by_first_name(db):
    add_tickets(db, dict(id="L1", created_at=datetime(2026, 11, 10, tzinfo=U), agent="Asha Rao",
                         team="billing", tags=["refund"]))

    lexicon = load_lexicon(db)

    assert isinstance(lexicon, Lexicon)
    assert lexicon.lookup(Dimension.AGENT, "asha") == ("Asha Rao",)
    assert lexicon.lookup(Dimension.AGENT, "Rao") == ("Asha Rao",)
    assert lexicon.lookup(Dimension.AGENT, "ASHA RAO") == ("Asha Rao",)
    assert lexicon.lookup(Dimension.TEAM, "Billing") == ("billing",)
    assert lexicon.lookup(Dimension.TAG, "refund") == ("refund",)
    assert lexicon.lookup(Dimension.AGENT, "bob") == ()


def test_a_first_name_shared_by_two_agents_stands_for_both(db):
    add_tickets(db,
                dict(id="S1", created_at=datetime(2026, 11, 10, tzinfo=U), agent="Sam Lee"),
                dict(id="S2", created_at=datetime(2026, 11, 11, tzinfo=U), agent="Sam Ortiz"),
                dict(id="S3", created_at=datetime(2026, 11, 12, tzinfo=U), agent="Asha Rao"))

    lexicon = load_lexicon(db)

    assert sorted(lexicon.lookup(Dimension.AGENT, "sam")) == ["Sam Lee", "Sam Ortiz"]
    assert lexicon.lookup(Dimension.AGENT, "sam lee") == ("Sam Lee",)
    assert lexicon.agents == ("Asha Rao", "Sam Lee", "Sam Ortiz")


def test_the_lexicon_suggests_the_known_spelling_of_a_misspelt_team(db):
    add_tickets(db, dict(id="T1", created_at=datetime(2026, 11, 10, tzinfo=U), team="billing"),
                dict(id="T2", created_at=datetime(2026, 11, 10, tzinfo=U), team="technical"))

    lexicon = load_lexicon(db)

    assert lexicon.misspelt(Dimension.TEAM, "biling") == ["billing"]  # one letter missing
    assert lexicon.misspelt(Dimension.TEAM, "marketing") == []
