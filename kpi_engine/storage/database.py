"""Opening the database: engines for any SQLAlchemy URL, and the schema brought up to date.

`open_database(url)` returns a ready engine: reachable, migrated to `SCHEMA_REVISION`. Alembic is
imported only when a migration has to run, so commands on an up-to-date database start fast.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError

from kpi_engine.errors import DatabaseUnavailable
from kpi_engine.sql.dialects import backend_for
from kpi_engine.storage.schema import SCHEMA_REVISION


def create_database_engine(url: str) -> sa.Engine:
    """An engine for `url`, set up by its backend (sql/dialects/): a larger pool for a server
    database, SQLite tuned for a local workspace database."""
    try:
        parsed = sa.engine.make_url(url)
    except ArgumentError:
        raise DatabaseUnavailable(
            f"{url!r} is not a database URL",
            ["sqlite:///kpibot.db", "postgresql+psycopg://user@host/db", "duckdb:///kpibot.duckdb"],
        ) from None
    backend = backend_for(parsed.get_backend_name())
    try:
        engine = sa.create_engine(parsed, **backend.pool_options)
    except (NoSuchModuleError, ModuleNotFoundError):
        extra = backend.driver_extra
        hint = [f"pip install 'kpibot[{extra}]'"] if extra else []
        raise DatabaseUnavailable(
            f"no database driver for {parsed.drivername!r} is installed", hint
        ) from None
    backend_for(engine).tune(engine)
    return engine


def describe_url(engine: sa.Engine) -> str:
    """The engine's URL with any password hidden, for messages."""
    return engine.url.render_as_string(hide_password=True)


def schema_revision(connection: sa.Connection) -> str | None:
    """The Alembic revision the database is at, or None for a database kpibot never touched."""
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def migrate(engine: sa.Engine, revision: str = "head") -> None:
    """Run Alembic's upgrade to `revision` on `engine`."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def open_database(url: str, *, migrate_schema: bool = True) -> sa.Engine:
    """A reachable engine whose schema is at `SCHEMA_REVISION`; a clear error otherwise."""
    engine = create_database_engine(url)
    try:
        with engine.connect() as connection:
            current = schema_revision(connection)
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise DatabaseUnavailable(
            f"cannot reach the database at {describe_url(engine)}: {reason}",
            ["check KPIBOT_DATABASE_URL or --db"],
        ) from None
    except SQLAlchemyError as error:
        raise DatabaseUnavailable(
            f"cannot open the database at {describe_url(engine)}: {type(error).__name__}",
            ["check KPIBOT_DATABASE_URL or --db"],
        ) from None
    if current != SCHEMA_REVISION and migrate_schema:
        migrate(engine)
    return engine
