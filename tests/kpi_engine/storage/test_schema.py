"""The schema: the Alembic migration builds exactly the tables the engine queries, on every
backend, and timestamps survive the round trip as the same instant."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

import kpi_engine.storage.database as database
from kpi_engine.storage.schema import SCHEMA_REVISION, metadata, tickets
from tests.builders import add_tickets


def test_schema_revision_is_the_migrations_head():
    config = Config()
    config.set_main_option("script_location", str(Path(database.__file__).parent / "migrations"))
    assert ScriptDirectory.from_config(config).get_heads() == [SCHEMA_REVISION]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])  # DuckDB's dialect cannot reflect indexes
def test_migration_builds_exactly_the_declared_schema(backend, migrated_database):
    engine = migrated_database(backend)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


def test_timestamps_round_trip_as_the_same_instant(db):
    kolkata = timezone(timedelta(hours=5, minutes=30))
    created = datetime(2026, 3, 8, 7, 30, 15, 123456, tzinfo=kolkata)
    add_tickets(db, dict(id="1", created_at=created))
    with db.connect() as connection:
        stored = connection.execute(sa.select(tickets.c.created_at)).scalar_one()
    assert stored == created  # same instant
    assert stored.utcoffset() == timedelta(0)
    assert (stored.hour, stored.minute, stored.microsecond) == (2, 0, 123456)


def test_naive_timestamps_are_refused(db):
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        add_tickets(db, dict(id="1", created_at=datetime(2026, 3, 8, 7, 30)))


def test_open_database_creates_the_schema_once(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    migrations = []
    real_migrate = database.migrate
    monkeypatch.setattr(database, "migrate", lambda engine, revision="head": (migrations.append(1), real_migrate(engine, revision)))
    database.open_database(url)
    database.open_database(url)
    assert migrations == [1]
    with sa.create_engine(url).connect() as connection:
        assert database.schema_revision(connection) == SCHEMA_REVISION
