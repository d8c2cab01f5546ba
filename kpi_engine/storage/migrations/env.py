"""Alembic environment: migrates the connection `kpi_engine.storage.database` hands over."""

from alembic import context
from alembic.ddl.impl import DefaultImpl

from kpi_engine.storage.schema import metadata


class DuckDBImpl(DefaultImpl):
    """Lets Alembic migrate DuckDB, which it does not know by name."""

    __dialect__ = "duckdb"
    transactional_ddl = True


connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
