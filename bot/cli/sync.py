"""`kpibot sync zendesk|freshdesk` (pull what changed since the last sync, page by page, each
page written with its cursor), `kpibot sync status` (where each helpdesk stream stands), and
`kpibot import --from zendesk|freshdesk PATH…` (a helpdesk's own export pages; the import
command hands over to `import_helpdesk_export` here). The engine side is
kpi_engine/ingest/helpdesk/; docs/helpdesks.md says what maps to what.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from bot.cli.options import EXIT_USER_ERROR, common_options
from kpi_engine.errors import UserError

SHOWN_BAD_ITEMS = 50


def import_helpdesk_export(helpdesk: str, paths: tuple[Path, ...], *, skip_bad: bool,
                           as_json: bool, settings, other: tuple) -> None:
    """`kpibot import --from HELPDESK PATH…`: the pages into the database, one transaction."""
    from kpi_engine.ingest.helpdesk import HelpdeskImportRejected, import_helpdesk
    from kpi_engine.storage.database import open_database

    surveys_csv, map_file, replace_missing = other
    if surveys_csv or map_file or replace_missing:
        raise UserError("--surveys, --map and --replace-missing are for CSV files; a helpdesk's "
                        "export carries its ratings in its own pages",
                        [f"kpibot import --from {helpdesk} export/"])
    if not paths:
        raise UserError(f"give the {helpdesk} export's files or a directory of them",
                        [f"kpibot import --from {helpdesk} export/"])
    db = open_database(settings.database_url)
    try:
        report = import_helpdesk(db, settings, helpdesk, list(paths), skip_bad=skip_bad)
    except HelpdeskImportRejected as rejected:
        _rejected(rejected, as_json)
        return
    if as_json:
        click.echo(json.dumps(report.to_json()))
        return
    counts = report.counts
    click.echo(f"{helpdesk}: {report.files:,} file{'s' * (report.files != 1)}, "
               f"{counts.pages:,} page{'s' * (counts.pages != 1)}")
    _echo_counts(counts)
    for note in report.notes:
        click.echo(note)
    if counts.bad_count:
        click.echo(f"skipped {counts.bad_count:,} bad item{'s' * (counts.bad_count != 1)}:",
                   err=True)
        _echo_bad(counts)
    click.echo(f"done in {report.seconds:.1f} s")


def _echo_counts(counts) -> None:
    click.echo(f"tickets: {counts.tickets_read:,} read — {counts.tickets_new:,} new, "
               f"{counts.tickets_updated:,} updated, {counts.tickets_unchanged:,} unchanged, "
               f"{counts.tickets_removed:,} removed")
    waiting = (f", {counts.ratings_waiting:,} waiting for their ticket"
               if counts.ratings_waiting else "")
    click.echo(f"ratings: {counts.ratings_read:,} read — {counts.ratings_new:,} new, "
               f"{counts.ratings_updated:,} updated, {counts.ratings_unchanged:,} unchanged"
               f"{waiting}")


def _echo_bad(counts) -> None:
    for bad in counts.bad_items[:SHOWN_BAD_ITEMS]:
        click.echo(f"  {bad.sentence()}", err=True)
    if counts.bad_count > SHOWN_BAD_ITEMS:
        click.echo(f"  … and {counts.bad_count - SHOWN_BAD_ITEMS:,} more (--json lists up to "
                   "1,000)", err=True)


def _rejected(rejected, as_json: bool) -> None:
    import sys

    if as_json:
        click.echo(json.dumps({"error": rejected.message, "suggestions": rejected.suggestions,
                               "report": rejected.report.to_json()}))
    else:
        click.echo(f"kpibot: {rejected.message}", err=True)
        _echo_bad(rejected.report.counts)
        click.echo("Nothing was written. Fix the items above, or pass --skip-bad to write the "
                   "rest.", err=True)
    sys.exit(EXIT_USER_ERROR)


@click.group("sync")
def sync_group() -> None:
    """Pull tickets and ratings from a helpdesk's API (Zendesk, Freshdesk)."""


def _sync_command(source: str, label: str):
    @click.command(source, help=f"Pull what changed in {label} since the last sync (resumes "
                                "from the stored cursor; each page is written with it).")
    @click.option("--reset", is_flag=True,
                  help="Forget the stored cursors first: start over from KPIBOT_SYNC_START.")
    @click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
    @common_options
    def command(reset, as_json, settings):
        from kpi_engine.ingest.helpdesk import reset_sync, sync_once
        from kpi_engine.storage.database import open_database

        db = open_database(settings.database_url)
        if reset:
            reset_sync(db, source)
        report = sync_once(db, settings, source)
        if as_json:
            click.echo(json.dumps(report.to_json()))
            return
        for stream, counts in report.streams.items():
            click.echo(f"{label} {stream}: {counts.pages:,} page{'s' * (counts.pages != 1)}")
            _echo_counts(counts)
        waited = f", waited {report.waited_seconds:.1f} s" if report.waited_seconds else ""
        click.echo(f"done: {report.requests:,} request{'s' * (report.requests != 1)} in "
                   f"{report.seconds:.1f} s{waited}")

    return command


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the streams as JSON.")
@common_options
def status_command(as_json, settings):
    """Where each helpdesk's sync stands: cursor, last run, last success, last error."""
    from kpi_engine.ingest.helpdesk import configured_sources, sync_states
    from kpi_engine.storage.database import open_database

    states = sync_states(open_database(settings.database_url))
    configured = configured_sources(settings)
    if as_json:
        click.echo(json.dumps({"configured": configured, "streams": [
            {**state, **{key: state[key].isoformat() if state[key] else None
                         for key in ("updated_at", "last_success_at")}} for state in states]}))
        return
    if not states:
        click.echo("no helpdesk has synced yet" + (
            f" (configured: {', '.join(configured)})" if configured else
            " (none is configured: see docs/helpdesks.md)"))
        return
    for state in states:
        success = state["last_success_at"].isoformat() if state["last_success_at"] else "never"
        line = f"{state['source']} {state['stream']}: last success {success}"
        if state["last_error"]:
            line += f"; last error: {state['last_error']}"
        click.echo(line)


for _source, _label in (("zendesk", "Zendesk"), ("freshdesk", "Freshdesk")):
    sync_group.add_command(_sync_command(_source, _label))
sync_group.add_command(status_command)

