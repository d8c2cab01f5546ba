"""Digest benchmark: 20 digests of 8 KPIs, each with its own filters, all due at 09:00, built
and posted the way the scheduler runs them (its pool of job threads) to the Slack double, on
the benchmark databases. Measured: the wall time until all 20 are posted — without the PNG
charts, and with them on (drawn in their own process after each digest is posted), until the
digests are posted and until the last chart is in its thread — and one digest's build time.

    python -m benchmarks.digests --db URL [--db URL ...] [--digests 20] [--rounds 3]

Prints JSON: per database, the median of the rounds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import sqlalchemy as sa
from slack_sdk import WebClient
from sqlalchemy.engine import make_url

from bot.posting.digest_posting import ChartQueue, DigestPoster, Outcome
from bot.sandbox.slack_double import SlackDouble
from bot.scheduler import JOB_THREADS
from bot.services import DigestServices
from bot.settings import BotSettings
from kpi_engine.digests.content import build_digest
from kpi_engine.digests.definitions import DigestDefinition
from kpi_engine.engine import KpiEngine
from kpi_engine.storage.database import open_database
from kpi_engine.storage.schema import digests, post_claims

NOW = datetime(2026, 11, 22, 14, 5, tzinfo=timezone.utc)
DUE = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)
KPIS = ("fcr", "frt", "resolution_time", "csat", "ces", "reopen_rate", "backlog",
        "service_level")
TARGETS = {"fcr": ">= 70%", "frt": "<= 1h", "csat": ">= 80%", "service_level": ">= 80%"}
FILTERS = ({}, {"tier": [1]}, {"tier": [2]}, {"tier": [3]}, {"team": ["billing"]},
           {"team": ["technical"]}, {"team": ["accounts"]}, {"team": ["onboarding"]},
           {"channel": ["chat"]}, {"channel": ["email"]}, {"channel": ["phone"]},
           {"channel": ["web"]}, {"priority": ["urgent"]}, {"priority": ["high"]},
           {"tier": [1], "channel": ["chat"]}, {"tier": [1], "channel": ["email"]},
           {"tier": [2], "team": ["billing"]}, {"tier": [2], "team": ["technical"]},
           {"priority": ["urgent", "high"]}, {"channel": ["chat", "social", "slack"]})


def definitions(count: int) -> list[DigestDefinition]:
    return [DigestDefinition.from_dict({
        "name": f"Bench digest {index + 1}", "channel": f"CBENCH{index:02d}", "at": "09:00",
        "tz": "UTC", "where": FILTERS[index % len(FILTERS)] or None,
        "kpis": [{"metric": kpi, "target": TARGETS[kpi]} if kpi in TARGETS else kpi
                 for kpi in KPIS]}) for index in range(count)]


def post_round(posters: list[DigestPoster], stored: list[DigestDefinition],
               double: SlackDouble, charts: ChartQueue | None = None) -> tuple[float, float]:
    """Post every digest (again: force) with the scheduler's job threads: the wall time until
    all are posted, and until their charts are in their threads too."""
    double.reset()
    started = time.perf_counter()
    with ThreadPoolExecutor(JOB_THREADS) as pool:
        results = list(pool.map(lambda pair: pair[0].post(pair[1], DUE, force=True),
                                zip(posters, stored)))
    posted = time.perf_counter() - started
    if any(result.outcome is not Outcome.POSTED for result in results):
        raise SystemExit(f"not every digest was posted: {[r.outcome for r in results]}")
    if charts is not None:
        charts.drain()
    return posted, time.perf_counter() - started


def bench_database(url: str, count: int, rounds: int) -> dict:
    settings = BotSettings(_env_file=None, database_url=url, now=NOW, slack_bot_token="xoxb-test")
    db = open_database(url)
    with db.begin() as connection:  # a clean slate from an earlier run
        connection.execute(sa.delete(post_claims).where(post_claims.c.key.like("digest:%")))
        connection.execute(sa.delete(digests).where(digests.c.name.like("Bench digest %")))
    with SlackDouble() as double:
        settings = settings.model_copy(update={"slack_api_url": double.api_url})
        engine = KpiEngine(db, settings)

        queue = ChartQueue()
        queue.draw(build_digest(engine, definitions(1)[0], DUE), lambda png: None)
        queue.drain()  # the chart process started and matplotlib loaded, as in a running app

        def poster(charts: bool) -> DigestPoster:
            services = DigestServices.build(settings, engine=engine)
            return DigestPoster(services, WebClient(token="xoxb-test", base_url=double.api_url),
                                charts=charts, chart_queue=queue)

        store = DigestServices.build(settings, engine=engine).digests
        stored = [store.add(definition) for definition in definitions(count)]
        build_digest(engine, stored[0], DUE)  # warm-up: connections, first query
        one = []
        for _ in range(rounds):
            started = time.perf_counter()
            build_digest(engine, stored[1], DUE)
            one.append(time.perf_counter() - started)
        plain = [post_round([poster(False) for _ in stored], stored, double)[0]
                 for _ in range(rounds)]
        posts = len([c for c in double.calls("chat.postMessage", failed=False)
                     if not c.params.get("thread_ts")])
        charted = [post_round([poster(True) for _ in stored], stored, double, queue)
                   for _ in range(rounds)]
        charts = len(double.calls("files.completeUploadExternal", failed=False))
        queue.close()
    with db.begin() as connection:
        connection.execute(sa.delete(post_claims).where(post_claims.c.key.like("digest:%")))
        connection.execute(sa.delete(digests).where(digests.c.name.like("Bench digest %")))
    print(f"{make_url(url).get_backend_name()}: {plain} / {charted}", file=sys.stderr)
    posted_with_charts = [seconds for seconds, _ in charted]
    charts_in = [seconds for _, seconds in charted]
    return {
        "backend": make_url(url).get_backend_name(),
        "digests": count,
        "kpis_per_digest": len(KPIS),
        "threads": JOB_THREADS,
        "posted_per_round": posts,
        "charts_per_round": charts,
        "seconds": round(statistics.median(plain), 2),
        "seconds_posted_with_charts_on": round(statistics.median(posted_with_charts), 2),
        "seconds_until_charts_uploaded": round(statistics.median(charts_in), 2),
        "one_digest_build_ms": round(statistics.median(one) * 1000),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", action="append", required=True)
    parser.add_argument("--digests", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps({"digests": [bench_database(url, args.digests, args.rounds)
                                  for url in args.db]}, indent=1))


if __name__ == "__main__":
    main()
