"""`kpibot support-channel add|list|remove`: the channels whose threads are support
conversations, with their team and tier; bad input is one clear line."""

from __future__ import annotations

import json

from tests.builders import run_kpibot


def test_add_change_list_and_remove(sqlite_db, capsys, monkeypatch):
    url = sqlite_db.url.render_as_string(hide_password=False)
    code, out, _ = run_kpibot(capsys, monkeypatch, "support-channel", "add", "C0HELP",
                              "--team", "billing", "--db", url)
    assert code == 0 and out == "support channel C0HELP: team billing, tier 1\n"
    run_kpibot(capsys, monkeypatch, "support-channel", "add", "<#C0VIP|vip>", "--tier", "3",
               "--db", url)
    run_kpibot(capsys, monkeypatch, "support-channel", "add", "C0HELP", "--team", "accounts",
               "--tier", "2", "--db", url)
    code, out, _ = run_kpibot(capsys, monkeypatch, "support-channel", "list", "--json",
                              "--db", url)
    assert json.loads(out) == [{"channel": "C0HELP", "team": "accounts", "tier": 2},
                               {"channel": "C0VIP", "team": None, "tier": 3}]
    assert run_kpibot(capsys, monkeypatch, "support-channel", "remove", "C0VIP",
                      "--db", url)[0] == 0
    code, _, err = run_kpibot(capsys, monkeypatch, "support-channel", "remove", "C0VIP",
                              "--db", url)
    assert code == 1 and "C0VIP is not a support channel" in err


def test_a_channel_name_is_not_an_id(sqlite_db, capsys, monkeypatch):
    url = sqlite_db.url.render_as_string(hide_password=False)
    code, out, err = run_kpibot(capsys, monkeypatch, "support-channel", "add", "#help",
                                "--db", url)
    assert code == 1 and out == "" and "'#help' is not a Slack channel id" in err
    code, _, err = run_kpibot(capsys, monkeypatch, "support-channel", "add", "C1", "--tier",
                              "9", "--db", url)
    assert code == 2 and "9 is not in the range 1<=x<=3" in err
