"""Fixtures for the Slack tests: a Slack Web API double with a small cast of people, a database
of hand-made tickets whose answers are worked out below, and the real Bolt app built by
`create_app` on both, its Web API client pointed at the double.

The tickets (NOW is Sunday 22 Nov 2026 14:05 UTC; "last week" is Mon 9 – Sun 15 Nov):

    last week, tier 1, solved: s1 Asha (FCR), s2 Asha (FCR), s3 Ben (2 replies: not FCR),
                               s4 Chen (FCR)                      → FCR 3/4 = 75.0%, n = 4
    last week, tier 2, solved: s5 Asha (FCR), s6 Ben (reopened)  → FCR 1/2 = 50.0%, n = 2
    the week before, tier 1:   p1 Asha (FCR), p2 Ben (FCR)       → FCR 2/2 = 100.0%
    tier 1 last week by agent: Asha 2/2 = 100.0%, Chen 1/1 = 100.0%, Ben 0/1 = 0.0%
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from slack_bolt import App, BoltResponse

from bot.app import create_app
from bot.sandbox import signed_requests as slack_requests
from bot.sandbox.slack_double import SlackDouble
from bot.services import AskingServices
from kpi_engine.engine import KpiEngine
from tests.builders import add_tickets, make_bot_settings

SECRET = "test-signing-secret"
MEMBER, LEAD, GUEST, EXTERNAL, BOT_USER = "U1", "ULEAD", "UGUEST", "UEXT", "UROBOT"
CHANNEL, DM = "C1", "D1"


def _solved(ticket_id: str, day: int, *, tier: int, agent: str, replies: int = 1,
            reopens: int = 0) -> dict:
    solved = datetime(2026, 11, day, 15, tzinfo=timezone.utc)
    return dict(id=ticket_id, created_at=solved - timedelta(hours=3),
                first_response_at=solved - timedelta(hours=2), solved_at=solved,
                status="solved", tier=tier, agent=agent, agent_replies=replies, reopens=reopens)


TICKETS = [
    _solved("s1", 10, tier=1, agent="Asha Rao"),
    _solved("s2", 11, tier=1, agent="Asha Rao"),
    _solved("s3", 12, tier=1, agent="Ben Okafor", replies=2),
    _solved("s4", 13, tier=1, agent="Chen Wei"),
    _solved("s5", 12, tier=2, agent="Asha Rao"),
    _solved("s6", 14, tier=2, agent="Ben Okafor", reopens=1),
    _solved("p1", 3, tier=1, agent="Asha Rao"),
    _solved("p2", 4, tier=1, agent="Ben Okafor"),
]


@pytest.fixture
def slack() -> Iterator[SlackDouble]:
    with SlackDouble() as double:
        double.add_user(MEMBER, real_name="Ana Lima")
        double.add_user(LEAD, real_name="Lee Lead")
        double.add_user(GUEST, real_name="Gus Guest", is_restricted=True)
        double.add_user(EXTERNAL, real_name="Eve Elsewhere", team_id="T9")
        double.add_user(BOT_USER, real_name="Robot", is_bot=True)
        double.add_usergroup("SLEADS", [LEAD])
        yield double


@pytest.fixture
def tickets_db(sqlite_db):
    add_tickets(sqlite_db, *TICKETS)
    return sqlite_db


@pytest.fixture
def postgres_tickets_db(migrated_database):
    """The same desk on PostgreSQL, for what several processes share through the database."""
    db = migrated_database("postgresql")
    add_tickets(db, *TICKETS)
    return db


def slack_settings(double: SlackDouble, **overrides):
    return make_bot_settings(slack_bot_token="xoxb-test", slack_signing_secret=SECRET,
                             slack_api_url=double.api_url, **overrides)


@pytest.fixture
def error_log(monkeypatch, tmp_path) -> Iterator[Path]:
    """KPIBOT_ERROR_LOG in the test's directory, and the error logger made afresh, so that it
    writes there: it opens its file once per process (bot/errors.py), whichever test of the
    process logged first."""
    path = tmp_path / "errors.log"
    monkeypatch.setenv("KPIBOT_ERROR_LOG", str(path))
    logger = logging.getLogger("kpibot")
    monkeypatch.setattr(logger, "handlers", [])
    yield path
    for handler in logger.handlers:
        handler.close()


@pytest.fixture
def make_app(slack, tickets_db, error_log):
    """A factory for apps on the double and the tickets; settings overrides as keywords."""

    def make(*, with_services: bool = False, db=None, **overrides):
        """The app (on `db`, the SQLite desk unless given); with `with_services`, also the
        services its listeners share."""
        settings = slack_settings(slack, **overrides)
        services = AskingServices.build(settings,
                                        engine=KpiEngine(db or tickets_db, settings))
        app = create_app(settings, services=services)
        return (app, services) if with_services else app

    return make


@pytest.fixture
def app(make_app) -> App:
    return make_app()


def send(app: App, payload: tuple[str, str], *, timestamp: int | None = None) -> BoltResponse:
    """Deliver a payload to the app signed as Slack signs it, the way its HTTP adapter would."""
    body, headers = slack_requests.signed(payload, SECRET, timestamp)
    return app.dispatch(slack_requests.bolt_request(body, headers))


def settle(app: App) -> None:
    """Wait until every listener the app started has finished (the app takes no more work)."""
    app.listener_runner.listener_executor.shutdown(wait=True)


def posted_text(call) -> str:
    """Everything a chat.postMessage call shows: its text and every text in its blocks."""
    parts = [call.params.get("text") or ""]

    def walk(node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    parts.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(call.params.get("blocks") or [])
    return "\n".join(parts)
