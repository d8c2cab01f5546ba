"""Exactly-once posting: a post (a digest for one date, an alert's episode) is claimed with a
unique row in `post_claims` before anything is sent, and marked posted after.

- The first `claim(key)` inserts the row and wins; any other process or thread that tries the
  same key finds it and gets None: it is posted already, or being posted.
- A claim whose holder died before posting (killed, crashed) is stale once `timeout` has
  passed: the next `claim(key)` takes it over, by a compare-and-set on its token so that only
  one taker wins, and counts the attempt. After `max_attempts` the post is given up (and
  logged by the caller): a post that keeps failing must not be retried forever.
- `release(claim)` gives back a claim whose post is known to have failed, so the next run
  may retry at once instead of after the timeout.

The database is the only arbiter: it works across threads, processes and machines sharing it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from kpi_engine.storage.schema import post_claims

MAX_ATTEMPTS = 3


@dataclass(frozen=True, kw_only=True)
class Claim:
    """The right to make one post. `attempt` > 1 is a takeover: an earlier holder may have
    posted without recording it, so the poster should look for its post since
    `first_claimed_at` before posting again."""

    key: str
    token: str
    attempt: int
    first_claimed_at: datetime


@dataclass(frozen=True, kw_only=True)
class ClaimRecord:
    """What the database knows of a key."""

    key: str
    first_claimed_at: datetime
    claimed_at: datetime
    attempts: int
    posted_at: datetime | None
    posted_ts: str | None
    token: str

    @classmethod
    def of_row(cls, row) -> ClaimRecord:
        return cls(key=row["key"], first_claimed_at=row["first_claimed_at"],
                   claimed_at=row["claimed_at"], attempts=row["attempts"],
                   posted_at=row["posted_at"], posted_ts=row["posted_ts"], token=row["token"])

    @property
    def posted(self) -> bool:
        return self.posted_at is not None


class ClaimStore:
    """Claims in one database, under one clock."""

    def __init__(self, db: sa.Engine, clock: Callable[[], datetime], *, timeout: timedelta,
                 max_attempts: int = MAX_ATTEMPTS) -> None:
        self.db = db
        self.clock = clock
        self.timeout = timeout
        self.max_attempts = max_attempts

    def claim(self, key: str) -> Claim | None:
        """The claim on `key`, or None when it is posted, being posted, or given up."""
        now, token = self.clock(), uuid.uuid4().hex
        try:
            with self.db.begin() as connection:
                connection.execute(sa.insert(post_claims).values(
                    key=key, first_claimed_at=now, claimed_at=now, token=token, attempts=1))
            return Claim(key=key, token=token, attempt=1, first_claimed_at=now)
        except sa.exc.IntegrityError:
            pass
        record = self.record(key)
        if record is None or record.posted or record.attempts >= self.max_attempts:
            return None
        if record.claimed_at > now - self.timeout:
            return None  # its holder may still be posting
        taken = (
            sa.update(post_claims)
            .where(post_claims.c.key == key, post_claims.c.token == record.token,
                   post_claims.c.posted_at.is_(None))
            .values(token=token, claimed_at=now, attempts=record.attempts + 1)
        )
        with self.db.begin() as connection:
            if connection.execute(taken).rowcount != 1:
                return None  # another process took it over first
        return Claim(key=key, token=token, attempt=record.attempts + 1,
                     first_claimed_at=record.first_claimed_at)

    def complete(self, claim: Claim, posted_ts: str | None) -> bool:
        """Mark the claim's post made; False when the claim was taken over meanwhile."""
        with self.db.begin() as connection:
            done = connection.execute(
                sa.update(post_claims)
                .where(post_claims.c.key == claim.key, post_claims.c.token == claim.token)
                .values(posted_at=self.clock(), posted_ts=posted_ts)
            )
        return done.rowcount == 1

    def release(self, claim: Claim) -> None:
        """The post failed and nothing was sent: make the claim stale at once, so the next run
        retries without waiting for the timeout (the attempt still counts)."""
        with self.db.begin() as connection:
            connection.execute(
                sa.update(post_claims)
                .where(post_claims.c.key == claim.key, post_claims.c.token == claim.token,
                       post_claims.c.posted_at.is_(None))
                .values(claimed_at=self.clock() - self.timeout - timedelta(seconds=1))
            )

    def force(self, key: str) -> Claim:
        """A claim on `key` whatever its state, for a post asked for again on purpose."""
        now, token = self.clock(), uuid.uuid4().hex
        with self.db.begin() as connection:
            updated = connection.execute(
                sa.update(post_claims).where(post_claims.c.key == key)
                .values(token=token, claimed_at=now, posted_at=None, posted_ts=None,
                        attempts=post_claims.c.attempts + 1))
            if updated.rowcount == 0:
                connection.execute(sa.insert(post_claims).values(
                    key=key, first_claimed_at=now, claimed_at=now, token=token, attempts=1))
        return Claim(key=key, token=token, attempt=1, first_claimed_at=now)

    def record(self, key: str) -> ClaimRecord | None:
        with self.db.connect() as connection:
            row = connection.execute(
                sa.select(post_claims).where(post_claims.c.key == key)).mappings().first()
        return None if row is None else ClaimRecord.of_row(row)

    def stale(self, prefix: str) -> list[ClaimRecord]:
        """Unposted claims under `prefix` whose holder is presumed dead and that may still be
        retried, oldest first."""
        cutoff = self.clock() - self.timeout
        statement = (
            sa.select(post_claims)
            .where(post_claims.c.key.startswith(prefix, autoescape=True),
                   post_claims.c.posted_at.is_(None), post_claims.c.claimed_at <= cutoff,
                   post_claims.c.attempts < self.max_attempts)
            .order_by(post_claims.c.first_claimed_at)
        )
        with self.db.connect() as connection:
            rows = connection.execute(statement).mappings().all()
        return [ClaimRecord.of_row(row) for row in rows]
