"""`kpibot feedback list [--down] [--json] [--since …]` (interfaces.md): what people said of
kpibot's answers in Slack — each vote with the question, its reading in words, who voted, when,
and up or down; newest first."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import click

from bot.cli.options import common_options
from kpi_engine.errors import UserError

SINCE_EXAMPLES = ["--since 2026-11-01", "--since 'last 30 days'", "--since 'last week'"]


@click.group("feedback")
def feedback_group() -> None:
    """Thumbs up and down on kpibot's answers in Slack."""


@feedback_group.command("list")
@click.option("--down", "down_only", is_flag=True, help="Only the answers that did not help.")
@click.option("--since", metavar="WHEN",
              help="Votes from then on: a date (2026-11-01), a time with an offset, or a "
                   "period in words ('last 30 days': from its start).")
@click.option("--json", "as_json", is_flag=True)
@common_options
def list_command(down_only, since, as_json, settings):
    """What people said of the answers, newest first."""
    from kpi_engine.question.feedback import describe_query

    start = _since(since, settings) if since else None
    votes = _store(settings).votes(since=start, unhelpful_only=down_only)
    zone = ZoneInfo(settings.tz)
    if as_json:
        click.echo(json.dumps([{
            "question": vote.answer.question,
            "reading": describe_query(vote.answer.query),
            "vote": "up" if vote.helpful else "down",
            "helpful": vote.helpful,
            "voter": vote.voter,
            "voted_at": vote.voted_at.astimezone(zone).isoformat(),
            "asked_by": vote.answer.asked_by,
            "channel": vote.answer.channel_id,
            "message_ts": vote.answer.message_id,
        } for vote in votes], ensure_ascii=False))
        return
    if not votes:
        what = "no thumbs down" if down_only else "no feedback"
        click.echo(f"{what} on answers{' since ' + since if since else ''} yet")
        return
    for vote in votes:
        when = vote.voted_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        click.echo(f"{when}  {'up  ' if vote.helpful else 'down'}  {vote.voter}  "
                   f"“{' '.join(vote.answer.question.split())}”")
        click.echo(f"    read as: {describe_query(vote.answer.query)}")


def _since(text: str, settings) -> datetime:
    """The moment `--since` names: a date (local midnight), a time, or a period's start."""
    from kpi_engine.periods import parse_period
    from kpi_engine.settings import workspace_now

    zone = ZoneInfo(settings.tz)
    try:
        return datetime.combine(date.fromisoformat(text.strip()), datetime.min.time(), zone)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.strip())
        return moment if moment.tzinfo else moment.replace(tzinfo=zone)
    except ValueError:
        pass
    try:
        return parse_period(text, now=workspace_now(settings), tz=settings.tz,
                            week_start=settings.week_start).start
    except UserError:
        raise UserError(f"--since {text!r} is not a date, a time or a period",
                        SINCE_EXAMPLES) from None


def _store(settings):
    from kpi_engine.question.feedback import FeedbackStore
    from kpi_engine.settings import workspace_now
    from kpi_engine.storage.database import open_database

    return FeedbackStore(open_database(settings.database_url), lambda: workspace_now(settings))
