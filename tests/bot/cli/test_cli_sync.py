"""The command line of the helpdesks: `kpibot import --from zendesk|freshdesk PATH…` (the
report, bad items one sentence each by file and position, nothing written, --skip-bad, --json)
and `kpibot sync zendesk|freshdesk|status` against the API doubles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.sandbox.freshdesk_double import FreshdeskDouble, freshdesk_desk
from bot.sandbox.zendesk_double import ZendeskDouble, zendesk_desk
from tests.builders import run_kpibot

DATA = Path(__file__).parents[2] / "kpi_engine" / "ingest" / "data"
NOW = "2026-11-22T14:05:00+00:00"


@pytest.fixture
def url(sqlite_db) -> str:
    return sqlite_db.url.render_as_string(hide_password=False)


def test_import_from_zendesk_reports_and_reimport_changes_nothing(capsys, monkeypatch, url):
    code, out, err = run_kpibot(capsys, monkeypatch, "import", "--from", "zendesk",
                                str(DATA / "zendesk"), "--db", url)
    assert (code, err) == (0, "")
    assert out.splitlines()[:3] == [
        "zendesk: 3 files, 3 pages",
        "tickets: 10 read — 9 new, 0 updated, 0 unchanged, 0 removed",
        "ratings: 6 read — 5 new, 0 updated, 0 unchanged"]
    code, out, _ = run_kpibot(capsys, monkeypatch, "import", "--from", "zendesk",
                              str(DATA / "zendesk" / "tickets-1.json"),
                              str(DATA / "zendesk" / "tickets-2.json"),
                              str(DATA / "zendesk" / "ratings.json"), "--db", url, "--json")
    report = json.loads(out)
    assert (code, report["tickets_unchanged"], report["ratings_unchanged"]) == (0, 9, 5)
    code, out, _ = run_kpibot(capsys, monkeypatch, "kpi", "csat", "--start", "2026-11-01",
                              "--end", "2026-11-20", "--db", url, "--now", NOW, "--json")
    assert (code, json.loads(out)["value"], json.loads(out)["n"]) == (0, 0.75, 4)


def test_import_from_freshdesk(capsys, monkeypatch, url):
    code, out, _ = run_kpibot(capsys, monkeypatch, "import", "--from", "freshdesk",
                              str(DATA / "freshdesk"), "--db", url)
    assert code == 0
    assert "tickets: 8 read — 7 new, 0 updated, 0 unchanged, 0 removed" in out


def test_bad_items_are_listed_and_nothing_is_written(capsys, monkeypatch, url, tmp_path):
    page = json.loads((DATA / "zendesk" / "tickets-1.json").read_text())
    page["tickets"][1]["via"]["channel"] = "fax"
    (tmp_path / "page.json").write_text(json.dumps(page))
    (tmp_path / "junk.json").write_text('{"hello": "world"}')
    code, out, err = run_kpibot(capsys, monkeypatch, "import", "--from", "zendesk",
                                str(tmp_path), "--db", url)
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "kpibot: 2 bad items in the Zendesk export; nothing was written (first: junk.json: not "
        "a Zendesk page: expected an incremental ticket export page (tickets, metric_sets, "
        "users, groups) or a satisfaction ratings page (satisfaction_ratings))",
        "  junk.json: not a Zendesk page: expected an incremental ticket export page (tickets, "
        "metric_sets, users, groups) or a satisfaction ratings page (satisfaction_ratings)",
        "  page.json, tickets[1]: ticket 102: via.channel 'fax' is not a channel kpibot knows; "
        "map it with ZENDESK_CHANNELS=fax=web (or chat, email, phone, social, slack)",
        "Nothing was written. Fix the items above, or pass --skip-bad to write the rest."]
    code, out, _ = run_kpibot(capsys, monkeypatch, "import", "--from", "zendesk",
                              str(tmp_path), "--db", url, "--json")
    data = json.loads(out)
    assert code == 1 and data["report"]["written"] is False
    assert [bad["position"] for bad in data["report"]["bad_items"]] == ["", "tickets[1]"]
    code, out, err = run_kpibot(capsys, monkeypatch, "import", "--from", "zendesk",
                                str(tmp_path), "--db", url, "--skip-bad")
    assert code == 0
    assert "tickets: 5 read — 4 new" in out and "skipped 2 bad items:" in err


def test_import_options_that_do_not_fit(capsys, monkeypatch, url, tmp_path):
    code, _, err = run_kpibot(capsys, monkeypatch, "import", "--from", "zendesk",
                              str(DATA / "zendesk"), "--surveys", "s.csv", "--db", url)
    assert code == 1 and "a helpdesk's export carries its ratings in its own pages" in err
    code, _, err = run_kpibot(capsys, monkeypatch, "import", "a.csv", "b.csv", "--db", url)
    assert code == 1 and "give one tickets CSV" in err
    code, _, err = run_kpibot(capsys, monkeypatch, "import", "--from", "zendesk", "--db", url)
    assert code == 1 and "give the zendesk export's files" in err
    code, _, err = run_kpibot(capsys, monkeypatch, "import", "--from", "zendesk",
                              str(tmp_path / "nothing"), "--db", url)
    assert code == 1 and "no such file or directory" in err


def _zendesk_env(monkeypatch, double, token="zd-token"):
    monkeypatch.setenv("ZENDESK_URL", double.url)
    monkeypatch.setenv("ZENDESK_EMAIL", "lead@acme.example")
    monkeypatch.setenv("ZENDESK_API_TOKEN", token)


def test_sync_zendesk_then_status(capsys, monkeypatch, url):
    with ZendeskDouble(page_size=5, desk=zendesk_desk(12)) as double:
        _zendesk_env(monkeypatch, double)
        code, out, err = run_kpibot(capsys, monkeypatch, "sync", "zendesk", "--db", url)
        assert (code, err) == (0, "")
        lines = out.splitlines()
        assert lines[:3] == ["Zendesk tickets: 3 pages",
                             "tickets: 12 read — 12 new, 0 updated, 0 unchanged, 0 removed",
                             "ratings: 0 read — 0 new, 0 updated, 0 unchanged"]
        assert lines[3] == "Zendesk ratings: 1 page" and lines[-1].startswith("done: 4 requests")
        code, out, _ = run_kpibot(capsys, monkeypatch, "sync", "zendesk", "--db", url, "--json")
        report = json.loads(out)
        assert code == 0 and report["streams"]["tickets"]["tickets_read"] == 0
    code, out, _ = run_kpibot(capsys, monkeypatch, "sync", "status", "--db", url)
    assert code == 0
    assert [line.split(": last success ")[0] for line in out.splitlines()] == [
        "zendesk ratings", "zendesk tickets"]
    code, out, _ = run_kpibot(capsys, monkeypatch, "sync", "status", "--db", url, "--json")
    assert json.loads(out)["configured"] == ["zendesk"]


def test_sync_with_a_refused_token_exits_non_zero_with_one_sentence(capsys, monkeypatch, url):
    with ZendeskDouble(desk=zendesk_desk(3)) as double:
        _zendesk_env(monkeypatch, double, token="revoked")
        code, out, err = run_kpibot(capsys, monkeypatch, "sync", "zendesk", "--db", url)
        assert len(double.requests) == 1
    assert (code, out) == (1, "")
    assert err.startswith("kpibot: Zendesk refused the API token (401 Unauthorized): ")
    code, out, _ = run_kpibot(capsys, monkeypatch, "sync", "status", "--db", url)
    assert "last success never; last error: Zendesk refused the API token" in out


def test_sync_freshdesk_and_reset(capsys, monkeypatch, url):
    with FreshdeskDouble(desk=freshdesk_desk(7)) as double:
        monkeypatch.setenv("FRESHDESK_URL", double.url)
        monkeypatch.setenv("FRESHDESK_API_KEY", "fd-key")
        code, out, _ = run_kpibot(capsys, monkeypatch, "sync", "freshdesk", "--db", url)
        assert code == 0 and "tickets: 7 read — 7 new" in out
        code, out, _ = run_kpibot(capsys, monkeypatch, "sync", "freshdesk", "--reset", "--db",
                                  url)
        assert code == 0 and "tickets: 7 read — 0 new, 0 updated, 7 unchanged" in out
        first_since = [r.query["updated_since"] for r in double.paths("/api/v2/tickets")]
    assert first_since[0] == first_since[-1] == "2000-01-01T00:00:00Z"


def test_sync_of_a_helpdesk_not_configured(capsys, monkeypatch, url):
    for name in ("FRESHDESK_DOMAIN", "FRESHDESK_URL", "FRESHDESK_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    code, _, err = run_kpibot(capsys, monkeypatch, "sync", "freshdesk", "--db", url)
    assert code == 1
    assert err.startswith("kpibot: Freshdesk is not configured: set FRESHDESK_DOMAIN (or "
                          "FRESHDESK_URL), FRESHDESK_API_KEY")


def test_the_scheduler_syncs_each_configured_helpdesk(slack, sqlite_db):
    from datetime import timedelta

    from bot.scheduler import HELPDESK_JOB, sync_helpdesks
    from kpi_engine.storage.schema import tickets
    from tests.bot.test_digest_scheduler import scheduler_for, wait_until

    assert HELPDESK_JOB not in scheduler_for(slack, sqlite_db)._fixed_jobs  # none configured
    with ZendeskDouble(desk=zendesk_desk(4)) as double:
        scheduler = scheduler_for(slack, sqlite_db, zendesk_url=double.url,
                                  zendesk_email="lead@acme.example", zendesk_api_token="zd-token",
                                  sync_minutes=7)
        function, trigger = scheduler._fixed_jobs[HELPDESK_JOB]
        assert function is sync_helpdesks and trigger.interval == timedelta(minutes=7)
        scheduler.start()
        try:
            assert scheduler.scheduler.get_job(HELPDESK_JOB) is not None
            wait_until(lambda: _count(sqlite_db, tickets) == 4, timeout=30)  # run at start
        finally:
            scheduler.shutdown()


def _count(db, table) -> int:
    import sqlalchemy as sa

    with db.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(table)).scalar()
