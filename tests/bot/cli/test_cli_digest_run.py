"""`kpibot digest run` against the Slack double: it posts the digest for the period its
schedule covers, once; a second run posts nothing unless --force."""

from __future__ import annotations

from tests.builders import run_kpibot

NOW = "2026-11-22T14:05:00+00:00"


def kpibot(capsys, monkeypatch, url, *args):
    return run_kpibot(capsys, monkeypatch, *args, "--db", url, "--now", NOW)


def test_run_posts_once_for_its_period_unless_forced(sqlite_db, capsys, monkeypatch, slack):
    url = sqlite_db.url.render_as_string(hide_password=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    monkeypatch.setenv("KPIBOT_DIGEST_CHARTS", "false")
    kpibot(capsys, monkeypatch, url, "digest", "add", "A", "--channel", "C1", "--at", "09:00",
           "--kpis", "fcr")
    code, out, _ = kpibot(capsys, monkeypatch, url, "digest", "run", "A")
    assert code == 0 and out.startswith("posted 'A' due Sun 22 Nov 2026 in C1")
    code, out, _ = kpibot(capsys, monkeypatch, url, "digest", "run", "A")
    assert code == 0 and "nothing posted" in out and "already posted" in out
    code, out, _ = kpibot(capsys, monkeypatch, url, "digest", "run", "A", "--force")
    assert out.startswith("posted")
    top = [c for c in slack.calls("chat.postMessage") if not c.params.get("thread_ts")]
    assert len(top) == 2


