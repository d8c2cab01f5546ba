"""Tests of kpi_engine, one folder per package of the engine."""
