"""`kpibot import`: canonical ticket and survey CSVs into the database — an upsert by source
and id, atomic unless --skip-bad, with a progress bar for large files on a terminal and the
bad rows listed by line and column (every problem of a row), then the warnings — or another
helpdesk's export read through a mapping file (`--map MAP.yaml`, kpi_engine/ingest/mapped.py),
or Zendesk's and Freshdesk's own API pages (`--from zendesk|freshdesk PATH…`, bot/cli/sync.py).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from bot.cli.options import common_options, echo_bad_rows
from kpi_engine.errors import UserError


@click.command("import")
@click.argument("tickets_csv", type=click.Path(path_type=Path), nargs=-1,
                metavar="[TICKETS_CSV | --from HELPDESK PATH…]")
@click.option("--from", "helpdesk", type=click.Choice(["zendesk", "freshdesk"]),
              help="Read PATHs as that helpdesk's own export pages (JSON or JSON Lines files, "
                   "or directories of them; docs/helpdesks.md).")
@click.option("--surveys", "surveys_csv", type=click.Path(path_type=Path),
              help="Survey requests/responses CSV.")
@click.option("--map", "map_file", type=click.Path(path_type=Path), metavar="MAP.yaml",
              help="Read TICKETS_CSV as another helpdesk's export through this mapping file "
                   "(YAML or TOML; see docs/import/README.md).")
@click.option("--skip-bad", is_flag=True, help="Write the good rows and report the bad ones.")
@click.option("--replace-missing", is_flag=True,
              help="Blank the columns the ticket file lacks on tickets already stored "
                   "(by default their stored values are kept).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@common_options
def import_command(tickets_csv, surveys_csv, skip_bad, replace_missing, as_json, settings,
                   map_file=None, helpdesk=None):
    """Load canonical CSVs, another helpdesk's export with --map, or Zendesk's or
    Freshdesk's own pages with --from (upsert by source and id; atomic unless --skip-bad)."""
    from kpi_engine.ingest import import_csv
    from kpi_engine.storage.database import open_database

    if helpdesk is not None:  # a helpdesk's own export pages (bot/cli/sync.py)
        from bot.cli.sync import import_helpdesk_export

        return import_helpdesk_export(helpdesk, tickets_csv, skip_bad=skip_bad, as_json=as_json,
                                      settings=settings, other=(surveys_csv, map_file,
                                                                replace_missing))
    if len(tickets_csv) > 1:
        raise UserError("give one tickets CSV (several paths are for --from zendesk|freshdesk)")
    tickets_csv = tickets_csv[0] if tickets_csv else None
    if tickets_csv is None and surveys_csv is None:
        raise UserError("give a tickets CSV, a --surveys CSV, or both",
                        ["kpibot import tickets.csv --surveys surveys.csv"])
    mapping = _checked_map(map_file, tickets_csv)
    db = open_database(settings.database_url)
    with _progress(not as_json) as progress:
        if mapping is not None:
            from kpi_engine.ingest import import_mapped

            report = import_mapped(db, tickets_csv, mapping, surveys_csv, skip_bad=skip_bad,
                                   replace_missing=replace_missing, progress=progress,
                                   now=settings.now)
        else:
            report = import_csv(db, tickets_csv, surveys_csv, skip_bad=skip_bad,
                                replace_missing=replace_missing, progress=progress,
                                now=settings.now)
    if as_json:
        click.echo(json.dumps(report.to_json()))
        return
    click.echo(
        f"tickets: {report.tickets_read:,} read — {report.tickets_new:,} new, "
        f"{report.tickets_updated:,} updated, {report.tickets_unchanged:,} unchanged"
    )
    if report.kept_columns:
        existing = report.tickets_updated + report.tickets_unchanged
        click.echo(f"not in {tickets_csv.name}: {', '.join(report.kept_columns)} — kept as "
                   f"stored for the {existing:,} ticket{'s' * (existing != 1)} already here "
                   "(--replace-missing blanks them)")
    if surveys_csv is not None:
        click.echo(
            f"surveys: {report.surveys_read:,} read — {report.surveys_new:,} new, "
            f"{report.surveys_updated:,} updated, {report.surveys_unchanged:,} unchanged"
        )
    if report.ignored_columns:
        click.echo(f"ignored (not in the map): {', '.join(report.ignored_columns)}")
    if report.bad_row_count:
        click.echo(f"skipped {report.bad_row_count:,} bad rows:", err=True)
        echo_bad_rows(report)
    if report.warning_count:
        _echo_warnings(report)
    click.echo(f"done in {report.seconds:.1f} s")


def _checked_map(map_file, tickets_csv):
    """The loaded map of --map (None without it): a map problem is one sentence, before the
    database is opened."""
    if map_file is None:
        return None
    if tickets_csv is None:
        raise UserError("--map reads the export given as the file to import",
                        [f"kpibot import EXPORT.csv --map {map_file}"])
    from kpi_engine.ingest import load_map

    return load_map(map_file)


def _echo_warnings(report, shown: int = 50) -> None:
    """The first warnings of an import (rows written as they are that look wrong), one a line."""
    count = report.warning_count
    click.echo(f"{count:,} warning{'s' * (count != 1)} (imported as they are):", err=True)
    for warning in report.warnings[:shown]:
        click.echo(f"  {Path(warning.file).name} line {warning.line}: {warning.reason}",
                   err=True)
    if count > shown:
        click.echo(f"  … and {count - shown:,} more (--json lists up to 1,000)", err=True)


class _progress:
    """A progress bar on standard error for large files, when it is a terminal."""

    MIN_BYTES = 5_000_000

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.bar = None
        self.task = None

    def __enter__(self):
        return self.update if self.enabled else None

    def update(self, done: int, total: int) -> None:
        if total < self.MIN_BYTES:
            return
        if self.bar is None:
            from rich.progress import Progress

            self.bar = Progress(transient=True)
            self.bar.start()
            self.task = self.bar.add_task("importing", total=total)
        self.bar.update(self.task, completed=done, total=total)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
