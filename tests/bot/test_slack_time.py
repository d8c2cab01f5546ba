"""Slack's message timestamps as the instants they name (bot/slack_time.py): what the support
listeners tell the desk a message's time is."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.slack_time import slack_time

UTC = timezone.utc
OPENED = "1795420800.000100"  # 2026-11-23 08:00:00.0001 UTC
T0 = datetime(2026, 11, 23, 8, 0, 0, 100, tzinfo=UTC)


def test_slack_time_is_exact_to_the_microsecond():
    assert slack_time(OPENED) == T0
    assert slack_time("1795420800") == T0.replace(microsecond=0)
