"""Opening the database: engines for any SQLAlchemy URL, and the schema brought up to date.

`open_database(url)` returns a ready engine: reachable, migrated to `SCHEMA_REVISION`. Alembic is
imported only when a migration has to run, so commands on an up-to-date database start fast.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError

from kpi_engine.errors import DatabaseUnavailable
from kpi_engine.schema import SCHEMA_REVISION

_DRIVER_EXTRAS = {"postgresql": "postgres", "duckdb": "duckdb"}
SERVER_POOLED = ("postgresql", "mysql", "mariadb")


def create_database_engine(url: str) -> sa.Engine:
    """An engine for `url`, with SQLite tuned for a local workspace database."""
    try:
        parsed = sa.engine.make_url(url)
    except ArgumentError:
        raise DatabaseUnavailable(
            f"{url!r} is not a database URL",
            ["sqlite:///kpibot.db", "postgresql+psycopg://user@host/db", "duckdb:///kpibot.duckdb"],
        ) from None
    # A server database serves the Slack app's listener threads, its scheduler and its
    # after-acknowledgement work at once: more connections than SQLAlchemy's 5 + 10.
    pool = {"pool_size": 10, "max_overflow": 30} if parsed.get_backend_name() in SERVER_POOLED \
        else {}
    try:
        engine = sa.create_engine(parsed, **pool)
    except (NoSuchModuleError, ModuleNotFoundError):
        extra = _DRIVER_EXTRAS.get(parsed.get_backend_name())
        hint = [f"pip install 'kpibot[{extra}]'"] if extra else []
        raise DatabaseUnavailable(
            f"no database driver for {parsed.drivername!r} is installed", hint
        ) from None
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _tune_sqlite)
    return engine


def _tune_sqlite(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA busy_timeout = 5000")
    cursor.close()


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
