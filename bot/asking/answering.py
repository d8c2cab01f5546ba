"""Where a question is answered once Slack's request is acknowledged.

- `InThreadAnswering` answers on the listener's own thread (Bolt's pool): for tests, which
  inject an engine or slow a part down, and for small installs.
- `WorkerProcessAnswering` hands the question to a pool of worker processes (what `kpibot serve`
  uses), and the work that follows an acknowledgement too (a survey's next question). Queries,
  Block Kit, charts and Slack calls then run beside the process that acknowledges Slack's
  requests, not inside it, so an acknowledgement never waits for the interpreter lock behind a
  chart or a result being read. Each worker opens the database and its own Slack client once, at
  start, and draws a first chart so the first question does not pay for loading matplotlib.
  The client comes from the factory it is given (`bot.deps.slack_client`), so nothing here
  reaches up to the app or its dependencies.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Protocol

from slack_sdk import WebClient

from bot.asking.asking import Attachments, Question, answer_question, attach_files
from bot.services import AskingServices, SupportServices
from bot.settings import BotSettings

logger = logging.getLogger("kpibot.slack")

# Makes the Web API client of a process from its settings (a module-level function: a worker
# process is sent its name).
ClientFactory = Callable[[BotSettings], WebClient]

# Workers yield the CPU to the serving process: an acknowledgement is due within 3 s (we aim at
# milliseconds), an answer within a second.
WORKER_NICENESS = 10


class Answering(Protocol):
    def submit(self, client: WebClient, question: Question) -> None:
        """Answer `question` (now or soon); never raises for the question's sake."""

    def follow_up(self, task: Callable[..., object], *args) -> None:
        """Run `task(support_services, client, *args)` — work that follows an acknowledgement,
        such as moving a survey to its next question — where answers are worked out. `task`
        is a module-level function (a worker process is sent its name) and never raises."""

    def close(self) -> None:
        """Finish what was submitted and release the workers."""


class InThreadAnswering:
    def __init__(self, services: AskingServices, support: SupportServices,
                 client: WebClient) -> None:
        self.services = services
        self.support = support
        self.client = client

    def submit(self, client: WebClient, question: Question) -> None:
        answer_question(self.services, client, question)

    def follow_up(self, task: Callable[..., object], *args) -> None:
        task(self.support, self.client, *args)

    def close(self) -> None:
        pass


class WorkerProcessAnswering:
    def __init__(self, settings: BotSettings, processes: int, *,
                 client_factory: ClientFactory) -> None:
        self._pool = ProcessPoolExecutor(
            max_workers=processes,
            mp_context=multiprocessing.get_context("spawn"),  # no fork of a threaded process
            initializer=_start_worker,
            initargs=(settings.model_dump(), client_factory),
        )
        # Start every worker now (each submit with no idle worker starts one) and wait until
        # they are ready, so the first questions are as fast as the rest.
        for started in [self._pool.submit(_ready) for _ in range(processes)]:
            started.result()

    def submit(self, client: WebClient, question: Question) -> None:
        self._pool.submit(_answer_in_worker, question).add_done_callback(self._answered)

    def follow_up(self, task: Callable[..., object], *args) -> None:
        try:
            self._pool.submit(_follow_up_in_worker, task, args)
        except RuntimeError:  # shutting down
            logger.info("stopped before a follow-up ran")

    def _answered(self, future: Future) -> None:
        """Charts and tables queue behind the answers submitted meanwhile: a chart is welcome
        a moment later, an answer is awaited."""
        error = future.exception()
        if error is not None:  # answer_question never raises: the worker itself failed
            logger.error("an answering worker failed: %r", error)
        elif isinstance(future.result(), Attachments):
            try:
                self._pool.submit(_attach_in_worker, future.result())
            except RuntimeError:  # shutting down: the answer is posted, the chart is not
                logger.info("stopped before a chart was drawn")

    def close(self) -> None:
        self._pool.shutdown(wait=True)


# The state of one worker process, set once by its initializer: a process-local cache, the
# usual shape of a ProcessPoolExecutor worker (it is never touched in the serving process).
_worker: dict[str, Any] = {}


def _start_worker(settings_fields: dict, client_factory: ClientFactory) -> None:
    import os
    import signal

    os.nice(WORKER_NICENESS)
    # Ctrl-C reaches every process of the terminal's group: the serving process stops its
    # workers itself (they finish what they were given), a worker is not interrupted mid-way.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent(os.getppid())
    settings = BotSettings(_env_file=None, **settings_fields)
    _worker["settings"] = settings
    _worker["services"] = AskingServices.build(settings)
    _worker["client"] = client_factory(settings)
    _warm_charts()


def _exit_with_parent(parent: int) -> None:
    """A worker whose serving process died (killed, crashed) exits instead of lingering."""
    import os
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="kpibot-parent-watch", daemon=True).start()


def _warm_charts() -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(1, 1))
    figure.add_subplot().plot([0, 1], [0, 1])
    FigureCanvasAgg(figure).draw()


def _ready() -> bool:
    import time

    time.sleep(0.2)  # long enough that the next warm-up submit finds this worker busy
    return "services" in _worker


def _follow_up_in_worker(task: Callable[..., object], args: tuple) -> None:
    if "support" not in _worker:
        engine = _worker["services"].answerer.engine
        _worker["support"] = SupportServices.build(_worker["settings"], engine=engine)
    task(_worker["support"], _worker["client"], *args)


def _answer_in_worker(question: Question) -> Attachments | None:
    outcome = answer_question(_worker["services"], _worker["client"], question, attach=False)
    return outcome if isinstance(outcome, Attachments) else None


def _attach_in_worker(wanted: Attachments) -> None:
    attach_files(_worker["services"], _worker["client"], wanted)
