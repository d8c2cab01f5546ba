"""`kpibot demo`: a demo database made and the main job shown end to end — questions answered
from the demo desk, then a support conversation through the real Slack app against the Slack
double (bot/sandbox).
"""

from __future__ import annotations

import click

from bot.cli.options import slack_options


@click.command("demo")
@click.option("--tickets", "ticket_count", type=click.IntRange(min=100), default=20_000,
              show_default=True, help="How many tickets the demo desk has.")
@slack_options
def demo_command(ticket_count, settings):
    """Make a demo database and show the main job end to end."""
    from bot.sandbox.conversation_demo import run_conversation_demo
    from kpi_engine.samples.demo import run_demo
    from kpi_engine.storage.database import open_database

    run_demo(settings, tickets=ticket_count, echo=click.echo)
    click.echo("")
    run_conversation_demo(settings, open_database(settings.database_url), click.echo)
