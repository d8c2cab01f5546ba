"""`kpibot why METRIC`: where the change of a KPI came from — its change against the previous
period (or the one --vs names) split into each segment's contribution, rate and mix effects,
for team, channel, tier, priority, agent and tag (or the dimensions --by names); the drivers
are the segments whose own change is larger than noise. As text, or as JSON (--json: the
change explanation of interfaces.md).
"""

from __future__ import annotations

import json

import click

from bot.cli.options import common_options


@click.command("why")
@click.argument("metric")
@click.option("--period", "period_words", metavar="WORDS",
              help='The period whose change is explained, e.g. "last week", "this month".')
@click.option("--start", metavar="ISO", help="Period start (date or time; with --end).")
@click.option("--end", metavar="ISO", help="Period end, exclusive (with --start).")
@click.option("--vs", "previous_words", metavar="WORDS",
              help='The period compared with (default: the one before, as --compare takes it).')
@click.option("--where", "where", multiple=True, metavar="DIM=VALUE",
              help="Filter; repeat; a comma means any of; DIM!=VALUE leaves them out.")
@click.option("--by", "dimensions", multiple=True, metavar="DIM",
              help="A dimension to split by (repeat; default: team, channel, tier, priority, "
                   "agent and tag).")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True,
              help="Segments listed per dimension; the rest are one 'all others' line.")
@click.option("--business-hours", "business_hours", is_flag=True,
              help="Count times (frt, resolution_time, service_level) in business hours.")
@click.option("--json", "as_json", is_flag=True, help="Print the change explanation as JSON.")
@common_options
def why_command(metric, period_words, start, end, previous_words, where, dimensions, top,
                business_hours, as_json, settings):
    """Explain the change of one KPI by segment."""
    from bot.cli.kpi import _period
    from kpi_engine.engine import KpiEngine
    from kpi_engine.periods import parse_period
    from kpi_engine.query import Filter, KpiQuery, parse_dimension
    from kpi_engine.settings import workspace_now
    from kpi_engine.storage.database import open_database

    period, assumptions = _period(settings, period_words, start, end)
    previous = None
    if previous_words:
        previous = parse_period(previous_words, now=workspace_now(settings), tz=settings.zone,
                                week_start=settings.week_start)
    query = KpiQuery(
        metric=metric, period=period, previous=previous,
        filters=tuple(Filter.parse(item) for item in where),
        assumptions=assumptions, business_hours=business_hours, explain_change=True,
    )
    engine = KpiEngine(open_database(settings.database_url), settings)
    explanation = engine.explain_change(
        query, tuple(parse_dimension(name) for name in dimensions) or None, top=top)
    click.echo(json.dumps(explanation.to_json()) if as_json else explanation.text())
