"""`kpibot doctor`: checks a deployment — the database, the Slack tokens and scopes, the
digests' channels, the scheduler's heartbeat, the helpdesk sync — one line per check, ✓ or ✗
and what to do (bot/doctor/). Exits 1 when something is wrong.
"""

from __future__ import annotations

import sys

import click

from bot.cli.options import slack_options


@click.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="The checks as JSON.")
@slack_options
def doctor_command(as_json, settings):
    """Check this deployment and say what to fix (exit 1 when something is wrong)."""
    from bot.doctor import healthy, render, run_checks

    checks = run_checks(settings)
    click.echo(render(checks, as_json=as_json))
    if not healthy(checks):
        sys.exit(1)
