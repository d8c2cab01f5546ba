"""A digest names where a change came from: a KPI that missed its target, or whose alert is
firing, gets one line with the top driver of its change from the period before
(`KpiEngine.explain_change`); a KPI that met its target and is not alerting gets none. On every
backend.

The digest is due Mon 23 Nov 2026 09:00 UTC and covers Sun 22 Nov against Sat 21 Nov. Each day
80 tickets, created at 12:00 and solved at 15:00, 40 in team billing and 40 in technical:

    21 Nov  billing 36/40 FCR, first responses 500 s and 700 s in turn (mean 600 s)
            technical 36/40 FCR, 500/700 s                       → FCR 72/80 = 90.0%, FRT 600 s
    22 Nov  billing 10/40 FCR, first responses 7000 s and 7400 s (mean 7200 s)
            technical 36/40 FCR, 500/700 s                       → FCR 46/80 = 57.5%,
                                                                   FRT (7200 + 600)/2 = 3900 s

FCR (target ≥ 80%: missed) fell 32.5 pts. Shares stay ½ and ½, so there is no mix: billing's
rate effect is ½ · (25% − 90%) = −32.5 pts, all of the change; technical's is 0. FRT (target
≤ 2 h: met, 1 h 5 min) rose 3300 s = 55 min, billing's rate effect ½ · (7200 − 600) = 3300 s; its
alert is firing, so it names its driver too. Resolved tickets (80 → 80, no target, no alert)
name none.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from kpi_engine.digests.content import build_digest
from kpi_engine.digests.definitions import DigestDefinition
from kpi_engine.digests.text import render_digest_text
from kpi_engine.engine import KpiEngine
from kpi_engine.storage.schema import alert_states
from tests.builders import add_tickets, make_settings
from tests.kpi_engine.engine.timeline import UTC, at

DUE = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
FCR_DRIVER = ("top driver against the day before: team billing −32.5 pts (rate −32.5 pts, "
              "mix ±0.0 pts; 90.0% → 25.0%, n = 40 tickets)")


def add_desk(db) -> None:
    rows = []
    for day, billing_fcr, billing_waits in ((21, 36, (500, 700)), (22, 10, (7000, 7400))):
        for team, one_touch, waits in (("billing", billing_fcr, billing_waits),
                                       ("technical", 36, (500, 700))):
            for i in range(40):
                created = at(day, 12)
                rows.append({"id": f"{team}-{day}-{i}", "created_at": created,
                             "first_response_at": created + timedelta(seconds=waits[i % 2]),
                             "solved_at": at(day, 15), "status": "solved", "team": team,
                             "agent_replies": 1 if i < one_touch else 2})
    add_tickets(db, *rows)


def digest() -> DigestDefinition:
    return DigestDefinition.from_dict(
        {"name": "Morning", "channel": "C1", "at": "09:00", "tz": "UTC",
         "kpis": [{"metric": "fcr", "target": ">= 80%"}, {"metric": "frt", "target": "<= 2h"},
                  "resolved"]}, digest_id="d1")


def fire_alert(db, metric: str) -> None:
    with db.begin() as connection:
        connection.execute(sa.insert(alert_states).values(
            digest_id="d1", metric=metric, rule="threshold", firing=True, episode=1,
            changed_at=at(22, 20)))


def lines(report) -> dict:
    return {line.metric.id: line for line in report.lines}


def test_a_kpi_that_missed_its_target_names_its_top_driver(db):
    add_desk(db)
    report = build_digest(KpiEngine(db, make_settings()), digest(), DUE)
    by_metric = lines(report)
    assert (by_metric["fcr"].current.value, by_metric["fcr"].target_met) == (0.575, False)
    assert by_metric["fcr"].driver == FCR_DRIVER
    assert by_metric["frt"].target_met is True and by_metric["frt"].driver is None
    assert by_metric["resolved"].driver is None
    assert f"     {FCR_DRIVER}" in render_digest_text(report).splitlines()


def test_a_kpi_whose_alert_is_firing_names_its_top_driver_though_it_met_its_target(db):
    add_desk(db)
    fire_alert(db, "frt")
    report = build_digest(KpiEngine(db, make_settings()), digest(), DUE)
    frt = lines(report)["frt"]
    assert (frt.current.value, frt.target_met) == (3900.0, True)
    assert frt.driver.startswith("top driver against the day before: team billing +55 min "
                                 "(rate +55 min, mix ")
    assert frt.driver.endswith("10 min → 2 h, n = 40 tickets)")
    assert lines(report)["resolved"].driver is None


def test_a_missed_target_with_nothing_to_explain_says_so_instead_of_a_driver(db):
    # only the 22 Nov tickets: no FCR the day before (n = 0), nothing to compare
    add_desk(db)
    with db.begin() as connection:
        connection.execute(sa.text("DELETE FROM tickets WHERE id LIKE '%-21-%'"))
    report = build_digest(KpiEngine(db, make_settings()), digest(), DUE)
    assert lines(report)["fcr"].driver == (
        "why, against the day before: no change of first contact resolution to explain: there "
        "are no tickets in the day before (n = 0), so there is nothing to compare")
