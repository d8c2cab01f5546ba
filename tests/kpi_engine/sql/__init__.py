"""Tests of kpi_engine.sql: its dialects."""
