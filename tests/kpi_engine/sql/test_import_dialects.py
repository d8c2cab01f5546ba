"""Which databases an import writes to: the backends with a bulk load and an upsert of their
own (SQLite, PostgreSQL, DuckDB), one list derived from the backend classes and checked by
every importer — the canonical CSV, a mapped export and a helpdesk's pages — with one
sentence for a database that is only read (MySQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from kpi_engine.errors import UserError
from kpi_engine.ingest import import_csv
from kpi_engine.ingest.helpdesk import import_helpdesk
from kpi_engine.sql.dialects import IMPORT_DIALECTS, Backend, check_importable
from tests.builders import make_settings

SENTENCE = "import writes to sqlite, postgresql, duckdb; not mysql"


def test_the_importable_dialects_are_the_backends_with_a_bulk_load():
    assert IMPORT_DIALECTS == ("sqlite", "postgresql", "duckdb")
    check_importable("duckdb")
    with pytest.raises(UserError, match=f"^{SENTENCE}$"):
        check_importable("mysql")


def test_a_backend_class_with_write_and_insert_is_importable():
    class Bulk(Backend):
        def write(self, connection, table, rows):
            pass

        def insert(self, table):
            pass

    class ReadOnly(Backend):
        pass

    assert Bulk.imports() and not ReadOnly.imports()


def test_every_importer_refuses_a_database_it_cannot_write(tmp_path):
    mysql = sa.create_mock_engine("mysql://", executor=None)  # a MySQL dialect, no server
    with pytest.raises(UserError, match=f"^{SENTENCE}$"):
        import_csv(mysql, tmp_path / "tickets.csv")
    data = Path(__file__).parents[1] / "ingest" / "data" / "zendesk"
    with pytest.raises(UserError, match=f"^{SENTENCE}$"):
        import_helpdesk(mysql, make_settings(), "zendesk", [data])
