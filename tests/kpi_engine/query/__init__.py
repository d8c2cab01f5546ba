"""Tests of kpi_engine.query: the statistics behind honest numbers."""
