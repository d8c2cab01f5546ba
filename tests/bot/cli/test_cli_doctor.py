"""`kpibot doctor` against the Slack double: one line per check, ✓ or ✗ and what to do, exit 1
when something is wrong — all green; a scope missing from the token; a revoked token
(`invalid_auth`); a digest channel kpibot is not in, public or private; a stale scheduler
heartbeat and none at all; a helpdesk sync gone stale, fresh, or none configured; a database
not migrated or not there; Socket Mode's app-level token; and the scheduler's heartbeat as
the scheduler records it.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
import time_machine

from bot.sandbox.socket_mode_double import SocketModeDouble
from kpi_engine.digests.definitions import DigestDefinition
from kpi_engine.digests.store import DigestStore
from kpi_engine.storage.database import create_database_engine, migrate
from kpi_engine.storage.schema import scheduler_heartbeats, sync_state
from tests.builders import NOW, run_kpibot

DIGEST_CHANNEL = "CDIGESTS"


def heartbeat(db, seen: datetime, *, pid: int = 4242) -> None:
    with db.begin() as connection:
        connection.execute(sa.insert(scheduler_heartbeats).values(
            id=f"kpibot-host:{pid}", host="kpibot-host", pid=pid, started_at=seen, seen_at=seen))


def add_digest(db, channel: str = DIGEST_CHANNEL, name: str = "Morning pulse") -> None:
    DigestStore(db, lambda: NOW).add(DigestDefinition.from_dict(
        {"name": name, "channel": channel, "at": "09:00", "kpis": ["fcr"]}))


@pytest.fixture
def deployment(slack, sqlite_db, monkeypatch):
    """A healthy deployment: the token and secret set, a digest in a channel kpibot is in, a
    scheduler seen a moment ago, no helpdesk."""
    for name, value in (("SLACK_BOT_TOKEN", slack.token), ("SLACK_SIGNING_SECRET", "secret"),
                        ("SLACK_API_URL", slack.api_url)):
        monkeypatch.setenv(name, value)
    for name in ("SLACK_APP_TOKEN", "ZENDESK_SUBDOMAIN", "ZENDESK_URL", "FRESHDESK_DOMAIN",
                 "FRESHDESK_URL"):
        monkeypatch.delenv(name, raising=False)
    slack.add_channel(DIGEST_CHANNEL, name="support-leads")
    add_digest(sqlite_db)
    heartbeat(sqlite_db, datetime.now(timezone.utc) - timedelta(seconds=20))
    return sqlite_db


def doctor(capsys, monkeypatch, db, *args):
    url = db.url.render_as_string(hide_password=False) if hasattr(db, "url") else db
    code, out, err = run_kpibot(capsys, monkeypatch, "doctor", "--db", url, *args)
    lines = {line.split(":", 1)[0][2:]: line for line in out.splitlines() if ":" in line}
    return code, out, lines


def test_all_green(deployment, capsys, monkeypatch):
    code, out, lines = doctor(capsys, monkeypatch, deployment)
    assert code == 0, out
    checks = out.splitlines()[:-1]
    assert all(line.startswith("✓ ") for line in checks), out
    assert [line.split(":")[0][2:] for line in checks] == [
        "database", "bot token", "scopes", "HTTP", "digest 'Morning pulse'", "scheduler",
        "helpdesk sync"]
    assert "schema up to date (0011)" in lines["database"]
    assert "valid: @kpibot in KPI Test Team (T1)" in lines["bot token"]
    assert "all 16 the manifest asks for are granted" in lines["scopes"]
    assert "#support-leads (CDIGESTS), a public channel kpibot is in" in out
    assert "seen 20 s ago (kpibot-host, pid 4242)" in lines["scheduler"]
    assert lines["helpdesk sync"] == "✓ helpdesk sync: no helpdesk sync configured"
    assert out.splitlines()[-1] == "everything checked is fine"


def test_json(deployment, capsys, monkeypatch):
    code, out, _ = doctor(capsys, monkeypatch, deployment, "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"] is True
    assert {check["status"] for check in report["checks"]} == {"ok"}
    assert report["checks"][0] == {"check": "database", "status": "ok", "ok": True,
                                   "message": report["checks"][0]["message"], "fix": None}


def test_a_missing_scope_says_which_and_to_reinstall(deployment, slack, capsys, monkeypatch):
    slack.scopes.remove("files:write")
    slack.scopes.append("channels:manage")
    code, _, lines = doctor(capsys, monkeypatch, deployment)
    assert code == 1
    line = lines["scopes"]
    assert line.startswith("✗ scopes: missing files:write (files:write: upload charts")
    assert "reinstall the app to the workspace" in line


def test_a_revoked_token(deployment, capsys, monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-revoked")
    code, out, lines = doctor(capsys, monkeypatch, deployment)
    assert code == 1
    assert lines["bot token"].startswith("✗ bot token: Slack refused it (invalid_auth) — ")
    assert "Reinstall to Workspace" in lines["bot token"]
    assert lines["scopes"] == "– scopes: not checked: the bot token is not valid"
    assert "– digest channels: not checked: the bot token is not valid" in out
    assert lines["database"].startswith("✓")  # what does not need the token is still checked


def test_a_missing_token_and_secret(deployment, capsys, monkeypatch):
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    monkeypatch.delenv("SLACK_SIGNING_SECRET")
    code, out, lines = doctor(capsys, monkeypatch, deployment)
    assert code == 1
    assert lines["bot token"].startswith("✗ bot token: SLACK_BOT_TOKEN is not set — copy")
    assert lines["HTTP"].startswith("✗ HTTP: SLACK_SIGNING_SECRET is not set")
    assert out.splitlines()[-1] == "2 problems to fix"


def test_a_channel_kpibot_is_not_in(deployment, slack, capsys, monkeypatch):
    slack.add_channel("CPUBLIC", name="general", is_member=False)
    slack.add_channel("CPRIVATE", name="leads-private", is_private=True, is_member=False)
    add_digest(deployment, "CPUBLIC", "Public")
    add_digest(deployment, "CPRIVATE", "Private")
    code, _, lines = doctor(capsys, monkeypatch, deployment)
    assert code == 1
    assert lines["digest 'Public'"] == (
        "✗ digest 'Public': kpibot is not in #general (CPUBLIC) — type `/invite @kpibot` in "
        "#general")
    assert lines["digest 'Private'"].startswith("✗ digest 'Private': channel CPRIVATE not "
                                                "found — a private channel is seen only once "
                                                "kpibot is invited")
    assert lines["digest 'Morning pulse'"].startswith("✓")
    slack.add_channel("CPRIVATE", name="leads-private", is_private=True, is_member=True)
    slack.add_channel("CPUBLIC", name="general", is_member=True)
    code, out, lines = doctor(capsys, monkeypatch, deployment)
    assert code == 0, out
    assert "#leads-private (CPRIVATE), a private channel kpibot is in" in lines["digest 'Private'"]


def test_a_stale_scheduler_heartbeat(deployment, capsys, monkeypatch):
    with deployment.begin() as connection:
        connection.execute(sa.delete(scheduler_heartbeats))
    code, _, lines = doctor(capsys, monkeypatch, deployment)
    assert code == 1
    assert lines["scheduler"].startswith("✗ scheduler: no scheduler has run on this database — "
                                         "start `kpibot serve`")
    heartbeat(deployment, datetime.now(timezone.utc) - timedelta(hours=2))
    code, _, lines = doctor(capsys, monkeypatch, deployment)
    assert code == 1
    assert lines["scheduler"].startswith("✗ scheduler: last seen 2 h ago (kpibot-host, pid "
                                         "4242) — no digest, alert or survey goes out")


def test_the_scheduler_records_its_heartbeat(slack, deployment):
    from tests.bot.test_digest_scheduler import scheduler_for, wait_until

    start = (datetime.now(timezone.utc) + timedelta(days=8)).replace(microsecond=0)
    with time_machine.travel(start, tick=False) as clock:
        scheduler = scheduler_for(slack, deployment)
        scheduler.start()
        try:
            seen = _seen(deployment, scheduler.heartbeat_id)
            assert seen == start
            clock.move_to(start + timedelta(seconds=61))
            scheduler.scheduler.wakeup()
            wait_until(lambda: _seen(deployment, scheduler.heartbeat_id) > start)
        finally:
            scheduler.shutdown()
    with deployment.connect() as connection:
        ids = set(connection.execute(sa.select(scheduler_heartbeats.c.id)).scalars())
    assert scheduler.heartbeat_id in ids
    assert "kpibot-host:4242" not in ids  # quiet for more than a week by then: dropped


def _seen(db, heartbeat_id: str) -> datetime:
    with db.connect() as connection:
        return connection.execute(sa.select(scheduler_heartbeats.c.seen_at).where(
            scheduler_heartbeats.c.id == heartbeat_id)).scalar_one()


def _synced(db, source: str, stream: str, at: datetime | None, error: str | None = None):
    with db.begin() as connection:
        connection.execute(sa.insert(sync_state).values(
            source=source, stream=stream, cursor="{}", updated_at=datetime.now(timezone.utc),
            last_success_at=at, last_error=error))


def test_a_stale_helpdesk_sync(deployment, capsys, monkeypatch):
    monkeypatch.setenv("ZENDESK_SUBDOMAIN", "acme")
    monkeypatch.setenv("ZENDESK_EMAIL", "ops@acme.test")
    monkeypatch.setenv("ZENDESK_API_TOKEN", "token")
    code, _, lines = doctor(capsys, monkeypatch, deployment)
    assert code == 1
    assert lines["helpdesk sync (zendesk)"].startswith(
        "✗ helpdesk sync (zendesk): configured but never synced — run `kpibot sync zendesk`")
    now = datetime.now(timezone.utc)
    _synced(deployment, "zendesk", "tickets", now - timedelta(hours=3),
            "Zendesk answered 401: check ZENDESK_API_TOKEN")
    _synced(deployment, "zendesk", "ratings", now - timedelta(hours=4))
    code, _, lines = doctor(capsys, monkeypatch, deployment)
    assert code == 1
    assert lines["helpdesk sync (zendesk)"].startswith(
        "✗ helpdesk sync (zendesk): last synced 3 h ago (every 5 min expected); last error: "
        "Zendesk answered 401")
    with deployment.begin() as connection:
        connection.execute(sa.update(sync_state).values(last_success_at=now, last_error=None))
    code, _, lines = doctor(capsys, monkeypatch, deployment)
    assert code == 0
    assert lines["helpdesk sync (zendesk)"].startswith("✓ helpdesk sync (zendesk): last synced")


def test_socket_mode_checks_the_app_token(deployment, slack, capsys, monkeypatch):
    monkeypatch.setenv("SLACK_APP_TOKEN", slack.app_token)
    monkeypatch.delenv("SLACK_SIGNING_SECRET")
    with SocketModeDouble(slack):
        code, out, lines = doctor(capsys, monkeypatch, deployment)
        assert code == 0, out
        assert lines["Socket Mode"] == "✓ Socket Mode: the app-level token opens a connection"
        monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-revoked")
        code, _, lines = doctor(capsys, monkeypatch, deployment)
    assert code == 1
    assert lines["Socket Mode"].startswith("✗ Socket Mode: Slack refused the app-level token "
                                           "(invalid_auth) — generate a new one with the "
                                           "connections:write scope")


def test_a_database_not_migrated_or_not_there(deployment, capsys, monkeypatch, tmp_path):
    old = tmp_path / "old.db"
    engine = create_database_engine(f"sqlite:///{old}")
    migrate(engine, "0008")
    engine.dispose()
    code, out, lines = doctor(capsys, monkeypatch, f"sqlite:///{old}")
    assert code == 1
    assert "is at schema 0008, this kpibot needs 0011 — restart `kpibot serve`" in \
        lines["database"]
    assert "– scheduler: not checked: the database is not usable" in out
    missing = tmp_path / "nowhere.db"
    code, _, lines = doctor(capsys, monkeypatch, f"sqlite:///{missing}")
    assert code == 1 and f"there is no database file at {missing}" in lines["database"]
    assert not missing.exists()  # the doctor creates nothing


def test_an_archived_digest_channel_and_one_kpibot_may_not_look_up(deployment, slack, capsys,
                                                                   monkeypatch):
    slack.add_channel("COLD", name="old-leads")["is_archived"] = True
    add_digest(deployment, "COLD", "Old")
    code, _, lines = doctor(capsys, monkeypatch, deployment)
    assert code == 1
    assert lines["digest 'Old'"] == ("✗ digest 'Old': #old-leads (COLD) is archived — unarchive "
                                     "it or move the digest (`/kpi digest edit`)")
    slack.fail_always("conversations.info", "missing_scope")
    code, _, lines = doctor(capsys, monkeypatch, deployment)
    assert code == 1
    assert lines["digest 'Morning pulse'"].startswith(
        f"✗ digest 'Morning pulse': cannot look up {DIGEST_CHANNEL} (missing_scope) — ")
    assert "reinstall the app to the workspace" in lines["digest 'Morning pulse'"]
