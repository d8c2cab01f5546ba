"""The `kpibot` command line as interfaces.md promises it: exit codes, JSON on standard output,
one clear line on standard error for bad input, never a traceback, never a made-up number."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from tests.builders import add_survey_responses, add_tickets, run_kpibot

U = timezone.utc
NOW = "2026-11-22T14:05:00+00:00"


@pytest.fixture
def desk(sqlite_db):
    """Four tickets solved last week (Nov 9–15): two one-touch, one with 2 replies, one reopened;
    two CSAT answers (5 and 2)."""
    add_tickets(
        sqlite_db,
        dict(id="a", created_at=datetime(2026, 11, 9, 9, tzinfo=U), solved_at=datetime(2026, 11, 9, 10, tzinfo=U),
             first_response_at=datetime(2026, 11, 9, 9, 30, tzinfo=U), status="solved", team="billing"),
        dict(id="b", created_at=datetime(2026, 11, 10, 9, tzinfo=U), solved_at=datetime(2026, 11, 10, 10, tzinfo=U),
             status="solved", team="billing"),
        dict(id="c", created_at=datetime(2026, 11, 11, 9, tzinfo=U), solved_at=datetime(2026, 11, 12, 9, tzinfo=U),
             status="solved", agent_replies=2, team="technical", tier=2),
        dict(id="d", created_at=datetime(2026, 11, 12, 9, tzinfo=U), solved_at=datetime(2026, 11, 13, 9, tzinfo=U),
             status="solved", reopens=1, team="technical", tier=2),
    )
    add_survey_responses(
        sqlite_db,
        dict(ticket_id="a", kind="csat", score=5, responded_at=datetime(2026, 11, 9, 11, tzinfo=U)),
        dict(ticket_id="c", kind="csat", score=2, responded_at=datetime(2026, 11, 12, 10, tzinfo=U)),
    )
    return sqlite_db.url.render_as_string(hide_password=False)


def test_kpi_json_is_the_contract_answer(desk, capsys, monkeypatch):
    code, out, _ = run_kpibot(capsys, monkeypatch, "kpi", "fcr", "--period", "last week", "--db", desk, "--now", NOW, "--json")
    assert code == 0
    answer = json.loads(out)
    # a and b are one-touch; c has two replies; d was reopened: 2 of 4.
    assert answer["value"] == pytest.approx(2 / 4)
    assert answer["n"] == 4
    assert answer["metric"] == "fcr" and answer["unit"] == "ratio"
    assert answer["period"] == {"start": "2026-11-09T00:00:00+00:00", "end": "2026-11-16T00:00:00+00:00",
                                "label": "last week"}
    assert answer["filters"] == {} and answer["group_by"] == [] and answer["rows"] == []
    assert answer["previous"] is None
    assert "one agent reply" in answer["definition"]


def test_kpi_filters_breakdown_and_compare(desk, capsys, monkeypatch):
    code, out, _ = run_kpibot(capsys, monkeypatch, "kpi", "fcr", "--period", "last week", "--where", "tier=2",
                       "--by", "team", "--compare", "--db", desk, "--now", NOW, "--json")
    assert code == 0
    answer = json.loads(out)
    assert answer["filters"] == {"tier": ["2"]}
    assert (answer["value"], answer["n"]) == (0.0, 2)  # c and d both miss
    assert [row["group"] for row in answer["rows"]] == [{"team": "technical"}]
    assert answer["previous"]["n"] == 0 and answer["previous"]["value"] is None
    assert answer["previous"]["period"]["start"] == "2026-11-02T00:00:00+00:00"


def test_kpi_human_output_reads_at_a_glance(desk, capsys, monkeypatch):
    code, out, _ = run_kpibot(capsys, monkeypatch, "kpi", "csat", "--period", "last week", "--db", desk, "--now", NOW)
    assert code == 0
    assert "50.0%" in out  # one of two answers scored 4–5
    assert "n = 2 responses" in out
    assert "Mon 9 Nov" in out and "how computed:" in out


def test_kpi_without_a_period_assumes_last_7_days(desk, capsys, monkeypatch):
    code, out, _ = run_kpibot(capsys, monkeypatch, "kpi", "resolved", "--db", desk, "--now", NOW, "--json")
    assert code == 0
    answer = json.loads(out)
    assert answer["assumptions"] == ["no period given: last 7 days"]
    assert answer["period"]["start"] == "2026-11-15T14:05:00+00:00"


def test_kpi_trend_by_week_json(desk, capsys, monkeypatch):
    code, out, _ = run_kpibot(capsys, monkeypatch, "kpi", "fcr", "--start", "2026-11-02", "--end",
                              "2026-11-16", "--trend", "week", "--db", desk, "--now", NOW, "--json")
    assert code == 0
    answer = json.loads(out)
    assert answer["trend"] == "week" and answer["group_by"] == []
    # Mon 2 – Sun 8: nothing solved; Mon 9 – Sun 15: a, b one-touch, c two replies, d reopened
    assert answer["rows"] == [
        {"group": {"week": "2026-11-02"}, "value": None, "n": 0},
        {"group": {"week": "2026-11-09"}, "value": 0.5, "n": 4},
    ]
    assert (answer["value"], answer["n"]) == (0.5, 4)


def test_kpi_trend_by_day_reads_as_a_table_in_time_order(desk, capsys, monkeypatch):
    code, out, _ = run_kpibot(capsys, monkeypatch, "kpi", "fcr", "--period", "last week",
                              "--trend", "day", "--db", desk, "--now", NOW)
    assert code == 0
    lines = [line.split() for line in out.splitlines() if line.strip()[:3] in
             ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")]
    # a (Mon 9) and b (Tue 10) one-touch; c (solved Thu 12) and d (Fri 13) not
    assert lines == [["Mon", "9", "Nov", "100.0%", "1"], ["Tue", "10", "Nov", "100.0%", "1"],
                     ["Wed", "11", "Nov", "no", "data", "0"], ["Thu", "12", "Nov", "0.0%", "1"],
                     ["Fri", "13", "Nov", "0.0%", "1"], ["Sat", "14", "Nov", "no", "data", "0"],
                     ["Sun", "15", "Nov", "no", "data", "0"]]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["kpi", "fcr", "--trend", "hourly"], "day, week, month"),
        (["kpi", "fcr", "--trend", "day", "--by", "team"], "breakdown"),
        (["kpi", "fcr", "--trend", "week", "--by", "team", "--limit", "2"], "breakdown"),
        (["kpi", "fcr", "--trend", "day", "--limit", "2"], "limit"),
        (["kpi", "fcr", "--trend", "day", "--start", "2025-01-01", "--end", "2026-11-01"], "400"),
    ],
    ids=["unknown-step", "with-a-breakdown", "with-a-breakdown-and-limit", "with-a-limit",
         "too-many-days"],
)
def test_a_trend_that_cannot_be_computed_is_one_clear_line(desk, capsys, monkeypatch, args,
                                                           words):
    code, out, err = run_kpibot(capsys, monkeypatch, *args, "--db", desk, "--now", NOW)
    assert (code, out) == (1, "")
    assert err.startswith("kpibot: ") and err.count("\n") == 1 and words in err
    code, out, _ = run_kpibot(capsys, monkeypatch, *args, "--db", desk, "--now", NOW, "--json")
    answer = json.loads(out)
    assert code == 1 and words in answer["error"] and answer["suggestions"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["kpi", "frst_response"], "frt"),
        (["kpi", "fcr", "--by", "colour"], "tier"),
        (["kpi", "fcr", "--where", "tier=9"], "tier"),
        (["kpi", "fcr", "--where", "team=biling", "--period", "last week"], "billing"),
        (["kpi", "fcr", "--period", "between Oct 15 and Oct 1"], "before"),
        (["kpi", "fcr", "--now", "yesterday-ish"], "--now"),
        (["kpi", "fcr", "--tz", "Mars/Base"], "time zone"),
        (["kpi", "fcr", "--start", "2026-11-01"], "--end"),
    ],
    ids=["unknown-metric", "unknown-dimension", "unknown-tier", "unknown-team", "impossible-period",
         "malformed-now", "unknown-zone", "start-without-end"],
)
def test_bad_input_gets_one_clear_line_and_no_number(desk, capsys, monkeypatch, args, words):
    code, out, err = run_kpibot(capsys, monkeypatch, *args, "--db", desk, *(["--now", NOW] if "--now" not in args else []))
    assert code == 1
    assert out == ""
    assert err.startswith("kpibot: ") and err.count("\n") == 1
    assert words in err

    code, out, err = run_kpibot(capsys, monkeypatch, *args, "--db", desk,
                         *(["--now", NOW] if "--now" not in args else []), "--json")
    assert code == 1
    answer = json.loads(out)
    assert set(answer) == {"error", "suggestions"} and answer["error"]
    assert "value" not in answer


def test_unreachable_database_is_a_clear_message(capsys, monkeypatch):
    code, out, err = run_kpibot(capsys, monkeypatch, "kpi", "fcr", "--db",
                         "postgresql+psycopg://nobody@127.0.0.1:1/none", "--now", NOW)
    assert code == 1
    assert "cannot reach the database" in err and err.count("\n") == 1


def test_not_a_database_url(capsys, monkeypatch):
    code, _, err = run_kpibot(capsys, monkeypatch, "kpi", "fcr", "--db", "not a url", "--now", NOW)
    assert code == 1 and "not a database URL" in err


def test_usage_error_with_json_prints_json(capsys, monkeypatch):
    code, out, _ = run_kpibot(capsys, monkeypatch, "kpi", "fcr", "--bogus", "--json")
    assert code == 2
    assert "error" in json.loads(out)


def test_explain_prints_the_sql_without_running_it(desk, capsys, monkeypatch):
    code, out, _ = run_kpibot(capsys, monkeypatch, "kpi", "fcr", "--period", "last week", "--db", desk,
                       "--now", NOW, "--explain")
    assert code == 0
    assert out.startswith("-- share of tickets solved")
    assert "FROM tickets AS t" in out and "GROUP BY" not in out


def test_demo_builds_a_desk_and_shows_last_week(tmp_path, capsys, monkeypatch):
    url = f"sqlite:///{tmp_path / 'demo' / 'kpibot-demo.db'}"
    code, out, _ = run_kpibot(capsys, monkeypatch, "demo", "--tickets", "3000", "--db", url, "--now", NOW)
    assert code == 0
    assert "Generated 3,000 tickets" in out
    assert "last week (Mon 9 Nov – Sun 15 Nov 2026) vs the week before" in out
    for label in ("First contact resolution", "Customer satisfaction (CSAT)", "Backlog"):
        assert label in out
    # the tier-1 morning digest: posted on weekdays at 09:00, so on Sunday it covers Thursday
    assert "Tier 1 morning — yesterday (Thu 19 Nov 2026)" in out
    # the support conversation through the real app against the Slack double
    assert "→ ticket C0HELPDESK-" in out and "Ben Okafor clicks [1] → told privately" in out
    assert "CSAT 5 stored" in out and "CES 6 stored" in out
    assert "100.0%   n = 1 response" in out
    # Running it again updates the same demo tickets in place: nothing new.
    code, out, _ = run_kpibot(capsys, monkeypatch, "demo", "--tickets", "3000", "--db", url, "--now", NOW)
    assert code == 0
    assert "(0 new, 0 updated, 3,000 unchanged tickets)" in out


TICKETS_CSV = """id,created_at,solved_at,status,channel,priority,tier,customer,agent_replies
t1,2026-11-10T09:00:00+01:00,2026-11-10T10:00:00+01:00,solved,chat,normal,1,c1,1
t2,2026-11-11T09:00:00Z,2026-11-11T12:00:00Z,solved,Email,high,2,c2,2
"""


def test_import_twice_changes_nothing_and_a_bad_row_writes_nothing(tmp_path, capsys, monkeypatch):
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    good = tmp_path / "tickets.csv"
    good.write_text(TICKETS_CSV, encoding="utf-8")
    code, out, _ = run_kpibot(capsys, monkeypatch, "import", str(good), "--db", url)
    assert code == 0 and "2 read — 2 new, 0 updated, 0 unchanged" in out
    code, out, _ = run_kpibot(capsys, monkeypatch, "import", str(good), "--db", url)
    assert code == 0 and "2 read — 0 new, 0 updated, 2 unchanged" in out

    bad = tmp_path / "more.csv"
    bad.write_text(TICKETS_CSV.replace("t1,", "t3,").replace("chat", "fax"), encoding="utf-8")
    code, out, err = run_kpibot(capsys, monkeypatch, "import", str(bad), "--db", url)
    assert code == 1 and out == ""
    assert "more.csv line 2: channel 'fax' is not one of chat, email, phone, slack, web, social" in err
    assert "Nothing was written" in err
    code, out, _ = run_kpibot(capsys, monkeypatch, "kpi", "resolved", "--period", "last week", "--db", url,
                       "--now", NOW, "--json")
    assert json.loads(out)["n"] == 2  # t1 and t2: the rejected file's t3 was not written


def test_kpi_where_not_equal_leaves_those_values_out(desk, capsys, monkeypatch):
    code, out, _ = run_kpibot(capsys, monkeypatch, "kpi", "fcr", "--period", "last week",
                              "--where", "team!=billing", "--db", desk, "--now", NOW, "--json")
    assert code == 0
    answer = json.loads(out)
    # without billing's a and b, only c (two replies) and d (reopened) remain: 0 of 2
    assert (answer["value"], answer["n"]) == (0.0, 2)
    assert answer["filters"] == {} and answer["exclude"] == {"team": ["billing"]}


def test_kpi_statistic_makes_the_median_the_value(desk, capsys, monkeypatch):
    code, out, _ = run_kpibot(capsys, monkeypatch, "kpi", "resolution_time", "--period",
                              "last week", "--statistic", "median", "--db", desk, "--now", NOW,
                              "--json")
    assert code == 0
    answer = json.loads(out)
    # resolution times 1 h, 1 h, 24 h, 24 h: the interpolated median is (1 h + 24 h) / 2,
    # which is also the mean here — the p90 below (24 h) is what tells them apart
    assert answer["statistic"] == "median" and answer["value"] == pytest.approx(12.5 * 3600)
    code, out, _ = run_kpibot(capsys, monkeypatch, "kpi", "resolution_time", "--period",
                              "last week", "--statistic", "p90", "--db", desk, "--now", NOW,
                              "--json")
    answer = json.loads(out)
    assert answer["value"] == pytest.approx(24 * 3600)
    assert answer["details"]["mean"] == pytest.approx(12.5 * 3600)


@pytest.mark.parametrize(("metric", "threshold"), [("fcr", "<60%"), ("fcr", "< 0.6"),
                                                    ("resolution_time", ">4h")])
def test_kpi_threshold_keeps_the_groups_past_it(desk, capsys, monkeypatch, metric, threshold):
    code, out, _ = run_kpibot(capsys, monkeypatch, "kpi", metric, "--period", "last week",
                              "--by", "team", "--threshold", threshold, "--db", desk, "--now",
                              NOW, "--json")
    assert code == 0
    answer = json.loads(out)
    # billing: FCR 2/2, resolution 1 h; technical: FCR 0/2, resolution 24 h
    assert [row["group"] for row in answer["rows"]] == [{"team": "technical"}]
    assert answer["threshold"]["op"] in ("<", ">")


@pytest.mark.parametrize(
    ("args", "words"),
    [(["kpi", "fcr", "--by", "team", "--threshold", "about 5"], "operator"),
     (["kpi", "fcr", "--by", "team", "--threshold", "<150%"], "between"),
     (["kpi", "fcr", "--threshold", "<60%"], "by what"),
     (["kpi", "fcr", "--statistic", "median"], "not a time"),
     (["kpi", "fcr", "--where", "team!="], "no value")],
    ids=["no-operator", "rate-past-100", "without-breakdown", "median-of-a-rate", "empty-not"],
)
def test_bad_threshold_or_statistic_is_one_clear_line(desk, capsys, monkeypatch, args, words):
    code, out, err = run_kpibot(capsys, monkeypatch, *args, "--period", "last week", "--db",
                                desk, "--now", NOW)
    assert (code, out) == (1, "")
    assert err.startswith("kpibot: ") and err.count("\n") == 1 and words in err
