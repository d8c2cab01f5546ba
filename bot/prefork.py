"""`kpibot serve` over HTTP, pre-forked (bot/server.py says why and what runs where): gunicorn
configured here — its application (`KpibotServer`), its arbiter with the scheduler process
beside the serving processes (`ServingArbiter`), its log in kpibot's one-line format — and
acknowledgements made in the request's own thread (`acknowledge_in_request_threads`).

Acknowledging in the request's thread: Bolt runs a listener with an acknowledgement function
(a button, a command, a modal) on its listener pool while the request's thread polls every
10 ms for the `ack()`; in a burst of a thousand survey clicks that hop and that polling cost
as much CPU as storing the answers. kpibot's acknowledgement functions are short — they
store what must be stored, call `ack()` and hand any slow work on (lazy listeners, the
answering processes) — so they run in the request's thread instead, as Bolt's own
`process_before_response` does; events are acknowledged at once and handled on the pool as
before. An exception after `ack()` keeps the acknowledgement and is logged, as on the pool.
"""

from __future__ import annotations

import gc
import logging
import os
import pickle
import subprocess
import sys
import time

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from gunicorn.glogging import Logger
from slack_bolt import App, BoltResponse
from slack_bolt.listener.thread_runner import ThreadListenerRunner

from bot.edge import EVENTS_PATH, wsgi_application
from bot.logs import LOG_FORMAT, OneLineFormatter
from bot.settings import BotSettings

logger = logging.getLogger("kpibot.slack")

HTTP_THREADS = 16  # request threads of each serving process
BACKLOG = 2048  # connections waiting to be accepted: a burst queues here, it is not refused
WORKER_CONNECTIONS = 1000  # connections a serving process holds at once
WORKER_TIMEOUT = 60  # seconds a serving process may go silent before it is restarted
GRACEFUL_SECONDS = 30  # on SIGTERM, how long requests in flight may take to finish
KEEPALIVE_SECONDS = 5
SCHEDULER_STOP_SECONDS = 75  # the scheduler waits up to 60 s for a digest being posted
SCHEDULER_RESTART_SECONDS = 10  # at most one restart of a dead scheduler this often


def answer_processes_each(settings: BotSettings) -> int:
    """KPIBOT_ANSWER_PROCESSES shared out among the serving processes: at least one each
    (none when it is 0: answers are worked out in the request threads)."""
    if settings.answer_processes == 0:
        return 0
    return max(1, settings.answer_processes // settings.serve_processes)


def start_scheduler_process(settings: BotSettings) -> subprocess.Popen:
    """`scheduler_child` in a new interpreter (not a fork: the arbiter forks the serving
    processes and must hold no thread), sent the settings on its standard input."""
    child = subprocess.Popen(
        [sys.executable, "-c", "from bot.server import scheduler_child; scheduler_child()"],
        stdin=subprocess.PIPE, close_fds=True)
    child.stdin.write(pickle.dumps(settings.model_dump()))
    child.stdin.close()
    return child


def stop_scheduler(child: subprocess.Popen | None) -> None:
    """Stop the scheduler process: SIGTERM (the digest being posted finishes), then SIGKILL."""
    if child is None or child.poll() is not None:
        return
    child.terminate()
    try:
        child.wait(SCHEDULER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        logger.warning("kpibot: the scheduler did not stop in %d s: killed",
                       SCHEDULER_STOP_SECONDS)
        child.kill()
        child.wait()


class KpibotServer(BaseApplication):
    """gunicorn, configured here and nowhere else: `kpibot serve`'s own settings only (no
    gunicorn.conf.py, no GUNICORN_CMD_ARGS), gthread workers, the scheduler beside them."""

    def __init__(self, settings: BotSettings, *, host: str, port: int, processes: int) -> None:
        self.settings = settings
        self.options = {
            "bind": f"{host}:{port}",
            "workers": processes,
            "worker_class": "gthread",
            "threads": HTTP_THREADS,
            "worker_connections": WORKER_CONNECTIONS,
            "backlog": BACKLOG,
            "timeout": WORKER_TIMEOUT,
            "graceful_timeout": GRACEFUL_SECONDS,
            "keepalive": KEEPALIVE_SECONDS,
            "proc_name": "kpibot",
            "loglevel": "info",
            "errorlog": "-",
            "accesslog": None,  # no line per request: a burst would flood the log
            "logger_class": ServerLog,
            "control_socket_disable": True,  # gunicorn ≥ 25: no runtime control socket
            "when_ready": _when_ready,
        }
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:  # a setting this gunicorn does not know is left out
                self.cfg.set(key, value)

    def load(self):
        """In each serving process, after the fork: the Bolt app behind the edge."""
        from bot.app import create_app
        from kpi_engine.errors import UserError

        settings = self.settings.model_copy(update={
            "answer_processes": answer_processes_each(self.settings), "run_scheduler": False})
        try:
            app = create_app(settings)
        except UserError as error:
            logger.error("kpibot: %s", error.message)
            sys.exit(3)  # gunicorn's "worker failed to boot": it stops instead of looping
        acknowledge_in_request_threads(app)
        # What the app holds lives as long as the process: out of the collector's sight, a
        # burst's collections do not walk it again and again.
        gc.collect()
        gc.freeze()
        logger.info("kpibot: serving process %d ready", os.getpid())
        return wsgi_application(app, settings.slack_signing_secret or "")

    def run(self) -> None:
        ServingArbiter(self).run()


class ServingArbiter(Arbiter):
    """gunicorn's arbiter, which also runs the scheduler process: started once the port is
    bound, restarted when it dies (at most every SCHEDULER_RESTART_SECONDS), stopped after the
    serving processes. Its exit is collected here before gunicorn's collection of any child
    would take it."""

    def __init__(self, app: KpibotServer) -> None:
        super().__init__(app)
        self.settings = app.settings
        self.scheduler: subprocess.Popen | None = None
        self.scheduler_started = 0.0
        self.stopping = False

    def start(self) -> None:
        super().start()
        if self.settings.run_scheduler:
            self._start_scheduler()

    def manage_workers(self) -> None:
        super().manage_workers()
        if self.scheduler is None or self.stopping:
            return
        code = self.scheduler.poll()
        if code is not None and time.monotonic() - self.scheduler_started > \
                SCHEDULER_RESTART_SECONDS:
            logger.warning("kpibot: the scheduler stopped (exit status %s): starting it again",
                           code)
            self._start_scheduler()

    def reap_workers(self) -> None:
        if self.scheduler is not None:
            self.scheduler.poll()  # its own status, before gunicorn reaps every child
        super().reap_workers()

    def stop(self, graceful: bool = True) -> None:
        self.stopping = True
        super().stop(graceful)
        stop_scheduler(self.scheduler)

    def _start_scheduler(self) -> None:
        self.scheduler = start_scheduler_process(self.settings)
        self.scheduler_started = time.monotonic()


def _when_ready(arbiter) -> None:
    logger.info("kpibot: listening on http://%s%s with %d serving process(es)",
                arbiter.cfg.bind[0], EVENTS_PATH, arbiter.cfg.workers)


class ServerLog(Logger):
    """gunicorn's log in kpibot's one-line format; a malformed request is logged without the
    text of the request (gunicorn would quote the bad line or header a client sent)."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(OneLineFormatter(LOG_FORMAT))
            handler.addFilter(_without_client_text)


def _without_client_text(record: logging.LogRecord) -> bool:
    message = record.getMessage()
    if message.startswith("Invalid request from ip="):
        record.msg, record.args = message.split(":", 1)[0] + ": refused (malformed)", ()
    return True


class AckInRequestThread(ThreadListenerRunner):
    """Bolt's listener runner, with acknowledgement functions run in the request's thread."""

    def run(self, request, response, listener_name, listener, starting_time=None):
        if listener.auto_acknowledgement or request.lazy_only:
            return super().run(request, response, listener_name, listener, starting_time)
        ack = request.context.ack
        try:
            self.listener_start_handler.handle(request=request, response=response)
            listener.run_ack_function(request=request, response=response)
        except Exception as error:
            failed = BoltResponse(status=500) if ack.response is None else None
            self.listener_error_handler.handle(error=error, request=request, response=failed)
            if ack.response is None:
                ack.response = failed
        finally:
            self.listener_completion_handler.handle(request=request, response=response)
        for lazy in listener.lazy_functions:
            self._start_lazy_function(lazy, request)
        if ack.response is None:
            logger.warning("listener %s did not acknowledge the request", listener_name)
        return ack.response


def acknowledge_in_request_threads(app: App) -> App:
    """`app` with its listener runner replaced by `AckInRequestThread` (sharing its handlers
    and pools); left as it is by a Bolt whose runner is not the one this knows."""
    runner = getattr(app, "_listener_runner", None)
    if type(runner) is ThreadListenerRunner:
        inline = AckInRequestThread.__new__(AckInRequestThread)
        inline.__dict__.update(runner.__dict__)
        app._listener_runner = inline
    else:
        logger.info("kpibot: Bolt's listener runner is %s: acknowledging on its pool",
                    type(runner).__name__)
    return app
