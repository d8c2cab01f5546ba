"""Periods at NOW, worked out by hand (never by the code under test), shared by the question
tables: NOW = Sunday 2026-11-22 14:05 UTC, weeks from Monday. In Europe/Berlin (CET, UTC+1
since 25 Oct; CEST, UTC+2 before) NOW is 15:05; in America/New_York (EST, UTC−5 since 02:00 on
Sun 1 Nov; EDT, UTC−4 before) NOW is 09:05.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

NOW = datetime(2026, 11, 22, 14, 5, tzinfo=timezone.utc)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def off(hours: int, *parts: int) -> datetime:
    """A local wall time at a fixed UTC offset (worked out by hand for the zone and date)."""
    return datetime(*parts, tzinfo=timezone(timedelta(hours=hours)))


# --- periods at NOW, UTC, by hand ------------------------------------------------------------
LAST_7_DAYS = (utc(2026, 11, 15, 14, 5), NOW)
TODAY = (utc(2026, 11, 22), NOW)  # today so far, as kpibot kpi --period today (test_periods)
YESTERDAY = (utc(2026, 11, 21), utc(2026, 11, 22))
THIS_WEEK = (utc(2026, 11, 16), NOW)
LAST_WEEK = (utc(2026, 11, 9), utc(2026, 11, 16))
WEEK_BEFORE_LAST = (utc(2026, 11, 2), utc(2026, 11, 9))
THIS_MONTH = (utc(2026, 11, 1), NOW)
LAST_MONTH = (utc(2026, 10, 1), utc(2026, 11, 1))
OCTOBER = LAST_MONTH
SEPTEMBER = (utc(2026, 9, 1), utc(2026, 10, 1))
LAST_30_DAYS = (utc(2026, 10, 23, 14, 5), NOW)
PAST_24_HOURS = (utc(2026, 11, 21, 14, 5), NOW)
PAST_FORTNIGHT = (utc(2026, 11, 8, 14, 5), NOW)
LAST_2_WEEKS = PAST_FORTNIGHT  # 14 wall-clock days back
LAST_8_WEEKS = (utc(2026, 9, 27, 14, 5), NOW)  # 56 days back
Q2 = (utc(2026, 4, 1), utc(2026, 7, 1))
Q3 = (utc(2026, 7, 1), utc(2026, 10, 1))
LAST_QUARTER = Q3
THIS_QUARTER = (utc(2026, 10, 1), NOW)
THIS_YEAR = (utc(2026, 1, 1), NOW)
YEAR_2025 = (utc(2025, 1, 1), utc(2026, 1, 1))
LAST_YEAR = YEAR_2025
SINCE_NOV_1 = (utc(2026, 11, 1), NOW)
OCT_1_TO_15 = (utc(2026, 10, 1), utc(2026, 10, 16))
ON_MONDAY = (utc(2026, 11, 16), utc(2026, 11, 17))

# --- Europe/Berlin (CET +1 in November, CEST +2 until 25 Oct) ----------------------------------
BERLIN = "Europe/Berlin"
BER_YESTERDAY = (off(1, 2026, 11, 21), off(1, 2026, 11, 22))
BER_LAST_WEEK = (off(1, 2026, 11, 9), off(1, 2026, 11, 16))
BER_THIS_WEEK = (off(1, 2026, 11, 16), NOW)
BER_THIS_MONTH = (off(1, 2026, 11, 1), NOW)
BER_LAST_MONTH = (off(2, 2026, 10, 1), off(1, 2026, 11, 1))
BER_ON_MONDAY = (off(1, 2026, 11, 16), off(1, 2026, 11, 17))
BER_Q3 = (off(2, 2026, 7, 1), off(2, 2026, 10, 1))
BER_2025 = (off(1, 2025, 1, 1), off(1, 2026, 1, 1))
BER_SINCE_NOV_1 = BER_THIS_MONTH

# --- America/New_York (EST −5 since 1 Nov 02:00, EDT −4 before) ------------------------------
NEW_YORK = "America/New_York"
NY_YESTERDAY = (off(-5, 2026, 11, 21), off(-5, 2026, 11, 22))
NY_THIS_WEEK = (off(-5, 2026, 11, 16), NOW)
NY_LAST_WEEK = (off(-5, 2026, 11, 9), off(-5, 2026, 11, 16))
NY_THIS_MONTH = (off(-4, 2026, 11, 1), NOW)  # midnight of 1 Nov is before the 02:00 switch
NY_LAST_MONTH = (off(-4, 2026, 10, 1), off(-4, 2026, 11, 1))
NY_ON_MONDAY = (off(-5, 2026, 11, 16), off(-5, 2026, 11, 17))
NY_2025 = (off(-5, 2025, 1, 1), off(-5, 2026, 1, 1))
NY_SINCE_NOV_1 = NY_THIS_MONTH
