"""`kpibot doctor`: one command that checks a deployment and says what to fix.

Each check is one line, ✓ or ✗ and, when something is wrong, what to do:

- database — reachable, and its schema at this version's revision (migrations run when
  `kpibot serve` starts);
- bot token — `auth.test` accepts SLACK_BOT_TOKEN;
- scopes — the scopes Slack says the token has (`auth.test`'s `x-oauth-scopes` header) hold
  every scope of the manifests (bot/doctor/scopes.py); a missing one needs the app reinstalled;
- HTTP or Socket Mode — the signing secret is set (HTTP), or the app-level token opens a
  Socket Mode connection (`apps.connections.open`, when SLACK_APP_TOKEN is set);
- each digest's channel — `conversations.info` finds it and kpibot is a member (a private
  channel is found only once kpibot is invited);
- scheduler — the last heartbeat of a scheduler (bot/scheduler.py records one every minute);
- helpdesk sync — how long ago each configured helpdesk last synced, from `sync_state`; or
  that none is configured.

A check that needs something an earlier one found wrong (the channels need the token) is shown
as skipped (–). Times are read on the real clock, never a pinned KPIBOT_NOW. Nothing is
changed: the database is neither created nor migrated, no message is posted.
"""

from __future__ import annotations

from datetime import datetime, timezone

from bot.doctor.checks import (
    check_channels,
    check_connection_mode,
    check_database,
    check_scheduler,
    check_scopes,
    check_sync,
    check_token,
)
from bot.doctor.report import Check, Status, healthy, render
from bot.settings import BotSettings

__all__ = ["Check", "Status", "healthy", "render", "run_checks"]


def run_checks(settings: BotSettings, *, now: datetime | None = None) -> list[Check]:
    """Every check, in order, on `settings` (the real clock unless `now` is given)."""
    now = now or datetime.now(timezone.utc)
    checks: list[Check] = []
    db, database = check_database(settings)
    checks.append(database)
    client, identity, token = check_token(settings)
    checks.append(token)
    checks.append(check_scopes(identity))
    checks.append(check_connection_mode(settings, client if identity else None))
    checks += check_channels(db, client if identity else None)
    checks.append(check_scheduler(db, now))
    checks += check_sync(db, settings, now)
    if db is not None:
        db.dispose()
    return checks
