"""The report of `kpibot doctor`: a `Check` is one line — its name, ✓ (ok), ✗ (failed, with
what to do) or – (skipped: it needs what an earlier check found wrong) — and the report is
those lines and a summary, or JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

HEARTBEAT_LATE = timedelta(minutes=3)  # the scheduler beats every minute
SYNC_LATE_MINIMUM = timedelta(minutes=15)
SLACK_TIMEOUT_SECONDS = 10


class Status(Enum):
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"

    @property
    def mark(self) -> str:
        return {Status.OK: "✓", Status.FAILED: "✗", Status.SKIPPED: "–"}[self]


@dataclass(frozen=True)
class Check:
    """One line of the report: what was checked, how it stands, and what to do."""

    name: str
    status: Status
    message: str
    fix: str | None = None

    @property
    def line(self) -> str:
        fix = f" — {self.fix}" if self.fix and self.status is Status.FAILED else ""
        return f"{self.status.mark} {self.name}: {self.message}{fix}"

    def to_json(self) -> dict:
        return {"check": self.name, "status": self.status.value, "ok": self.status is Status.OK,
                "message": self.message, "fix": self.fix}


def ok(name: str, message: str) -> Check:
    return Check(name, Status.OK, message)


def failed(name: str, message: str, fix: str) -> Check:
    return Check(name, Status.FAILED, message, fix)


def skipped(name: str, why: str) -> Check:
    return Check(name, Status.SKIPPED, why)


def healthy(checks: list[Check]) -> bool:
    return not any(check.status is Status.FAILED for check in checks)


def render(checks: list[Check], *, as_json: bool = False) -> str:
    if as_json:
        return json.dumps({"ok": healthy(checks), "checks": [c.to_json() for c in checks]})
    wrong = sum(1 for check in checks if check.status is Status.FAILED)
    summary = "everything checked is fine" if not wrong else \
        f"{wrong} problem{'s' if wrong > 1 else ''} to fix"
    return "\n".join([*(check.line for check in checks), summary])


def ago(then: datetime, now: datetime) -> str:
    """"40 s ago", "12 min ago", "3 h ago", "2 days ago"."""
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 90:
        return f"{seconds} s ago"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min ago"
    if seconds < 36 * 3600:
        return f"{round(seconds / 3600)} h ago"
    return f"{round(seconds / 86400)} days ago"
