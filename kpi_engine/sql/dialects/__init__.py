"""sql/dialects/: where the databases differ — one class per backend (sqlite.py, postgresql.py,
duckdb.py) holding its SQL fragments (durations, interval arithmetic, grouping sets,
percentiles), its bulk-load path for an import (loading a batch into staging, the upsert
construct, PostgreSQL's load with the indexes built afterwards) and its connection settings.
`backend_for(name or engine)` gives the backend of a database; `Backend` itself (base.py) is
the generic fallback, enough for the read path on any SQLAlchemy dialect (MySQL and MariaDB get
their duration function there too). `IMPORT_DIALECTS`, the databases an import (canonical CSV,
mapped export, helpdesk pages) writes to, is derived from the classes: those with a bulk load
of their own — the one list every importer checks.

Everything else the engine writes is portable SQLAlchemy Core. Depends only on SQLAlchemy and
on storage/schema.py's `Timestamp` (how timestamps are stored: integer microseconds on SQLite,
native timestamps elsewhere).
"""

from __future__ import annotations

import sqlalchemy as sa

from kpi_engine.errors import UserError
from kpi_engine.sql.dialects.base import MICROSECONDS, SERVER_POOL, Backend, MySqlBackend
from kpi_engine.sql.dialects.duckdb import DuckDbBackend
from kpi_engine.sql.dialects.postgresql import PostgresqlBackend
from kpi_engine.sql.dialects.sqlite import SqliteBackend

__all__ = ["IMPORT_DIALECTS", "MICROSECONDS", "SERVER_POOL", "Backend", "MySqlBackend",
           "backend_for", "check_importable"]

BACKENDS: dict[str, type[Backend]] = {
    "sqlite": SqliteBackend, "postgresql": PostgresqlBackend, "duckdb": DuckDbBackend,
    "mysql": MySqlBackend, "mariadb": MySqlBackend,
}
# The dialects an import writes to: those whose backend loads a batch its own way (`write`) and
# has an upsert (`insert`); the others are for reading.
IMPORT_DIALECTS: tuple[str, ...] = tuple(name for name, backend in BACKENDS.items()
                                         if backend.imports())


def backend_for(name_or_engine: str | sa.Engine | sa.Connection) -> Backend:
    """A new `Backend` for a dialect name ("sqlite", "postgresql", …) or for the database of an
    engine or connection; the generic fallback for a dialect without one of its own. New each
    time: an import's backend holds what its batches need until `close()`."""
    name = name_or_engine if isinstance(name_or_engine, str) else name_or_engine.dialect.name
    return BACKENDS.get(name, Backend)(name)


def check_importable(name_or_engine: str | sa.Engine | sa.Connection) -> None:
    """A UserError, one sentence, when an import cannot write to this database."""
    name = name_or_engine if isinstance(name_or_engine, str) else name_or_engine.dialect.name
    if name not in IMPORT_DIALECTS:
        raise UserError(f"import writes to {', '.join(IMPORT_DIALECTS)}; not {name}",
                        list(IMPORT_DIALECTS))
