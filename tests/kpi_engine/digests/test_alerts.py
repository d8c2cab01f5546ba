"""Alerts on hand-built data, on every backend: a threshold read over the last 24 hours, a
change against the 7 days before, the minimum of data, and the state that alerts once per
crossing and again only after a recovery."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

from kpi_engine.digests.alerts import AlertRule, AlertStates, alert_text, read_alerts
from kpi_engine.digests.definitions import DigestDefinition
from kpi_engine.engine import KpiEngine
from tests.builders import add_survey_responses, add_tickets, make_settings
from tests.kpi_engine.engine.timeline import at

MIN_N = 4


def solved(ticket_id: str, when: datetime, *, fcr: bool) -> dict:
    return dict(id=ticket_id, created_at=when - timedelta(hours=2), solved_at=when,
                first_response_at=when - timedelta(hours=1), status="solved",
                agent_replies=1 if fcr else 2)


def add_solved(db, prefix: str, day: int, fcr: int, other: int) -> None:
    """`fcr` one-touch and `other` two-reply tickets solved on `day` at 10:00–10:59."""
    add_tickets(db, *(solved(f"{prefix}{i}", at(day, 10, i), fcr=i < fcr)
                      for i in range(fcr + other)))


def definition(*kpis) -> DigestDefinition:
    return DigestDefinition.from_dict(
        {"name": "Alerts", "channel": "C1", "at": "09:00", "kpis": list(kpis)}, digest_id="d1")


FCR_FLOOR = definition({"metric": "fcr", "threshold": ">= 65%"})


def readings(db, digest, now):
    return read_alerts(KpiEngine(db, make_settings()), digest, now=now, window_hours=24,
                       min_n=MIN_N)


def test_a_threshold_crossed_over_the_window_fires_once_and_again_after_recovery(db):
    states = AlertStates(db, lambda: at(23, 12))
    add_solved(db, "a", 23, fcr=2, other=3)  # 23 Nov: 2/5 = 40%, below 65%
    [crossing] = readings(db, FCR_FLOOR, at(23, 12))
    assert crossing.rule is AlertRule.THRESHOLD
    assert (crossing.value, crossing.result.n, crossing.crossed) == (0.4, 5, True)
    assert states.apply(crossing) == (first := states.apply(crossing))  # once per episode
    assert (first.firing, first.episode) == (True, 1)

    add_solved(db, "b", 24, fcr=5, other=0)  # 24 Nov: 5/5 = 100%: recovered
    [healthy] = readings(db, FCR_FLOOR, at(24, 12))
    assert healthy.crossed is False
    assert states.apply(healthy) == type(first)(firing=False, episode=1)

    add_solved(db, "c", 25, fcr=1, other=3)  # 25 Nov: 1/4 = 25%: a new crossing
    [again] = readings(db, FCR_FLOOR, at(25, 12))
    assert again.crossed is True
    assert states.apply(again) == type(first)(firing=True, episode=2)


def test_too_few_records_neither_fire_nor_recover(db):
    states = AlertStates(db, lambda: at(23, 12))
    add_solved(db, "a", 23, fcr=0, other=4)
    assert states.apply(readings(db, FCR_FLOOR, at(23, 12))[0]).episode == 1
    add_solved(db, "b", 24, fcr=3, other=0)  # 3 < MIN_N: unknown, even though all one-touch
    [quiet] = readings(db, FCR_FLOOR, at(24, 12))
    assert quiet.crossed is None
    assert states.apply(quiet) == type(states.apply(quiet))(firing=True, episode=1)


def test_a_count_threshold_counts_an_empty_window_as_zero(db):
    intake = definition({"metric": "ticket_volume", "threshold": ">= 10"})
    [reading] = readings(db, intake, at(23, 12))
    assert (reading.value, reading.crossed) == (0.0, True)  # no tickets for 24 h: tell


def add_csat(db, prefix: str, day: int, good: int, bad: int) -> None:
    add_tickets(db, *({"id": f"{prefix}{i}", "created_at": at(day, 8)} for i in range(good + bad)))
    add_survey_responses(db, *({"ticket_id": f"{prefix}{i}", "kind": "csat",
                                "score": 5 if i < good else 1, "responded_at": at(day, 9, i)}
                               for i in range(good + bad)))


def test_a_change_alert_fires_on_a_drop_larger_than_its_amount_and_than_noise(db):
    # Last 24 h (22 Nov 12:00 – 23 Nov 12:00): 5/10 = 50%. The 7 days before: 45/50 = 90%.
    # −40 pts; pooled 50/60, z = −0.4 / sqrt(5/6 · 1/6 · (1/10 + 1/50)) = −3.10: real.
    add_csat(db, "w", 23, good=5, bad=5)
    for day, good in zip(range(16, 21), (9, 9, 9, 9, 9)):
        add_csat(db, f"b{day}-", day, good=good, bad=1)
    drop = definition({"metric": "csat", "change_alert": "10pts"})
    [reading] = readings(db, drop, at(23, 12))
    assert reading.rule is AlertRule.CHANGE
    assert reading.result.previous_period.start == at(15, 12)
    assert reading.result.change.previous.n == 50
    assert reading.worse_by == pytest.approx(0.4) and reading.crossed is True
    [large] = readings(db, definition({"metric": "csat", "change_alert": "50pts"}), at(23, 12))
    assert large.crossed is False  # 40 pts worse is not the 50 the alert is set at


def test_a_change_within_noise_does_not_fire(db):
    # 4/5 = 80% against 45/50 = 90%: −10 pts, but z = −0.71: noise.
    add_csat(db, "w", 23, good=4, bad=1)
    for day in range(16, 21):
        add_csat(db, f"b{day}-", day, good=9, bad=1)
    [reading] = readings(db, definition({"metric": "csat", "change_alert": "5pts"}), at(23, 12))
    assert reading.result.change.significant is False and reading.crossed is False


def test_a_count_change_compares_rates_not_a_day_with_a_week(db):
    # 30 tickets in the last 24 h (1.25 an hour) against 70 in the 7 days before (10 a day,
    # 0.417 an hour): three times the rate, +200%.
    add_tickets(db, *({"id": f"w{i}", "created_at": at(23, 0) + timedelta(minutes=i)}
                      for i in range(30)))
    add_tickets(db, *({"id": f"b{day}-{i}", "created_at": at(day, 10, i)}
                      for day in range(16, 23) for i in range(10)))
    spike = definition({"metric": "ticket_volume", "change_alert": "50%"})
    [reading] = readings(db, spike, at(23, 12))
    assert reading.worse_by == pytest.approx(2.0)
    assert reading.crossed is True


def test_the_alert_says_the_value_the_window_and_the_threshold(db):
    add_solved(db, "a", 23, fcr=2, other=3)
    [crossing] = readings(db, FCR_FLOOR, at(23, 12))
    text = alert_text(crossing)
    assert "First contact resolution is 40.0% over the last 24 hours (n = 5 tickets)" in text
    assert "threshold of ≥ 65%" in text


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])  # the bot's own databases
def test_ten_checkers_crossing_at_once_start_one_episode(backend, migrated_database):
    db = migrated_database(backend)
    add_solved(db, "a", 23, fcr=0, other=5)
    [crossing] = readings(db, FCR_FLOOR, at(23, 12))
    start, states = threading.Barrier(10), []

    def check() -> None:
        start.wait()
        states.append(AlertStates(db, lambda: at(23, 12)).apply(crossing))

    threads = [threading.Thread(target=check) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {(state.firing, state.episode) for state in states} == {(True, 1)}
