"""Builders the tests share (not fixtures): the pinned clock NOW, settings that never read the
developer's environment (the engine's, and the Slack app's for tests/bot), hand-made tickets and
survey answers written straight into a database, and `run_kpibot` (the command line run in this
process). Import them with `from tests.builders import …`; tests/conftest.py holds the fixtures.
"""

from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa

from kpi_engine.settings import Settings
from kpi_engine.storage.dimension_values import record_dimension_values
from kpi_engine.storage.schema import (
    survey_requests,
    survey_responses,
    tag_list_text,
    ticket_tags,
    tickets,
)

NOW = datetime(2026, 11, 22, 14, 5, tzinfo=timezone.utc)


def make_settings(**overrides) -> Settings:
    """Settings for tests: never read from the developer's environment or .env."""
    values = {"tz": "UTC", "now": NOW, "database_url": "sqlite://"} | overrides
    return Settings(_env_file=None, **values)


def make_bot_settings(**overrides):
    """The Slack app's settings (`BotSettings`) for tests, like `make_settings`."""
    from bot.settings import BotSettings

    values = {"tz": "UTC", "now": NOW, "database_url": "sqlite://"} | overrides
    return BotSettings(_env_file=None, **values)


TICKET_DEFAULTS = {
    "source": "import",
    "first_response_at": None,
    "solved_at": None,
    "status": "open",
    "channel": "chat",
    "priority": "normal",
    "tier": 1,
    "team": "general",
    "agent": "Asha Rao",
    "agent_replies": 1,
    "customer_messages": 1,
    "reopens": 0,
    "escalated": False,
    "handle_time_seconds": None,
    "hold_time_seconds": None,
    "slack_channel": None,
    "slack_thread_ts": None,
}


def add_tickets(engine: sa.Engine, *rows: dict) -> None:
    """Insert hand-made tickets: each dict needs id and created_at; `tags` is a list; `customer`
    defaults to one per ticket. Other fields take TICKET_DEFAULTS."""
    ticket_rows, tag_rows = [], []
    for row in rows:
        row = dict(row)
        tags = row.pop("tags", [])
        full = TICKET_DEFAULTS | {"customer": f"customer-{row['id']}"} | row
        full.setdefault("tag_list", tag_list_text(tuple(tags)))  # as kpibot's writers keep it
        ticket_rows.append(full)
        tag_rows.extend({"source": full["source"], "ticket_id": full["id"], "tag": tag}
                        for tag in tags)
    with engine.begin() as connection:
        if ticket_rows:
            connection.execute(tickets.insert(), ticket_rows)
        if tag_rows:
            connection.execute(ticket_tags.insert(), tag_rows)
        record_dimension_values(connection, tickets, ticket_tags)


def add_survey_responses(engine: sa.Engine, *rows: dict) -> None:
    """Insert responses: ticket_id, kind, score, responded_at (source defaults to import)."""
    with engine.begin() as connection:
        connection.execute(
            survey_responses.insert(), [{"source": "import", "comment": None} | row for row in rows]
        )


def add_survey_requests(engine: sa.Engine, *rows: dict) -> None:
    """Insert requests: ticket_id, kind, sent_at (source defaults to import)."""
    with engine.begin() as connection:
        connection.execute(survey_requests.insert(), [{"source": "import"} | row for row in rows])


def run_kpibot(capsys, monkeypatch, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    """Run `kpibot ARGS` in this process (stdin from `stdin` when given); return (exit status,
    stdout, stderr). No traceback may reach either stream."""
    import io

    from bot.cli import main

    monkeypatch.setenv("KPIBOT_ERROR_LOG", "/dev/null")
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    try:
        main(list(args))
        code = 0
    except SystemExit as exit_:
        code = exit_.code or 0
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err
