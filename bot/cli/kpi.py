"""`kpibot kpi METRIC`: one KPI for a period, with filters, a breakdown, the previous period,
percentiles or a trend, a time in business hours (--business-hours) — as text, as the
contract's JSON (--json), or as the SQL it would run (--explain).
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
              help="Filter; repeat; a comma means any of; DIM!=VALUE leaves them out.")
@click.option("--by", "group_by", multiple=True, metavar="DIM",
              help="Break down by a dimension (at most two).")
@click.option("--compare", is_flag=True, help="Also compute the previous period and the change.")
@click.option("--percentiles", is_flag=True, help="Median and p90 for time KPIs.")
@click.option("--statistic", type=click.Choice(["mean", "median", "p90"]),
              help="Which statistic of a time KPI is the value (default: the mean).")
@click.option("--threshold", metavar="'OP VALUE'",
              help="Keep the groups of a breakdown past it, e.g. '<80%' or '>4h'.")
@click.option("--limit", type=click.IntRange(min=1), help="Keep the best N groups.")
@click.option("--trend", metavar="day|week|month",
              help="One value per day, week or month of the period, in time order (no --by).")
@click.option("--business-hours", "business_hours", is_flag=True,
              help="Count times (frt, resolution_time, service_level) in business hours only.")
@click.option("--explain", is_flag=True,
              help="Print the SQL and the definition instead of running.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON answer.")
@common_options
def kpi_command(metric, period_words, start, end, where, group_by, compare, percentiles,
                statistic, threshold, limit, trend, business_hours, explain, as_json, settings):
    """Compute one KPI."""
    from kpi_engine.engine import KpiEngine
    from kpi_engine.formatting import render_text
    from kpi_engine.query import Filter, KpiQuery, parse_dimension, parse_granularity
    from kpi_engine.storage.database import open_database
    from kpi_engine.vocabulary import Statistic

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
        business_hours=business_hours,
        statistic=Statistic(statistic) if statistic else None,
        threshold=_threshold(metric, threshold) if threshold else None,
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


def _threshold(metric_id, text):
    """`--threshold '<80%'` in the KPI's unit: a rate as a percentage or a fraction, a time
    as `4h` or `30min`, a count or score as a number."""
    import re

    from kpi_engine.digests.rules import parse_amount
    from kpi_engine.metrics import get_metric
    from kpi_engine.query import Threshold

    match = re.fullmatch(r"\s*(<=|>=|<|>)\s*(\S.*?)\s*", text)
    if match is None:
        raise UserError(f"--threshold {text!r} is not an operator and a value",
                        ["--threshold '<80%'", "--threshold '>4h'", "--threshold '>=20'"])
    metric = get_metric(metric_id)
    try:
        value = parse_amount(metric, match.group(2))
    except ValueError as error:
        raise UserError(f"--threshold: {error}") from None
    return Threshold(op=match.group(1), value=value)


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
