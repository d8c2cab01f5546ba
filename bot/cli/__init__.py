"""The `kpibot` command line (interfaces.md): one module per command group — import
(importing.py), kpi, ask, demo, serve and scheduler (serve.py), digest (digests.py),
support-channel (support.py), calendar (calendar.py), feedback (feedback.py), sync and
import --from (sync.py), doctor (doctor.py), why (why.py); what they share (settings from
flags, errors) is options.py.

Every command takes --db, --tz and --now. Failures are one clear line on standard error, or
`{"error": ..., "suggestions": [...]}` on standard output with --json; an internal error is an
apology with an id, its traceback written to the error log — never a traceback on screen.
`main` is the console script's entry point (`kpibot`, `python -m bot`).
"""

from __future__ import annotations

import sys

import click

from bot.cli.ask import ask_command
from bot.cli.calendar import calendar_group
from bot.cli.demo import demo_command
from bot.cli.digests import digest_group
from bot.cli.doctor import doctor_command
from bot.cli.feedback import feedback_group
from bot.cli.importing import import_command
from bot.cli.kpi import kpi_command
from bot.cli.options import EXIT_INTERNAL, EXIT_USAGE, fail
from bot.cli.serve import scheduler_command, serve_command
from bot.cli.support import support_channel_group
from bot.cli.sync import sync_group
from bot.cli.why import why_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """kpibot: customer-support KPIs you can trust, from the command line and Slack."""


for _command in (import_command, kpi_command, ask_command, demo_command, serve_command,
                 digest_group, scheduler_command, support_channel_group, feedback_group):
    cli.add_command(_command)


cli.add_command(calendar_group)  # business hours: the calendars and the readings
cli.add_command(sync_group)  # helpdesks: kpibot sync zendesk|freshdesk|status
cli.add_command(doctor_command)  # checks a deployment: kpibot doctor
cli.add_command(why_command)  # a change explained by segment: kpibot why


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
