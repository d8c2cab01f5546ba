"""Each Slack delivery handled at most once.

Slack delivers events at least once: it resends one it did not see acknowledged in time (with
`X-Slack-Retry-Num` and a reason: `http_timeout`, `http_error`, …), and a signed request can be
replayed by anyone who saw it within its five minutes. So before any listener runs, the
delivery's key — the event's `event_id`, an interaction's `trigger_id` — is claimed in the
database (`kpi_engine.storage.deliveries.DeliveryLog`); a key claimed before, by this process,
another one or one before a restart, is acknowledged and dropped. Whatever the retry's reason,
the key decides: a retry of a delivery nobody claimed (the first attempt never reached us) is
handled.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from slack_bolt import BoltRequest, BoltResponse

from kpi_engine.storage.deliveries import MAX_KEY_CHARS, DeliveryLog

logger = logging.getLogger("kpibot.slack")


def delivery_key(body: dict) -> str | None:
    """The key that names this delivery, or None for one that has none to claim (Slack's URL
    verification, a closed modal)."""
    if body.get("type") == "event_callback" and body.get("event_id"):
        return _bounded(f"event:{body['event_id']}")
    trigger = body.get("trigger_id")
    if trigger:
        return _bounded(f"trigger:{trigger}")
    return None


def _bounded(key: str) -> str:
    """Slack's ids are short; anything longer is stored by its digest."""
    if len(key) <= MAX_KEY_CHARS:
        return key
    return f"{key.split(':', 1)[0]}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"


class AtMostOnce:
    """Bolt middleware: claim each delivery's key; acknowledge and drop a repeat."""

    def __init__(self, deliveries: DeliveryLog) -> None:
        self.deliveries = deliveries

    def __call__(self, request: BoltRequest, next: Callable[[], BoltResponse]) -> BoltResponse:
        key = delivery_key(request.body)
        if key is None:
            return next()
        if self.deliveries.first(key):
            return next()
        retry = request.headers.get("x-slack-retry-num", [None])[0]
        logger.info("dropped a repeated delivery (%s)%s", key.split(":", 1)[0],
                    f", Slack's retry {retry}" if retry else "")
        return BoltResponse(status=200, body="")
