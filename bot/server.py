"""Running the Slack app: over HTTP (Slack's events, commands and interactivity all on
`/slack/events`, plus `/healthz` for a proxy or an orchestrator; every request through the
edge of bot/edge.py first) served by waitress, a production WSGI server with a thread pool;
or over Socket Mode when `SLACK_APP_TOKEN` is set, for a laptop or a network Slack cannot
reach. `serve` also runs the digest and alert
scheduler (unless KPIBOT_SCHEDULER=false); `run_scheduler` runs it alone."""

from __future__ import annotations

import logging
import signal
import threading

from slack_bolt import App

from bot.edge import EVENTS_PATH, MAX_BODY_BYTES, wsgi_application
from bot.logs import configure_logging
from bot.settings import BotSettings, check_slack_settings

logger = logging.getLogger("kpibot.slack")

HTTP_THREADS = 16
BACKLOG = 2048


def serve(settings: BotSettings, *, host: str, port: int) -> None:
    """Run until interrupted (Ctrl-C or SIGTERM: a clean stop)."""
    from bot.app import create_app

    configure_logging()
    signal.signal(signal.SIGTERM, _stop)
    app = create_app(settings)
    scheduler = start_scheduler(settings, app.client) if settings.run_scheduler else None
    try:
        _run(app, settings, host=host, port=port)
    except KeyboardInterrupt:
        logger.info("kpibot: stopped")
    finally:
        if scheduler is not None:
            scheduler.shutdown()


def start_scheduler(settings: BotSettings, client=None):
    """The digest and alert scheduler of this process, started."""
    from slack_sdk.errors import SlackApiError, SlackClientError

    from bot.deps import slack_client
    from bot.posting.survey_posting import SurveyPoster
    from bot.scheduler import DigestScheduler
    from bot.services import DigestServices, SupportServices
    from kpi_engine.errors import UserError

    client = client or slack_client(settings)
    try:
        client.auth_test()
    except SlackApiError as error:
        raise UserError(f"Slack refused the bot token: {error.response.get('error')}",
                        ["check SLACK_BOT_TOKEN (xoxb-…)"]) from None
    except (SlackClientError, OSError) as error:
        raise UserError(f"cannot reach Slack at {settings.slack_api_url}: {error}",
                        ["check the network and SLACK_API_URL"]) from None
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


def _run(app: App, settings: BotSettings, *, host: str, port: int) -> None:
    if settings.slack_app_token:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        logger.info("kpibot: connecting to Slack over Socket Mode")
        SocketModeHandler(app, settings.slack_app_token).start()
        return
    import waitress

    logger.info("kpibot: listening on http://%s:%d%s", host, port, EVENTS_PATH)
    application = wsgi_application(app, settings.slack_signing_secret or "")
    # In a burst (a thousand survey clicks) the connections past waitress's limit wait in the
    # listening socket's backlog, where they cost nothing (accepted, each would be polled on
    # every turn of waitress's loop); and no warning is logged per request of a deep queue.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    # waitress reads a whole body before calling the application: its limit stops an oversized
    # one while it is read (413), the edge's check stops one that declares its size.
    waitress.serve(application, host=host, port=port, threads=HTTP_THREADS, backlog=BACKLOG,
                   max_request_body_size=MAX_BODY_BYTES, ident="kpibot", _quiet=True)
