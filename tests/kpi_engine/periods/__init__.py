"""Tests of kpi_engine.periods: period words, periods, buckets."""
