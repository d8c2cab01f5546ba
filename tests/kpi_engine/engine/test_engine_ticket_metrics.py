"""The ticket KPIs of kpi-definitions.md, each on a small hand-built dataset, on every backend.

Unless a test says otherwise the period is "last week" = [Mon 2026-11-09 00:00, Mon 2026-11-16
00:00) UTC, with NOW = Sun 2026-11-22 14:05 UTC. Every dataset has a record just before the
start, one exactly at the start (included), one exactly at the end (excluded) and one after,
and a record whose other timestamp is in the period but whose placing timestamp is not (and vice
versa). Expected values are worked out by hand in the test.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from kpi_engine.engine import KpiEngine
from kpi_engine.periods import parse_period, period_from_bounds
from kpi_engine.query import KpiQuery
from tests.builders import NOW, add_tickets, make_settings

from .timeline import LAST_WEEK, after, at, run

THIS_WEEK = parse_period("this week", now=NOW, tz="UTC")  # [Nov 16, NOW)





def test_periods_are_the_ones_the_tests_assume():
    assert (LAST_WEEK.start, LAST_WEEK.end) == (at(9), at(16))
    assert (THIS_WEEK.start, THIS_WEEK.end) == (at(16), NOW)


# --- placed by created_at ----------------------------------------------------------------------


def _created_dataset(db) -> None:
    """Seven tickets around last week, placed by created_at.

    in the period: c2 (at the start exactly), c3 (solved after the period), c4 (last second).
    out: c1 (1 s before the start), c5 (at the end exactly), c6 (created before, solved inside),
    c7 (after)."""
    add_tickets(
        db,
        {"id": "c1", "created_at": at(8, 23, 59, 59), "first_response_at": after(at(8, 23, 59, 59), 60),
         "escalated": True, "tags": ["complaint"]},
        {"id": "c2", "created_at": at(9), "first_response_at": after(at(9), 600), "escalated": True,
         "tags": ["vip"]},
        {"id": "c3", "created_at": at(12, 10), "first_response_at": after(at(12, 10), 1800),
         "solved_at": at(20), "status": "solved", "tags": ["complaint", "billing"]},
        {"id": "c4", "created_at": at(15, 23, 59, 59), "tags": ["refund"]},
        {"id": "c5", "created_at": at(16), "first_response_at": after(at(16), 30), "escalated": True,
         "tags": ["complaint"]},
        {"id": "c6", "created_at": at(5), "first_response_at": after(at(5), 7200), "solved_at": at(10),
         "status": "solved", "escalated": True, "tags": ["complaint"]},
        {"id": "c7", "created_at": at(18), "first_response_at": after(at(18), 5), "tags": ["complaint"]},
    )


def test_ticket_volume_counts_tickets_created_in_the_period(db, kpi):
    _created_dataset(db)
    result = run(kpi, "ticket_volume")
    # c2 (at start), c3, c4 (last second); not c1, c5 (at end), c6 (solved inside), c7
    assert result.value == 3
    assert result.n == 3
    assert result.metric.unit.value == "count"


def test_frt_is_the_mean_over_created_tickets_that_have_a_response(db, kpi):
    _created_dataset(db)
    result = run(kpi, "frt")
    # c2: 600 s, c3: 1800 s; c4 has no response and is left out (not counted as 0)
    assert result.value == pytest.approx((600 + 1800) / 2)
    assert result.n == 2
    assert result.current.interval is None


def test_escalation_rate_is_the_share_of_created_tickets_escalated(db, kpi):
    _created_dataset(db)
    result = run(kpi, "escalation_rate")
    # c2 escalated, c3 and c4 not; c1, c5, c6 escalated but not created in the period
    assert result.value == pytest.approx((1 + 0 + 0) / 3)
    assert result.n == 3
    assert result.current.successes == 1


def test_response_rate_is_the_share_of_created_tickets_with_a_response(db, kpi):
    _created_dataset(db)
    result = run(kpi, "response_rate")
    # c2 and c3 answered, c4 not
    assert result.value == pytest.approx((1 + 1 + 0) / 3)
    assert result.n == 3


def test_complaint_rate_is_the_share_of_created_tickets_tagged_complaint(db, kpi):
    _created_dataset(db)
    result = run(kpi, "complaint_rate")
    # c3 carries complaint (among other tags), c2 (vip) and c4 (refund) do not;
    # c1, c5, c6, c7 are complaints outside the period
    assert result.value == pytest.approx((0 + 1 + 0) / 3)
    assert result.n == 3
    assert result.current.successes == 1


# --- placed by solved_at -----------------------------------------------------------------------


def _solved_dataset(db) -> None:
    """Tickets around last week, placed by solved_at.

    in the period: s2 (solved at the start exactly), s3, s4 (solved at the last second).
    out: s1 (solved 1 s before the start), s5 (solved at the end exactly), s6 (created inside,
    never solved), s7 (created inside, solved after)."""
    add_tickets(
        db,
        {"id": "s1", "created_at": at(1), "solved_at": at(8, 23, 59, 59), "status": "solved",
         "handle_time_seconds": 9999, "hold_time_seconds": 9999, "customer_messages": 9, "reopens": 1},
        {"id": "s2", "created_at": at(2), "solved_at": at(9), "status": "solved",
         "handle_time_seconds": 300, "hold_time_seconds": 0, "customer_messages": 1, "reopens": 0},
        {"id": "s3", "created_at": at(10), "solved_at": at(12), "status": "solved",
         "handle_time_seconds": None, "hold_time_seconds": 60, "customer_messages": 3, "reopens": 2},
        {"id": "s4", "created_at": at(15, 12), "solved_at": at(15, 23, 59, 59), "status": "closed",
         "handle_time_seconds": 600, "hold_time_seconds": 120, "customer_messages": 2, "reopens": 0},
        {"id": "s5", "created_at": at(15), "solved_at": at(16), "status": "solved",
         "handle_time_seconds": 9999, "hold_time_seconds": 9999, "customer_messages": 9, "reopens": 1},
        {"id": "s6", "created_at": at(10), "status": "open", "handle_time_seconds": 9999,
         "hold_time_seconds": 9999, "customer_messages": 9, "reopens": 1},
        {"id": "s7", "created_at": at(12), "solved_at": at(20), "status": "solved",
         "handle_time_seconds": 9999, "hold_time_seconds": 9999, "customer_messages": 9, "reopens": 1},
    )


def test_resolved_counts_tickets_solved_in_the_period(db, kpi):
    _solved_dataset(db)
    result = run(kpi, "resolved")
    # s2 (at start), s3, s4 (last second); not s1, s5 (at end), s6 (open), s7 (solved after)
    assert result.value == 3
    assert result.n == 3


def test_resolution_time_is_the_mean_creation_to_solve_over_solved_tickets(db, kpi):
    _solved_dataset(db)
    result = run(kpi, "resolution_time")
    # s2: Nov 2 -> Nov 9 = 7 d = 604800 s; s3: Nov 10 -> Nov 12 = 172800 s;
    # s4: Nov 15 12:00 -> 23:59:59 = 43199 s
    assert result.value == pytest.approx((604800 + 172800 + 43199) / 3)
    assert result.n == 3


def test_aht_is_the_mean_handle_time_where_present(db, kpi):
    _solved_dataset(db)
    result = run(kpi, "aht")
    # s2: 300, s3: none (left out), s4: 600
    assert result.value == pytest.approx((300 + 600) / 2)
    assert result.n == 2


def test_hold_time_is_the_mean_hold_time_where_present_zero_included(db, kpi):
    _solved_dataset(db)
    result = run(kpi, "hold_time")
    # s2: 0 (present, counts), s3: 60, s4: 120
    assert result.value == pytest.approx((0 + 60 + 120) / 3)
    assert result.n == 3


def test_aht_and_hold_time_over_long_durations(db, kpi):
    # 50 000 s is 13.9 h: a long email case. The squares of such values (2.5e9) pass 2^31, which
    # the mean's sum of squares (for the significance test) must survive on every backend.
    add_tickets(
        db,
        {"id": "h1", "created_at": at(3), "solved_at": at(10), "status": "solved",
         "handle_time_seconds": 50_000, "hold_time_seconds": 47_000},
        {"id": "h2", "created_at": at(4), "solved_at": at(11), "status": "solved",
         "handle_time_seconds": 60_000, "hold_time_seconds": 48_000},
    )
    aht = run(kpi, "aht")
    assert aht.value == pytest.approx((50_000 + 60_000) / 2)
    assert aht.n == 2
    hold = run(kpi, "hold_time")
    assert hold.value == pytest.approx((47_000 + 48_000) / 2)
    assert hold.n == 2


def test_contacts_to_resolution_is_the_mean_customer_messages_of_solved_tickets(db, kpi):
    _solved_dataset(db)
    result = run(kpi, "contacts_to_resolution")
    # s2: 1, s3: 3, s4: 2
    assert result.value == pytest.approx((1 + 3 + 2) / 3)
    assert result.n == 3


def test_reopen_rate_is_the_share_of_solved_tickets_reopened(db, kpi):
    _solved_dataset(db)
    result = run(kpi, "reopen_rate")
    # s3 reopened twice; s2, s4 never; s1, s5, s6, s7 reopened but not solved in the period
    assert result.value == pytest.approx((0 + 1 + 0) / 3)
    assert result.n == 3
    assert result.current.interval is None


def _fcr_dataset(db) -> None:
    """Solved tickets for FCR. In the period: f1..f6; out: f7 (solved before), f8 (open), f9
    (solved at the end exactly)."""
    add_tickets(
        db,
        # solved in one touch
        {"id": "f1", "created_at": at(9, 8), "solved_at": at(9, 9), "status": "solved",
         "agent_replies": 1, "customer_messages": 1},
        # no agent reply: left out of the strict FCR
        {"id": "f2", "created_at": at(10, 8), "solved_at": at(10, 9), "status": "solved",
         "agent_replies": 0, "customer_messages": 1},
        # a reopen breaks it
        {"id": "f3", "created_at": at(10, 8), "solved_at": at(11, 9), "status": "solved",
         "agent_replies": 1, "reopens": 1, "customer_messages": 2},
        # an escalation breaks it
        {"id": "f4", "created_at": at(11, 8), "solved_at": at(11, 9), "status": "solved",
         "agent_replies": 1, "escalated": True, "customer_messages": 1},
        # two agent replies break it
        {"id": "f5", "created_at": at(12, 8), "solved_at": at(12, 9), "status": "solved",
         "agent_replies": 2, "customer_messages": 3},
        # one touch, created before the period
        {"id": "f6", "created_at": at(6, 8), "solved_at": at(15, 23, 59, 59), "status": "closed",
         "agent_replies": 1, "customer_messages": 1},
        {"id": "f7", "created_at": at(8, 8), "solved_at": at(8, 23, 59, 59), "status": "solved",
         "agent_replies": 1, "customer_messages": 1},
        {"id": "f8", "created_at": at(12, 8), "status": "open", "agent_replies": 1,
         "customer_messages": 1},
        {"id": "f9", "created_at": at(15, 8), "solved_at": at(16), "status": "solved",
         "agent_replies": 1, "customer_messages": 1},
    )


def test_fcr_among_solved_with_an_agent_reply(db, kpi):
    _fcr_dataset(db)
    result = run(kpi, "fcr")
    # among f1, f3, f4, f5, f6 (f2 has no agent reply): f1 and f6 succeed
    assert result.value == pytest.approx((1 + 0 + 0 + 0 + 1) / 5)
    assert result.n == 5
    assert result.current.successes == 2
    assert result.current.interval is None


def test_fcr_variant_one_touch(db):
    _fcr_dataset(db)
    kpi = KpiEngine(db, make_settings(fcr_variant="one_touch"))
    result = run(kpi, "fcr")
    # solved in the period: f1..f6, fewer than 2 agent replies: f1 (1), f2 (0), f3, f4, f6
    assert result.value == pytest.approx(5 / 6)
    assert result.n == 6
    assert "one-touch" in result.definition.lower()
    assert result.definition != KpiEngine(db, make_settings()).run(
        KpiQuery(metric="fcr", period=LAST_WEEK)).definition


def test_fcr_variant_no_customer_followup(db):
    _fcr_dataset(db)
    kpi = KpiEngine(db, make_settings(fcr_variant="no_customer_followup"))
    result = run(kpi, "fcr")
    # solved in the period: f1..f6; customer_messages == 1: f1, f2, f4, f6 (f3: 2, f5: 3)
    assert result.value == pytest.approx(4 / 6)
    assert result.n == 6
    assert "no customer message after the first" in result.definition


@pytest.mark.parametrize(
    ("metric", "setting", "variant"),
    [("fcr", "fcr_variant", "one_touch"), ("fcr", "fcr_variant", "no_customer_followup"),
     ("csat", "csat_variant", "mean")],
)
def test_a_variant_definition_says_it_was_chosen_in_settings(db, metric, setting, variant):
    # kpi-definitions.md: variants are settings, "named in the answer when chosen": the
    # definition line is the variant's and names the variant.
    result = run(KpiEngine(db, make_settings(**{setting: variant})), metric)
    default = run(KpiEngine(db, make_settings()), metric)
    assert result.definition != default.definition
    assert "variant" in result.definition
    assert variant in result.definition


def test_fcr_default_definition_names_no_variant(kpi):
    result = run(kpi, "fcr")
    assert "variant" not in result.definition
    assert "exactly one agent reply" in result.definition


def test_nia_counts_a_return_in_the_seven_days_after_the_solve(db, kpi):
    add_tickets(
        db,
        # customer A: n1 solved Nov 10 12:00, A returns at exactly +7 d -> not avoided
        {"id": "n1", "customer": "A", "created_at": at(10, 8), "solved_at": at(10, 12),
         "status": "solved"},
        {"id": "n2", "customer": "A", "created_at": at(17, 12)},
        # customer B: n3 solved Nov 11 00:00; B opens one at exactly solved_at (not after) and
        # one at +7 d + 1 s (too late): avoided
        {"id": "n3", "customer": "B", "created_at": at(10), "solved_at": at(11), "status": "solved"},
        {"id": "n4", "customer": "B", "created_at": at(11)},
        {"id": "n5", "customer": "B", "created_at": at(18, 0, 0, 1)},
        # customer C: n6 solved Nov 12, C returns Nov 14 -> not avoided
        {"id": "n6", "customer": "C", "created_at": at(11), "solved_at": at(12), "status": "solved"},
        {"id": "n7", "customer": "C", "created_at": at(14)},
        # customer D: n8 solved Nov 13; D's other ticket n9 is from before -> avoided
        {"id": "n8", "customer": "D", "created_at": at(12), "solved_at": at(13), "status": "solved"},
        {"id": "n9", "customer": "D", "created_at": at(5), "solved_at": at(6), "status": "solved"},
        # customer E: n10 solved at the end exactly -> not in the period
        {"id": "n10", "customer": "E", "created_at": at(15), "solved_at": at(16), "status": "solved"},
        {"id": "n11", "customer": "E", "created_at": at(17)},
    )
    result = run(kpi, "nia")
    # solved in the period: n1 (returned), n3 (avoided), n6 (returned), n8 (avoided)
    assert result.value == pytest.approx((0 + 1 + 0 + 1) / 4)
    assert result.n == 4
    assert result.current.successes == 2


def test_nia_window_is_seven_days_whatever_the_database_session_time_zone(db):
    # The window (solved_at, solved_at + 7 d] must be the same on every backend and must not
    # depend on the database server's own time zone. On PostgreSQL this runs on connections
    # whose session TimeZone is America/New_York (a common server default): the 7 days then
    # cross the DST change of Sun Nov 1 and must still end 168 h after the solve.
    engine = db
    if db.dialect.name == "postgresql":
        engine = sa.create_engine(db.url, connect_args={"options": "-c timezone=America/New_York"})
    solved = at(30, 12, month=10)
    add_tickets(
        db,
        # A returns 7 d + 30 min after the solve: too late, avoided
        {"id": "n1", "customer": "A", "created_at": at(30, 9, month=10), "solved_at": solved,
         "status": "solved"},
        {"id": "n2", "customer": "A", "created_at": after(solved, 7 * 86400 + 1800)},
        # B returns exactly 168 h after the solve: a return
        {"id": "n3", "customer": "B", "created_at": at(30, 9, month=10), "solved_at": solved,
         "status": "solved"},
        {"id": "n4", "customer": "B", "created_at": after(solved, 7 * 86400)},
    )
    period = period_from_bounds("2026-10-26", "2026-11-02", now=NOW, tz="UTC")
    try:
        result = run(KpiEngine(engine, make_settings()), "nia", period=period)
    finally:
        if engine is not db:
            engine.dispose()
    assert result.value == pytest.approx((1 + 0) / 2)
    assert result.n == 2


# --- backlog at the period's end ---------------------------------------------------------------


def test_backlog_is_open_at_the_end_of_the_period(db, kpi):
    add_tickets(
        db,
        {"id": "b1", "created_at": at(1)},  # never solved: open at the end
        {"id": "b2", "created_at": at(3), "solved_at": at(16), "status": "solved"},  # solved at end
        {"id": "b3", "created_at": at(4), "solved_at": at(15, 23, 59, 59), "status": "solved"},
        {"id": "b4", "created_at": at(16)},  # created at the end exactly: not yet there
        {"id": "b5", "created_at": at(15, 23, 59, 59), "solved_at": at(20), "status": "solved"},
        {"id": "b6", "created_at": at(1, month=10), "solved_at": at(2, month=10), "status": "solved"},
        {"id": "b7", "created_at": at(20)},
    )
    result = run(kpi, "backlog")
    # b1, b2 (solved at/after the end), b5 (created in the last second, solved later)
    assert result.value == 3
    assert result.n == 3


# --- service level -----------------------------------------------------------------------------


def test_service_level_default_target(db, kpi):
    # this week = [Mon Nov 16, NOW = Sun Nov 22 14:05); default target 3600 s
    add_tickets(
        db,
        {"id": "l1", "created_at": at(17, 10), "first_response_at": after(at(17, 10), 3600)},  # hit
        {"id": "l2", "created_at": at(17, 11), "first_response_at": after(at(17, 11), 3601)},  # late
        {"id": "l3", "created_at": at(18, 9), "first_response_at": after(at(18, 9), 60)},  # hit
        # unanswered, created 35 min before NOW: still within its target, left out
        {"id": "l4", "created_at": at(22, 13, 30)},
        # unanswered, created exactly 3600 s before NOW: due, missed
        {"id": "l5", "created_at": at(22, 13, 5)},
        # unanswered for days: missed
        {"id": "l6", "created_at": at(20)},
        # answered in time but created before the period
        {"id": "l7", "created_at": at(15, 23), "first_response_at": after(at(15, 23), 10)},
    )
    result = run(kpi, "service_level", period=THIS_WEEK)
    # hits l1, l3; misses l2, l5, l6; l4 left out
    assert result.value == pytest.approx((1 + 0 + 1 + 0 + 0) / 5)
    assert result.n == 5
    assert "1 h" in result.definition


def test_service_level_with_a_custom_default_target(db):
    add_tickets(
        db,
        {"id": "l1", "created_at": at(17, 10), "first_response_at": after(at(17, 10), 20)},  # hit
        {"id": "l2", "created_at": at(17, 11), "first_response_at": after(at(17, 11), 21)},  # late
        {"id": "l3", "created_at": at(22, 14, 4, 50)},  # unanswered, 10 s old: left out
        {"id": "l4", "created_at": at(22, 14, 4, 40)},  # unanswered, 20 s old: missed
    )
    kpi = KpiEngine(db, make_settings(sla_seconds=20))
    result = run(kpi, "service_level", period=THIS_WEEK)
    assert result.value == pytest.approx((1 + 0 + 0) / 3)
    assert result.n == 3


def _sla_rules_dataset(db) -> None:
    base = at(17, 9)
    add_tickets(
        db,
        {"id": "m1", "channel": "chat", "created_at": base, "first_response_at": after(base, 120)},
        {"id": "m2", "channel": "chat", "created_at": base, "first_response_at": after(base, 121)},
        {"id": "m3", "channel": "email", "priority": "urgent", "created_at": base,
         "first_response_at": after(base, 1800)},
        {"id": "m4", "channel": "email", "priority": "urgent", "created_at": base,
         "first_response_at": after(base, 1801)},
        {"id": "m5", "channel": "email", "created_at": base, "first_response_at": after(base, 3000)},
        {"id": "m6", "channel": "phone", "priority": "urgent", "created_at": base,
         "first_response_at": after(base, 1000)},
        {"id": "m7", "channel": "email", "priority": "urgent", "created_at": base,
         "first_response_at": after(base, 1000)},
        # unanswered, 200 s before NOW
        {"id": "m8", "channel": "chat", "created_at": after(NOW, -200)},
        {"id": "m9", "channel": "email", "created_at": after(NOW, -200)},
    )


def test_service_level_with_targets_per_channel_and_priority(db):
    _sla_rules_dataset(db)
    kpi = KpiEngine(db, make_settings(sla_targets="chat=120,email/urgent=1800,urgent=900"))
    result = run(kpi, "service_level", period=THIS_WEEK)
    # m1 chat 120 <= 120 hit; m2 chat 121 > 120 miss; m3 email/urgent 1800 hit; m4 1801 miss;
    # m5 email/normal -> default 3600: 3000 hit; m6 phone/urgent -> urgent 900: 1000 miss;
    # m7 email/urgent -> the more specific email/urgent 1800 (not urgent 900): 1000 hit;
    # m8 chat unanswered 200 s >= 120: missed; m9 email/normal unanswered 200 s < 3600: left out
    assert result.value == pytest.approx(4 / 8)
    assert result.n == 8
    assert "chat" in result.definition


def test_service_level_same_tickets_under_the_default_target(db, kpi):
    _sla_rules_dataset(db)
    result = run(kpi, "service_level", period=THIS_WEEK)
    # every answer is within 3600 s (m1..m7 hit); m8 and m9 are 200 s old: left out
    assert result.value == pytest.approx(7 / 7)
    assert result.n == 7


# --- n = 0 -------------------------------------------------------------------------------------


def test_count_with_no_data_is_none(db, kpi):
    add_tickets(db, {"id": "x1", "created_at": at(2)}, {"id": "x2", "created_at": at(16)})
    result = run(kpi, "ticket_volume")
    assert result.n == 0
    assert result.value is None
    assert result.to_json()["value"] is None


def test_mean_with_no_data_is_none(db, kpi):
    # tickets created in the period, but none has a response: frt has nothing to average
    add_tickets(db, {"id": "x1", "created_at": at(10)}, {"id": "x2", "created_at": at(11)})
    result = run(kpi, "frt")
    assert result.n == 0
    assert result.value is None
    assert run(kpi, "ticket_volume").value == 2


def test_share_with_no_data_is_none(db, kpi):
    # solved in the period, but without an agent reply: no ticket qualifies for FCR
    add_tickets(db, {"id": "x1", "created_at": at(10), "solved_at": at(11), "status": "solved",
                     "agent_replies": 0})
    result = run(kpi, "fcr")
    assert result.n == 0
    assert result.value is None
    assert result.current.interval is None


def test_complaint_tag_matches_whatever_its_case(db, kpi):
    add_tickets(
        db,
        dict(id="1", created_at=at(10, 9), tags=["Complaint"]),
        dict(id="2", created_at=at(10, 10), tags=["COMPLAINT", "billing"]),
        dict(id="3", created_at=at(10, 11), tags=["complaints"]),  # another word: not a complaint
        dict(id="4", created_at=at(10, 12)),
    )
    result = run(kpi, "complaint_rate")
    assert (result.value, result.n) == (2 / 4, 4)
