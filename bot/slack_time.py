"""Slack's message timestamps ("1700000000.000100"): a message's id in its channel, and the
instant it was written. The engine's desk takes ids as plain strings and times as datetimes;
this is where a Slack ts becomes the latter."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def slack_time(ts: str) -> datetime:
    """A Slack timestamp ("1700000000.000100") as the aware UTC instant it names, exactly."""
    seconds, _, fraction = ts.partition(".")
    micros = int((fraction + "000000")[:6]) if fraction else 0
    return _EPOCH + timedelta(seconds=int(seconds), microseconds=micros)
