"""`kpibot kpi METRIC`: one KPI for a period, with filters, a breakdown, the previous period,
percentiles or a trend — as text, as the contract's JSON (--json), or as the SQL it would run
(--explain).
"""

from __future__ import annotations

import json

import click

from bot.cli.options import common_options
from kpi_engine.errors import UserError


@click.command("kpi")
@click.argument("metric")
@click.option("--period", "period_words", metavar="WORDS",
              help='e.g. "last week", "last 30 days", "in October".')
@click.option("--start", metavar="ISO", help="Period start (date or time; with --end).")
@click.option("--end", metavar="ISO", help="Period end, exclusive (with --start).")
@click.option("--where", "where", multiple=True, metavar="DIM=VALUE",
              help="Filter; repeat; a comma means any of.")
@click.option("--by", "group_by", multiple=True, metavar="DIM",
              help="Break down by a dimension (at most two).")
@click.option("--compare", is_flag=True, help="Also compute the previous period and the change.")
@click.option("--percentiles", is_flag=True, help="Median and p90 for time KPIs.")
@click.option("--limit", type=click.IntRange(min=1), help="Keep the best N groups.")
@click.option("--trend", metavar="day|week|month",
              help="One value per day, week or month of the period, in time order (no --by).")
@click.option("--explain", is_flag=True,
              help="Print the SQL and the definition instead of running.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON answer.")
@common_options
def kpi_command(metric, period_words, start, end, where, group_by, compare, percentiles, limit,
                trend, explain, as_json, settings):
    """Compute one KPI."""
    from kpi_engine.engine import KpiEngine
    from kpi_engine.formatting import render_text
    from kpi_engine.query import Filter, KpiQuery, parse_dimension, parse_granularity
    from kpi_engine.storage.database import open_database

    step = None
    if trend is not None:
        try:
            step = parse_granularity(trend)
        except UserError as error:
            raise UserError(f"--trend: {error.message}",
                            [f"--trend {choice}" for choice in error.suggestions]) from None
    period, assumptions = _period(settings, period_words, start, end)
    query = KpiQuery(
        metric=metric,
        period=period,
        filters=tuple(Filter.parse(item) for item in where),
        group_by=tuple(parse_dimension(name) for name in group_by),
        compare=compare,
        percentiles=percentiles,
        limit=limit,
        trend=step,
        assumptions=assumptions,
    )
    engine = KpiEngine(open_database(settings.database_url), settings)
    if explain:
        explanation = engine.explain(query)
        if as_json:
            click.echo(json.dumps({"definition": explanation.definition, "statements": [
                {"sql": sql, "params": {k: str(v) for k, v in params.items()}}
                for sql, params in explanation.statements]}))
        else:
            click.echo(f"-- {explanation.definition}")
            for sql, params in explanation.statements:
                click.echo(sql + ";")
                click.echo(f"-- parameters: {params}")
        return
    result = engine.run(query)
    click.echo(json.dumps(result.to_json()) if as_json else render_text(result))


def _period(settings, words, start, end):
    from kpi_engine.periods import default_period, parse_period, period_from_bounds
    from kpi_engine.settings import workspace_now

    zone, week_start, now = settings.zone, settings.week_start, workspace_now(settings)
    if words and (start or end):
        raise UserError("give either --period or --start/--end, not both")
    if words:
        return parse_period(words, now=now, tz=zone, week_start=week_start), ()
    if start or end:
        if not (start and end):
            raise UserError("--start and --end go together",
                            ["--start 2026-10-01 --end 2026-10-16"])
        return period_from_bounds(start, end, now=now, tz=zone, week_start=week_start), ()
    period = default_period(now=now, tz=zone, week_start=week_start)
    return period, ("no period given: last 7 days",)
