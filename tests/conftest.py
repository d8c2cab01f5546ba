"""Shared fixtures: a migrated, empty database on each backend (SQLite, PostgreSQL, DuckDB),
builders for hand-made tickets and survey answers, and a KpiEngine with a pinned clock.

PostgreSQL comes from KPIBOT_TEST_POSTGRES_URL (default: the local server of DESIGN.md); each
test process gets a database of its own, dropped at the end. It is required, not optional: a
run that cannot reach it fails rather than silently testing less.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from kpi_engine.database import create_database_engine, migrate
from kpi_engine.dimension_values import record_dimension_values
from kpi_engine.engine import KpiEngine
from kpi_engine.schema import metadata, survey_requests, survey_responses, ticket_tags, tickets
from kpi_engine.settings import Settings

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BACKENDS = ("sqlite", "postgresql", "duckdb")
NOW = datetime(2026, 11, 22, 14, 5, tzinfo=timezone.utc)


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    base = sa.engine.make_url(os.environ.get("KPIBOT_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL))
    name = f"kpibot_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        pytest.fail(f"PostgreSQL at {base} is not reachable ({error.orig}); start it or set "
                    "KPIBOT_TEST_POSTGRES_URL", pytrace=False)
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def _migrated_databases(tmp_path_factory, request) -> dict[str, sa.Engine]:
    """One migrated database per backend for the whole session, created when first asked for."""
    return {}


def _database(backend: str, cache: dict, tmp_path_factory, request) -> sa.Engine:
    if backend not in cache:
        match backend:
            case "sqlite":
                url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'kpibot.db'}"
            case "duckdb":
                url = f"duckdb:///{tmp_path_factory.mktemp('duckdb') / 'kpibot.duckdb'}"
            case "postgresql":
                url = request.getfixturevalue("postgres_server_url")
        engine = create_database_engine(url)
        migrate(engine)
        cache[backend] = engine
    return cache[backend]


def empty_tables(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def migrated_database(request, _migrated_databases, tmp_path_factory):
    """A factory: backend name → that backend's migrated database, emptied."""

    def get(backend: str) -> sa.Engine:
        engine = _database(backend, _migrated_databases, tmp_path_factory, request)
        empty_tables(engine)
        return engine

    return get


@pytest.fixture(params=BACKENDS)
def db(request, migrated_database) -> sa.Engine:
    """An empty, migrated database: the test runs once per backend."""
    return migrated_database(request.param)


@pytest.fixture
def sqlite_db(migrated_database) -> sa.Engine:
    return migrated_database("sqlite")


def make_settings(**overrides) -> Settings:
    """Settings for tests: never read from the developer's environment or .env."""
    values = {"tz": "UTC", "now": NOW, "database_url": "sqlite://"} | overrides
    return Settings(_env_file=None, **values)


@pytest.fixture
def kpi(db) -> KpiEngine:
    """A KpiEngine on `db` with the clock pinned to NOW (2026-11-22 14:05 UTC, a Sunday)."""
    return KpiEngine(db, make_settings())


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
        ticket_rows.append(full)
        tag_rows.extend({"source": full["source"], "ticket_id": full["id"], "tag": tag} for tag in tags)
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
