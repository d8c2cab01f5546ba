"""A small desk and a Berlin digest for the digest tests with the Slack double.

Sun 22 Nov 2026 (Berlin): four tier-1 tickets solved at 15:00 UTC (16:00 in Berlin), three of
them with one agent reply → FCR 3/4 = 75.0%, n = 4 — the digest "Berlin morning" posts it at
09:00 Europe/Berlin on Mon 23 Nov, which is 08:00 UTC (CET, UTC+1).
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bot.services import DigestServices
from kpi_engine.digests.definitions import DigestDefinition
from kpi_engine.digests.store import DigestStore
from kpi_engine.engine import KpiEngine
from tests.builders import add_tickets, make_bot_settings

from .conftest import SECRET

UTC = timezone.utc
DUE = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
CHANNEL = "CDIGEST"
ROOT = Path(__file__).resolve().parents[2]


def add_desk(db) -> None:
    solved = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
    add_tickets(db, *(dict(id=f"d{i}", created_at=solved - timedelta(hours=3),
                           first_response_at=solved - timedelta(hours=2), solved_at=solved,
                           status="solved", tier=1, agent_replies=1 if i < 3 else 2)
                      for i in range(4)))


def add_digest(db, **fields) -> DigestDefinition:
    data = {"name": "Berlin morning", "channel": CHANNEL, "at": "09:00", "tz": "Europe/Berlin",
            "kpis": [{"metric": "fcr", "target": ">= 70%"}, "resolved"]} | fields
    return DigestStore(db, lambda: DUE).add(DigestDefinition.from_dict(data))


def digest_settings(double, db, **overrides):
    """Settings whose clock is the real one (moved by the tests), no PNG chart."""
    values = dict(slack_bot_token="xoxb-test", slack_signing_secret=SECRET,
                  slack_api_url=double.api_url, database_url=db.url.render_as_string(
                      hide_password=False), now=None, tz="UTC", digest_charts=False)
    return make_bot_settings(**(values | overrides))


def digest_services(double, db, **overrides) -> DigestServices:
    settings = digest_settings(double, db, **overrides)
    return DigestServices.build(settings, engine=KpiEngine(db, settings))


def top_level_posts(double, channel: str = CHANNEL) -> list:
    """The messages posted in `channel` outside any thread (the digests and alerts)."""
    return [call for call in double.calls("chat.postMessage", failed=False)
            if call.params.get("channel") == channel and not call.params.get("thread_ts")]


def run_kpibot_at(moment: datetime, double, db, *args: str, tick: bool = True,
                  extra_env: dict | None = None, code: str | None = None) -> subprocess.Popen:
    """A separate Python process whose clock starts at `moment` (time-machine, ticking), running
    `kpibot ARGS` — or `code` — against `db` and the Slack double."""
    program = code or f"from bot.cli import main\nmain({list(args)!r})\n"
    script = ("import time_machine\nfrom datetime import datetime\n"
              f"time_machine.travel(datetime.fromisoformat({moment.isoformat()!r}), "
              f"tick={tick}).start()\n" + program)
    env = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": double.api_url,
           "KPIBOT_DATABASE_URL": db.url.render_as_string(hide_password=False),
           "KPIBOT_TZ": "UTC", "KPIBOT_DIGEST_CHARTS": "false", **(extra_env or {})}
    for name in ("KPIBOT_NOW", "SLACK_APP_TOKEN"):
        env.pop(name, None)
    return subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
