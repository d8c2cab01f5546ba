"""Exactly-once claims: one claimant per key however many try at once, a dead holder's claim
taken over after the timeout (and only once), posts given up after the last attempt."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest

from kpi_engine.storage.claims import ClaimStore

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
TIMEOUT = timedelta(minutes=10)


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(params=["sqlite", "postgresql"])
def claims_db(request, migrated_database):
    return migrated_database(request.param)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def claims(claims_db, clock):
    return ClaimStore(claims_db, clock, timeout=TIMEOUT)


def test_the_first_claim_wins_and_the_next_finds_it_taken(claims):
    first = claims.claim("digest:d1:2026-11-22")
    assert first is not None and first.attempt == 1
    assert claims.claim("digest:d1:2026-11-22") is None
    assert claims.claim("digest:d1:2026-11-23") is not None  # another date is another post


def test_a_posted_claim_is_never_claimed_again(claims, clock):
    claim = claims.claim("k")
    assert claims.complete(claim, "1700000000.000100")
    clock.advance(days=1)
    assert claims.claim("k") is None
    record = claims.record("k")
    assert record.posted and record.posted_ts == "1700000000.000100"


def test_a_dead_holders_claim_is_taken_over_after_the_timeout_once(claims, clock):
    dead = claims.claim("k")
    clock.advance(minutes=9, seconds=59)
    assert claims.claim("k") is None  # its holder may still be posting
    clock.advance(seconds=1)
    retry = claims.claim("k")
    assert retry is not None and retry.attempt == 2
    assert retry.first_claimed_at == dead.first_claimed_at  # where to look for a lost post
    assert claims.claim("k") is None  # the retry holds it now
    assert claims.complete(dead, "late") is False  # the dead holder cannot complete it any more
    assert claims.complete(retry, "ts-2") is True


def test_after_the_last_attempt_the_post_is_given_up(claims, clock):
    claims.claim("k")
    for _ in range(claims.max_attempts - 1):
        clock.advance(minutes=11)
        assert claims.claim("k") is not None
    clock.advance(minutes=11)
    assert claims.claim("k") is None
    assert claims.stale("k") == []


def test_a_released_claim_can_be_retried_at_once(claims):
    claim = claims.claim("k")
    claims.release(claim)
    retry = claims.claim("k")
    assert retry is not None and retry.attempt == 2


def test_stale_lists_only_dead_unposted_claims_under_the_prefix(claims, clock):
    claims.claim("digest:a:2026-11-22")
    done = claims.claim("digest:b:2026-11-22")
    claims.complete(done, "ts")
    claims.claim("alert:a:fcr:threshold:1")
    clock.advance(minutes=5)
    claims.claim("digest:c:2026-11-22")  # fresh: its holder is alive
    clock.advance(minutes=6)
    assert [record.key for record in claims.stale("digest:")] == ["digest:a:2026-11-22"]


def test_force_claims_a_posted_key_again(claims):
    claims.complete(claims.claim("k"), "ts-1")
    forced = claims.force("k")
    assert claims.complete(forced, "ts-2")
    assert claims.record("k").posted_ts == "ts-2"


def test_twenty_threads_claiming_one_key_at_once_give_one_claim(claims_db, clock):
    store = ClaimStore(claims_db, clock, timeout=TIMEOUT)
    start, won = threading.Barrier(20), []

    def contend() -> None:
        start.wait()
        if store.claim("digest:d1:2026-11-22") is not None:
            won.append(1)

    threads = [threading.Thread(target=contend) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1


def test_twenty_threads_taking_over_one_stale_claim_give_one_taker(claims_db, clock):
    store = ClaimStore(claims_db, clock, timeout=TIMEOUT)
    store.claim("k")
    clock.advance(minutes=11)
    start, won = threading.Barrier(20), []

    def contend() -> None:
        start.wait()
        claim = store.claim("k")
        if claim is not None:
            won.append(claim.attempt)

    threads = [threading.Thread(target=contend) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert won == [2]
