"""Tests of kpi_engine.calendars: business calendars, the business clock, the readings."""
