"""The checks of `kpibot doctor` (bot/doctor/__init__.py), one function each, each returning
its line(s) of the report and never raising for what it finds."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.doctor.report import (
    HEARTBEAT_LATE,
    SLACK_TIMEOUT_SECONDS,
    SYNC_LATE_MINIMUM,
    Check,
    ago,
    failed,
    ok,
    skipped,
)
from bot.doctor.scopes import APP_TOKEN_SCOPE, BOT_SCOPES, granted_scopes, missing_scopes
from bot.settings import BotSettings

REINSTALL = ("add them under OAuth & Permissions → Scopes (or paste slack/manifest.http.json "
             "into the app's manifest), then reinstall the app to the workspace and copy the "
             "new Bot User OAuth Token if it changed")


# ------------------------------------------------------------------------ the database


def check_database(settings: BotSettings) -> tuple[sa.Engine | None, Check]:
    """The engine when the database is reachable and migrated (None otherwise), and its line."""
    from kpi_engine.errors import DatabaseUnavailable
    from kpi_engine.storage.database import describe_url, open_database, schema_revision
    from kpi_engine.storage.schema import SCHEMA_REVISION

    name = "database"
    missing = sqlite_file_missing(settings.database_url)
    if missing is not None:
        return None, failed(name, f"there is no database file at {missing}",
                            "check KPIBOT_DATABASE_URL (or --db); `kpibot serve` creates it "
                            "on its first start")
    try:
        db = open_database(settings.database_url, migrate_schema=False)
        with db.connect() as connection:
            revision = schema_revision(connection)
    except DatabaseUnavailable as error:
        return None, failed(name, error.message, "check KPIBOT_DATABASE_URL (or --db) and that "
                                                 "the database server is running")
    where = describe_url(db)
    if revision is None:
        db.dispose()
        return None, failed(name, f"{where} is reachable but has no kpibot tables",
                            "start `kpibot serve` once: it creates them")
    if revision != SCHEMA_REVISION:
        db.dispose()
        return None, failed(name, f"{where} is at schema {revision}, this kpibot needs "
                                  f"{SCHEMA_REVISION}",
                            "restart `kpibot serve` (migrations run when it starts), or run "
                            "any kpibot command on it, e.g. `kpibot digest list`")
    return db, ok(name, f"{where} reachable, schema up to date ({revision})")


# ------------------------------------------------------------------------ Slack


def _client(settings: BotSettings, token: str | None) -> WebClient:
    return WebClient(token=token, base_url=settings.slack_api_url,
                     timeout=SLACK_TIMEOUT_SECONDS)


def check_token(settings: BotSettings) -> tuple[WebClient | None, dict | None, Check]:
    """The client and what `auth.test` said (its body and granted scopes) when the token is
    good, and the line."""
    name = "bot token"
    if not settings.slack_bot_token:
        return None, None, failed(name, "SLACK_BOT_TOKEN is not set",
                                  "copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & "
                                  "Permissions page into .env or the environment")
    client = _client(settings, settings.slack_bot_token)
    try:
        answer = client.auth_test()
    except SlackApiError as error:
        code = error.response.get("error")
        return client, None, failed(
            name, f"Slack refused it ({code})",
            "the token was revoked or the app uninstalled: reinstall the app (OAuth & "
            "Permissions → Reinstall to Workspace) and put the new Bot User OAuth Token in "
            "SLACK_BOT_TOKEN")
    except (SlackClientError, OSError) as error:
        return client, None, failed(name, f"cannot reach Slack at {settings.slack_api_url}: "
                                          f"{error}", "check the network (and SLACK_API_URL)")
    identity = {"team": answer.get("team"), "team_id": answer.get("team_id"),
                "user": answer.get("user"), "scopes": granted_scopes(answer.headers)}
    return client, identity, ok(name, f"valid: @{identity['user']} in {identity['team']} "
                                      f"({identity['team_id']})")


def check_scopes(identity: dict | None) -> Check:
    name = "scopes"
    if identity is None:
        return skipped(name, "not checked: the bot token is not valid")
    granted = identity["scopes"]
    if granted is None:
        return failed(name, "Slack did not say which scopes the token has",
                      "check SLACK_API_URL points at Slack's Web API")
    missing = missing_scopes(granted)
    if missing:
        return failed(name, f"missing {', '.join(missing)} ("
                            + "; ".join(f"{scope}: {BOT_SCOPES[scope]}" for scope in missing)
                            + ")", REINSTALL)
    extra = sorted(granted - set(BOT_SCOPES))
    more = f"; {len(extra)} more granted than it needs ({', '.join(extra)})" if extra else ""
    return ok(name, f"all {len(BOT_SCOPES)} the manifest asks for are granted{more}")


def check_connection_mode(settings: BotSettings, client: WebClient | None) -> Check:
    """HTTP: the signing secret; Socket Mode: the app-level token, tried with
    `apps.connections.open` (it hands out a URL, nothing connects to it)."""
    if not settings.slack_app_token:
        name = "HTTP"
        if not settings.slack_signing_secret:
            return failed(name, "SLACK_SIGNING_SECRET is not set: every request from Slack "
                                "would be refused",
                          "copy the Signing Secret from the app's Basic Information page, or "
                          "set SLACK_APP_TOKEN to use Socket Mode")
        return ok(name, "signing secret set; Slack's requests go to /slack/events "
                        "(slack/manifest.http.json)")
    name = "Socket Mode"
    token = settings.slack_app_token
    if not token.startswith("xapp-"):
        return failed(name, "SLACK_APP_TOKEN is not an app-level token (xapp-…)",
                      f"generate one with the {APP_TOKEN_SCOPE} scope under Basic Information "
                      "→ App-Level Tokens")
    try:
        _client(settings, None).apps_connections_open(app_token=token)
    except SlackApiError as error:
        return failed(name, f"Slack refused the app-level token "
                            f"({error.response.get('error')})",
                      f"generate a new one with the {APP_TOKEN_SCOPE} scope under Basic "
                      "Information → App-Level Tokens, and turn Socket Mode on "
                      "(slack/manifest.socket-mode.json)")
    except (SlackClientError, OSError) as error:
        return failed(name, f"cannot reach Slack: {error}", "check the network")
    return ok(name, "the app-level token opens a connection")


def check_channels(db: sa.Engine | None, client: WebClient | None) -> list[Check]:
    """One line per digest: its channel found, and kpibot a member of it."""
    from kpi_engine.digests.store import DigestStore

    if db is None:
        return [skipped("digest channels", "not checked: the database is not usable")]
    definitions = DigestStore(db, lambda: datetime.now(timezone.utc)).all()
    if not definitions:
        return [ok("digest channels", "no digests yet")]
    if client is None:
        return [skipped("digest channels", "not checked: the bot token is not valid")]
    return [_channel_check(client, definition) for definition in definitions]


def _channel_check(client: WebClient, definition) -> Check:
    name = f"digest {definition.name!r}"
    channel = definition.channel_id
    try:
        info = client.conversations_info(channel=channel)["channel"]
    except SlackApiError as error:
        code = error.response.get("error")
        if code == "channel_not_found":
            return failed(name, f"channel {channel} not found",
                          "a private channel is seen only once kpibot is invited: type "
                          "`/invite @kpibot` in it; otherwise fix the digest's channel id")
        if code == "missing_scope":
            return failed(name, f"cannot look up {channel} (missing_scope)", REINSTALL)
        return failed(name, f"cannot look up {channel} ({code})", "see the scopes line above")
    except (SlackClientError, OSError) as error:
        return failed(name, f"cannot reach Slack: {error}", "check the network")
    label = f"#{info.get('name', channel)} ({channel})"
    if info.get("is_archived"):
        return failed(name, f"{label} is archived", "unarchive it or move the digest "
                                                    "(`/kpi digest edit`)")
    if not info.get("is_member"):
        return failed(name, f"kpibot is not in {label}",
                      f"type `/invite @kpibot` in #{info.get('name', channel)}")
    kind = "private" if info.get("is_private") else "public"
    return ok(name, f"posts in {label}, a {kind} channel kpibot is in")


# ------------------------------------------------------------------------ what runs


def check_scheduler(db: sa.Engine | None, now: datetime) -> Check:
    from kpi_engine.storage.schema import scheduler_heartbeats

    name = "scheduler"
    if db is None:
        return skipped(name, "not checked: the database is not usable")
    with db.connect() as connection:
        rows = connection.execute(sa.select(scheduler_heartbeats).order_by(
            scheduler_heartbeats.c.seen_at.desc())).mappings().all()
    if not rows:
        return failed(name, "no scheduler has run on this database",
                      "start `kpibot serve` (or `kpibot scheduler` beside it when "
                      "KPIBOT_SCHEDULER=false): digests, alerts and surveys need it")
    last = rows[0]
    where = f"{last['host']}, pid {last['pid']}"
    if now - last["seen_at"] > HEARTBEAT_LATE:
        return failed(name, f"last seen {ago(last['seen_at'], now)} ({where})",
                      "no digest, alert or survey goes out without it: is `kpibot serve` (or "
                      "`kpibot scheduler`) running? `systemctl status kpibot` and its log say why")
    alive = sum(1 for row in rows if now - row["seen_at"] <= HEARTBEAT_LATE)
    others = f"; {alive} schedulers running (fine: each post is claimed once)" \
        if alive > 1 else ""
    return ok(name, f"seen {ago(last['seen_at'], now)} ({where}){others}")


def check_sync(db: sa.Engine | None, settings: BotSettings, now: datetime) -> list[Check]:
    """How long ago each helpdesk last synced (`sync_state`, when that table exists)."""
    name = "helpdesk sync"
    if db is None:
        return [skipped(name, "not checked: the database is not usable")]
    configured = _configured_sources(settings)
    with db.connect() as connection:
        has_table = sa.inspect(connection).has_table("sync_state")
    if not has_table:
        return [ok(name, "no helpdesk sync configured")]
    from kpi_engine.ingest.helpdesk.sync import sync_states

    by_source: dict[str, list[dict]] = {}
    for state in sync_states(db):
        by_source.setdefault(state["source"], []).append(state)
    if not configured and not by_source:
        return [ok(name, "no helpdesk sync configured")]
    late = max(SYNC_LATE_MINIMUM, timedelta(minutes=3 * settings.sync_minutes))
    checks = []
    for source in sorted(set(configured) | set(by_source)):
        states = by_source.get(source, [])
        successes = [s["last_success_at"] for s in states if s["last_success_at"] is not None]
        errors = [s["last_error"] for s in states if s["last_error"]]
        label = f"{name} ({source})"
        if source not in configured:
            when = f"last synced {ago(max(successes), now)}" if successes else "never synced"
            checks.append(ok(label, f"{when}; not configured now, so not synced"))
        elif not successes:
            checks.append(failed(label, "configured but never synced"
                                 + (f": {errors[0]}" if errors else ""),
                                 f"run `kpibot sync {source}` to see why, then check "
                                 "docs/helpdesks.md"))
        elif now - max(successes) > late:
            checks.append(failed(label, f"last synced {ago(max(successes), now)} (every "
                                        f"{settings.sync_minutes} min expected)"
                                 + (f"; last error: {errors[0]}" if errors else ""),
                                 "is the scheduler running (see above)? `kpibot sync status` "
                                 f"and `kpibot sync {source}` say more"))
        else:
            checks.append(ok(label, f"last synced {ago(max(successes), now)}"))
    return checks


def _configured_sources(settings: BotSettings) -> list[str]:
    try:
        from kpi_engine.ingest.helpdesk import configured_sources
    except ImportError:  # a version without helpdesk sync
        return []
    return configured_sources(settings)


def sqlite_file_missing(url: str) -> Path | None:
    """The file of a SQLite URL that does not exist (opening it would create it), or None."""
    parsed = sa.engine.make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(parsed.database)
    return None if path.exists() else path
