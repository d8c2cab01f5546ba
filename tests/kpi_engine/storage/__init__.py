"""Tests of kpi_engine.storage: schema and migrations, claims, dimension values."""
