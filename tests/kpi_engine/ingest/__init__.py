"""Tests of kpi_engine.ingest: the canonical CSV import."""
