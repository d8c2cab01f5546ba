"""Running the Slack app.

Over HTTP (`kpibot serve`): Slack's events, commands and interactivity all on `/slack/events`,
plus `/healthz` for a proxy or an orchestrator, every request through the edge of
bot/edge.py first — served by gunicorn, a pre-forking WSGI server, with
KPIBOT_SERVE_PROCESSES serving processes (default: one per CPU core, at most four). Why
gunicorn with gthread workers: a burst (a thousand survey clicks at once, each stored before
it is acknowledged) is CPU-bound Python, which one process serves one request at a time
whatever its threads — several processes share it out over the cores; its gthread workers
keep a pool of threads per process for the requests that wait on the database, and accept
connections beyond the pool into a queue instead of refusing them; the arbiter restarts a
worker that dies, stops them gracefully on SIGTERM (requests in flight finish) and quickly on
SIGINT; it reads no configuration file or command line of its own here (everything is set
in bot/prefork.py); and it is the most used such server for Python on Linux, kept up to date.

The processes of `kpibot serve` over HTTP:

    kpibot serve            the arbiter: binds the port, starts and watches the rest
    ├─ scheduler            the digests, alerts, surveys and heartbeat (`scheduler_child`):
    │                       one process, never one per serving process; restarted if it dies
    ├─ serving process × N  a fork of the arbiter: the edge and the Bolt app, built in the
    │  └─ answering × M     process after the fork; the worker processes that answer
    └─ …                    (KPIBOT_ANSWER_PROCESSES shared out among the serving processes)

Before anything is forked, the arbiter checks what would make every process fail — the
settings, the database (migrated here, once) and the bot token — and says so in one line.
Every process below exits with its parent: nothing is left behind by a killed `serve`.

Over Socket Mode (when SLACK_APP_TOKEN is set, for a laptop or a network Slack cannot reach):
one process, the Bolt app on `SocketModeHandler` with the scheduler beside it. `run_scheduler`
runs the scheduler alone (`kpibot scheduler`).
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
import sys
import threading
import time

from bot.logs import configure_logging
from bot.settings import BotSettings, check_slack_settings

logger = logging.getLogger("kpibot.slack")


def serve(settings: BotSettings, *, host: str, port: int) -> None:
    """Run until stopped (Ctrl-C, SIGTERM or SIGINT: a clean stop)."""
    configure_logging()
    if settings.slack_app_token:
        serve_socket_mode(settings)
    else:
        serve_http(settings, host=host, port=port)


# ------------------------------------------------------------------------ HTTP, pre-forked


def serve_http(settings: BotSettings, *, host: str, port: int) -> None:
    """The HTTP edge and the app in `settings.serve_processes` processes, and the scheduler in
    one more (unless KPIBOT_SCHEDULER=false)."""
    from bot.prefork import KpibotServer

    check_slack_settings(settings)
    preflight(settings)
    KpibotServer(settings, host=host, port=port, processes=settings.serve_processes).run()


def preflight(settings: BotSettings) -> None:
    """What would make every process fail, checked once with a clear message: the database
    reachable (and migrated, here rather than in each process) and the bot token valid."""
    from kpi_engine.storage.database import open_database

    open_database(settings.database_url).dispose()  # nothing of it may be shared by a fork
    _check_token(settings)


def _check_token(settings: BotSettings, client=None) -> None:
    from slack_sdk.errors import SlackApiError, SlackClientError

    from bot.deps import slack_client
    from kpi_engine.errors import UserError

    client = client or slack_client(settings)
    try:
        answer = client.auth_test()
    except SlackApiError as error:
        raise UserError(f"Slack refused the bot token: {error.response.get('error')}",
                        ["check SLACK_BOT_TOKEN (xoxb-…)", "kpibot doctor"]) from None
    except (SlackClientError, OSError) as error:
        raise UserError(f"cannot reach Slack at {settings.slack_api_url}: {error}",
                        ["check the network and SLACK_API_URL"]) from None
    warn_of_missing_scopes(answer.headers)


def warn_of_missing_scopes(headers) -> None:
    """A scope the manifest asks for and the token lacks (an app not reinstalled after an
    upgrade added one) stops nothing else: one warning line says which, why and what to do."""
    from bot.doctor.scopes import granted_scopes, lacking_sentence, missing_scopes

    granted = granted_scopes(headers)
    missing = [] if granted is None else missing_scopes(granted)
    if missing:
        logger.warning("kpibot: %s", lacking_sentence(missing))


# ------------------------------------------------------------------------ the scheduler


def scheduler_child() -> None:
    """The scheduler process of `kpibot serve`: its settings from standard input, then
    `run_scheduler` until SIGTERM or SIGINT; it exits if `serve` dies."""
    from kpi_engine.errors import UserError

    fields = pickle.loads(sys.stdin.buffer.read())
    settings = BotSettings(_env_file=None, **fields)
    exit_with_parent(os.getppid())
    try:
        run_scheduler(settings)
    except UserError as error:
        configure_logging()
        logger.error("kpibot scheduler: %s", error.message)
        sys.exit(1)


def exit_with_parent(parent: int) -> None:
    """Exit at once when the process that started this one is gone (killed, crashed)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="kpibot-parent-watch", daemon=True).start()


def start_scheduler(settings: BotSettings, client=None):
    """The digest and alert scheduler of this process, started."""
    from bot.deps import slack_client
    from bot.posting.survey_posting import SurveyPoster
    from bot.scheduler import DigestScheduler
    from bot.services import DigestServices, SupportServices

    client = client or slack_client(settings)
    _check_token(settings, client)
    digests = DigestServices.build(settings)
    surveys = SurveyPoster(SupportServices.build(settings, engine=digests.engine), client)
    scheduler = DigestScheduler(digests, client, surveys=surveys)
    scheduler.start()
    return scheduler


def run_scheduler(settings: BotSettings) -> None:
    """`kpibot scheduler`: only the digests and alerts, until interrupted."""
    check_slack_settings(settings, signing_secret=False)
    configure_logging()
    signal.signal(signal.SIGTERM, _stop)
    scheduler = start_scheduler(settings)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        logger.info("kpibot scheduler: stopped")
    finally:
        scheduler.shutdown()


def _stop(signum, frame) -> None:
    raise KeyboardInterrupt


# ------------------------------------------------------------------------ Socket Mode


def serve_socket_mode(settings: BotSettings) -> None:
    """One process: the app over Socket Mode (Slack's WebSocket, opened with the app-level
    token), and the scheduler beside it unless KPIBOT_SCHEDULER=false."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import create_app
    from bot.prefork import acknowledge_in_request_threads

    signal.signal(signal.SIGTERM, _stop)
    app = acknowledge_in_request_threads(create_app(settings))
    scheduler = start_scheduler(settings, app.client) if settings.run_scheduler else None
    handler = SocketModeHandler(app, settings.slack_app_token, web_client=app.client)
    try:
        logger.info("kpibot: connecting to Slack over Socket Mode")
        handler.connect()
        threading.Event().wait()
    except KeyboardInterrupt:
        logger.info("kpibot: stopped")
    finally:
        handler.close()
        if scheduler is not None:
            scheduler.shutdown()
