"""`kpibot demo`: a realistic support desk in a database, the headline KPIs of last week
against the week before as a support lead would read them, questions in plain language, and
the morning digest the desk's tier-1 channel would get.

Idempotent: the demo's tickets carry source `demo`, so running it again updates them in place.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from kpi_engine.engine import KpiEngine
from kpi_engine.formatting import describe_change, format_value, render_text
from kpi_engine.ingest import import_csv
from kpi_engine.periods import parse_period
from kpi_engine.query import KpiQuery
from kpi_engine.samples.data import SampleSpec, write_csv
from kpi_engine.settings import Settings, workspace_now
from kpi_engine.storage.database import open_database
from kpi_engine.vocabulary import Dimension

HEADLINE_KPIS = (
    "ticket_volume", "resolved", "backlog", "frt", "resolution_time", "service_level",
    "fcr", "reopen_rate", "escalation_rate", "csat", "ces", "nps", "survey_response_rate",
)


def build_demo_database(settings: Settings, *, tickets: int, echo: Callable[[str], None]):
    """Generate the demo desk's CSVs, import them, and return the database engine."""
    if settings.database_url.startswith("sqlite:///"):
        path = Path(settings.database_url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
    db = open_database(settings.database_url)
    spec = SampleSpec(tickets=tickets, end=workspace_now(settings), tz=settings.tz)
    with tempfile.TemporaryDirectory(prefix="kpibot-demo-") as folder:
        tickets_csv, surveys_csv = Path(folder, "tickets.csv"), Path(folder, "surveys.csv")
        started = time.perf_counter()
        ticket_rows, survey_rows = write_csv(spec, tickets_csv, surveys_csv, source="demo")
        echo(f"Generated {ticket_rows:,} tickets and {survey_rows:,} survey rows over "
             f"{spec.days} days in {time.perf_counter() - started:.1f} s.")
        report = import_csv(db, tickets_csv, surveys_csv)
    echo(f"Imported into {db.url.render_as_string(hide_password=True)} in {report.seconds:.1f} s "
         f"({report.tickets_new:,} new, {report.tickets_updated:,} updated, "
         f"{report.tickets_unchanged:,} unchanged tickets).")
    return db


def headline_table(engine: KpiEngine) -> list[str]:
    """Each headline KPI of last week beside the week before, with the change and its noise."""
    period = parse_period("last week", now=engine.now(), tz=engine.settings.zone,
                          week_start=engine.settings.week_start)
    rows = [("KPI", "last week", "n", "week before", "change")]
    for metric_id in HEADLINE_KPIS:
        result = engine.run(KpiQuery(metric=metric_id, period=period, compare=True))
        metric = result.metric
        rows.append((
            metric.label,
            format_value(metric, result.value),
            f"{result.n:,}",
            format_value(metric, result.change.previous.value),
            describe_change(metric, result.change),
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [f"{period.describe()} vs the week before"]
    for index, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [cell.rjust(w)
                                             for cell, w in zip(row[1:4], widths[1:4])]
        lines.append("  " + "  ".join(cells) + "  " + row[4])
        if index == 0:
            lines.append("  " + "-" * (sum(widths) + 8))
    return lines


DEMO_QUESTIONS = (
    "what was FCR last week for tier 1?",
    "CSAT by agent this month vs last month",
    "how many tickets did Asha resolve yesterday?",
    "frist response time for chat, last 30 days",
    "which team had the slowest resolution time last week?",
    "top 3 agents by CES in October",
    "backlog of urgent tickets",
    "service level on phone vs last week",
    "NPS for tier 2 so far this month",
    "how did the reopen rate change last month?",
    "survey response rate by kind, past fortnight",
    "CSAT for Sam",
    "FCR for tier 9",
    "what's the weather in Paris?",
)


def ask_questions(engine: KpiEngine, echo: Callable[[str], None]) -> None:
    """Plain-language questions as `kpibot ask` answers them, one line each."""
    from kpi_engine.question.answers import QuestionAnswerer

    answerer = QuestionAnswerer(engine)
    echo("$ kpibot ask -   # one question per line; one answer per line")
    for question in DEMO_QUESTIONS:
        echo(f"> {question}")
        echo(f"  {answerer.ask(question).line()}")


DEMO_DIGEST = {
    "name": "Tier 1 morning", "channel": "C0DEMO000", "at": "09:00", "days": "weekdays",
    "where": {"tier": [1]},
    "kpis": [{"metric": "fcr", "target": ">= 70%", "threshold": ">= 60%"},
             {"metric": "frt", "target": "<= 1h"}, "resolution_time", "aht",
             {"metric": "csat", "target": ">= 80%", "change_alert": "10pts"}, "ces",
             "reopen_rate", "backlog"],
}


def preview_digest(engine: KpiEngine, echo: Callable[[str], None]) -> str:
    """Store the demo's digest and show what it would post now; returns its name."""
    from kpi_engine.digests.content import build_digest
    from kpi_engine.digests.definitions import DigestDefinition
    from kpi_engine.digests.schedules import last_due
    from kpi_engine.digests.store import DigestStore
    from kpi_engine.digests.text import render_digest_text

    definition = DigestStore(engine.db, engine.now).add(
        DigestDefinition.from_dict(DEMO_DIGEST, default_tz=engine.settings.tz),
        replace_existing=True)
    echo(f"$ kpibot digest preview {definition.name!r}   # what Slack gets at 09:00 on weekdays")
    echo(render_digest_text(build_digest(engine, definition, last_due(definition, engine.now()))))
    return definition.name


def run_demo(settings: Settings, *, tickets: int, echo: Callable[[str], None]) -> None:
    """Build the demo database and show what kpibot answers on it."""
    db = build_demo_database(settings, tickets=tickets, echo=echo)
    engine = KpiEngine(db, settings)
    echo("")
    for line in headline_table(engine):
        echo(line)
    echo("")
    last_week = parse_period("last week", now=engine.now(), tz=settings.zone,
                             week_start=settings.week_start)
    last_30_days = parse_period("last 30 days", now=engine.now(), tz=settings.zone)
    echo("$ kpibot kpi csat --period 'last 30 days' --by agent --limit 5 --compare")
    echo(render_text(engine.run(KpiQuery(
        metric="csat", period=last_30_days, group_by=(Dimension.AGENT,), limit=5, compare=True))))
    echo("")
    echo("$ kpibot kpi fcr --period 'last week' --where tier=1 --by channel")
    from kpi_engine.query import Filter

    echo(render_text(engine.run(KpiQuery(
        metric="fcr", period=last_week, filters=(Filter(dimension=Dimension.TIER, values=("1",)),),
        group_by=(Dimension.CHANNEL,)))))
    echo("")
    echo("")
    ask_questions(engine, echo)
    echo("")
    digest = preview_digest(engine, echo)
    echo("")
    echo(f"Try it yourself: kpibot ask --db {settings.database_url} "
         "'median first response time by team, last 30 days'")
    echo(f"                 kpibot digest preview {digest!r} --db {settings.database_url}")
