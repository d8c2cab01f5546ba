"""Tests of kpi_engine.metrics: the registry."""
