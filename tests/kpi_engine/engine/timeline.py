"""Shared by the engine tests: moments of November 2026 around the pinned clock (NOW, Sunday
Nov 22 14:05 UTC), the periods the tests are built around, and a one-line query runner."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from kpi_engine.engine import KpiEngine
from kpi_engine.periods import parse_period
from kpi_engine.query import KpiQuery
from tests.builders import NOW

UTC = timezone.utc
LAST_WEEK = parse_period("last week", now=NOW, tz="UTC")  # [Nov 9, Nov 16)


def at(day: int, hour: int = 0, minute: int = 0, second: int = 0, month: int = 11) -> datetime:
    """That moment of 2026, UTC."""
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


def after(moment: datetime, seconds: float) -> datetime:
    return moment + timedelta(seconds=seconds)


def run(kpi: KpiEngine, metric: str, period=LAST_WEEK, **options):
    """`metric` over `period` (default last week) with the KpiQuery `options`."""
    return kpi.run(KpiQuery(metric=metric, period=period, **options))
