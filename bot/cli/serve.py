"""`kpibot serve` and `kpibot scheduler`: the Slack app over HTTP (or Socket Mode when
SLACK_APP_TOKEN is set) with the digest and alert scheduler beside it, or the scheduler alone.
"""

from __future__ import annotations

import click

from bot.cli.options import slack_options


@click.command("serve")
@click.option("--port", type=click.IntRange(1, 65535),
              help="HTTP port (KPIBOT_PORT, default 3000).")
@click.option("--host", help="Address to listen on (KPIBOT_HOST, default 0.0.0.0).")
@slack_options
def serve_command(port, host, settings):
    """Run the Slack app: HTTP on /slack/events, or Socket Mode when SLACK_APP_TOKEN is set."""
    from bot.server import serve

    serve(settings, host=host or settings.host, port=port or settings.port)


@click.command("scheduler")
@slack_options
def scheduler_command(settings):
    """Run the digest and alert scheduler alone (`kpibot serve` runs it too)."""
    from bot.server import run_scheduler

    run_scheduler(settings)
