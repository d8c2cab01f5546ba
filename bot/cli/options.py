"""What every `kpibot` command shares: settings from the environment with --db, --tz and
--now winning (the engine's `Settings`, or `BotSettings` for a command that talks to Slack),
and the edge's error handling — one clear line on standard error, or
`{"error": ..., "suggestions": [...]}` on standard output with --json; never a traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from kpi_engine.errors import ImportRejected, UserError

EXIT_USER_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 70


def settings_from_flags(db: str | None, tz: str | None, now: str | None, *,
                        slack: bool = False):
    """Settings from the environment, with the command's flags winning: the engine's, or with
    `slack` the Slack app's (`BotSettings`)."""
    from pydantic import ValidationError

    from bot.settings import BotSettings
    from kpi_engine.settings import Settings

    settings_class = BotSettings if slack else Settings
    overrides = {
        key: value
        for key, value in (("database_url", db), ("tz", tz), ("now", now))
        if value is not None
    }
    try:
        return settings_class(**overrides)
    except ValidationError as error:
        first = error.errors()[0]
        field = first["loc"][0] if first["loc"] else "setting"
        message = first["msg"].removeprefix("Value error, ")
        if field == "now":
            message = ("--now must be an ISO 8601 time with an offset, e.g. "
                       f"2026-11-22T09:00:00+01:00 ({message})")
        raise UserError(f"{field}: {message}") from None


def common_options(command):
    """--db, --tz and --now on a command, and the edge's error handling (JSON with --json).
    The command gets the engine's `Settings` as `settings`."""
    return _with_settings(command, slack=False)


def slack_options(command):
    """`common_options` for a command that talks to Slack: it gets `BotSettings`."""
    return _with_settings(command, slack=True)


def _with_settings(command, *, slack: bool):
    @click.option("--db", "db_url", metavar="URL", help="Database URL (KPIBOT_DATABASE_URL).")
    @click.option("--tz", metavar="ZONE", help="Workspace time zone, IANA name (KPIBOT_TZ).")
    @click.option("--now", metavar="ISO", help="Pin 'now', ISO 8601 with offset (KPIBOT_NOW).")
    @functools.wraps(command)
    def wrapper(*args, db_url, tz, now, **kwargs):
        as_json = kwargs.get("as_json", False)
        try:
            settings = settings_from_flags(db_url, tz, now, slack=slack)
            return command(*args, settings=settings, **kwargs)
        except ImportRejected as rejected:
            fail_import(rejected, as_json)
        except UserError as error:
            fail(error.message, error.suggestions, as_json)

    return wrapper


def fail(message: str, suggestions: list[str], as_json: bool, code: int = EXIT_USER_ERROR):
    if as_json:
        click.echo(json.dumps({"error": message, "suggestions": suggestions}))
    else:
        hint = f" (try: {'; '.join(suggestions[:5])})" if suggestions else ""
        click.echo(f"kpibot: {message}{hint}", err=True)
    sys.exit(code)


def fail_import(rejected: ImportRejected, as_json: bool):
    report = rejected.report
    if as_json:
        click.echo(json.dumps({"error": rejected.message, "suggestions": rejected.suggestions,
                               "report": report.to_json()}))
    else:
        click.echo(f"kpibot: {rejected.message}", err=True)
        echo_bad_rows(report)
        click.echo("Nothing was written. Fix the rows above, or pass --skip-bad to write the "
                   "good rows.", err=True)
    sys.exit(EXIT_USER_ERROR)


def echo_bad_rows(report, shown: int = 50) -> None:
    """The first bad rows of an import report, one a line (each reason names its column)."""
    for bad in report.bad_rows[:shown]:
        click.echo(f"  {Path(bad.file).name} line {bad.line}: {bad.reason}", err=True)
    if report.bad_row_count > shown:
        click.echo(f"  … and {report.bad_row_count - shown:,} more (--json lists up to 1,000)",
                   err=True)
