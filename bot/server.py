"""Running the Slack app: over HTTP (Slack's events, commands and interactivity all on
`/slack/events`, plus `/healthz` for a proxy or an orchestrator) served by waitress, a
production WSGI server with a thread pool; or over Socket Mode when `SLACK_APP_TOKEN` is set,
for a laptop or a network Slack cannot reach."""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable, Iterable

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from kpi_engine.settings import Settings

logger = logging.getLogger("kpibot.slack")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
HTTP_THREADS = 16


def wsgi_application(app: App) -> Callable[[dict, Callable], Iterable[bytes]]:
    """`/slack/events` to Bolt, `/healthz` answers "ok", anything else 404."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == EVENTS_PATH:
            return slack(environ, start_response)
        if path == HEALTH_PATH:
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok\n"]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"kpibot listens on /slack/events\n"]

    return application


def serve(settings: Settings, *, host: str, port: int) -> None:
    """Run until interrupted (Ctrl-C or SIGTERM: a clean stop)."""
    from bot.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    signal.signal(signal.SIGTERM, _stop)
    app = create_app(settings)
    try:
        _run(app, settings, host=host, port=port)
    except KeyboardInterrupt:
        logger.info("kpibot: stopped")


def _stop(signum, frame) -> None:
    raise KeyboardInterrupt


def _run(app: App, settings: Settings, *, host: str, port: int) -> None:
    if settings.slack_app_token:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        logger.info("kpibot: connecting to Slack over Socket Mode")
        SocketModeHandler(app, settings.slack_app_token).start()
        return
    import waitress

    logger.info("kpibot: listening on http://%s:%d%s", host, port, EVENTS_PATH)
    waitress.serve(wsgi_application(app), host=host, port=port, threads=HTTP_THREADS,
                   ident="kpibot", _quiet=True)
