"""`kpibot serve` with two serving processes, as its own process tree (bot/server.py): each
serving process has the edge and its answering process, the scheduler runs in one process of
its own (one heartbeat, not one per serving process), a signed mention is answered, a burst of
concurrent deliveries is acknowledged without a 5xx and each is claimed in the database, a
chunked body over the limit is refused, and SIGTERM — or Ctrl-C to the whole process group —
stops everything cleanly: exit 0, no traceback, no process left behind. Over Socket Mode,
`kpibot serve` is one process with the scheduler beside the app: it answers an envelope and
stops as cleanly.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from benchmarks.slack import _raw_request, send_raw
from bot.sandbox import signed_requests as slack_requests
from bot.sandbox.socket_mode_double import SocketModeDouble
from kpi_engine.storage.database import create_database_engine, migrate
from kpi_engine.storage.schema import handled_deliveries, scheduler_heartbeats
from tests.bot.conftest import CHANNEL, MEMBER, SECRET, TICKETS, posted_text
from tests.builders import add_tickets
from tests.e2e.conftest import _free_port, _wait_until_healthy
from tests.e2e.processes import alive, cmdline, descendants, wait_gone, wait_serving_ready

pytestmark = pytest.mark.slow

BURST = 200


@pytest.fixture
def two_processes(slack, tmp_path: Path):
    """`kpibot serve` with KPIBOT_SERVE_PROCESSES=2 in a session of its own (so Ctrl-C can be
    sent to its whole group), its log in a file, ready when every serving process is."""
    url = f"sqlite:///{tmp_path / 'kpibot.db'}"
    engine = create_database_engine(url)
    migrate(engine)
    add_tickets(engine, *TICKETS)
    port = _free_port()
    log = tmp_path / "serve.log"
    env = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SECRET,
           "SLACK_API_URL": slack.api_url, "KPIBOT_DATABASE_URL": url,
           "KPIBOT_NOW": "2026-11-22T14:05:00+00:00", "KPIBOT_TZ": "UTC",
           "KPIBOT_SERVE_PROCESSES": "2", "KPIBOT_ANSWER_PROCESSES": "2",
           "KPIBOT_ERROR_LOG": str(tmp_path / "errors.log")}
    env.pop("SLACK_APP_TOKEN", None)
    with open(log, "w") as stream:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=stream,
            start_new_session=True)
    try:
        _wait_until_healthy(f"http://127.0.0.1:{port}/healthz", process, timeout=60)
        serving = wait_serving_ready(process.pid, count=2)
        yield process, f"http://127.0.0.1:{port}", serving, engine, log
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
        engine.dispose()


def _scheduler_children(pid: int) -> list[int]:
    return [child for child in descendants(pid) if "scheduler_child" in cmdline(child)]


def _heartbeats(engine) -> list:
    with engine.connect() as connection:
        return connection.execute(sa.select(scheduler_heartbeats)).all()


def _wait(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def _burst(base: str, count: int) -> list[int]:
    """`count` signed deliveries sent at the same moment: their statuses."""
    host, port = base.removeprefix("http://").split(":")
    requests = []
    for index in range(count):
        event = slack_requests.reaction_added(user=MEMBER, reaction="eyes", channel=CHANNEL,
                                              item_ts=f"1.{index}", event_ts=f"2.{index}")
        payload = slack_requests.event_callback(event, event_id=f"EvBURST{index:05d}")
        requests.append(_raw_request(*slack_requests.signed(payload, SECRET)))
    barrier, statuses = threading.Barrier(count), [0] * count

    def send(index: int) -> None:
        barrier.wait()
        try:
            statuses[index] = send_raw(host, int(port), requests[index], timeout=30)
        except OSError:
            statuses[index] = 0

    threads = [threading.Thread(target=send, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_two_serving_processes_one_scheduler_a_burst_and_a_clean_stop(two_processes, slack):
    process, base, serving, engine, log = two_processes
    # the tree: two serving processes with an answering process each, one scheduler
    assert len(serving) == 2
    [scheduler] = _scheduler_children(process.pid)
    assert all("spawn_main" in " ".join(cmdline(p) for p in descendants(s)) for s in serving)
    _wait(lambda: len(_heartbeats(engine)) == 1)
    [beat] = _heartbeats(engine)
    assert beat.pid == scheduler  # the scheduler process's, not a serving process's

    event = slack_requests.app_mention("what was FCR last week for tier 1?", user=MEMBER,
                                       channel=CHANNEL, ts="910.1")
    body, headers = slack_requests.signed(slack_requests.event_callback(event), SECRET)
    assert slack_requests.post(f"{base}/slack/events", body, headers)[0] == 200
    answer = slack.wait_for("chat.postMessage", lambda c: c.params.get("thread_ts") == "910.1",
                            timeout=30)
    assert "75.0%" in posted_text(answer)

    statuses = _burst(base, BURST)
    assert statuses == [200] * BURST, {s: statuses.count(s) for s in set(statuses)}
    with engine.connect() as connection:
        claimed = connection.execute(sa.select(sa.func.count()).select_from(handled_deliveries)
                                     .where(handled_deliveries.c.key.like("event:EvBURST%"))
                                     ).scalar()
    assert claimed == BURST  # each delivery went through the at-most-once middleware

    tree = descendants(process.pid)
    process.send_signal(signal.SIGTERM)
    assert process.wait(90) == 0
    assert wait_gone(tree) == []
    text = log.read_text()
    assert "Traceback" not in text
    assert "kpibot scheduler: stopped" in text and "Shutting down: Master" in text
    assert len(_heartbeats(engine)) == 1  # one scheduler ran, not one per serving process


def test_a_chunked_body_over_the_limit_is_refused(two_processes):
    process, base, *_ = two_processes
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(b"POST /slack/events HTTP/1.1\r\nHost: kpibot\r\n"
                           b"Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n")
        chunk = b"x" * 65536
        try:
            for _ in range(40):  # 2.5 MiB
                connection.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        except OSError:
            pass  # refused and closed while sending
        status = connection.recv(200).split(b"\r\n")[0]
    assert b" 413 " in status + b" "


def test_ctrl_c_to_the_whole_group_stops_everything_cleanly(two_processes):
    process, _, _, _, log = two_processes
    _wait(lambda: bool(_scheduler_children(process.pid)))
    tree = descendants(process.pid)
    assert len(tree) >= 5  # 2 serving, 2 answering, 1 scheduler (and their helpers)
    os.killpg(process.pid, signal.SIGINT)
    assert process.wait(90) == 0
    assert wait_gone(tree) == [], [cmdline(pid) for pid in tree if alive(pid)]
    assert "Traceback" not in log.read_text()


def test_socket_mode_serve_answers_an_envelope_and_stops_cleanly(slack, tmp_path):
    url = f"sqlite:///{tmp_path / 'kpibot.db'}"
    engine = create_database_engine(url)
    migrate(engine)
    add_tickets(engine, *TICKETS)
    engine.dispose()
    env = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_APP_TOKEN": slack.app_token,
           "SLACK_API_URL": slack.api_url, "KPIBOT_DATABASE_URL": url,
           "KPIBOT_NOW": "2026-11-22T14:05:00+00:00", "KPIBOT_TZ": "UTC",
           "KPIBOT_ERROR_LOG": str(tmp_path / "errors.log")}
    env.pop("SLACK_SIGNING_SECRET", None)
    log = tmp_path / "serve.log"
    with SocketModeDouble(slack) as socket_mode, open(log, "w") as stream:
        process = subprocess.Popen([sys.executable, "-m", "bot", "serve"], env=env,
                                   cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=stream)
        try:
            socket_mode.wait_connected(timeout=60)
            event = slack_requests.app_mention("what was FCR last week for tier 1?",
                                               user=MEMBER, channel=CHANNEL, ts="920.1")
            envelope = socket_mode.deliver(slack_requests.event_callback(event))
            assert envelope.wait_ack(15) == {"envelope_id": envelope.envelope_id}
            answer = slack.wait_for("chat.postMessage",
                                    lambda c: c.params.get("thread_ts") == "920.1", timeout=30)
            assert "75.0%" in posted_text(answer)
            tree = descendants(process.pid)
            process.send_signal(signal.SIGTERM)
            assert process.wait(90) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(10)
    assert wait_gone(tree) == []
    assert socket_mode.problems == []
    text = log.read_text()
    assert "Traceback" not in text and "kpibot: stopped" in text
