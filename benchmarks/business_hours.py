"""Business hours, measured: on N generated tickets, a KPI in business hours against the same
KPI in calendar time (the goal: at most 1.5×), the recompute after a calendar change (the goal:
at most 60 s on 1,000,000 tickets), and an import with and without the readings.

    python -m benchmarks.business_hours [--tickets 200000] [--url postgresql+psycopg://…]
                                        [--repeat 7]

Prints one JSON object. The database at --url is dropped and made again (PostgreSQL: a
database named kpibot_bh_<N> beside the one of the URL; SQLite and DuckDB: the file).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa

from benchmarks.databases import DATA, empty_database
from kpi_engine.calendars import configured_calendars, recompute
from kpi_engine.engine import KpiEngine
from kpi_engine.ingest import import_csv
from kpi_engine.periods import parse_period
from kpi_engine.query import KpiQuery
from kpi_engine.samples.data import SampleSpec, write_csv
from kpi_engine.settings import Settings
from kpi_engine.storage.database import create_database_engine, migrate

END = datetime(2026, 11, 22, 14, 5, tzinfo=timezone.utc)
CALENDAR = {"business_hours": "mon-fri 09:00-12:00,13:00-17:00", "business_tz": "Europe/Berlin",
            "holidays": "DE-BE,2026-12-24"}
CHANGED = {"business_hours": "mon-fri 08:00-18:00; sat 10:00-14:00",
           "business_tz": "Europe/Berlin", "holidays": "DE-BE,2026-12-24,2026-12-31"}
QUERIES = (("frt", "last 30 days", {}), ("frt", "last 7 days", {}),
           ("frt", "last 30 days", {"group_by": ("team",)}),
           ("resolution_time", "last 30 days", {}), ("service_level", "last 30 days", {}))


def fresh(url: str, tickets: int) -> str:
    """An empty database on the backend of `url`: kpibot_bh_<N> beside a PostgreSQL URL's
    database, else the file of the URL."""
    parsed = sa.engine.make_url(url)
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return empty_database(backend, f"kpibot_bh_{tickets}", url)
    for suffix in ("", "-wal", "-shm", ".wal"):
        Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)
    return url


def timed(run, repeat: int) -> float:
    run()  # warm
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    folder = DATA / str(args.tickets)
    tickets_csv, surveys_csv = folder / "tickets.csv", folder / "surveys.csv"
    if not tickets_csv.exists():
        folder.mkdir(parents=True, exist_ok=True)
        write_csv(SampleSpec(tickets=args.tickets, end=END), tickets_csv, surveys_csv)
    results: dict = {"tickets": args.tickets}

    def settings(calendar: dict) -> Settings:
        return Settings(_env_file=None, database_url=url, tz="Europe/Berlin", now=END,
                        **calendar)

    # 1. an import with no calendar stored (no readings), then the first business question
    url = fresh(args.url, args.tickets)
    db = create_database_engine(url)
    migrate(db)
    started = time.perf_counter()
    import_csv(db, tickets_csv)
    results["import_without_readings_s"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    first = recompute(db, configured_calendars(settings(CALENDAR)))
    results["first_compute_s"] = round(time.perf_counter() - started, 2)
    results["first_compute_changed"] = first.tickets_changed

    # 2. queries: calendar time against business hours
    engine = KpiEngine(db, settings(CALENDAR))
    ratios = []
    for metric, words, extra in QUERIES:
        period = parse_period(words, now=engine.now(), tz=engine.settings.zone)
        plain = KpiQuery(metric=metric, period=period, **_dimensions(extra))
        business = KpiQuery(metric=metric, period=period, business_hours=True,
                            **_dimensions(extra))
        calendar_s = timed(lambda q=plain: engine.run(q), args.repeat)
        business_s = timed(lambda q=business: engine.run(q), args.repeat)
        ratios.append(business_s / calendar_s)
        results[f"{metric} {words}{' by team' if extra else ''}"] = {
            "calendar_ms": round(calendar_s * 1000, 1),
            "business_ms": round(business_s * 1000, 1),
            "ratio": round(business_s / calendar_s, 2),
            "value_calendar": engine.run(plain).value, "value_business": engine.run(business).value,
        }
    results["worst_ratio"] = round(max(ratios), 2)

    # 3. the calendar changes: recompute (as `kpibot calendar recompute`)
    started = time.perf_counter()
    changed = recompute(db, configured_calendars(settings(CHANGED)))
    results["recompute_after_change_s"] = round(time.perf_counter() - started, 2)
    results["recompute_changed"] = changed.tickets_changed
    db.dispose()

    # 4. an import into a database whose calendar is stored: the readings at the merge
    url = fresh(args.url, args.tickets)
    db = create_database_engine(url)
    migrate(db)
    recompute(db, configured_calendars(settings(CALENDAR)))  # stores the calendar
    started = time.perf_counter()
    import_csv(db, tickets_csv)
    results["import_with_readings_s"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    import_csv(db, tickets_csv)
    results["reimport_unchanged_s"] = round(time.perf_counter() - started, 2)
    db.dispose()
    json.dump(results, sys.stdout, indent=2)
    print()


def _dimensions(extra: dict) -> dict:
    from kpi_engine.query import parse_dimension

    return {"group_by": tuple(parse_dimension(d) for d in extra.get("group_by", ()))}


if __name__ == "__main__":
    main()
