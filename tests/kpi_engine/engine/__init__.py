"""Tests of kpi_engine.engine: each KPI on hand-built tickets, on every backend."""
