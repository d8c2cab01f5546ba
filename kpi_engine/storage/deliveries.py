"""At most once per delivery: whoever inserts a delivery's key first handles it.

Services that deliver at least once (Slack resends an event it did not see acknowledged in time,
and a signed request can be replayed within its five minutes) make "handle each delivery once" a
job for the database: `DeliveryLog.first(key)` inserts the key — one statement, committed on
its own (no BEGIN and COMMIT around it: on PostgreSQL that is one round trip instead of three, on
every request Slack sends) — and says whether this caller is the first. Any later call with the
same key — another thread, another process, the same process after a restart — gets False.
The insert is the claim: a handler that dies after claiming does not get the delivery again (at
most once, never twice).

Keys expire after `keep` (long after the sender's last retry) and are purged at most once a
minute by the process that notices, so the table stays small.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa

from kpi_engine.storage.schema import handled_deliveries

KEEP = timedelta(hours=2)  # Slack retries an event for about an hour; replays die after 5 min
PURGE_EVERY_SECONDS = 60.0
MAX_KEY_CHARS = 200
# The backends whose driver commits one statement on its own (DuckDB's has no such mode).
AUTOCOMMITTING = frozenset({"postgresql", "sqlite"})
# Built once: a burst of clicks claims a key per click.
CLAIM = sa.insert(handled_deliveries).values(
    key=sa.bindparam("key"), handled_at=sa.bindparam("handled_at"),
    expires_at=sa.bindparam("expires_at"))


class DeliveryLog:
    """The handled delivery keys of one database, under one clock."""

    def __init__(self, db: sa.Engine, clock: Callable[[], datetime], *,
                 keep: timedelta = KEEP) -> None:
        self.db = db
        self.clock = clock
        self.keep = keep
        self._purged_at = float("-inf")

    def first(self, key: str) -> bool:
        """True for the first caller with `key` (it is recorded now); False for every later one
        until the key expires."""
        if len(key) > MAX_KEY_CHARS:
            raise ValueError(f"a delivery key has at most {MAX_KEY_CHARS} characters")
        now = self.clock()
        self._purge_now_and_then(now)
        values = {"key": key, "handled_at": now, "expires_at": now + self.keep}
        try:
            if self.db.dialect.name in AUTOCOMMITTING:
                with self.db.connect() as connection:
                    connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                        CLAIM, values)
            else:
                with self.db.begin() as connection:
                    connection.execute(CLAIM, values)
        except sa.exc.IntegrityError:
            return self._taken_over_expired(key, now)
        return True

    def _taken_over_expired(self, key: str, now: datetime) -> bool:
        """A key found in the table may be an expired one not purged yet: renew it (the
        delivery is new again) by a compare-and-set, so only one caller wins."""
        renew = (
            sa.update(handled_deliveries)
            .where(handled_deliveries.c.key == key, handled_deliveries.c.expires_at <= now)
            .values(handled_at=now, expires_at=now + self.keep)
        )
        with self.db.begin() as connection:
            return connection.execute(renew).rowcount == 1

    def _purge_now_and_then(self, now: datetime) -> None:
        moment = time.monotonic()
        if moment - self._purged_at < PURGE_EVERY_SECONDS:
            return
        self._purged_at = moment
        with self.db.begin() as connection:
            connection.execute(sa.delete(handled_deliveries)
                               .where(handled_deliveries.c.expires_at <= now))
