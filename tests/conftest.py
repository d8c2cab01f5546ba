"""Shared fixtures: a migrated, empty database on each backend (SQLite, PostgreSQL, DuckDB) and
a KpiEngine with a pinned clock. The builders for hand-made tickets and survey answers, settings
and the command line are in tests/builders.py.

PostgreSQL comes from KPIBOT_TEST_POSTGRES_URL (default: the local server of DESIGN.md); each
test process gets a database of its own, dropped at the end. It is required, not optional: a
run that cannot reach it fails rather than silently testing less.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from kpi_engine.engine import KpiEngine
from kpi_engine.storage.database import create_database_engine, migrate
from kpi_engine.storage.schema import metadata

pytest.register_assert_rewrite("tests.builders")  # run_kpibot asserts

from tests.builders import make_settings  # noqa: E402

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BACKENDS = ("sqlite", "postgresql", "duckdb")


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


@pytest.fixture
def kpi(db) -> KpiEngine:
    """A KpiEngine on `db` with the clock pinned to NOW (2026-11-22 14:05 UTC, a Sunday)."""
    return KpiEngine(db, make_settings())
