"""Tests of kpi_engine.samples: the demo dataset."""
