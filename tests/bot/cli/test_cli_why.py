"""`kpibot why METRIC` as interfaces.md promises it: the change explained as text or as the JSON
of a change explained; one clear line on standard error and a non-zero status for what cannot
be explained; a sentence, never a made-up driver, when there is nothing to explain.

The desk: solved tickets of two teams, the week before (solved Wed 4 Nov) and last week (Wed 11
Nov): billing 8 of 10 one-touch both weeks; technical 5 of 10, then 2 of 10. FCR 13/20 = 65% →
10/20 = 50%, −15 pts; shares stay ½ and ½, so no mix: technical's rate effect is
½ · (20% − 50%) = −15 pts, billing's 0. Every ticket is on chat, tier 1, priority normal, agent
Asha Rao (one value each: not split), no tags.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from tests.builders import add_tickets, run_kpibot

NOW = "2026-11-22T14:05:00+00:00"


def _solved(ticket_id: str, day: int, team: str, *, one_touch: bool) -> dict:
    solved = datetime(2026, 11, day, 12, tzinfo=timezone.utc)
    return dict(id=ticket_id, created_at=solved - timedelta(hours=4),
                first_response_at=solved - timedelta(hours=3), solved_at=solved,
                status="solved", team=team, agent_replies=1 if one_touch else 2)


@pytest.fixture
def desk(sqlite_db):
    add_tickets(sqlite_db, *(
        _solved(f"{team}-{day}-{i}", day, team, one_touch=i < one_touch)
        for day, counts in ((4, {"billing": 8, "technical": 5}),
                            (11, {"billing": 8, "technical": 2}))
        for team, one_touch in counts.items() for i in range(10)))
    return sqlite_db.url.render_as_string(hide_password=False)


def why(capsys, monkeypatch, desk, *args):
    return run_kpibot(capsys, monkeypatch, "why", *args, "--db", desk, "--now", NOW)


def test_why_json_is_the_change_explained_of_interfaces_md(desk, capsys, monkeypatch):
    code, out, _ = why(capsys, monkeypatch, desk, "fcr", "--period", "last week", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["metric"] == "fcr" and data["explain_change"] is True
    assert (data["value"], data["n"]) == (pytest.approx(0.5), 20)
    assert data["previous"]["value"] == pytest.approx(0.65) and data["previous"]["n"] == 20
    assert data["previous"]["period"]["label"] == "the week before"
    assert data["change"] == pytest.approx(-0.15)
    [team] = data["dimensions"]
    assert team["dimension"] == "team" and team["additive"] and team["segments_total"] == 2
    technical, billing = team["segments"]
    assert technical["segment"] == "technical"
    assert technical["rate_effect"] == pytest.approx(-0.15)
    assert technical["mix_effect"] == pytest.approx(0.0, abs=1e-12)
    assert (technical["value"], technical["n"]) == (pytest.approx(0.2), 10)
    assert technical["previous"] == {"value": pytest.approx(0.5), "n": 10}
    assert (technical["share"], technical["previous_share"]) == (0.5, 0.5)
    assert billing["contribution"] == pytest.approx(0.0, abs=1e-12)
    assert "not split by channel: every ticket has channel chat" in data["notes"]
    assert "not split by tag: no ticket has a tag" in data["notes"]
    assert {"method", "alpha", "tests", "drivers", "summary", "definition"} <= set(data)


def test_why_as_text_lists_the_segments_with_their_effects(desk, capsys, monkeypatch):
    code, out, _ = why(capsys, monkeypatch, desk, "fcr", "--period", "last week", "--by", "team")
    assert code == 0
    assert out.startswith("Why first contact resolution changed — last week")
    assert "first contact resolution fell 15.0 pts (65.0% → 50.0%" in out
    assert "technical −15.0 pts (rate −15.0 pts, mix ±0.0 pts; 50.0% → 20.0%, n = 10 tickets)" \
        in out


def test_why_with_no_change_says_so_in_one_sentence(desk, capsys, monkeypatch):
    # billing alone: 8 of 10 both weeks
    code, out, _ = why(capsys, monkeypatch, desk, "fcr", "--period", "last week", "--where",
                       "team=billing", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["reason"] == ("first contact resolution did not change (80.0% in last week and "
                              "in the week before): nothing to explain")
    assert data["dimensions"] == [] and data["drivers"] == []


def test_why_with_no_data_in_the_earlier_period_says_so(desk, capsys, monkeypatch):
    code, out, _ = why(capsys, monkeypatch, desk, "fcr", "--period", "last week", "--vs",
                       "last month", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["previous"]["n"] == 0 and data["drivers"] == []
    assert data["reason"] == ("no change of first contact resolution to explain: there are no "
                              "tickets in last month (n = 0), so there is nothing to compare")


@pytest.mark.parametrize(("args", "said"), [
    (("fcr", "--period", "last week", "--by", "customer"), "not by customer"),
    (("fcr", "--by", "team", "--period", "next week"), "next week"),
])
def test_what_cannot_be_explained_is_one_line_on_stderr(desk, capsys, monkeypatch, args, said):
    code, out, err = why(capsys, monkeypatch, desk, *args)
    assert code != 0 and out == ""
    assert said in err
