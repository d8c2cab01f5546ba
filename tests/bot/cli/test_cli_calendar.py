"""Business hours on the command line: `kpibot kpi frt --business-hours` (text and JSON, the
calendar named), `kpibot ask` with "during office hours", `kpibot calendar show|recompute|
between`, and a bad calendar as one line on standard error — never a traceback.

Run in this process on a SQLite file under tmp_path, the clock pinned to Sunday 2026-11-22
14:05 UTC; the workspace counts Mon–Fri 09:00–17:00 in Europe/Berlin with DE-BE's holidays.
Two tickets of last week (Mon 9 – Mon 16 Nov): N created Mon 9 16:00, answered Tue 10 10:00
(18 h; 2 h in business hours); W created Sat 14 11:00, answered 11:30 (30 min; 0).
"""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from kpi_engine.storage.database import open_database
from tests.builders import add_tickets, run_kpibot

BERLIN = ZoneInfo("Europe/Berlin")
NOW = "2026-11-22T14:05:00+00:00"
CALENDAR = "Mon–Fri 09:00–17:00 Europe/Berlin, DE-BE holidays"


@pytest.fixture
def desk(tmp_path, monkeypatch) -> str:
    for name in ("KPIBOT_LLM", "KPIBOT_DATABASE_URL", "KPIBOT_NOW", "KPIBOT_BUSINESS_TZ",
                 "KPIBOT_BUSINESS_CALENDARS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KPIBOT_TZ", "Europe/Berlin")
    monkeypatch.setenv("KPIBOT_BUSINESS_HOURS", "mon-fri 09:00-17:00")
    monkeypatch.setenv("KPIBOT_HOLIDAYS", "DE-BE")
    url = f"sqlite:///{tmp_path / 'kpibot.db'}"
    add_tickets(open_database(url),
                dict(id="N", created_at=datetime(2026, 11, 9, 16, tzinfo=BERLIN),
                     first_response_at=datetime(2026, 11, 10, 10, tzinfo=BERLIN)),
                dict(id="W", created_at=datetime(2026, 11, 14, 11, tzinfo=BERLIN),
                     first_response_at=datetime(2026, 11, 14, 11, 30, tzinfo=BERLIN)))
    return url


def kpibot(capsys, monkeypatch, url, *args):
    return run_kpibot(capsys, monkeypatch, *args, "--db", url, "--now", NOW)


def test_kpi_with_business_hours(capsys, monkeypatch, desk):
    code, out, _ = kpibot(capsys, monkeypatch, desk, "kpi", "frt", "--period", "last week",
                          "--business-hours", "--json")
    data = json.loads(out)
    assert code == 0
    assert (data["value"], data["n"]) == (3600.0, 2)  # (2 h + 0) / 2
    assert data["business_hours"] == {"calendar": CALENDAR}
    assert data["label"] == "First response time in business hours"
    code, out, _ = kpibot(capsys, monkeypatch, desk, "kpi", "frt", "--period", "last week",
                          "--json")
    assert (json.loads(out)["value"], "business_hours" in json.loads(out)) == (33300.0, False)
    code, out, _ = kpibot(capsys, monkeypatch, desk, "kpi", "frt", "--period", "last week",
                          "--business-hours")
    assert code == 0
    assert out.splitlines()[1].strip().startswith("1 h")
    assert f"  in business hours: {CALENDAR}" in out.splitlines()


def test_kpi_refuses_business_hours_for_a_kpi_that_is_no_time(capsys, monkeypatch, desk):
    code, out, err = kpibot(capsys, monkeypatch, desk, "kpi", "csat", "--business-hours")
    assert code == 1 and out == ""
    assert err.startswith("kpibot: Customer satisfaction (CSAT) is not counted in business "
                          "hours: business hours apply to first response time, resolution time "
                          "and service level")


def test_ask_during_office_hours(capsys, monkeypatch, desk):
    code, out, _ = kpibot(capsys, monkeypatch, desk, "ask",
                          "FRT during office hours last week", "--json")
    data = json.loads(out)
    assert code == 0 and data["value"] == 3600.0
    assert data["business_hours"] == {"calendar": CALENDAR}


def test_calendar_show_recompute_and_between(capsys, monkeypatch, desk):
    code, out, _ = kpibot(capsys, monkeypatch, desk, "calendar", "show")
    assert code == 0
    assert out.splitlines()[0] == f"workspace: {CALENDAR}  (readings not computed with it yet)"
    code, out, _ = kpibot(capsys, monkeypatch, desk, "calendar", "recompute", "--json")
    report = json.loads(out)
    assert (report["calendars"], report["tickets_read"], report["tickets_changed"]) == (
        ["*"], 2, 2)
    code, out, _ = kpibot(capsys, monkeypatch, desk, "calendar", "show", "--json")
    assert json.loads(out)["current"] is True
    code, out, _ = kpibot(capsys, monkeypatch, desk, "calendar", "recompute")
    assert out.startswith("the readings are current")
    # a new calendar: 08:00–18:00 → N Mon 16–18, Tue 08–10 = 4 h
    monkeypatch.setenv("KPIBOT_BUSINESS_HOURS", "mon-fri 08:00-18:00")
    code, out, _ = kpibot(capsys, monkeypatch, desk, "calendar", "recompute")
    # both tickets' readings move (they count from 2000), though W's FRT stays 0
    assert out.startswith("recomputed workspace: 2 tickets read, 2 changed")
    code, out, _ = kpibot(capsys, monkeypatch, desk, "kpi", "frt", "--period", "last week",
                          "--business-hours", "--json")
    assert json.loads(out)["value"] == 7200.0
    code, out, _ = kpibot(capsys, monkeypatch, desk, "calendar", "between",
                          "2026-11-09T16:00", "2026-11-10T10:00")
    assert out.strip() == ("4 h (14,400 s) in business hours: Mon–Fri 08:00–18:00 "
                           "Europe/Berlin, DE-BE holidays")


def test_a_bad_calendar_is_one_line(capsys, monkeypatch, desk):
    monkeypatch.setenv("KPIBOT_HOLIDAYS", "DE-XX")
    code, out, err = kpibot(capsys, monkeypatch, desk, "kpi", "frt", "--business-hours")
    assert code == 1
    assert err.startswith("kpibot: KPIBOT_HOLIDAYS: DE has no region 'XX': its regions are BB, "
                          "BE")
    assert len(err.strip().splitlines()) == 1
    code, out, _ = kpibot(capsys, monkeypatch, desk, "calendar", "show", "--json")
    assert code == 1 and json.loads(out)["error"].startswith("KPIBOT_HOLIDAYS: DE has no region")
    monkeypatch.setenv("KPIBOT_HOLIDAYS", "DE-BE")
    monkeypatch.setenv("KPIBOT_BUSINESS_HOURS", "mon-fri 9-17")
    code, out, err = kpibot(capsys, monkeypatch, desk, "calendar", "recompute")
    assert code == 1 and err.startswith("kpibot: KPIBOT_BUSINESS_HOURS: '9' is not a time")
