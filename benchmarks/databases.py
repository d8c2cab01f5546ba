"""Empty databases for the benchmarks: one named database beside the PostgreSQL URL's (dropped
and made again), or a file under benchmarks/data/ for SQLite and DuckDB (removed with its
journal files) — so every run starts from nothing."""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa

DATA = Path(__file__).resolve().parent / "data"
POSTGRES_URL = os.environ.get(
    "KPIBOT_BENCH_POSTGRES_URL",
    os.environ.get("KPIBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
)
FILE_SUFFIXES = {"sqlite": "db", "duckdb": "duckdb"}


def empty_database(backend: str, name: str, postgres_url: str = POSTGRES_URL) -> str:
    """The URL of an empty database called `name` on `backend` (not migrated)."""
    if backend == "postgresql":
        base = sa.engine.make_url(postgres_url)
        admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return base.set(database=name).render_as_string(hide_password=False)
    path = DATA / f"{name}.{FILE_SUFFIXES[backend]}"
    for suffix in ("", "-wal", "-shm", ".wal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"{backend}:///{path}"
