"""A digest KPI in business hours: `{metric: frt, business_hours: true}` in a digest file (its
target written as always, `frt <= 30min`), read back and written out the same, refused for a
KPI that is no time per ticket; the KPIs named in business hours by the command line's and the
modal's parts; and the digest measuring it so — by hand, on every backend.

The digest is due Tue 17 Nov 2026 09:00 in Berlin and covers Mon 16 Nov. The workspace counts
Mon–Fri 09:00–17:00 in Europe/Berlin. Two tickets of Mon 16 Nov: X created 16:30, answered
18:00 (1 h 30 in calendar time, 30 min in business hours); Y created 10:00, answered 10:20.
FRT: calendar (5400 + 1200) / 2 = 3300 s; business (1800 + 1200) / 2 = 1500 s.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from kpi_engine.digests.content import build_digest
from kpi_engine.digests.definitions import (
    DigestDefinition,
    DigestInvalid,
    definition_from_parts,
)
from kpi_engine.engine import KpiEngine
from tests.builders import add_tickets, make_settings

BERLIN = ZoneInfo("Europe/Berlin")
DUE = datetime(2026, 11, 17, 9, tzinfo=BERLIN)
ENTRY = {"name": "Mornings", "channel": "C0123ABCD", "at": "09:00", "tz": "Europe/Berlin",
         "kpis": [{"metric": "frt", "business_hours": True, "target": "<= 30min"},
                  "resolution_time"]}


def test_a_digest_file_entry_in_business_hours_reads_back_the_same():
    definition = DigestDefinition.from_dict(ENTRY)
    frt, resolution = definition.kpis
    assert (frt.metric, frt.business_hours) == ("frt", True)
    assert frt.target.holds(1800) and not frt.target.holds(1801)
    assert resolution.business_hours is False
    assert definition.to_dict()["kpis"] == [
        {"metric": "frt", "target": "<= 30min", "business_hours": True}, "resolution_time"]
    assert DigestDefinition.from_dict(definition.to_dict()) == definition


@pytest.mark.parametrize("kpi, problem", [
    ({"metric": "csat", "business_hours": True},
     "csat is not counted in business hours: business hours apply to frt, resolution_time and "
     "service_level"),
    ({"metric": "frt", "business_hours": "sometimes"}, "frt business_hours: true or false"),
])
def test_a_kpi_that_cannot_be_is_refused(kpi, problem):
    with pytest.raises(DigestInvalid) as invalid:
        DigestDefinition.from_dict(ENTRY | {"kpis": [kpi]})
    assert problem in invalid.value.errors["kpis"]


def test_the_parts_people_type_name_the_kpis_in_business_hours():
    fields = {"name": "Mornings", "channel": "C0123ABCD", "at": "09:00"}
    definition = definition_from_parts(fields, ["frt", "service_level", "csat"],
                                       targets=["frt <= 1h"],
                                       business_hours=["frt", "service level"])
    assert [(kpi.metric, kpi.business_hours) for kpi in definition.kpis] == [
        ("frt", True), ("service_level", True), ("csat", False)]
    assert definition.kpis[0].target.holds(3600)
    with pytest.raises(DigestInvalid) as invalid:
        definition_from_parts(fields, ["frt"], business_hours=["resolution_time"])
    assert invalid.value.errors == {"business_hours": "resolution_time is not among the KPIs"}
    with pytest.raises(DigestInvalid) as invalid:
        definition_from_parts(fields, ["csat"], business_hours=["csat"])
    assert "csat is not counted in business hours" in invalid.value.errors["kpis"]


def test_the_digest_measures_it_in_business_hours(db):
    add_tickets(db,
                dict(id="X", created_at=datetime(2026, 11, 16, 16, 30, tzinfo=BERLIN),
                     first_response_at=datetime(2026, 11, 16, 18, tzinfo=BERLIN)),
                dict(id="Y", created_at=datetime(2026, 11, 16, 10, tzinfo=BERLIN),
                     first_response_at=datetime(2026, 11, 16, 10, 20, tzinfo=BERLIN)))
    kpi = KpiEngine(db, make_settings(tz="Europe/Berlin"))
    report = build_digest(kpi, DigestDefinition.from_dict(ENTRY), DUE)
    line = report.lines[0]
    assert (line.current.value, line.current.n) == (pytest.approx(1500), 2)
    assert line.target_met is True  # 25 min ≤ 30 min; in calendar time (55 min) it would miss
    assert line.metric.label == "First response time in business hours"
    assert line.calendar == "Mon–Fri 09:00–17:00 Europe/Berlin, no holidays"
    data = report.to_json()["kpis"][0]
    assert data["business_hours"] == {"calendar": "Mon–Fri 09:00–17:00 Europe/Berlin, "
                                                  "no holidays"}
    assert "business_hours" not in report.to_json()["kpis"][1]
    plain = build_digest(kpi, DigestDefinition.from_dict(
        ENTRY | {"kpis": [{"metric": "frt", "target": "<= 30min"}]}), DUE)
    assert plain.lines[0].current.value == pytest.approx(3300)
    assert plain.lines[0].target_met is False


def test_a_digest_in_another_zone_keeps_the_workspace_calendar(db):
    """A digest posted in New York still counts on the workspace's Berlin calendar: its
    readings are not recomputed for the digest's zone."""
    add_tickets(db, dict(id="X", created_at=datetime(2026, 11, 16, 16, 30, tzinfo=BERLIN),
                         first_response_at=datetime(2026, 11, 16, 18, tzinfo=BERLIN)))
    kpi = KpiEngine(db, make_settings(tz="Europe/Berlin"))
    new_york = kpi.in_zone("America/New_York")
    assert new_york.calendars() == kpi.calendars()
    entry = ENTRY | {"tz": "America/New_York", "at": "03:00"}
    report = build_digest(kpi, DigestDefinition.from_dict(entry),
                          datetime(2026, 11, 17, 3, tzinfo=ZoneInfo("America/New_York")))
    assert report.lines[0].current.value == pytest.approx(1800)
    assert report.lines[0].calendar == "Mon–Fri 09:00–17:00 Europe/Berlin, no holidays"
