"""periods/: time words and the calendar — reading period words ("last week", "since Nov 1"),
placing them as half-open periods in the workspace zone, the previous period to compare with,
and the trend buckets a period is cut into. Depends only on vocabulary and errors (buckets.py
also on SQLAlchemy Core, for the CASE that puts a record in its bucket).
"""

from kpi_engine.periods.calendar import (
    CalendarUnit,
    Period,
    PeriodKind,
    default_period,
    find_period,
    find_periods,
    parse_period,
    period_from_bounds,
    previous_period,
    unit_starts,
    units_before,
    week_start_day,
)

__all__ = [
    "CalendarUnit", "Period", "PeriodKind", "default_period", "find_period", "find_periods",
    "parse_period", "period_from_bounds", "previous_period", "unit_starts", "units_before",
    "week_start_day",
]
