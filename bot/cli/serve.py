"""`kpibot serve` and `kpibot scheduler`: the Slack app over HTTP in several serving processes
(or Socket Mode when SLACK_APP_TOKEN is set) with the digest and alert scheduler beside it in
one process of its own, or the scheduler alone (bot/server.py).
"""

from __future__ import annotations

import click

from bot.cli.options import slack_options


@click.command("serve")
@click.option("--port", type=click.IntRange(1, 65535),
              help="HTTP port (KPIBOT_PORT, default 3000).")
@click.option("--host", help="Address to listen on (KPIBOT_HOST, default 0.0.0.0).")
@click.option("--processes", type=click.IntRange(1, 32),
              help="Serving processes over HTTP (KPIBOT_SERVE_PROCESSES, default: one per CPU "
                   "core, at most 4).")
@slack_options
def serve_command(port, host, processes, settings):
    """Run the Slack app: HTTP on /slack/events, or Socket Mode when SLACK_APP_TOKEN is set."""
    from bot.server import serve

    if processes:
        settings = settings.model_copy(update={"serve_processes": processes})
    serve(settings, host=host or settings.host, port=port or settings.port)


@click.command("scheduler")
@slack_options
def scheduler_command(settings):
    """Run the digest and alert scheduler alone (`kpibot serve` runs it too)."""
    from bot.server import run_scheduler

    run_scheduler(settings)
