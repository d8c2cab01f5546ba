"""Tests of kpi_engine.desk: support conversations as tickets, surveys."""
