"""`kpibot sync zendesk` as a real process against the Zendesk double: killed with SIGKILL
after its first page was written (while it waits for the second), a second run resumes from
the stored cursor and finishes — every ticket once; and a refused token ends the process at
once with one sentence and a non-zero exit status.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.sandbox.zendesk_double import ZendeskDouble, zendesk_desk
from kpi_engine.ingest.helpdesk import read_cursor
from kpi_engine.storage.database import create_database_engine, migrate
from kpi_engine.storage.schema import tickets

pytestmark = pytest.mark.slow

EXPORT = ZendeskDouble.EXPORT


def _sync(double: ZendeskDouble, database_url: str, tmp_path: Path, *,
          token: str = "zd-token") -> subprocess.Popen:
    env = {**os.environ, "KPIBOT_DATABASE_URL": database_url, "ZENDESK_URL": double.url,
           "ZENDESK_EMAIL": "lead@acme.example", "ZENDESK_API_TOKEN": token,
           "KPIBOT_ERROR_LOG": str(tmp_path / "errors.log")}
    return subprocess.Popen([sys.executable, "-m", "bot", "sync", "zendesk"], env=env,
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _stored(engine) -> list[str]:
    with engine.connect() as connection:
        return [row[0] for row in connection.execute(sa.select(tickets.c.id))]


def test_a_sync_killed_after_its_first_page_resumes_and_takes_every_ticket_once(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'kpibot.db'}"
    engine = create_database_engine(database_url)
    migrate(engine)
    with ZendeskDouble(page_size=10, desk=zendesk_desk(30)) as double:
        second_page = double.hold(lambda path, query: path == EXPORT and "cursor" in query)
        first = _sync(double, database_url, tmp_path)
        try:
            assert second_page.arrived.wait(30), first.communicate(timeout=5)
            first.send_signal(signal.SIGKILL)
            assert first.wait(10) == -signal.SIGKILL
        finally:
            second_page.release.set()
            if first.poll() is None:
                first.kill()
        # the first page and its cursor were written together, nothing of the second
        assert sorted(_stored(engine), key=int) == [str(n) for n in range(1, 11)]
        cursor = read_cursor(engine, "zendesk", "tickets")
        assert cursor == {"cursor": second_page_cursor(double)}

        runs_before = len(double.paths(EXPORT))
        second = _sync(double, database_url, tmp_path)
        out, err = second.communicate(timeout=60)
        assert second.returncode == 0, err
        resumed = double.paths(EXPORT)[runs_before:]
        assert resumed[0].query["cursor"] == cursor["cursor"]  # not start_time: resumed
        assert "start_time" not in resumed[0].query
    ids = _stored(engine)
    assert sorted(ids, key=int) == [str(n) for n in range(1, 31)]  # every ticket once
    assert "Zendesk tickets: 2 pages" in out
    engine.dispose()


def second_page_cursor(double: ZendeskDouble) -> str:
    """The cursor the held request (the second page's) asked with."""
    return next(r.query["cursor"] for r in double.paths(EXPORT) if "cursor" in r.query)


def test_a_refused_token_ends_the_process_with_one_sentence(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'kpibot.db'}"
    with ZendeskDouble(desk=zendesk_desk(3)) as double:
        process = _sync(double, database_url, tmp_path, token="revoked")
        out, err = process.communicate(timeout=60)
        assert len(double.requests) == 1
    assert process.returncode == 1
    assert out == ""
    assert err == ("kpibot: Zendesk refused the API token (401 Unauthorized): check "
                   "ZENDESK_EMAIL and ZENDESK_API_TOKEN (an agent's or admin's API token, with "
                   "token access on in the Admin Center)\n")


def test_kpibot_serve_syncs_a_configured_helpdesk_by_itself(slack, tmp_path):
    """`kpibot serve` over HTTP, Zendesk configured: its scheduler process pulls the tickets at
    start, without a command."""
    from tests.bot.conftest import SECRET
    from tests.e2e.conftest import _free_port, _wait_until_healthy

    database_url = f"sqlite:///{tmp_path / 'kpibot.db'}"
    engine = create_database_engine(database_url)
    migrate(engine)
    port = _free_port()
    with ZendeskDouble(page_size=5, desk=zendesk_desk(12)) as double:
        env = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SECRET,
               "SLACK_API_URL": slack.api_url, "KPIBOT_DATABASE_URL": database_url,
               "ZENDESK_URL": double.url, "ZENDESK_EMAIL": "lead@acme.example",
               "ZENDESK_API_TOKEN": "zd-token", "KPIBOT_ERROR_LOG": str(tmp_path / "errors.log")}
        env.pop("SLACK_APP_TOKEN", None)
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True)
        try:
            _wait_until_healthy(f"http://127.0.0.1:{port}/healthz", process, timeout=60)
            deadline = time.monotonic() + 60
            while len(_stored(engine)) < 12 and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(90)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
        assert sorted(_stored(engine), key=int) == [str(n) for n in range(1, 13)]
        assert read_cursor(engine, "zendesk", "tickets") is not None
    engine.dispose()


def test_a_freshdesk_sync_killed_after_its_first_page_resumes_and_takes_every_ticket_once(
        tmp_path):
    from bot.sandbox.freshdesk_double import FreshdeskDouble, freshdesk_desk

    database_url = f"sqlite:///{tmp_path / 'kpibot.db'}"
    engine = create_database_engine(database_url)
    migrate(engine)
    env = {**os.environ, "KPIBOT_DATABASE_URL": database_url, "FRESHDESK_API_KEY": "fd-key",
           "KPIBOT_ERROR_LOG": str(tmp_path / "errors.log")}
    command = [sys.executable, "-m", "bot", "sync", "freshdesk"]
    with FreshdeskDouble(desk=freshdesk_desk(250)) as double:
        env["FRESHDESK_URL"] = double.url
        second_page = double.hold(lambda path, query: path == "/api/v2/tickets"
                                  and query.get("updated_since") != "2000-01-01T00:00:00Z")
        first = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        try:
            assert second_page.arrived.wait(30), first.communicate(timeout=5)
            first.send_signal(signal.SIGKILL)
            assert first.wait(10) == -signal.SIGKILL
        finally:
            second_page.release.set()
            if first.poll() is None:
                first.kill()
        # the first page (tickets 1–100, updated a minute apart) and its cursor, nothing more
        assert sorted(_stored(engine), key=int) == [str(n) for n in range(1, 101)]
        cursor = read_cursor(engine, "freshdesk", "tickets")
        assert cursor == {"updated_since": "2026-10-01T01:38:59Z", "page": 1}

        before = len(double.paths("/api/v2/tickets"))
        second = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        out, err = second.communicate(timeout=60)
        assert second.returncode == 0, err
        assert double.paths("/api/v2/tickets")[before].query["updated_since"] == \
            cursor["updated_since"]  # resumed, not from the start
    assert sorted(_stored(engine), key=int) == [str(n) for n in range(1, 251)]
    engine.dispose()
