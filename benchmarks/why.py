"""A change explained, measured: on the benchmark databases, explaining the change of a KPI
over all six dimensions (team, channel, tier, priority, agent, tag: six statements, each over
both periods) against the comparison query it explains (`kpibot kpi … --compare`: two
statements). The goal: the explanation takes at most 3× the comparison. Also checked: the
explanation's totals are the comparison's numbers, and every additive dimension's
contributions add up to the change.

    python -m benchmarks.why --db URL [--db URL ...] [--repeat 5]
    python -m benchmarks.why --tickets 200000 [--backend sqlite|postgresql|duckdb]

With --tickets, a fresh database of that many generated tickets (benchmarks/data/N/) is made
first (PostgreSQL: kpibot_why_N beside KPIBOT_BENCH_POSTGRES_URL's database). Prints JSON: per
database and question, the median times and their ratio.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from datetime import datetime, timezone

import sqlalchemy as sa

from benchmarks.databases import DATA, empty_database
from kpi_engine.engine import KpiEngine
from kpi_engine.periods import parse_period
from kpi_engine.query import KpiQuery
from kpi_engine.settings import Settings
from kpi_engine.storage.database import create_database_engine, migrate, open_database

END = datetime(2026, 11, 22, 14, 5, tzinfo=timezone.utc)
GOAL = 3.0
# (KPI, period): a ratio of tickets, a survey ratio, a mean, a count, over a week and a month
QUESTIONS = (("fcr", "last week"), ("csat", "last week"), ("frt", "last week"),
             ("ticket_volume", "last week"), ("frt", "last month"))


def timed(run, repeat: int) -> tuple[float, object]:
    result = run()  # warm
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def bench_database(url: str, repeat: int) -> dict:
    engine = KpiEngine(open_database(url), Settings(_env_file=None, database_url=url, tz="UTC",
                                                    now=END))
    settle(engine.db)
    with engine.db.connect() as connection:
        tickets = connection.execute(sa.text("SELECT count(*) FROM tickets")).scalar_one()
    results = []
    for metric, words in QUESTIONS:
        period = parse_period(words, now=engine.now(), tz=engine.settings.zone)
        compared = KpiQuery(metric=metric, period=period, compare=True)
        compare_s, result = timed(lambda q=compared: engine.run(q), repeat)
        explain_s, explanation = timed(
            lambda q=compared: engine.explain_change(q), repeat)
        adds_up = all(
            math.isclose(sum(s.contribution for s in d.segments), explanation.difference or 0.0,
                         rel_tol=1e-9, abs_tol=1e-9)
            for d in explanation.dimensions if d.additive)
        results.append({
            "question": f"{metric} {words}",
            "compare_ms": round(compare_s * 1000, 1),
            "explain_ms": round(explain_s * 1000, 1),
            "ratio": round(explain_s / compare_s, 2),
            "dimensions": [d.dimension.value for d in explanation.dimensions],
            "segments": sum(d.segments_total for d in explanation.dimensions),
            "drivers": len(explanation.drivers),
            "same_numbers": (explanation.current.value == result.value
                             or math.isclose(explanation.current.value or 0, result.value or 0,
                                             rel_tol=1e-9))
            and explanation.current.n == result.n
            and explanation.previous.n == result.change.previous.n,
            "adds_up": adds_up,
        })
    return {"backend": engine.db.dialect.name, "tickets": tickets, "goal": GOAL,
            "worst_ratio": max(r["ratio"] for r in results), "questions": results}


def settle(db: sa.Engine) -> None:
    """The database as it is once settled: vacuumed and analysed on PostgreSQL (autovacuum's
    work after an import, done now rather than during the timing: until then an index-only
    count, such as a volume comparison, still reads the table), analysed on SQLite."""
    if db.dialect.name == "postgresql":
        with db.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE tickets, ticket_tags, survey_responses")
    elif db.dialect.name == "sqlite":
        with db.begin() as connection:
            connection.exec_driver_sql("ANALYZE")


def fresh_database(backend: str, tickets: int) -> str:
    """A database of `tickets` generated tickets (the CSVs made once under benchmarks/data)."""
    from kpi_engine.ingest import import_csv
    from kpi_engine.samples.data import SampleSpec, write_csv

    folder = DATA / str(tickets)
    tickets_csv, surveys_csv = folder / "tickets.csv", folder / "surveys.csv"
    if not (tickets_csv.exists() and surveys_csv.exists()):
        folder.mkdir(parents=True, exist_ok=True)
        write_csv(SampleSpec(tickets=tickets, end=END), tickets_csv, surveys_csv)
    url = empty_database(backend, f"kpibot_why_{tickets}" if backend == "postgresql"
                         else f"why-{tickets}")
    db = create_database_engine(url)
    migrate(db)
    started = time.perf_counter()
    import_csv(db, tickets_csv, surveys_csv)
    print(f"imported {tickets:,} tickets into {backend} in {time.perf_counter() - started:.0f} s",
          file=sys.stderr)
    db.dispose()
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", action="append", default=[])
    parser.add_argument("--tickets", type=int)
    parser.add_argument("--backend", action="append", default=[])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    urls = list(args.db)
    if args.tickets:
        urls += [fresh_database(backend, args.tickets) for backend in args.backend or ["sqlite"]]
    if not urls:
        parser.error("give --db URL, or --tickets N")
    print(json.dumps({"why": [bench_database(url, args.repeat) for url in urls]}, indent=1))


if __name__ == "__main__":
    main()
