"""The `kpibot` command line (interfaces.md): import, kpi, ask, serve, demo; the digest
commands and `scheduler` are in cli_digests.py, `support-channel` in cli_support.py.

Every command takes --db, --tz and --now. Failures are one clear line on standard error, or
`{"error": ..., "suggestions": [...]}` on standard output with --json; an internal error is an
apology with an id, its traceback written to the error log — never a traceback on screen.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from bot.cli_digests import digest_group, scheduler_command
from bot.cli_options import (
    EXIT_INTERNAL,
    EXIT_USAGE,
    common_options,
    echo_bad_rows,
    fail,
)
from bot.cli_support import support_channel_group
from kpi_engine.errors import UserError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """kpibot: customer-support KPIs you can trust, from the command line and Slack."""


@cli.command("import")
@click.argument("tickets_csv", type=click.Path(path_type=Path), required=False)
@click.option("--surveys", "surveys_csv", type=click.Path(path_type=Path), help="Survey requests/responses CSV.")
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
        raise UserError("give a tickets CSV, a --surveys CSV, or both", ["kpibot import tickets.csv --surveys surveys.csv"])
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


@cli.command("kpi")
@click.argument("metric")
@click.option("--period", "period_words", metavar="WORDS", help='e.g. "last week", "last 30 days", "in October".')
@click.option("--start", metavar="ISO", help="Period start (date or time; with --end).")
@click.option("--end", metavar="ISO", help="Period end, exclusive (with --start).")
@click.option("--where", "where", multiple=True, metavar="DIM=VALUE", help="Filter; repeat; a comma means any of.")
@click.option("--by", "group_by", multiple=True, metavar="DIM", help="Break down by a dimension (at most two).")
@click.option("--compare", is_flag=True, help="Also compute the previous period and the change.")
@click.option("--percentiles", is_flag=True, help="Median and p90 for time KPIs.")
@click.option("--limit", type=click.IntRange(min=1), help="Keep the best N groups.")
@click.option("--trend", metavar="day|week|month",
              help="One value per day, week or month of the period, in time order (no --by).")
@click.option("--explain", is_flag=True, help="Print the SQL and the definition instead of running.")
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
            raise UserError("--start and --end go together", ["--start 2026-10-01 --end 2026-10-16"])
        return period_from_bounds(start, end, now=now, tz=zone, week_start=week_start), ()
    period = default_period(now=now, tz=zone, week_start=week_start)
    return period, ("no period given: last 7 days",)


@cli.command("ask")
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON answer (JSON lines for -).")
@click.option("--conversation", is_flag=True,
              help="With -: each line follows up the last answered one, as in a Slack thread.")
@common_options
def ask_command(question, as_json, conversation, settings):
    """Answer a plain-language question; QUESTION - reads one question per line from stdin."""
    from kpi_engine.question.answers import QuestionAnswerer

    if conversation and question != "-":
        raise UserError("--conversation reads its questions from standard input: use QUESTION -",
                        ["printf 'FCR last week\\nand tier 2?\\n' | kpibot ask - --conversation"])
    answerer = QuestionAnswerer.from_settings(settings)
    if question != "-":
        answer = answerer.ask(valid_text(question))
        if answer.refusal is not None:
            raise answer.refusal
        click.echo(json.dumps(answer.to_json()) if as_json else answer.text())
        return
    worst, previous = 0, None
    for line in sys.stdin:  # exactly one answer per line read, blank lines included
        text, code, answer = _answer_line(answerer, valid_text(line.rstrip("\r\n")), as_json,
                                          previous)
        click.echo(text)
        worst = max(worst, code)
        if conversation and answer is not None and answer.result is not None:
            previous = answer.result.query
    if worst:
        sys.exit(worst)


def valid_text(text: str) -> str:
    """`text` as valid Unicode: bytes that were not UTF-8 (which Python reads from a terminal or
    a pipe as lone surrogates) become U+FFFD, so no answer, JSON included, carries them."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a surrogate that is not an escaped byte
        return text.encode("utf-8", "replace").decode("utf-8")


def _answer_line(answerer, question: str, as_json: bool, previous=None):
    """One answer line, its exit code and the answer; an internal error is logged and answered
    with an id so the questions after it are still answered."""
    try:
        answer = answerer.ask(question, previous)
    except Exception:  # the edge of one question in a stream
        from bot.errors import log_internal_error

        incident = log_internal_error(f"ask {question[:200]!r}")
        message = f"sorry, kpibot hit an internal error (id {incident}); it is in the error log"
        if as_json:
            return (json.dumps({"question": question, "error": message, "suggestions": []}),
                    EXIT_INTERNAL, None)
        return f"can't answer: {message}", EXIT_INTERNAL, None
    return (json.dumps(answer.to_json()) if as_json else answer.line()), answer.exit_code, answer


@cli.command("demo")
@click.option("--tickets", "ticket_count", type=click.IntRange(min=100), default=20_000, show_default=True,
              help="How many tickets the demo desk has.")
@common_options
def demo_command(ticket_count, settings):
    """Make a demo database and show the main job end to end."""
    from bot.sandbox.conversation_demo import run_conversation_demo
    from kpi_engine.samples.demo import run_demo
    from kpi_engine.storage.database import open_database

    run_demo(settings, tickets=ticket_count, echo=click.echo)
    click.echo("")
    run_conversation_demo(settings, open_database(settings.database_url), click.echo)


@cli.command("serve")
@click.option("--port", type=click.IntRange(1, 65535), help="HTTP port (KPIBOT_PORT, default 3000).")
@click.option("--host", help="Address to listen on (KPIBOT_HOST, default 0.0.0.0).")
@common_options
def serve_command(port, host, settings):
    """Run the Slack app: HTTP on /slack/events, or Socket Mode when SLACK_APP_TOKEN is set."""
    from bot.server import serve

    serve(settings, host=host or settings.host, port=port or settings.port)


cli.add_command(digest_group)
cli.add_command(scheduler_command)
cli.add_command(support_channel_group)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `kpibot` console script."""
    argv = sys.argv[1:] if argv is None else argv
    as_json = "--json" in argv
    try:
        cli.main(args=argv, prog_name="kpibot", standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.Abort:
        sys.exit(130)
    except click.UsageError as error:
        if as_json:
            fail(error.format_message(), [], True, EXIT_USAGE)
        error.show()
        sys.exit(EXIT_USAGE)
    except click.ClickException as error:
        fail(error.format_message(), [], as_json)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception:  # the edge: an internal error gets an apology and an id, never a traceback
        from bot.errors import log_internal_error

        incident = log_internal_error("cli " + " ".join(argv[:1]))
        fail(f"sorry, kpibot hit an internal error (id {incident}); it is in the error log",
              [], as_json, EXIT_INTERNAL)
