"""Fixtures for the end-to-end tests: the Slack double of the Slack tests (tests/bot/conftest.py)
and `served`, a `kpibot serve` process on the Slack tests' desk, its Web API client pointed at
the double, healthy before the test starts and killed after it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from kpi_engine.storage.database import create_database_engine, migrate
from tests.bot.conftest import SECRET, TICKETS, slack  # noqa: F401 (the fixture)
from tests.builders import add_tickets


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_healthy(url: str, process: subprocess.Popen, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"kpibot serve exited: {process.stderr.read().decode()}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("kpibot serve did not come up")


@pytest.fixture
def served(slack, tmp_path: Path):  # noqa: F811 (the fixture imported above)
    database_url = f"sqlite:///{tmp_path / 'kpibot.db'}"
    engine = create_database_engine(database_url)
    migrate(engine)
    add_tickets(engine, *TICKETS)
    engine.dispose()
    port = _free_port()
    env = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SECRET,
           "SLACK_API_URL": slack.api_url, "KPIBOT_DATABASE_URL": database_url,
           "KPIBOT_NOW": "2026-11-22T14:05:00+00:00", "KPIBOT_TZ": "UTC",
           "KPIBOT_ERROR_LOG": str(tmp_path / "errors.log")}
    env.pop("SLACK_APP_TOKEN", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _wait_until_healthy(f"http://127.0.0.1:{port}/healthz", process)
        yield f"http://127.0.0.1:{port}", process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)
