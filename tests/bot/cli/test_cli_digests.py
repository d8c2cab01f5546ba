"""`kpibot digest …` as interfaces.md has it: add, list, preview, run (once unless --force),
remove, export and load; bad input gets one clear line and changes nothing; and the numbers of
a digest are exactly `kpibot kpi`'s for the same KPI, period and filters, on every backend."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kpi_engine.ingest import import_csv
from kpi_engine.samples.data import SampleSpec, write_csv
from tests.builders import run_kpibot

NOW = "2026-11-22T14:05:00+00:00"  # a Sunday; a 09:00 digest covers Saturday 21 Nov
TICKET_KPIS = ("ticket_volume,resolved,backlog,frt,resolution_time,aht,hold_time,fcr,"
               "contacts_to_resolution,reopen_rate")
OTHER_KPIS = ("escalation_rate,response_rate,service_level,csat,ces,nps,nia,complaint_rate,"
              "survey_response_rate")


def kpibot(capsys, monkeypatch, url, *args):
    return run_kpibot(capsys, monkeypatch, *args, "--db", url, "--now", NOW)


@pytest.fixture(scope="module")
def sample_csvs(tmp_path_factory):
    from datetime import datetime

    folder = tmp_path_factory.mktemp("desk")
    tickets, surveys = folder / "tickets.csv", folder / "surveys.csv"
    write_csv(SampleSpec(tickets=4000, days=30, end=datetime.fromisoformat(NOW)), tickets, surveys)
    return tickets, surveys


@pytest.fixture
def desk(db, sample_csvs):
    import_csv(db, *sample_csvs)
    return db.url.render_as_string(hide_password=False)


@pytest.mark.parametrize("kpis", [TICKET_KPIS, OTHER_KPIS])  # every KPI of the registry
def test_the_numbers_of_a_digest_are_kpibot_kpis(desk, capsys, monkeypatch, kpis):
    code, out, err = kpibot(capsys, monkeypatch, desk, "digest", "add", "Tier 1", "--channel",
                            "C1", "--at", "09:00", "--kpis", kpis, "--where", "tier=1")
    assert code == 0, err
    code, out, _ = kpibot(capsys, monkeypatch, desk, "digest", "preview", "Tier 1", "--json")
    assert code == 0
    digest = json.loads(out)
    assert digest["period"]["start"] == "2026-11-21T00:00:00+00:00"
    for line in digest["kpis"]:
        code, out, _ = kpibot(capsys, monkeypatch, desk, "kpi", line["metric"], "--period",
                              "yesterday", "--where", "tier=1", "--json")
        answer = json.loads(out)
        assert (line["value"], line["n"]) == (answer["value"], answer["n"]), line["metric"]
        assert line["trend"][-1]["value"] == answer["value"]
        code, out, _ = kpibot(capsys, monkeypatch, desk, "kpi", line["metric"], "--start",
                              "2026-11-20", "--end", "2026-11-21", "--where", "tier=1", "--json")
        before = json.loads(out)
        assert (line["previous"]["value"], line["previous"]["n"]) == (before["value"], before["n"])
    assert any(line["n"] > 0 for line in digest["kpis"])


@pytest.fixture
def url(sqlite_db):
    return sqlite_db.url.render_as_string(hide_password=False)


def test_add_list_remove(url, capsys, monkeypatch):
    code, out, _ = kpibot(capsys, monkeypatch, url, "digest", "add", "Morning pulse", "--channel",
                          "C0123", "--at", "09:00", "--tz", "Europe/Berlin", "--days",
                          "weekdays", "--kpis", "fcr,frt", "--target", "fcr>=75%",
                          "--threshold", "frt<=2h")
    assert code == 0
    assert "weekdays at 09:00 Europe/Berlin" in out and "next Mon 23 Nov 09:00 CET" in out
    code, out, _ = kpibot(capsys, monkeypatch, url, "digest", "list", "--json")
    [listed] = json.loads(out)
    assert listed["kpis"] == [{"metric": "fcr", "target": ">= 75%"},
                              {"metric": "frt", "threshold": "<= 2h"}]
    assert listed["next_due"] == "2026-11-23T08:00+00:00"
    code, out, _ = kpibot(capsys, monkeypatch, url, "digest", "remove", "morning PULSE")
    assert code == 0 and "removed" in out
    assert kpibot(capsys, monkeypatch, url, "digest", "list")[1].startswith("no digests yet")


def test_bad_input_is_one_line_and_changes_nothing(url, capsys, monkeypatch):
    code, out, err = kpibot(capsys, monkeypatch, url, "digest", "add", "X", "--channel",
                            "#general", "--at", "25:00", "--kpis", "fcr", "--target", "frt<=1h")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "channel:" in err and "at:" in err and "targets:" in err
    code, out, _ = kpibot(capsys, monkeypatch, url, "digest", "add", "X", "--channel", "C1",
                          "--at", "9:00", "--kpis", "fcr", "--where", "team=nobody", "--json")
    assert code == 1 and "no ticket has team 'nobody'" in json.loads(out)["error"]
    code, _, err = kpibot(capsys, monkeypatch, url, "digest", "preview", "nothing")
    assert code == 1 and "there is no digest called 'nothing'" in err
    assert kpibot(capsys, monkeypatch, url, "digest", "list")[1] \
        .startswith("no digests yet")


def test_export_and_load_keep_a_team_s_digests_in_a_file(url, capsys, monkeypatch, tmp_path):
    kpibot(capsys, monkeypatch, url, "digest", "add", "A", "--channel", "C1", "--at", "09:00",
           "--kpis", "fcr")
    kpibot(capsys, monkeypatch, url, "digest", "add", "B", "--channel", "C2", "--at", "17:30",
           "--kpis", "csat", "--change-alert", "csat:10pts")
    for name in ("digests.yaml", "digests.toml"):
        path = tmp_path / name
        assert kpibot(capsys, monkeypatch, url, "digest", "export", str(path))[0] == 0
        code, out, _ = kpibot(capsys, monkeypatch, url, "digest", "load", str(path))
        assert code == 0 and out == "unchanged: A, B\n"
    text = (tmp_path / "digests.yaml").read_text()
    edited = text.replace("17:30", "18:00")
    Path(tmp_path / "edited.yaml").write_text(edited)
    code, out, _ = kpibot(capsys, monkeypatch, url, "digest", "load", str(tmp_path / "edited.yaml"))
    assert out == "updated: B\nunchanged: A\n"


def test_a_file_with_a_bad_entry_loads_nothing(url, capsys, monkeypatch, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("digests:\n  - {name: A, channel: C1, at: '09:00', kpis: [fcr]}\n"
                   "  - {name: B, channel: C1, at: '09:00', kpis: [fcrr]}\n")
    code, _, err = kpibot(capsys, monkeypatch, url, "digest", "load", str(bad))
    assert code == 1 and "digest 2 (B)" in err and "nothing was loaded" in err
    assert kpibot(capsys, monkeypatch, url, "digest", "list")[1].startswith("no digests yet")


def test_run_without_a_token_says_what_to_set(url, capsys, monkeypatch):
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    kpibot(capsys, monkeypatch, url, "digest", "add", "A", "--channel", "C1", "--at", "09:00",
           "--kpis", "fcr")
    code, _, err = kpibot(capsys, monkeypatch, url, "digest", "run", "A")
    assert code == 1 and "SLACK_BOT_TOKEN is not set" in err


def test_add_with_business_hours_counts_that_kpi_in_business_hours(sqlite_db, capsys,
                                                                    monkeypatch):
    """`--business-hours frt`: the digest's FRT in business hours (the default calendar:
    Mon–Fri 09:00–17:00 in the workspace zone, UTC), its resolution time in calendar time. A
    09:00 digest on Saturdays covers Friday 20 Nov: X created 16:30, answered 18:00 (90 min;
    30 in business hours), solved 18:30; Y created 10:00, answered 10:20 (20 min; 20), solved
    11:00. FRT in business hours (30 + 20) / 2 = 25 min (the target of 30 min met);
    resolution time (120 + 60) / 2 = 90 min."""
    from datetime import datetime, timezone

    from tests.builders import add_tickets

    utc = timezone.utc
    add_tickets(sqlite_db,
                dict(id="X", created_at=datetime(2026, 11, 20, 16, 30, tzinfo=utc),
                     first_response_at=datetime(2026, 11, 20, 18, tzinfo=utc),
                     solved_at=datetime(2026, 11, 20, 18, 30, tzinfo=utc), status="solved"),
                dict(id="Y", created_at=datetime(2026, 11, 20, 10, tzinfo=utc),
                     first_response_at=datetime(2026, 11, 20, 10, 20, tzinfo=utc),
                     solved_at=datetime(2026, 11, 20, 11, tzinfo=utc), status="solved"))
    url = sqlite_db.url.render_as_string(hide_password=False)
    monkeypatch.setenv("KPIBOT_TZ", "UTC")
    code, out, err = kpibot(capsys, monkeypatch, url, "digest", "add", "Friday", "--channel",
                            "C1", "--at", "09:00", "--days", "sat", "--kpis",
                            "frt,resolution_time", "--business-hours", "frt", "--target",
                            "frt<=30min")
    assert code == 0, err
    assert "frt in business hours, resolution_time ·" in out
    code, out, _ = kpibot(capsys, monkeypatch, url, "digest", "list", "--json")
    assert json.loads(out)[0]["kpis"] == [
        {"metric": "frt", "target": "<= 30min", "business_hours": True}, "resolution_time"]
    code, out, _ = kpibot(capsys, monkeypatch, url, "digest", "preview", "Friday", "--json")
    frt, resolution = json.loads(out)["kpis"]
    assert (frt["value"], frt["n"]) == (25 * 60, 2)
    assert frt["business_hours"]["calendar"].startswith("Mon–Fri 09:00–17:00 UTC")
    assert (resolution["value"], resolution["n"]) == (90 * 60, 2)
    assert "business_hours" not in resolution


def test_business_hours_for_a_kpi_that_is_no_time_is_one_line(url, capsys, monkeypatch):
    code, out, err = kpibot(capsys, monkeypatch, url, "digest", "add", "X", "--channel", "C1",
                            "--at", "09:00", "--kpis", "csat,frt", "--business-hours", "csat")
    assert code == 1 and out == "" and err.count("\n") == 1
    assert "csat is not counted in business hours" in err
    code, out, err = kpibot(capsys, monkeypatch, url, "digest", "add", "X", "--channel", "C1",
                            "--at", "09:00", "--kpis", "frt", "--business-hours",
                            "resolution_time")
    assert code == 1 and "resolution_time is not among the KPIs" in err
    assert kpibot(capsys, monkeypatch, url, "digest", "list")[1].startswith("no digests yet")
