"""The outside check of business hours: a Zendesk export whose metric sets carry Zendesk's own
business minutes for a schedule of Mon–Fri 09:00–17:00 Europe/Berlin with a holiday on Friday
6 November 2026 — the minutes worked out by hand, as Zendesk counts them — and kpibot, with
the same calendar, must count each ticket's first reply and resolution in business hours as
Zendesk did (within a minute), and in calendar time as the calendar minutes.

The tickets (local Berlin times; CET = UTC+1 in November, CEST = UTC+2 after 29 March 2026):
  201  Mon 16 Nov 08:00 → reply 10:30 (90 business min: 09:00–10:30);
       solved Tue 17 Nov 11:00 (Mon 480 + Tue 120 = 600).
  202  Fri 13 Nov 16:30 → reply Mon 16 Nov 09:45 (Fri 30 + Mon 45 = 75);
       solved Mon 16 Nov 17:30 (Fri 30 + Mon 480 = 510).
  203  Thu 5 Nov 16:00 → reply Mon 9 Nov 09:10 (Thu 60, Fri the 6th a holiday, Mon 10 = 70).
  204  Sat 7 Nov 11:00 → reply 12:00 (a weekend: 0).
  205  Fri 27 Mar 16:00 CET → reply Mon 30 Mar 10:00 CEST, across the change of the clocks
       (Fri 60 + Mon 60 = 120; calendar 65 h = 3,900 min, not 66 h); solved Mon 12:00 CEST
       (Fri 60 + Mon 180 = 240; calendar 4,020).
  206  Tue 10 Nov 20:00 → reply 22:00, both at night (0); solved Wed 09:30 (30).
"""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from kpi_engine.engine import KpiEngine
from kpi_engine.ingest.helpdesk import import_helpdesk
from kpi_engine.periods import period_from_bounds
from kpi_engine.query import KpiQuery
from kpi_engine.vocabulary import Dimension
from tests.builders import NOW, make_settings

TEMPLATE = json.loads((Path(__file__).parent / "data" / "zendesk" / "tickets-1.json")
                      .read_text(encoding="utf-8"))
UTC = timezone.utc

# id: (created UTC, (reply calendar, reply business), (resolution calendar, business) or None)
TICKETS = {
    201: (datetime(2026, 11, 16, 7, 0, tzinfo=UTC), (150, 90), (1620, 600)),
    202: (datetime(2026, 11, 13, 15, 30, tzinfo=UTC), (3915, 75), (4380, 510)),
    203: (datetime(2026, 11, 5, 15, 0, tzinfo=UTC), (5350, 70), None),
    204: (datetime(2026, 11, 7, 10, 0, tzinfo=UTC), (60, 0), None),
    205: (datetime(2026, 3, 27, 15, 0, tzinfo=UTC), (3900, 120), (4020, 240)),
    206: (datetime(2026, 11, 10, 19, 0, tzinfo=UTC), (120, 0), (810, 30)),
}
SETTINGS = dict(business_hours="mon-fri 09:00-17:00", business_tz="Europe/Berlin",
                holidays="2026-11-06")


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _page() -> dict:
    """One page of the incremental ticket export, the template's first ticket and metric set
    as the model of each, with the times and minutes above."""
    page = {key: value for key, value in TEMPLATE.items() if key not in ("tickets", "metric_sets")}
    page["tickets"], page["metric_sets"], page["end_of_stream"] = [], [], True
    page["users"] = [*TEMPLATE["users"], *(
        {"id": 60_000 + number, "name": f"Customer {number}", "email": f"c{number}@x.example",
         "role": "end-user"} for number in TICKETS)]
    for number, (created, (reply, reply_business), resolution) in TICKETS.items():
        ticket = copy.deepcopy(TEMPLATE["tickets"][0])
        solved = created + timedelta(minutes=resolution[0]) if resolution else None
        ticket.update(id=number, created_at=_stamp(created), requester_id=60_000 + number,
                      submitter_id=60_000 + number, satisfaction_rating=None,
                      status="solved" if solved else "open",
                      updated_at=_stamp(solved or created + timedelta(minutes=reply)))
        metrics = copy.deepcopy(TEMPLATE["metric_sets"][0])
        metrics.update(id=9_000 + number, ticket_id=number, reopens=0, replies=1,
                       solved_at=_stamp(solved) if solved else None,
                       reply_time_in_minutes={"calendar": reply, "business": reply_business})
        metrics["full_resolution_time_in_minutes"] = (
            {"calendar": resolution[0], "business": resolution[1]} if resolution
            else {"calendar": None, "business": None})
        page["tickets"].append(ticket)
        page["metric_sets"].append(metrics)
    return page


@pytest.fixture
def imported(db, tmp_path):
    path = tmp_path / "tickets.json"
    path.write_text(json.dumps(_page()), encoding="utf-8")
    settings = make_settings(**SETTINGS)
    import_helpdesk(db, settings, "zendesk", [path])
    return db, settings


def _minutes_by_ticket(imported, metric: str, *, business: bool) -> dict[int, float]:
    db, settings = imported
    period = period_from_bounds("2026-03-01", "2026-11-22", now=NOW)
    result = KpiEngine(db, settings).run(KpiQuery(
        metric=metric, period=period, group_by=(Dimension.CUSTOMER,), business_hours=business))
    return {int(row["group"]["customer"][1:4]): row["value"] / 60
            for row in result.to_json()["rows"]}


@pytest.mark.parametrize("business", [False, True], ids=["calendar", "business"])
def test_first_reply_minutes_are_zendesks_own(imported, business):
    minutes = _minutes_by_ticket(imported, "frt", business=business)
    expected = {number: reply[1 if business else 0]
                for number, (_, reply, _) in TICKETS.items()}
    assert minutes.keys() == expected.keys()
    for number, value in expected.items():
        assert minutes[number] == pytest.approx(value, abs=1), number


@pytest.mark.parametrize("business", [False, True], ids=["calendar", "business"])
def test_resolution_minutes_are_zendesks_own(imported, business):
    minutes = _minutes_by_ticket(imported, "resolution_time", business=business)
    expected = {number: resolution[1 if business else 0]
                for number, (_, _, resolution) in TICKETS.items() if resolution}
    assert minutes.keys() == expected.keys()
    for number, value in expected.items():
        assert minutes[number] == pytest.approx(value, abs=1), number


def test_the_answer_names_the_calendar_it_used(imported):
    db, settings = imported
    period = period_from_bounds("2026-11-01", "2026-11-22", now=NOW)
    result = KpiEngine(db, settings).run(KpiQuery(metric="frt", period=period,
                                                  business_hours=True))
    assert "Europe/Berlin" in result.to_json()["business_hours"]["calendar"]
    # 201–204 and 206 created in November: (90 + 75 + 70 + 0 + 0) / 5 business minutes
    assert result.value / 60 == pytest.approx(235 / 5, abs=1 / 60)
