"""One benchmark run in a process of its own: import the generated CSVs into a fresh database,
then time each fixed query through the engine and as hand-written SQL, check both give the same
numbers, and report the process's peak memory. Prints one JSON object on standard output.

    python -m benchmarks.workload --db URL --tickets-csv F --surveys-csv F --now ISO
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import statistics
import time
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from benchmarks.queries import QUERIES, BenchQuery, period_params
from kpi_engine.engine import KpiEngine
from kpi_engine.ingest import import_csv
from kpi_engine.periods import parse_period
from kpi_engine.query import Filter, KpiQuery, parse_dimension
from kpi_engine.settings import Settings
from kpi_engine.storage.database import open_database


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(action, repeat: int) -> tuple[float, object]:
    """Median wall time of `repeat` runs after one warm-up, and the last result."""
    result = action()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def floor_total(rows: list, grouped: bool) -> tuple[float | None, int]:
    """(value, n) of the hand-written SQL's total row."""
    if grouped:
        row = next(r for r in rows if r[0] == 1)
        aggregates = list(row[2:])
    else:
        aggregates = list(rows[0])
    value = None if aggregates[0] is None else float(aggregates[0])
    n = int(aggregates[1]) if len(aggregates) > 1 else int(aggregates[0])
    return value, n


def same(engine_value, floor_value) -> bool:
    if engine_value is None or floor_value is None:
        return engine_value is None and floor_value is None
    return math.isclose(float(engine_value), floor_value, rel_tol=1e-9, abs_tol=1e-9)


def run_query(engine: KpiEngine, db: sa.Engine, bench: BenchQuery, repeat: int) -> dict:
    period = parse_period(bench.period, now=engine.now(), tz=engine.settings.zone)
    query = KpiQuery(
        metric=bench.metric, period=period,
        filters=tuple(Filter.parse(item) for item in bench.filters),
        group_by=tuple(parse_dimension(name) for name in bench.group_by),
        percentiles=bench.percentiles,
    )
    engine_seconds, result = timed(lambda: engine.run(query), repeat)
    sql = sa.text(bench.floor[db.dialect.name])
    params = period_params(db.dialect.name, period.start, period.end, engine.now())

    def floor():
        with db.connect() as connection:
            return connection.execute(sql, params).all()

    floor_seconds, rows = timed(floor, repeat)
    value, n = floor_total(rows, bool(bench.group_by))
    return {
        "query": bench.name,
        "metric": bench.metric,
        "engine_ms": round(engine_seconds * 1000, 2),
        "floor_ms": round(floor_seconds * 1000, 2),
        "ratio": round(engine_seconds / floor_seconds, 3) if floor_seconds else None,
        "n": result.n,
        "groups": len(result.rows),
        "same_numbers": same(result.value, value) and result.n == n,
        "engine_value": result.value,
        "floor_value": value,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--tickets-csv", type=Path, required=True)
    parser.add_argument("--surveys-csv", type=Path, required=True)
    parser.add_argument("--now", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reimport", action="store_true",
                        help="also time a re-import of the same files")
    args = parser.parse_args()

    settings = Settings(_env_file=None, database_url=args.db, now=datetime.fromisoformat(args.now))
    db = open_database(args.db)
    tickets = import_csv(db, args.tickets_csv)
    surveys = import_csv(db, None, args.surveys_csv)
    output = {
        "backend": db.dialect.name,
        "tickets": tickets.tickets_read,
        "surveys": surveys.surveys_read,
        "import_seconds": round(tickets.seconds, 2),
        "import_tickets_per_second": round(tickets.tickets_read / tickets.seconds),
        "survey_import_seconds": round(surveys.seconds, 2),
        "survey_rows_per_second": round(surveys.surveys_read / surveys.seconds),
        "peak_rss_mb_after_import": round(peak_rss_mb(), 1),
    }
    if args.reimport:
        again = import_csv(db, args.tickets_csv)
        output["reimport_seconds"] = round(again.seconds, 2)
        output["reimport_tickets_per_second"] = round(again.tickets_read / again.seconds)
        output["reimport_unchanged"] = again.tickets_unchanged == again.tickets_read
    engine = KpiEngine(db, settings)
    output["queries"] = [run_query(engine, db, bench, args.repeat) for bench in QUERIES]
    output["peak_rss_mb"] = round(peak_rss_mb(), 1)
    print(json.dumps(output))


if __name__ == "__main__":
    main()
