"""Tests of kpi_engine.digests: definitions, files, store, schedules, content, alerts."""
