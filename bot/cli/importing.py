"""`kpibot import`: canonical ticket and survey CSVs into the database — an upsert by source
and id, atomic unless --skip-bad, with a progress bar for large files on a terminal and the
bad rows listed by line and column.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from bot.cli.options import common_options, echo_bad_rows
from kpi_engine.errors import UserError


@click.command("import")
@click.argument("tickets_csv", type=click.Path(path_type=Path), required=False)
@click.option("--surveys", "surveys_csv", type=click.Path(path_type=Path),
              help="Survey requests/responses CSV.")
@click.option("--skip-bad", is_flag=True, help="Write the good rows and report the bad ones.")
@click.option("--replace-missing", is_flag=True,
              help="Blank the columns the ticket file lacks on tickets already stored "
                   "(by default their stored values are kept).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@common_options
def import_command(tickets_csv, surveys_csv, skip_bad, replace_missing, as_json, settings):
    """Load canonical CSVs (upsert by source and id; atomic unless --skip-bad)."""
    from kpi_engine.ingest import import_csv
    from kpi_engine.storage.database import open_database

    if tickets_csv is None and surveys_csv is None:
        raise UserError("give a tickets CSV, a --surveys CSV, or both",
                        ["kpibot import tickets.csv --surveys surveys.csv"])
    db = open_database(settings.database_url)
    with _progress(not as_json) as progress:
        report = import_csv(db, tickets_csv, surveys_csv, skip_bad=skip_bad,
                            replace_missing=replace_missing, progress=progress)
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
    if report.bad_row_count:
        click.echo(f"skipped {report.bad_row_count:,} bad rows:", err=True)
        echo_bad_rows(report)
    click.echo(f"done in {report.seconds:.1f} s")


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
