"""`kpibot digest …`: digests managed from the command line (interfaces.md) — add, list,
remove, preview (what it would post now, posting nothing), run (post it now for the period its
schedule covers; once, unless --force), export and load a YAML or TOML file. The scheduler
that posts them on time is `kpibot scheduler` (serve.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from bot.cli.options import common_options, slack_options
from kpi_engine.errors import UserError


@click.group("digest")
def digest_group() -> None:
    """Scheduled digests: add, list, remove, preview, run, export, load."""


@digest_group.command("add")
@click.argument("name")
@click.option("--channel", required=True, metavar="CHANNEL_ID", help="Slack channel id (C…).")
@click.option("--at", "at", required=True, metavar="HH:MM", help="Local time to post.")
@click.option("--days", default="daily", show_default=True,
              metavar="daily|weekdays|mon,thu|monthly:N",
              help="When it runs: every day, weekdays, days of the week (mon, mon,thu) or day "
                   "N of each month (monthly:1; monthly:31 is each month's last day).")
@click.option("--period", default="yesterday", show_default=True,
              metavar="yesterday|last week|last month")
@click.option("--kpis", required=True, metavar="fcr,csat,…", help="The KPIs, comma-separated.")
@click.option("--where", multiple=True, metavar="DIM=VALUE", help="Filter; repeat.")
@click.option("--target", "targets", multiple=True, metavar="'fcr>=75%'",
              help="A KPI's goal, judged met or missed; repeat.")
@click.option("--threshold", "thresholds", multiple=True, metavar="'fcr>=65%'",
              help="A KPI's floor: an alert when it no longer holds; repeat.")
@click.option("--change-alert", "change_alerts", multiple=True, metavar="'csat:10pts'",
              help="Alert on a move for the worse against the previous 7 days; repeat.")
@click.option("--business-hours", "business_hours", default="", metavar="frt,resolution_time",
              help="The KPIs among --kpis counted in business hours only (frt, "
                   "resolution_time, service_level), comma-separated.")
@click.option("--replace", "replace_existing", is_flag=True,
              help="Replace a digest of the same name.")
@click.option("--json", "as_json", is_flag=True)
@common_options
def add_command(name, channel, at, days, period, kpis, where, targets, thresholds,
                change_alerts, business_hours, replace_existing, as_json, settings):
    """Add a digest, posted at --at in the zone of --tz (KPIBOT_TZ by default)."""
    from kpi_engine.digests.definitions import definition_from_parts

    fields = {"name": name, "channel": channel, "at": at, "tz": settings.tz, "days": days,
              "period": period, "where": list(where)}
    definition = definition_from_parts(fields, kpis.split(","), targets=targets,
                                       thresholds=thresholds, change_alerts=change_alerts,
                                       business_hours=business_hours.split(","),
                                       default_tz=settings.tz)
    stored = _store(settings).add(definition, replace_existing=replace_existing)
    if as_json:
        click.echo(json.dumps({"id": stored.id, **stored.to_dict()}))
    else:
        click.echo(f"added digest {stored.name!r}: {_summary(stored, settings)}")


@digest_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@common_options
def list_command(as_json, settings):
    """The digests, with when each is next due."""
    from kpi_engine.digests.schedules import next_due
    from kpi_engine.settings import workspace_now

    definitions = _store(settings).all()
    if as_json:
        now = workspace_now(settings)
        click.echo(json.dumps([{"id": d.id, **d.to_dict(),
                                "next_due": next_due(d, now).isoformat(timespec="minutes")}
                               for d in definitions]))
        return
    if not definitions:
        click.echo("no digests yet: kpibot digest add NAME --channel C… --at 09:00 --kpis fcr,csat")
        return
    for definition in definitions:
        click.echo(f"{definition.name}: {_summary(definition, settings)}")


@digest_group.command("remove")
@click.argument("name")
@common_options
def remove_command(name, settings):
    """Remove a digest (its alerts stop too)."""
    removed = _store(settings).remove(name)
    click.echo(f"removed digest {removed.name!r}")


@digest_group.command("preview")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True)
@common_options
def preview_command(name, as_json, settings):
    """What the digest would post now, posting nothing."""
    from kpi_engine.digests.content import build_digest
    from kpi_engine.digests.schedules import last_due
    from kpi_engine.digests.text import render_digest_text
    from kpi_engine.engine import KpiEngine
    from kpi_engine.settings import workspace_now

    store = _store(settings)
    definition = store.get(name)
    report = build_digest(KpiEngine(store.db, settings), definition,
                          last_due(definition, workspace_now(settings)))
    click.echo(json.dumps(report.to_json()) if as_json else render_digest_text(report))


@digest_group.command("run")
@click.argument("name")
@click.option("--force", is_flag=True, help="Post again even if it was posted for this period.")
@click.option("--json", "as_json", is_flag=True)
@slack_options
def run_command(name, force, as_json, settings):
    """Post the digest now for the period its schedule covers (once, unless --force)."""
    from bot.deps import slack_client
    from bot.posting.digest_posting import DigestPoster, Outcome
    from bot.services import DigestServices
    from bot.settings import check_slack_settings
    from kpi_engine.digests.schedules import last_due

    check_slack_settings(settings, signing_secret=False)
    services = DigestServices.build(settings)
    definition = services.digests.get(name)
    due = last_due(definition, services.engine.now())
    result = DigestPoster(services, slack_client(settings)).post(definition, due, force=force)
    day = f"{due.astimezone(definition.zone):%a %d %b %Y}"
    if as_json:
        click.echo(json.dumps({"digest": definition.name, "due": due.isoformat(),
                               "outcome": result.outcome.value, "ts": result.ts}))
    elif result.outcome is Outcome.POSTED:
        click.echo(f"posted {definition.name!r} due {day} in {definition.channel_id} "
                   f"(ts {result.ts})")
    elif result.outcome is not Outcome.FAILED:
        click.echo(f"nothing posted: {definition.name!r} due {day} is "
                   f"{result.outcome.value} (--force posts it again)")
    if result.outcome is Outcome.FAILED:
        raise UserError(f"{definition.name!r} could not be posted: see the log",
                        ["check SLACK_BOT_TOKEN and that kpibot is in the channel"])


@digest_group.command("export")
@click.argument("file", type=click.Path(path_type=Path))
@common_options
def export_command(file, settings):
    """Write every digest to a YAML or TOML file (by its suffix)."""
    from kpi_engine.digests.files import write_definitions

    definitions = _store(settings).all()
    write_definitions(file, definitions)
    click.echo(f"wrote {len(definitions)} digest(s) to {file}")


@digest_group.command("load")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--prune", is_flag=True, help="Also remove the digests the file does not name.")
@common_options
def load_command(file, prune, settings):
    """Make the digests match a YAML or TOML file (all or nothing)."""
    from kpi_engine.digests.files import read_definitions

    report = _store(settings).load(read_definitions(file, default_tz=settings.tz), prune=prune)
    for verb, names in (("added", report.added), ("updated", report.updated),
                        ("unchanged", report.unchanged), ("removed", report.removed)):
        if names:
            click.echo(f"{verb}: {', '.join(names)}")
    if not (report.added or report.updated or report.unchanged or report.removed):
        click.echo("the file holds no digests")


def _store(settings):
    from kpi_engine.digests.store import DigestStore
    from kpi_engine.settings import workspace_now
    from kpi_engine.storage.database import open_database

    return DigestStore(open_database(settings.database_url), lambda: workspace_now(settings))


def _summary(definition, settings) -> str:
    from kpi_engine.digests.schedules import describe_schedule, next_due
    from kpi_engine.formatting import describe_filters
    from kpi_engine.settings import workspace_now

    parts = [f"in {definition.channel_id}", describe_schedule(definition),
             f"covers {definition.period}",
             ", ".join(k.metric + " in business hours" * k.business_hours
                       for k in definition.kpis)]
    if definition.filters:
        parts.append(describe_filters(definition.filters))
    alerts = sum(1 for kpi in definition.kpis if kpi.alerts)
    if alerts:
        parts.append(f"{alerts} with alerts")
    upcoming = next_due(definition, workspace_now(settings)).astimezone(definition.zone)
    parts.append(f"next {upcoming:%a %d %b %H:%M %Z}")
    return " · ".join(parts)
